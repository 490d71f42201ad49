#include "mvpose3d/train/run.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/data/dataset_factory.h"
#include "mvpose3d/eval/run_evaluation.h"
#include "mvpose3d/run/run_dir.h"
#include "mvpose3d/train/hooks.h"
#include "mvpose3d/train/trainer.h"

#include <ATen/Context.h>

namespace mvpose3d::train {

namespace fs = std::filesystem;

RunState run_state(const fs::path& run_dir) {
  if (fs::exists(final_metrics_path(run_dir))) return RunState::kFinished;
  if (fs::exists(last_checkpoint_path(run_dir))) return RunState::kResumable;
  return RunState::kNew;
}

models::MultiViewPoseNet check_run_can_start(const RunConfig& config) {
  make_dataset(config.data, config.seed, "train");
  eval::make_eval_datasets(config);
  return make_run_model(config);
}

void run_training(const RunConfig& config,
                  const fs::path& run_dir,
                  const RunOptions& options,
                  models::MultiViewPoseNet model) {
  at::globalContext().setDeterministicAlgorithms(config.deterministic, /*warn_only=*/false);
  const bool main = !options.job || options.job->is_main();
  const RunLog log(run_dir, main ? "log.txt" : fmt::format("rank{}.log", options.job->rank()));
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
  Trainer trainer(config, std::move(model), to);
  add_default_hooks(trainer);
  trainer.train();
}

}  // namespace mvpose3d::train
