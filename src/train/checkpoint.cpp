#include "mvpose3d/train/checkpoint.h"

#include "mvpose3d/core/error.h"

#include <mutex>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/Generator.h>
#include <torch/serialize/archive.h>

namespace mvpose3d::train {

namespace {

// Keys of the training state, next to the model checkpoint's own.
constexpr const char* kOptimizerKey = "trainer.optimizer";
constexpr const char* kStepKey = "trainer.step";
constexpr const char* kBestMetricKey = "trainer.best_metric";
constexpr const char* kBestStepKey = "trainer.best_step";
constexpr const char* kSkippedKey = "trainer.skipped_steps";
constexpr const char* kNonFiniteKey = "trainer.nonfinite_steps";
constexpr const char* kRngKey = "trainer.cpu_rng_state";
constexpr const char* kWorldSizeKey = "trainer.world_size";
constexpr const char* kLossScaleKey = "trainer.loss_scale";
constexpr const char* kLossScaleGrowthKey = "trainer.loss_scale_growth_tracker";

c10::IValue read_key(torch::serialize::InputArchive& archive,
                     const char* key,
                     const std::filesystem::path& file) {
  c10::IValue value;
  MVPOSE3D_CHECK(archive.try_read(key, value),
                 "checkpoint '{}' has no '{}': it holds model weights only, not a training state "
                 "(use it with `mvpose3d eval` or as model weights, not to resume)",
                 file.string(),
                 key);
  return value;
}

}  // namespace

void save_training_checkpoint(const std::filesystem::path& file,
                              const models::MultiViewPoseNet& net,
                              const torch::optim::Optimizer& optimizer,
                              const TrainingProgress& progress,
                              const std::map<std::string, std::string>& metadata) {
  auto metadata_with_step = metadata;
  metadata_with_step["step"] = std::to_string(progress.step);
  auto generator = at::detail::getDefaultCPUGenerator();
  at::Tensor rng_state;
  {
    std::lock_guard<std::mutex> lock(generator.mutex());
    rng_state = generator.get_state();
  }
  models::save_checkpoint(
      *net, file, net->architecture(), metadata_with_step, [&](torch::serialize::OutputArchive& a) {
        torch::serialize::OutputArchive optimizer_archive;
        optimizer.save(optimizer_archive);
        a.write(kOptimizerKey, optimizer_archive);
        a.write(kStepKey, c10::IValue(progress.step));
        a.write(kBestMetricKey, c10::IValue(progress.best_metric));
        a.write(kBestStepKey, c10::IValue(progress.best_step));
        a.write(kSkippedKey, c10::IValue(progress.skipped_steps));
        a.write(kNonFiniteKey, c10::IValue(progress.nonfinite_steps));
        a.write(kRngKey, rng_state);
        a.write(kWorldSizeKey, c10::IValue(progress.world_size));
        if (progress.loss_scale > 0) {
          a.write(kLossScaleKey, c10::IValue(progress.loss_scale));
          a.write(kLossScaleGrowthKey, c10::IValue(progress.loss_scale_growth_tracker));
        }
      });
}

TrainingProgress load_training_checkpoint(const std::filesystem::path& file,
                                          models::MultiViewPoseNet& net,
                                          torch::optim::Optimizer* optimizer) {
  TrainingProgress progress;
  models::load_checkpoint(*net, file, net->architecture(), [&](torch::serialize::InputArchive& a) {
    if (optimizer == nullptr) return;
    progress.step = read_key(a, kStepKey, file).toInt();
    progress.best_metric = read_key(a, kBestMetricKey, file).toDouble();
    progress.best_step = read_key(a, kBestStepKey, file).toInt();
    progress.skipped_steps = read_key(a, kSkippedKey, file).toInt();
    c10::IValue nonfinite;  // absent in checkpoints of earlier versions
    if (a.try_read(kNonFiniteKey, nonfinite)) progress.nonfinite_steps = nonfinite.toInt();
    c10::IValue world_size;  // absent in checkpoints of single-process versions
    if (a.try_read(kWorldSizeKey, world_size)) progress.world_size = world_size.toInt();
    c10::IValue loss_scale;
    if (a.try_read(kLossScaleKey, loss_scale)) {
      progress.loss_scale = loss_scale.toDouble();
      progress.loss_scale_growth_tracker = read_key(a, kLossScaleGrowthKey, file).toInt();
    } else if (nonfinite.isNone()) {
      progress.nonfinite_steps = progress.skipped_steps;  // no fp16 run: every skip was one
    }
    torch::serialize::InputArchive optimizer_archive;
    MVPOSE3D_CHECK(a.try_read(kOptimizerKey, optimizer_archive),
                   "checkpoint '{}' has no optimiser state",
                   file.string());
    try {
      optimizer->load(optimizer_archive);
    } catch (const c10::Error& e) {
      throw Error(
          fmt::format("checkpoint '{}': the optimiser state does not fit this "
                      "optimiser (was train.optimizer.type changed?): {}",
                      file.string(),
                      e.what_without_backtrace()));
    }
    at::Tensor rng_state;
    MVPOSE3D_CHECK(a.try_read(kRngKey, rng_state),
                   "checkpoint '{}' has no random generator state",
                   file.string());
    auto generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(rng_state);
  });
  return progress;
}

}  // namespace mvpose3d::train
