#include "mvpose3d/train/run.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/data/dataset_factory.h"
#include "mvpose3d/eval/run_evaluation.h"
#include "mvpose3d/run/run_dir.h"
#include "mvpose3d/train/hooks.h"
#include "mvpose3d/train/trainer.h"

#include <optional>

#include <ATen/Context.h>
#include <spdlog/spdlog.h>

namespace mvpose3d::train {

namespace fs = std::filesystem;

namespace {

// Calls `started` once, after the run's first step: from then on the run has begun.
class FirstStepHook : public Hook {
 public:
  explicit FirstStepHook(std::function<void()> started) : started_(std::move(started)) {}
  void after_step(Trainer&, const StepResult&) override {
    if (started_) std::exchange(started_, nullptr)();
  }

 private:
  std::function<void()> started_;
};

}  // namespace

RunState run_state(const fs::path& run_dir) {
  if (fs::exists(final_metrics_path(run_dir))) return RunState::kFinished;
  if (fs::exists(last_checkpoint_path(run_dir))) return RunState::kResumable;
  return RunState::kNew;
}

models::MultiViewPoseNet check_run_can_start(const RunConfig& config) {
  const auto train_set = make_dataset(config.data, config.seed, "train");
  MVPOSE3D_CHECK(train_set->size() >= config.train.batch_size,
                 "train.batch_size = {} is larger than the training set ({} samples): no whole "
                 "batch can be drawn",
                 config.train.batch_size,
                 train_set->size());
  eval::make_eval_datasets(config);
  return make_run_model(config);
}

void run_training(const RunConfig& config,
                  const fs::path& run_dir,
                  const RunOptions& options,
                  models::MultiViewPoseNet model) {
  at::globalContext().setDeterministicAlgorithms(config.deterministic, /*warn_only=*/false);
  const bool main = !options.job || options.job->is_main();
  std::optional<RunDirLock> lock;  // one process writes a run directory (rank 0 of a job)
  if (main) lock.emplace(run_dir);
  TrainerOptions to;
  to.run_dir = run_dir;
  to.job = options.job;
  if (options.resume) {
    to.resume_from = last_checkpoint_path(run_dir);
    MVPOSE3D_CHECK(fs::exists(to.resume_from),
                   "cannot resume {}: it has no checkpoints/last.pt",
                   run_dir.string());
  }
  to.init_weights = options.init_weights;
  // Builds the model's state from the checkpoint: a resume whose config does not fit the run (an
  // architecture or optimiser override) fails here, before anything in run_dir is written.
  Trainer trainer(config, std::move(model), to);
  // A finished run resumed with its own steps: its final evaluation is not appended again.
  if (options.resume && run_state(run_dir) == RunState::kFinished &&
      trainer.progress().step >= config.train.steps) {
    spdlog::info(
        "{} finished at step {}: nothing to do (to train longer, resume it with --set "
        "train.steps=N)",
        run_dir.string(),
        trainer.progress().step);
    return;
  }
  if (main && options.resume) write_resolved_config(config, run_dir);
  const RunLog log(run_dir, main ? "log.txt" : fmt::format("rank{}.log", options.job->rank()));
  add_default_hooks(trainer);
  if (options.on_first_step)
    trainer.add_hook(std::make_unique<FirstStepHook>(options.on_first_step));
  trainer.train();
}

}  // namespace mvpose3d::train
