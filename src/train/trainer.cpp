#include "mvpose3d/train/trainer.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/json.h"
#include "mvpose3d/core/logging.h"
#include "mvpose3d/data/camera_batch_from.h"
#include "mvpose3d/data/dataset_factory.h"
#include "mvpose3d/eval/run_evaluation.h"
#include "mvpose3d/models/autocast.h"
#include "mvpose3d/train/losses.h"
#include "mvpose3d/train/optimizer_factory.h"

#include <chrono>
#include <cmath>
#include <optional>
#include <sstream>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <spdlog/spdlog.h>
#include <torch/nn/utils/clip_grad.h>

namespace mvpose3d::train {

namespace {

// Consecutive non-finite steps after which the run stops even with nan_policy: skip (the model
// or the data is broken, not one unlucky batch).
constexpr int kMaxConsecutiveSkips = 20;

// Whether a metrics.jsonl line stays when a run resumes at `step`: what was logged up to the
// checkpoint stays, except its final evaluation when that is about to run again (a run resumed
// after its last checkpoint but before its final tables). A line that is not JSON (cut off by a
// kill) goes.
bool keep_metrics_line(const std::string& line, std::int64_t step, bool final_evaluation_again) {
  const auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("step") || !json["step"].is_number_integer()) {
    return false;
  }
  const auto logged_step = json["step"].get<std::int64_t>();
  if (logged_step < step) return true;
  return logged_step == step && !(final_evaluation_again && json.value("kind", "") == "eval");
}

// The global L2 norm of the gradients, computed as torch::nn::utils::clip_grad_norm_ computes it
// (the same number, bit for bit), without that function's pass multiplying every gradient by
// min(1, max_norm / norm): with clipping off that pass multiplies by 1 and only costs time.
double gradient_norm(const std::vector<at::Tensor>& parameters) {
  std::vector<at::Tensor> norms;
  for (const auto& p : parameters) {
    if (p.grad().defined()) norms.push_back(p.grad().norm(2));
  }
  if (norms.empty()) return 0.0;
  return (norms.size() == 1 ? norms[0] : at::stack(norms).norm(2)).item<double>();
}

}  // namespace

LoaderOptions training_loader_options(const RunConfig& config, std::int64_t start_batch) {
  LoaderOptions lo;
  lo.batch_size = config.train.batch_size;
  lo.workers = config.data.workers;
  lo.prefetch = config.data.prefetch;
  lo.shuffle = true;
  lo.drop_last = true;
  lo.repeat = true;
  lo.seed = static_cast<std::uint64_t>(config.seed);
  lo.start_batch = start_batch;
  return lo;
}

models::MultiViewPoseNet make_run_model(const RunConfig& config) {
  if (config.threads > 0) at::set_num_threads(config.threads);
  // The initial weights are a function of the seed: a run is reproducible from its config.
  at::manual_seed(static_cast<std::uint64_t>(config.seed));
  return models::make_model(config);
}

