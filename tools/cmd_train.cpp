// mvpose3d train --config FILE [--set KEY=VALUE ...] [--run-dir DIR] [--weights CKPT]
// mvpose3d train --resume RUN_DIR [--set KEY=VALUE ...]
//
// Trains the configured model in a new run directory (<output_root>/<name>/<timestamp>/, or
// --run-dir), or continues an interrupted run from its checkpoints/last.pt with the run's own
// config.resolved.yaml (--set may change it, e.g. train.steps to train longer).
//
// Under torchrun or SLURM (RANK/WORLD_SIZE or SLURM_PROCID/SLURM_NTASKS set), every process runs
// this command and they train one model data-parallel (docs/training.md): rank 0 creates the run
// directory and writes its files, the others log to rank<N>.log in it.
#include "mvpose3d/config/run_config.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/distributed/launch_environment.h"
#include "mvpose3d/distributed/process_group.h"
#include "mvpose3d/run/run_dir.h"
#include "mvpose3d/train/run.h"
#include "mvpose3d/train/trainer.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "tools/commands.h"

namespace mvpose3d::tools {

namespace fs = std::filesystem;

// The job this process belongs to, from the launcher's environment.
std::shared_ptr<distributed::DistributedContext> join(const RunConfig& config) {
  return distributed::join_job(distributed::read_launch_environment(), config.train.distributed);
}

// Runs `body`; a failure is also recorded for the other ranks, whose messages then name it.
template <class Body>
void run_as_rank(distributed::DistributedContext& job, Body&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    job.report_failure(e.what());
    throw;
  }
}

void add_train_command(CLI::App& app) {
  struct Options {
    std::string config;
    std::vector<std::string> overrides;
    std::string resume;
    std::string run_dir;
    std::string weights;
  };
  auto o = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand("train", "Train a model from a config file");
  command->add_option("--config", o->config, "run config YAML")->check(CLI::ExistingFile);
  add_set_option(command, o->overrides, "override one key, e.g. --set train.steps=2000");
  command->add_option("--resume", o->resume, "continue the run in RUN_DIR from its last checkpoint")
      ->type_name("RUN_DIR");
  command->add_option("--run-dir", o->run_dir, "run directory to create (default: timestamped)")
      ->type_name("DIR");
  command->add_option("--weights", o->weights, "start from these model weights (fine-tuning)")
      ->type_name("CKPT")
      ->check(CLI::ExistingFile);

  command->callback([o] {
    if (!o->resume.empty()) {
      if (!o->config.empty() || !o->run_dir.empty() || !o->weights.empty()) {
        throw UsageError("train: --resume takes the run's own config; use --set to change it");
      }
      const fs::path dir = o->resume;
      const fs::path resolved = dir / "config.resolved.yaml";
      if (!fs::exists(resolved)) {
        throw UsageError("train --resume " + dir.string() +
                         ": not a run directory (no config.resolved.yaml)");
      }
      const LoadedConfig loaded = load_config_with_origins(resolved, o->overrides);
      const auto job = join(loaded.config);
      run_as_rank(*job, [&] {
        if (train::run_state(dir) == train::RunState::kNew) {
          throw UsageError("train --resume " + dir.string() +
                           ": the run has no checkpoint yet; start it again instead");
        }
        train::RunOptions resume;
        resume.resume = true;
        resume.job = job;
        // The overrides are checked (data, model, then the checkpoint) before run_training
        // records them in config.resolved.yaml: a refused --set leaves the run as it was.
        train::run_training(loaded.config, dir, resume, train::check_run_can_start(loaded.config));
      });
      return;
    }
    if (o->config.empty()) throw UsageError("train: --config FILE or --resume RUN_DIR is required");
    const LoadedConfig loaded = load_config_with_origins(o->config, o->overrides);
    const auto job = join(loaded.config);
    run_as_rank(*job, [&] {
      // Before any directory is created; the model is the one the run trains.
      models::MultiViewPoseNet model = train::check_run_can_start(loaded.config);
      fs::path dir;
      std::optional<NewRunDirGuard> created;  // removed again if the run fails to start
      if (!job->is_main()) {
        // Rank 0 alone creates the directory; the others learn its path from it.
      } else if (o->run_dir.empty()) {
        dir = start_run(loaded, command_line());
        created.emplace(dir);
      } else {
        dir = o->run_dir;
        if (train::run_state(dir) != train::RunState::kNew) {
          throw UsageError("train: " + dir.string() +
                           " already holds a run; continue it with --resume, or pick another "
                           "--run-dir");
        }
        if (!fs::exists(dir)) created.emplace(dir);
        prepare_run_dir(loaded.config, dir, command_line());
      }
      dir = job->share_from_main("run directory", dir.string());
      train::RunOptions fresh;
      fresh.init_weights = o->weights;
      fresh.job = job;
      fresh.on_first_step = [&created] {
        if (created) created->keep();
      };
      train::run_training(loaded.config, dir, fresh, std::move(model));
    });
  });
}

}  // namespace mvpose3d::tools
