// `mvpose3d bench ...`: benchmarks that put our numbers beside the paper's and the peers'.
#include "tools/bench/bench_dlt.h"
#include "tools/bench/bench_model.h"
#include "tools/bench/bench_train.h"
#include "tools/commands.h"

namespace mvpose3d::tools {

void add_bench_command(CLI::App& app) {
  CLI::App* bench =
      app.add_subcommand("bench", "Benchmarks (results as CSV/JSON, plotted by scripts/)");
  bench->require_subcommand(1);
  add_bench_dlt_command(*bench);
  add_bench_model_command(*bench);
  add_bench_train_command(*bench);
}

}  // namespace mvpose3d::tools
