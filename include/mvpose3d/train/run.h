// A training run as the commands start it: the checks before its directory exists, the trainer
// with its hooks, and the run's state on disk (finished, resumable, or new), shared by
// `mvpose3d train` and `mvpose3d sweep`. The directory itself is run/run_dir.h's.
#pragma once

#include "mvpose3d/config/run_config.h"
#include "mvpose3d/distributed/process_group.h"
#include "mvpose3d/models/pose_net.h"

#include <filesystem>
#include <functional>
#include <memory>

namespace mvpose3d::train {

enum class RunState {
  kNew,        // no checkpoint yet
  kResumable,  // checkpoints/last.pt exists, the run did not finish
  kFinished,   // final_metrics.json exists
};
RunState run_state(const std::filesystem::path& run_dir);

// Opens what a run needs — the training data, every evaluation camera set — and builds its model
// (make_run_model: the pretrained weights are read here), throwing Error naming what is wrong, so
// that a run that cannot start fails before it creates its run directory (run/run_dir.h). Returns
// the model, for run_training.
// Also refuses a train.batch_size larger than the training set.
models::MultiViewPoseNet check_run_can_start(const RunConfig& config);

struct RunOptions {
  bool resume = false;                 // continue from <run_dir>/checkpoints/last.pt
  std::filesystem::path init_weights;  // fine-tune from these weights (new runs only)
  // The data-parallel job (distributed::join_job), or null for one process. Only rank 0 writes
  // the run's files; the others log to <run_dir>/rank<N>.log.
  std::shared_ptr<distributed::DistributedContext> job;
  // Called once, after the first step (the run has begun): until then a failure is a start-up
  // failure, after which `mvpose3d train` removes the run directory it created.
  std::function<void()> on_first_step;
};

// Trains `model` (from check_run_can_start) on `config` in `run_dir` (a prepared run directory)
// with the default hooks, logging to its log.txt for the duration. Applies config.deterministic
// (the Trainer applies config.threads). Holds the run's lock (RunDirLock) throughout: a second
// process on the same run fails, naming the holder. Resuming: the checkpoint is loaded before
// anything in run_dir is written, so a refused override leaves the run as it was; an accepted
// one is recorded in config.resolved.yaml. A finished run resumed with its own train.steps does
// nothing.
void run_training(const RunConfig& config,
                  const std::filesystem::path& run_dir,
                  const RunOptions& options,
                  models::MultiViewPoseNet model);

}  // namespace mvpose3d::train
