// The trainer's standard hooks, in the order they run after each step:
//   LoggingHook      progress bar with ETA on a terminal, plain lines otherwise; metrics.jsonl
//   EvalHook         the evaluator on every eval.camera_sets every train.eval_every steps and at
//                    the end (results.{md,csv,tex} and final_metrics.json in the run directory)
//   CheckpointHook   checkpoints/last.pt every train.checkpoint_every steps and at the end,
//                    checkpoints/best.pt when the evaluation improved
#pragma once

#include "mvpose3d/eval/pose_evaluator.h"
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
  std::int64_t window_samples_ = 0;
  double window_loss_ = 0;
  std::map<std::string, double> window_terms_;
  double smoothed_loss_ = 0;
};

// A test dataset and the camera set it was made for.
struct NamedDataset {
  std::string name;
  std::shared_ptr<const MultiviewDataset> dataset;
};

// The test datasets of config.eval.camera_sets.
std::vector<NamedDataset> make_eval_datasets(const RunConfig& config);

// The evaluator run over every camera set (eval.samples each); what `mvpose3d eval` and EvalHook
// report.
eval::EvalSummary evaluate_model(models::MultiViewPoseNet& net,
                                 const RunConfig& config,
                                 const at::Device& device,
                                 const std::vector<NamedDataset>& sets,
                                 bool keep_predictions);

class EvalHook : public Hook {
 public:
  void before_train(Trainer& trainer) override;
  void after_step(Trainer& trainer, const StepResult& result) override;
  void after_train(Trainer& trainer) override;

 private:
  void evaluate(Trainer& trainer, bool final);

  std::vector<NamedDataset> sets_;
};

class CheckpointHook : public Hook {
 public:
  void after_step(Trainer& trainer, const StepResult& result) override;
  void after_train(Trainer& trainer) override;

 private:
  void save(Trainer& trainer, const char* name);
};

// LoggingHook, EvalHook, CheckpointHook configured from the trainer's config and options.
std::vector<std::unique_ptr<Hook>> make_default_hooks(const Trainer& trainer);

// Where a run's files are.
std::filesystem::path last_checkpoint_path(const std::filesystem::path& run_dir);
// Written at the very end of a successful run: a run directory with it is finished.
std::filesystem::path final_metrics_path(const std::filesystem::path& run_dir);

}  // namespace mvpose3d::train
