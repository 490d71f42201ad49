// A training run as the commands start it: a run directory, the trainer, and the run's state on
// disk (finished, resumable, or new), shared by `mvpose3d train` and `mvpose3d sweep`.
#pragma once

#include "mvpose3d/config/run_config.h"

#include <filesystem>
#include <string>
#include <vector>

namespace mvpose3d::train {

enum class RunState {
  kNew,        // no checkpoint yet
  kResumable,  // checkpoints/last.pt exists, the run did not finish
  kFinished,   // final_metrics.json exists
};
RunState run_state(const std::filesystem::path& run_dir);

// Makes `dir` a run directory for `config` (config.resolved.yaml, env.txt with `argv`); an existing
// one must hold the same resolved config, else Error says which file differs and how to proceed.
void prepare_run_dir(const RunConfig& config,
                     const std::filesystem::path& dir,
                     const std::vector<std::string>& argv);

// Opens what a run needs — the training data, every evaluation camera set, the model (and its
// pretrained weights) — and throws Error naming what is wrong, so that a run that cannot start
// fails before it creates its run directory.
void check_run_can_start(const RunConfig& config);

struct RunOptions {
  bool resume = false;                 // continue from <run_dir>/checkpoints/last.pt
  std::filesystem::path init_weights;  // fine-tune from these weights (new runs only)
};

// Trains `config` in `run_dir` (a prepared run directory), logging to its log.txt for the
// duration. Applies config.deterministic (the Trainer applies config.threads).
void run_training(const RunConfig& config,
                  const std::filesystem::path& run_dir,
                  const RunOptions& options);

}  // namespace mvpose3d::train
