#include "mvpose3d/train/trainer.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/data/camera_batch_from.h"
#include "mvpose3d/data/dataset_factory.h"
#include "mvpose3d/eval/run_evaluation.h"
#include "mvpose3d/train/losses.h"
#include "mvpose3d/train/optimizer_factory.h"

#include <chrono>
#include <cmath>
#include <fstream>
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

// The step recorded in one metrics.jsonl line ({"step": N, ...}), or -1.
std::int64_t step_of_json_line(const std::string& line) {
  const auto key = line.find("\"step\":");
  if (key == std::string::npos) return -1;
  try {
    return std::stoll(line.substr(key + 7));
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

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
  if (config_.threads > 0) at::set_num_threads(config_.threads);
  model_->to(device_);
  parameters_ = model_->parameters();
  optimizer_ = make_optimizer(config_.train.optimizer, parameters_);
  if (!options_.resume_from.empty()) {
    progress_ = load_training_checkpoint(options_.resume_from, model_, optimizer_.get());
    spdlog::info("resumed from {} at step {}", options_.resume_from.string(), progress_.step);
  } else if (!options_.init_weights.empty()) {
    load_training_checkpoint(options_.init_weights, model_, nullptr);
    spdlog::info("fine-tuning from the weights of {}", options_.init_weights.string());
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
  std::ofstream out(options_.run_dir / "metrics.jsonl", std::ios::app);
  out << json_object << '\n';
  MVPOSE3D_CHECK(out.good(), "{}: cannot append", (options_.run_dir / "metrics.jsonl").string());
}

void Trainer::prepare_metrics_file() {
  // A resumed run drops what the interrupted one logged after its last checkpoint, so the file
  // reads as one uninterrupted run.
  const auto file = options_.run_dir / "metrics.jsonl";
  if (!writes_files() || !std::filesystem::exists(file)) return;
  std::istringstream in(read_text_file(file));
  std::string kept;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && step_of_json_line(line) <= progress_.step) kept += line + '\n';
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
  const models::PoseOutput out =
      model_->forward(models::imagenet_normalize(batch.images),
                      camera_batch_from(batch),  // the evaluator feeds the same cameras
                      through_dlt);
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
    if (parallel_) {
      parallel_->backward(loss.total, fmt::format("step {}", r.step));
    } else {
      loss.total.backward();
    }
    // max_norm = inf measures the norm without clipping.
    const double max_norm =
        tc.grad_clip_norm > 0 ? tc.grad_clip_norm : std::numeric_limits<double>::infinity();
    r.grad_norm = torch::nn::utils::clip_grad_norm_(parameters_, max_norm);
    finite = std::isfinite(r.grad_norm);
  }
  if (!finite) {
    optimizer_->zero_grad();
    r.skipped = true;
    ++progress_.skipped_steps;
    ++consecutive_skips_;
    const std::string what = fmt::format("step {}: non-finite {} (loss {}, gradient norm {})",
                                         r.step,
                                         std::isfinite(r.total_loss) ? "gradient" : "loss",
                                         r.total_loss,
                                         r.grad_norm);
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
  return r;
}

void Trainer::train() {
  prepare_metrics_file();
  for (auto& hook : hooks_) hook->before_train(*this);

  LoaderOptions lo;
  lo.batch_size = config_.train.batch_size;
  lo.workers = config_.data.workers;
  lo.prefetch = config_.data.prefetch;
  lo.shuffle = true;
  lo.drop_last = true;
  lo.repeat = true;
  lo.seed = static_cast<std::uint64_t>(config_.seed);
  lo.start_batch = progress_.step;
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
      for (auto& hook : hooks_) hook->after_step(*this, result);
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
