// mvpose3d sweep FILE [--set KEY=VALUE ...] [--only RUN ...] [--worker I/N | --table]
//
// Trains and evaluates every run of a sweep file (train/sweep.h) in turn, skipping finished runs
// and resuming interrupted ones, then prints the comparison table and writes it to
// <output_root>/<sweep name>/sweep_results.{md,csv,tex}. Exit status 1 when a run failed (the
// others still ran). --worker I/N runs only every N-th run (from the I-th), so N shells or a SLURM
// array split a sweep; --table then makes the table of all runs, training nothing.
//
// Under torchrun or SLURM every process runs this command and the job trains each run
// data-parallel, as `mvpose3d train` does (rank 0 prints and writes the table); with --worker I/N
// the job is worker I. --table runs in one process.
#include "mvpose3d/core/error.h"
#include "mvpose3d/distributed/launch_environment.h"
#include "mvpose3d/train/sweep.h"

#include <cstdio>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "tools/commands.h"

namespace mvpose3d::tools {

void add_sweep_command(CLI::App& app) {
  struct Options {
    std::string file;
    std::vector<std::string> overrides;
    std::vector<std::string> only;
    std::string worker;
    bool table = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "sweep", "Train and evaluate a list or grid of configs, then print one comparison table");
  add_input_file_option(command, "file", o->file, "sweep YAML (see configs/ablations/)");
  add_set_option(command, o->overrides, "override one key in every run (repeat for several)");
  command->add_option("--only", o->only, "run only this run, by name (repeat for several)")
      ->type_name("RUN")
      ->allow_extra_args(false);
  CLI::Option* worker =
      command
          ->add_option("--worker",
                       o->worker,
                       "be worker I of N: run only the runs I, I+N, I+2N, ... of the file (N "
                       "shells or a SLURM array with --worker $SLURM_ARRAY_TASK_ID/N split a "
                       "sweep); no table is written, make it with --table when all are done. Under "
                       "torchrun or srun the whole job is worker I")
          ->type_name("I/N");
  command
      ->add_flag("--table",
                 o->table,
                 "train nothing: make the comparison table of runs that have all finished (by "
                 "any workers); an error names those that have not")
      ->excludes(worker);

  command->callback([o] {
    // Under torchrun or srun every process of the job runs this command: together they train
    // each run data-parallel (rank 0 decides and writes, train/sweep.h).
    const distributed::LaunchEnvironment launch = distributed::read_launch_environment();
    if (o->table && launch.distributed()) {
      throw UsageError(fmt::format(
          "sweep --table: this process is rank {} of {} ({}), but --table trains nothing: run it "
          "as one process, without torchrun or srun",
          launch.rank,
          launch.world_size,
          launch.launcher));
    }
    const train::SweepSpec spec = train::load_sweep(o->file);
    train::SweepOptions options;
    options.extra_overrides = o->overrides;
    options.only = o->only;
    options.argv = command_line();
    options.launch = launch;
    if (!o->worker.empty()) {
      std::tie(options.worker_index, options.worker_count) = train::parse_sweep_worker(o->worker);
    }
    const train::SweepResult result =
        o->table ? train::collect_sweep(spec, options) : train::run_sweep(spec, options);
    if (result.has_table) std::fputs(("\n" + result.table.to_markdown()).c_str(), stdout);
    if (result.has_table && !result.dir.empty() && options.worker_count == 1) {
      spdlog::info("table in {}", (result.dir / "sweep_results.md").string());
    }
    if (result.failed() > 0) {
      throw Error(
          fmt::format("{} of {} runs failed (see above)", result.failed(), result.runs.size()));
    }
  });
}

}  // namespace mvpose3d::tools