Trainer::Trainer(RunConfig config, models::MultiViewPoseNet model, TrainerOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      device_(options_.job ? options_.job->device() : eval::default_device()),
      model_(std::move(model)),
      job_(options_.job ? options_.job : distributed::single_process_context(device_)) {
  MVPOSE3D_CHECK(!options_.run_dir.empty(), "Trainer: no run directory");
  MVPOSE3D_CHECK(options_.resume_from.empty() || options_.init_weights.empty(),
                 "Trainer: resume and fine-tune weights are exclusive");
  MVPOSE3D_CHECK(!model_.is_empty(), "Trainer: no model");
  check_precision_supported(config_.train.precision, device_);
  if (config_.threads > 0) at::set_num_threads(config_.threads);
  model_->to(device_);
  parameters_ = model_->parameters();
  optimizer_ = make_optimizer(config_.train.optimizer, parameters_);
  if (!options_.resume_from.empty()) {
    progress_ = load_training_checkpoint(options_.resume_from, model_, optimizer_.get());
  } else if (!options_.init_weights.empty()) {
    load_training_checkpoint(options_.init_weights, model_, nullptr);
    spdlog::info("fine-tuning from the weights of {}", options_.init_weights.string());
  }
  LossScalerOptions scaler_options;
  scaler_options.enabled = config_.train.precision == Precision::kFp16;
  scaler_ = LossScaler(scaler_options);
  if (scaler_.enabled()) {
    if (progress_.loss_scale > 0) {
      scaler_.set_state(progress_.loss_scale, progress_.loss_scale_growth_tracker);
    }
    progress_.loss_scale = scaler_.scale_value();
    progress_.loss_scale_growth_tracker = scaler_.growth_tracker();
  }
  MVPOSE3D_CHECK(config_.train.batch_size % job_->world_size() == 0,
                 "train.batch_size = {} (the global batch) does not split into equal shares for "
                 "{} processes: use a multiple of the world size",
                 config_.train.batch_size,
                 job_->world_size());
  if (!options_.resume_from.empty() && progress_.world_size != job_->world_size()) {
    spdlog::warn(
        "resuming a run trained by {} process(es) with {}: the sample stream continues, but "
        "{}, so the steps ahead are not those of an uninterrupted run",
        progress_.world_size,
        job_->world_size(),
        config_.train.distributed.sync_batchnorm
            ? "the gradients are summed in another order"
            : "BatchNorm normalises each process's share of the batch, which is now another size");
  }
  progress_.world_size = job_->world_size();
  parallel_ = distributed::make_data_parallel(job_, *model_, config_.train.distributed);
}

eval::EvaluationSharding Trainer::prepare_evaluation() {
  eval::EvaluationSharding sharding;
  if (!parallel_) return sharding;
  const std::string what = fmt::format("the evaluation at step {}", progress_.step);
  job_->set_phase(what);
  parallel_->broadcast_buffers("rank 0's BatchNorm statistics before " + what);
  sharding.process = job_->rank();
  sharding.processes = job_->world_size();
  sharding.gather = [job = job_, what](const at::Tensor& mine) {
    return job->all_gather(mine, "the predictions of " + what);
  };
  return sharding;
}

Trainer::~Trainer() = default;

void Trainer::add_hook(std::unique_ptr<Hook> hook) {
  hooks_.push_back(std::move(hook));
}

void Trainer::request_stop(const std::string& reason) {
  if (stop_reason_.empty()) stop_reason_ = reason;
}

bool Trainer::report_evaluation(double metric) {
  const bool improved = std::isfinite(metric) && metric < progress_.best_metric;
  if (improved) {
    progress_.best_metric = metric;
    progress_.best_step = progress_.step;
  }
  for (auto& hook : hooks_) hook->after_evaluation(*this, improved);
  return improved;
}

void Trainer::append_metrics(const std::string& json_object) {
  if (!writes_files()) return;
  append_to_file(options_.run_dir / "metrics.jsonl", json_object + '\n');
}

void Trainer::prepare_metrics_file() {
  // A resumed run drops what the interrupted one logged after its last checkpoint, so the file
  // reads as one uninterrupted run.
  const auto file = options_.run_dir / "metrics.jsonl";
  if (!writes_files() || !std::filesystem::exists(file)) return;
  // Resumed at the end of train.steps without final tables: the final evaluation runs again.
  const bool final_evaluation_again = progress_.step >= config_.train.steps;
  std::istringstream in(read_text_file(file));
  std::string kept;
  for (std::string line; std::getline(in, line);) {
    if (keep_metrics_line(line, progress_.step, final_evaluation_again)) kept += line + '\n';
  }
  write_file_atomic(file, kept);
}

StepResult Trainer::run_step(const MultiviewBatch& batch) {
  const TrainConfig& tc = config_.train;
  StepResult r;
  r.step = progress_.step;
  r.samples = batch.size() * job_->world_size();
  r.learning_rate = learning_rate_at(tc.schedule, tc.optimizer.lr, r.step, tc.steps);
  set_learning_rate(*optimizer_, r.learning_rate);
  model_->train();
  if (parallel_) parallel_->before_forward();

  const bool through_dlt = uses_3d_loss(tc.loss, r.step);
  models::PoseOutput out;
  {
    std::optional<models::AutocastScope> autocast;  // train.precision bf16, fp16
    if (tc.precision != Precision::kFp32) {
      autocast.emplace(device_.type(), autocast_dtype(tc.precision));
    }
    out = model_->forward(models::imagenet_normalize(batch.images),
                          camera_batch_from(batch),  // the evaluator feeds the same cameras
                          through_dlt);
  }
  const LossTerms loss = compute_losses(out, batch, tc.loss, r.step);
  // One device-to-host copy for the total and every term (not one sync per scalar).
  std::vector<at::Tensor> scalars{loss.total.detach()};
  for (const auto& [name, value] : loss.terms) scalars.push_back(value);
  at::Tensor host = at::stack(scalars).to(at::kCPU, at::kDouble);
  if (parallel_) {  // the mean over the ranks' equal shares: the global batch's losses
    job_->all_reduce_sum(host, fmt::format("the losses of step {}", r.step));
    host.div_(job_->world_size());
  }
  r.total_loss = host[0].item<double>();
  std::size_t k = 1;
  for (const auto& [name, value] : loss.terms) r.terms[name] = host[k++].item<double>();

  optimizer_->zero_grad();
  bool finite = std::isfinite(r.total_loss);
  if (finite) {
    const at::Tensor scaled_loss = scaler_.scale(loss.total);
    if (parallel_) {
      parallel_->backward(scaled_loss, fmt::format("step {}", r.step));
    } else {
      scaled_loss.backward();
    }
    // After the all-reduce every rank holds the same gradients, so all ranks agree on an overflow.
    if (!scaler_.unscale(parameters_)) {
      // fp16 gradients overflowed at this loss scale: an expected event while the scale adapts,
      // not a broken run, so the NaN policy does not apply; a scale that keeps falling still
      // ends the run through the consecutive-skip limit below.
      const double scale = scaler_.scale_value();
      return skip_overflow_step(r, scale);
    }
    r.grad_norm = tc.grad_clip_norm > 0
                      ? torch::nn::utils::clip_grad_norm_(parameters_, tc.grad_clip_norm)
                      : gradient_norm(parameters_);
    finite = std::isfinite(r.grad_norm);
  }
  if (!finite) {
    optimizer_->zero_grad();
    r.skipped = true;
    ++progress_.skipped_steps;
    ++progress_.nonfinite_steps;
    ++consecutive_skips_;
    // Steps are numbered from 1 in messages, as in the log and metrics.jsonl; no gradient norm is
    // computed when the loss is already non-finite.
    const std::string what =
        std::isfinite(r.total_loss)
            ? fmt::format("step {}: non-finite gradient (norm {}, loss {})",
                          r.step + 1,
                          r.grad_norm,
                          r.total_loss)
            : fmt::format("step {}: non-finite loss ({})", r.step + 1, r.total_loss);
    if (tc.nan_policy == NanPolicy::kStop) {
      throw Error(what + "; stopping (train.nan_policy: stop). The last checkpoint is intact.");
    }
    MVPOSE3D_CHECK(consecutive_skips_ < kMaxConsecutiveSkips,
                   "{}; {} steps in a row were non-finite, stopping: check the data and lower "
                   "train.optimizer.lr or set train.grad_clip_norm",
                   what,
                   consecutive_skips_);
    spdlog::warn("{}; the update is skipped (train.nan_policy: skip)", what);
    return r;
  }
  consecutive_skips_ = 0;
  optimizer_->step();
  update_loss_scale();
  return r;
}

StepResult Trainer::skip_overflow_step(StepResult r, double scale) {
  optimizer_->zero_grad();
  update_loss_scale();
  r.skipped = true;
  r.scale_overflow = true;
  ++progress_.skipped_steps;
  ++consecutive_skips_;
  MVPOSE3D_CHECK(consecutive_skips_ < kMaxConsecutiveSkips,
                 "step {}: {} steps in a row had non-finite fp16 gradients (loss scale now {}); "
                 "stopping: check the data, or train with train.precision bf16 or fp32",
                 r.step + 1,
                 consecutive_skips_,
                 progress_.loss_scale);
  spdlog::info(
      "step {}: fp16 gradients overflowed at loss scale {}; the update is skipped and "
      "the scale lowered to {}",
      r.step + 1,
      scale,
      progress_.loss_scale);
  return r;
}

void Trainer::update_loss_scale() {
  if (!scaler_.enabled()) return;
  scaler_.update();
  progress_.loss_scale = scaler_.scale_value();
  progress_.loss_scale_growth_tracker = scaler_.growth_tracker();
}

void Trainer::check_skipped_share() const {
  const TrainConfig& tc = config_.train;
  const double allowed = tc.max_skipped_fraction * tc.steps;
  if (static_cast<double>(progress_.nonfinite_steps) <= allowed) return;
  throw Error(fmt::format(
      "{} of the {} steps so far were skipped for a non-finite loss or gradient, more than "
      "train.max_skipped_fraction = {} of the run's {} steps allows; stopping (checkpoints/last.pt "
      "holds the last checkpoint before). Check the data for NaN or Inf, lower "
      "train.optimizer.lr or set train.grad_clip_norm",
      progress_.nonfinite_steps,
      progress_.step,
      tc.max_skipped_fraction,
      tc.steps));
}

void Trainer::check_log_writes() const {
  const std::string failure = take_log_write_error();
  MVPOSE3D_CHECK(failure.empty(),
                 "after step {}: the run's log cannot be written ({}); stopping, the last "
                 "checkpoint is intact",
                 progress_.step,
                 failure);
}

void Trainer::train() {
  if (!options_.resume_from.empty()) {
    spdlog::info("resumed from {} at step {}", options_.resume_from.string(), progress_.step);
  }
  prepare_metrics_file();
  for (auto& hook : hooks_) hook->before_train(*this);

  LoaderOptions lo = training_loader_options(config_, progress_.step);
  lo.shard = job_->rank();  // this rank's share of every global batch
  lo.shards = job_->world_size();
  std::exception_ptr error;
  try {
    MultiviewLoader loader(make_dataset(config_.data, config_.seed, "train"), lo);
    while (progress_.step < config_.train.steps && stop_reason_.empty()) {
      const auto start = std::chrono::steady_clock::now();
      job_->set_phase(fmt::format("step {}", progress_.step));
      const MultiviewBatch batch = loader.next()->to(device_);
      StepResult result = run_step(batch);
      result.seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ++progress_.step;
      check_skipped_share();
      for (auto& hook : hooks_) hook->after_step(*this, result);
      check_log_writes();
    }
  } catch (const std::exception& e) {
    job_->report_failure(fmt::format("at step {}: {}", progress_.step, e.what()));
    error = std::current_exception();
    failed_ = true;
  } catch (...) {
    error = std::current_exception();
    failed_ = true;
  }
  if (!stop_reason_.empty()) spdlog::info("stopped at step {}: {}", progress_.step, stop_reason_);
  for (auto& hook : hooks_) hook->after_train(*this);
  if (error) std::rethrow_exception(error);
}

}  // namespace mvpose3d::train
