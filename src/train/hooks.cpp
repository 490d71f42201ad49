#include "mvpose3d/train/hooks.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/json.h"

#include <cmath>
#include <cstdio>
#include <unistd.h>

#include <spdlog/spdlog.h>

namespace mvpose3d::train {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const auto s = static_cast<long>(seconds + 0.5);
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
                   : fmt::format("{:02}:{:02}", s / 60, s % 60);
}

// The name of the first parameter or buffer of `module` holding a NaN or Inf, or "" (one
// device-to-host copy for all of them).
std::string first_non_finite_state(const torch::nn::Module& module) {
  std::vector<std::string> names;
  std::vector<at::Tensor> finite;
  for (const auto& item : module.named_parameters()) {
    names.push_back(item.key());
    finite.push_back(at::isfinite(item.value().detach()).all());
  }
  for (const auto& item : module.named_buffers()) {
    names.push_back(item.key());
    finite.push_back(at::isfinite(item.value()).all());
  }
  if (finite.empty()) return "";
  const at::Tensor all = at::stack(finite).to(at::kCPU);
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!all[static_cast<std::int64_t>(i)].item<bool>()) return names[i];
  }
  return "";
}

}  // namespace

std::filesystem::path last_checkpoint_path(const std::filesystem::path& run_dir) {
  return run_dir / "checkpoints" / "last.pt";
}
std::filesystem::path final_metrics_path(const std::filesystem::path& run_dir) {
  return run_dir / "final_metrics.json";
}

// --- LoggingHook ------------------------------------------------------------------------------

void LoggingHook::before_train(Trainer& trainer) {
  run_start_ = window_start_ = Clock::now();
  first_step_ = trainer.progress().step;
  spdlog::info("training {} steps of {} samples on {} ({} parameters), from step {}",
               trainer.config().train.steps,
               trainer.config().train.batch_size,
               trainer.device().str(),
               models::model_size(*trainer.model()).parameters,
               first_step_);
}

void LoggingHook::after_step(Trainer& trainer, const StepResult& result) {
  ++window_steps_;
  window_samples_ += result.samples;
  if (!result.skipped) {
    ++window_applied_;
    window_loss_ += result.total_loss;
    for (const auto& [name, value] : result.terms) window_terms_[name] += value;
    smoothed_loss_ =
        smoothed_loss_ == 0 ? result.total_loss : 0.9 * smoothed_loss_ + 0.1 * result.total_loss;
  }
  if (progress_bar_) draw_bar(trainer, result);
  const std::int64_t done = trainer.progress().step;
  const bool last = done == trainer.config().train.steps;
  if (done % trainer.config().train.log_every != 0 && !last) return;

  const double elapsed = seconds_since(window_start_);
  const double rate = static_cast<double>(window_samples_) / std::max(elapsed, 1e-9);
  // Means over the applied steps: a skipped step has no loss to average (it is not 0); a window
  // of skipped steps only logs null.
  const double n = window_applied_;
  const double loss = window_applied_ > 0 ? window_loss_ / n : std::nan("");
  JsonObject json = {{"step", done},
                     {"kind", "train"},
                     {"lr", json_number(result.learning_rate)},
                     {"loss", json_number(loss)}};
  std::string terms;
  for (const auto& [name, sum] : window_terms_) {
    json[name] = json_number(sum / n);
    terms += fmt::format(" {} {:.4g}", name, sum / n);
  }
  const int skipped = window_steps_ - window_applied_;
  if (skipped > 0) terms += fmt::format(" ({} of {} steps skipped)", skipped, window_steps_);
  json["samples_per_s"] = json_number(rate);
  json["skipped_steps"] = trainer.progress().skipped_steps;
  json["time_s"] = json_number(seconds_since(run_start_));
  trainer.append_metrics(json_line(json));
  if (progress_bar_) std::fputs("\n", stderr);
  spdlog::info("step {}/{} loss {}{} lr {:.3g} {:.1f} samples/s",
               done,
               trainer.config().train.steps,
               window_applied_ > 0 ? fmt::format("{:.4g}", loss) : "n/a",
               terms,
               result.learning_rate,
               rate);
  window_start_ = Clock::now();
  window_steps_ = 0;
  window_applied_ = 0;
  window_samples_ = 0;
  window_loss_ = 0;
  window_terms_.clear();
}

void LoggingHook::draw_bar(Trainer& trainer, const StepResult& result) {
  const std::int64_t done = trainer.progress().step, total = trainer.config().train.steps;
  const double elapsed = seconds_since(run_start_);
  const double per_step =
      elapsed / static_cast<double>(std::max<std::int64_t>(1, done - first_step_));
  const double eta = per_step * static_cast<double>(total - done);
  const int width = 24;
  const int filled = static_cast<int>(width * done / std::max<std::int64_t>(1, total));
  std::fprintf(stderr,
               "\r[%s%s] %lld/%lld loss %.4g lr %.2g %.1f samples/s ETA %s   ",
               std::string(static_cast<std::size_t>(filled), '#').c_str(),
               std::string(static_cast<std::size_t>(width - filled), '.').c_str(),
               static_cast<long long>(done),
               static_cast<long long>(total),
               smoothed_loss_,
               result.learning_rate,
               static_cast<double>(result.samples) / std::max(result.seconds, 1e-9),
               format_duration(eta).c_str());
  std::fflush(stderr);
}

