// The training loop (detectron2's shape): before_train; for each step: run_step, after_step;
// after_train — with logging, evaluation and checkpoints as hooks (hooks.h) that the caller adds.
//
//   TrainerOptions options;
//   options.run_dir = dir;
//   Trainer trainer(config, make_run_model(config), options);
//   add_default_hooks(trainer);
//   trainer.train();  // writes metrics.jsonl, checkpoints/{last,best}.pt, results.{md,csv,tex}
//
// Resuming (TrainerOptions::resume_from) restores the model, the optimiser, the step, the best
// metric and the CPU random generator from checkpoints/last.pt; the learning rate and the data
// order are functions of the step, so the next step's loss equals that of an uninterrupted run.
//
// In a job of several processes (TrainerOptions::job) each rank trains on its share of every
// global batch of train.batch_size, the gradients are averaged over the ranks
// (distributed::DataParallel), the logged losses are the global batch's, evaluations are shared
// among the ranks, and only rank 0 writes files (metrics.jsonl, checkpoints, tables).
#pragma once

#include "mvpose3d/config/run_config.h"
#include "mvpose3d/data/loader.h"
#include "mvpose3d/distributed/data_parallel.h"
#include "mvpose3d/eval/run_evaluation.h"
#include "mvpose3d/models/pose_net.h"
#include "mvpose3d/train/checkpoint.h"
#include "mvpose3d/train/mixed_precision.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/optim/optimizer.h>

namespace mvpose3d::train {

// What one optimiser step did.
struct StepResult {
  std::int64_t step = 0;  // 0-based index of this step
  double learning_rate = 0;
  double total_loss = 0;
  std::map<std::string, double> terms;  // unweighted loss terms ("loss_2d", "loss_3d")
  double grad_norm = 0;                 // global gradient norm before clipping
  bool skipped = false;                 // the non-finite guard skipped the update
  bool scale_overflow = false;          // fp16: skipped for non-finite gradients, scale halved
  std::int64_t samples = 0;
  double seconds = 0;  // wall time of the step, data wait included
};

class Trainer;

// Extension points of the loop. A hook stops the run with Trainer::request_stop.
class Hook {
 public:
  virtual ~Hook() = default;
  virtual void before_train(Trainer& trainer) {}
  virtual void after_step(Trainer& trainer, const StepResult& result) {}
  // After Trainer::report_evaluation recorded an evaluation of the current weights in
  // progress(); `improved`: it is the best so far (progress().best_step is the current step).
  virtual void after_evaluation(Trainer& trainer, bool improved) {}
  virtual void after_train(Trainer& trainer) {}
};

struct TrainerOptions {
  std::filesystem::path run_dir;       // existing run directory (config.resolved.yaml, log)
  std::filesystem::path resume_from;   // a training checkpoint to continue from, or empty
  std::filesystem::path init_weights;  // fine-tuning: model weights only, or empty
  // The data-parallel job this process is part of (distributed::join_job); null: one process.
  std::shared_ptr<distributed::DistributedContext> job;
};

// The loader settings of a run's training stream (shuffled, whole batches, endless, seeded by
// config.seed), starting at global batch `start_batch`.
LoaderOptions training_loader_options(const RunConfig& config, std::int64_t start_batch = 0);

// The model a run trains, built as every run builds it: config.threads applied, then the CPU
// random generator seeded with config.seed, so that the initial weights are a function of the
// config and a run is reproducible from it.
models::MultiViewPoseNet make_run_model(const RunConfig& config);

class Trainer {
 public:
  // Trains `model` (from make_run_model(config)); moves it to eval::default_device().
  Trainer(RunConfig config, models::MultiViewPoseNet model, TrainerOptions options);
  ~Trainer();

  // Runs the remaining steps; after_train hooks run even when a step throws (then it rethrows).
  void train();
  void add_hook(std::unique_ptr<Hook> hook);
  // Ends the run after the current step, logging `reason`.
  void request_stop(const std::string& reason);
  // Records an evaluation of the current weights (model-selection metric, lower is better; NaN
  // never improves) as progress().best_metric / best_step when it is the best so far, then runs
  // every hook's after_evaluation. Returns whether it improved.
  bool report_evaluation(double metric);

  const RunConfig& config() const { return config_; }
  const TrainerOptions& options() const { return options_; }
  models::MultiViewPoseNet& model() { return model_; }
  torch::optim::Optimizer& optimizer() { return *optimizer_; }
  TrainingProgress& progress() { return progress_; }
  const std::filesystem::path& run_dir() const { return options_.run_dir; }
  const at::Device& device() const { return device_; }
  // The fp16 loss scale (disabled for fp32 and bf16); progress() holds a copy of its state.
  const LossScaler& loss_scaler() const { return scaler_; }
  // Whether a step threw (after_train hooks then neither evaluate nor save).
  bool failed() const { return failed_; }
  // The job this process is part of (a job of one process when none was given).
  distributed::DistributedContext& job() { return *job_; }
  // Whether this process writes the run's files (rank 0).
  bool writes_files() const { return job_->is_main(); }
  // The evaluation's share of this process (run_evaluation.h); brings rank 0's BatchNorm
  // statistics to every rank first, so that all evaluate the weights rank 0 saves.
  eval::EvaluationSharding prepare_evaluation();
  // Appends one JSON object (a line) to <run_dir>/metrics.jsonl (rank 0 only).
  void append_metrics(const std::string& json_object);

  // One step on `batch` (exposed for tests): forward, losses, backward, guard, clip, update.
  StepResult run_step(const MultiviewBatch& batch);

 private:
  void prepare_metrics_file();
  // Throws Error once more steps were skipped as non-finite than train.max_skipped_fraction of
  // train.steps allows (a run of NaN steps must not end "successfully").
  void check_skipped_share() const;
  // Throws Error when the run's log could not be written since the last check (a full disk).
  void check_log_writes() const;
  // fp16: the step's gradients were non-finite at `scale`; skips it and lowers the scale.
  StepResult skip_overflow_step(StepResult r, double scale);
  // fp16: the scale after a step, copied into progress_ (for checkpoints).
  void update_loss_scale();

  RunConfig config_;
  TrainerOptions options_;
  at::Device device_;
  models::MultiViewPoseNet model_{nullptr};
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::shared_ptr<distributed::DistributedContext> job_;
  std::unique_ptr<distributed::DataParallel> parallel_;  // null for one process
  std::vector<at::Tensor> parameters_;
  TrainingProgress progress_;
  LossScaler scaler_;
  std::vector<std::unique_ptr<Hook>> hooks_;
  std::string stop_reason_;
  int consecutive_skips_ = 0;
  bool failed_ = false;
};

}  // namespace mvpose3d::train
