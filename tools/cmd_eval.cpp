// mvpose3d eval --config FILE --checkpoint CKPT [--set KEY=VALUE ...] [--out DIR]
// [--fold-batchnorm]
//
// Evaluates a checkpoint on the camera sets of eval.camera_sets (--set eval.camera_sets=[...] to
// pick others) and of eval.view_counts (unseen rigs of other camera counts), and writes the tables
// (results.md, .csv, .tex), the flat metrics (eval_metrics.json: the keys of final_metrics.json,
// for scripts/seed_summary.py) and, with eval.save_predictions, the predicted joints into DIR
// (default: a new run directory <output_root>/<name>-eval/<time>/), with config.resolved.yaml and
// env.txt as in a run directory.
#include "mvpose3d/config/run_config.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/eval/run_evaluation.h"
#include "mvpose3d/models/pose_net.h"
#include "mvpose3d/run/run_dir.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "tools/commands.h"

namespace mvpose3d::tools {

namespace fs = std::filesystem;

void add_eval_command(CLI::App& app) {
  struct Options {
    std::string config;
    std::string checkpoint;
    std::vector<std::string> overrides;
    std::string out;
    bool fold_batchnorm = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* command =
      app.add_subcommand("eval", "Evaluate a checkpoint: MPJPE tables in the paper's layout");
  add_input_file_option(
      command, "--config", o->config, "run config YAML (the model and data it was trained with)");
  add_input_file_option(
      command, "--checkpoint", o->checkpoint, "checkpoint file (checkpoints/best.pt)");
  add_set_option(command, o->overrides, "override one key, e.g. --set eval.samples=200");
  command->add_option("--out", o->out, "output directory (default: a new run directory)")
      ->type_name("DIR");
  command->add_flag("--fold-batchnorm",
                    o->fold_batchnorm,
                    "fold BatchNorm into the convolutions first: fewer kernels per forward, the "
                    "same results up to float rounding");

  command->callback([o] {
    LoadedConfig loaded = load_config_with_origins(o->config, o->overrides);
    loaded.name += "-eval";
    loaded.config.name = loaded.name;
    const RunConfig& config = loaded.config;
    // Check the datasets and the checkpoint before creating any output directory.
    const auto sets = eval::make_eval_datasets(config);
    auto net = models::make_model(config);
    models::load_model(net, o->checkpoint);  // the weights of a training checkpoint
    if (o->fold_batchnorm) {
      net->eval();
      spdlog::info("folded {} BatchNorm layers into their convolutions", net->fold_batchnorm());
    }
    const fs::path dir = o->out.empty() ? start_run(loaded, command_line()) : fs::path(o->out);
    if (!o->out.empty()) prepare_run_dir(config, dir, command_line());
    if (config.threads > 0) at::set_num_threads(config.threads);
    const at::Device device = eval::default_device();
    net->to(device);
    spdlog::info("evaluating {} on {}", o->checkpoint, device.str());
    const eval::EvalSummary summary =
        eval::evaluate_model(net, config, device, sets, config.eval.save_predictions);
    summary.write(dir, "results");
    write_file_atomic(dir / "eval_metrics.json", summary.to_json() + "\n");
    std::fputs(summary.full_report().c_str(), stdout);
    spdlog::info("tables in {}", (dir / "results.md").string());
  });
}

}  // namespace mvpose3d::tools