void LoggingHook::after_train(Trainer& trainer) {
  if (progress_bar_) std::fputs("\n", stderr);
  spdlog::info(
      "trained to step {} in {}{}",
      trainer.progress().step,
      format_duration(seconds_since(run_start_)),
      trainer.progress().skipped_steps > 0
          ? fmt::format(" ({} steps skipped as non-finite)", trainer.progress().skipped_steps)
          : "");
}

// --- EvalHook ---------------------------------------------------------------------------------

void EvalHook::before_train(Trainer& trainer) {
  sets_ = eval::make_eval_datasets(trainer.config());
}

void EvalHook::after_step(Trainer& trainer, const StepResult&) {
  const int every = trainer.config().train.eval_every;
  const std::int64_t step = trainer.progress().step;
  if (every > 0 && step % every == 0 && step < trainer.config().train.steps) {
    evaluate(trainer, /*final=*/false);
  }
}

void EvalHook::after_train(Trainer& trainer) {
  // A run stopped early (request_stop) is not finished: it can be resumed, so no final tables.
  if (!trainer.failed() && trainer.progress().step >= trainer.config().train.steps) {
    evaluate(trainer, /*final=*/true);
  }
}

void EvalHook::evaluate(Trainer& trainer, bool final) {
  const RunConfig& config = trainer.config();
  const eval::EvaluationSharding sharding = trainer.prepare_evaluation();
  const eval::EvalSummary summary = eval::evaluate_model(trainer.model(),
                                                         config,
                                                         trainer.device(),
                                                         sets_,
                                                         final && config.eval.save_predictions,
                                                         sharding);
  const std::int64_t step = trainer.progress().step;
  spdlog::info("evaluation at step {}:\n{}", step, summary.brief_report());
  JsonObject line = {{"step", step}, {"kind", "eval"}};
  line.update(summary.to_json_object());
  trainer.append_metrics(json_line(line));

  // Model selection on the first camera set (the seen cameras in every shipped config).
  trainer.report_evaluation(summary.overall(sets_.front().name).mpjpe_mm);
  const TrainingProgress& progress = trainer.progress();
  if (final && trainer.writes_files()) {
    summary.write(trainer.run_dir(), "results");
    JsonObject metrics = {{"step", step}, {"best_step", progress.best_step}};
    metrics.update(summary.to_json_object());
    write_file_atomic(final_metrics_path(trainer.run_dir()), json_line(metrics) + "\n");
    spdlog::info("results in {}", (trainer.run_dir() / "results.md").string());
  }
}

// --- CheckpointHook ---------------------------------------------------------------------------

void CheckpointHook::save(Trainer& trainer, const char* name) {
  if (!trainer.writes_files()) return;  // rank 0 saves the job's one model
  const auto file = trainer.run_dir() / "checkpoints" / fmt::format("{}.pt", name);
  // A diverged model (an update that overflowed) never replaces the last good checkpoint.
  const std::string broken = first_non_finite_state(*trainer.model());
  MVPOSE3D_CHECK(broken.empty(),
                 "step {}: the model's '{}' holds NaN or Inf; {} is not overwritten and keeps "
                 "the last good state. Lower train.optimizer.lr or set train.grad_clip_norm",
                 trainer.progress().step,
                 broken,
                 file.string());
  save_training_checkpoint(file,
                           trainer.model(),
                           trainer.optimizer(),
                           trainer.progress(),
                           {{"config_name", trainer.config().name}});
}

void CheckpointHook::save_last(Trainer& trainer) {
  save(trainer, "last");
  last_saved_step_ = trainer.progress().step;
}

void CheckpointHook::after_step(Trainer& trainer, const StepResult&) {
  const TrainConfig& tc = trainer.config().train;
  const std::int64_t step = trainer.progress().step;
  if (step == tc.steps) return;  // after_train saves the end of the run
  // An evaluation at this step saved (or will save) last.pt with its result: after_evaluation.
  const bool periodic = tc.checkpoint_every > 0 && step % tc.checkpoint_every == 0;
  if (periodic && last_saved_step_ != step) save_last(trainer);
}

void CheckpointHook::after_evaluation(Trainer& trainer, bool improved) {
  save_last(trainer);
  if (improved) save(trainer, "best");
}

void CheckpointHook::after_train(Trainer& trainer) {
  if (trainer.failed()) return;
  if (last_saved_step_ != trainer.progress().step) save_last(trainer);
}

void add_default_hooks(Trainer& trainer, std::optional<bool> progress_bar) {
  trainer.add_hook(
      std::make_unique<LoggingHook>(progress_bar.value_or(::isatty(STDERR_FILENO) != 0)));
  trainer.add_hook(std::make_unique<EvalHook>());
  trainer.add_hook(std::make_unique<CheckpointHook>());
}

}  // namespace mvpose3d::train
