#include "mvpose3d/train/optimizer_factory.h"

#include "mvpose3d/core/error.h"

#include <algorithm>
#include <cmath>

#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

namespace mvpose3d::train {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& config,
                                                        const std::vector<at::Tensor>& parameters) {
  if (config.type == OptimizerType::kAdam) {
    return std::make_unique<torch::optim::Adam>(
        parameters, torch::optim::AdamOptions(config.lr).weight_decay(config.weight_decay));
  }
  if (config.type == OptimizerType::kSgd) {
    return std::make_unique<torch::optim::SGD>(parameters,
                                               torch::optim::SGDOptions(config.lr)
                                                   .momentum(config.momentum)
                                                   .weight_decay(config.weight_decay));
  }
  throw Error("train.optimizer.type: unknown optimiser '" + to_string(config.type) +
              "' (known: adam, sgd)");
}

double learning_rate_at(const ScheduleConfig& schedule,
                        double base_lr,
                        std::int64_t step,
                        std::int64_t total_steps) {
  const std::int64_t warmup = schedule.warmup_steps;
  if (step < warmup) {
    return base_lr * static_cast<double>(step + 1) / static_cast<double>(warmup + 1);
  }
  if (schedule.type == ScheduleType::kSteps) {
    const auto passed = std::count_if(schedule.milestones.begin(),
                                      schedule.milestones.end(),
                                      [&](int milestone) { return step >= milestone; });
    return base_lr * std::pow(schedule.gamma, static_cast<double>(passed));
  }
  if (schedule.type == ScheduleType::kCosine) {
    const double span = static_cast<double>(std::max<std::int64_t>(1, total_steps - warmup));
    const double progress = std::clamp(static_cast<double>(step - warmup) / span, 0.0, 1.0);
    return base_lr * 0.5 * (1.0 + std::cos(M_PI * progress));
  }
  MVPOSE3D_CHECK(schedule.type == ScheduleType::kConstant,
                 "train.schedule.type: unknown schedule '{}' (known: constant, steps, cosine)",
                 to_string(schedule.type));
  return base_lr;
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

}  // namespace mvpose3d::train
