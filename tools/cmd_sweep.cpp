// mvpose3d sweep FILE [--set KEY=VALUE ...] [--only RUN ...]
//
// Trains and evaluates every run of a sweep file (train/sweep.h) in turn, skipping finished runs
// and resuming interrupted ones, then prints the comparison table and writes it to
// <output_root>/<sweep name>/sweep_results.{md,csv,tex}. Exit status 1 when a run failed (the
// others still ran).
#include "mvpose3d/core/error.h"
#include "mvpose3d/train/sweep.h"

#include <cstdio>
#include <memory>
#include <string>
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
  };
  auto o = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "sweep", "Train and evaluate a list or grid of configs, then print one comparison table");
  add_input_file_option(command, "file", o->file, "sweep YAML (see configs/ablations/)");
  add_set_option(command, o->overrides, "override one key in every run (repeat for several)");
  command->add_option("--only", o->only, "run only this run, by name (repeat for several)")
      ->type_name("RUN")
      ->allow_extra_args(false);

  command->callback([o] {
    const train::SweepSpec spec = train::load_sweep(o->file);
    train::SweepOptions options;
    options.extra_overrides = o->overrides;
    options.only = o->only;
    options.argv = command_line();
    const train::SweepResult result = train::run_sweep(spec, options);
    std::fputs(("\n" + result.table.to_markdown()).c_str(), stdout);
    if (!result.dir.empty()) {
      spdlog::info("table in {}", (result.dir / "sweep_results.md").string());
    }
    if (result.failed() > 0) {
      throw Error(
          fmt::format("{} of {} runs failed (see above)", result.failed(), result.runs.size()));
    }
  });
}

}  // namespace mvpose3d::tools
