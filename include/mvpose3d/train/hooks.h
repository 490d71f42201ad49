// The trainer's standard hooks, which the run adds to its trainer (add_default_hooks):
//   LoggingHook      progress bar with ETA on a terminal, plain lines otherwise; metrics.jsonl
//   EvalHook         the evaluator on every eval.camera_sets every train.eval_every steps and at
//                    the end (results.{md,csv,tex} and final_metrics.json in the run directory);
//                    reports the model-selection metric to Trainer::report_evaluation
//   CheckpointHook   checkpoints/last.pt every train.checkpoint_every steps, after every
//                    evaluation and at the end; checkpoints/best.pt when an evaluation improved
// No hook relies on another having run before it in the same step: an evaluation reaches the
// checkpoints through Hook::after_evaluation.
#pragma once

#include "mvpose3d/eval/run_evaluation.h"
#include "mvpose3d/train/trainer.h"

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

namespace mvpose3d::train {

class LoggingHook : public Hook {
 public:
  explicit LoggingHook(bool progress_bar) : progress_bar_(progress_bar) {}
  void before_train(Trainer& trainer) override;
  void after_step(Trainer& trainer, const StepResult& result) override;
  void after_train(Trainer& trainer) override;

 private:
  void draw_bar(Trainer& trainer, const StepResult& result);

  bool progress_bar_;
  std::chrono::steady_clock::time_point window_start_;
  std::int64_t first_step_ = 0;
  std::chrono::steady_clock::time_point run_start_;
  // Sums over the steps since the last logged line.
  int window_steps_ = 0;
  int window_applied_ = 0;  // of those, steps whose update was applied (not skipped)
  std::int64_t window_samples_ = 0;
  double window_loss_ = 0;
  std::map<std::string, double> window_terms_;
  double smoothed_loss_ = 0;
};

class EvalHook : public Hook {
 public:
  void before_train(Trainer& trainer) override;
  void after_step(Trainer& trainer, const StepResult& result) override;
  void after_train(Trainer& trainer) override;

 private:
  void evaluate(Trainer& trainer, bool final);

  std::vector<eval::NamedDataset> sets_;
};

class CheckpointHook : public Hook {
 public:
  void after_step(Trainer& trainer, const StepResult& result) override;
  void after_evaluation(Trainer& trainer, bool improved) override;
  void after_train(Trainer& trainer) override;

 private:
  void save(Trainer& trainer, const char* name);
  void save_last(Trainer& trainer);

  std::int64_t last_saved_step_ = -1;  // the step checkpoints/last.pt was last saved at
};

// Adds LoggingHook, EvalHook and CheckpointHook to `trainer`; the progress bar defaults to
// whether stderr is a terminal.
void add_default_hooks(Trainer& trainer, std::optional<bool> progress_bar = std::nullopt);

// Where a run's files are.
std::filesystem::path last_checkpoint_path(const std::filesystem::path& run_dir);
// Written at the very end of a successful run: a run directory with it is finished.
std::filesystem::path final_metrics_path(const std::filesystem::path& run_dir);

}  // namespace mvpose3d::train
