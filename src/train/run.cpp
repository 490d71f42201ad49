#include "mvpose3d/train/run.h"

#include "mvpose3d/config/run_start.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/logging.h"
#include "mvpose3d/data/dataset_factory.h"
#include "mvpose3d/train/hooks.h"
#include "mvpose3d/train/trainer.h"

#include <ATen/Context.h>
#include <spdlog/spdlog.h>

namespace mvpose3d::train {

namespace fs = std::filesystem;

RunState run_state(const fs::path& run_dir) {
  if (fs::exists(final_metrics_path(run_dir))) return RunState::kFinished;
  if (fs::exists(last_checkpoint_path(run_dir))) return RunState::kResumable;
  return RunState::kNew;
}

void prepare_run_dir(const RunConfig& config,
                     const fs::path& dir,
                     const std::vector<std::string>& argv) {
  const fs::path resolved = dir / "config.resolved.yaml";
  const std::string yaml = to_yaml(config);
  if (fs::exists(resolved)) {
    MVPOSE3D_CHECK(read_text_file(resolved) == yaml,
                   "{} holds another config than this run's: use a new run directory, or resume "
                   "it with its own config (mvpose3d train --resume {})",
                   resolved.string(),
                   dir.string());
    return;
  }
  fs::create_directories(dir);
  write_file_atomic(dir / "env.txt", run_environment(config, argv).to_text());
  write_file_atomic(resolved, yaml);
}

void check_run_can_start(const RunConfig& config) {
  make_dataset(config.data, config.seed, "train");
  make_eval_datasets(config);
  models::make_model(config);
}

void run_training(const RunConfig& config, const fs::path& run_dir, const RunOptions& options) {
  at::globalContext().setDeterministicAlgorithms(config.deterministic, /*warn_only=*/false);
  const fs::path log = run_dir / "log.txt";
  add_log_file(log);
  try {
    TrainerOptions to;
    to.run_dir = run_dir;
    if (options.resume) {
      to.resume_from = last_checkpoint_path(run_dir);
      MVPOSE3D_CHECK(fs::exists(to.resume_from),
                     "cannot resume {}: it has no checkpoints/last.pt",
                     run_dir.string());
    }
    to.init_weights = options.init_weights;
    Trainer trainer(config, to);
    trainer.train();
  } catch (...) {
    remove_log_file(log);
    throw;
  }
  remove_log_file(log);
}

}  // namespace mvpose3d::train
