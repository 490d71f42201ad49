// Optimisers and learning-rate schedules from the `train` config.
#pragma once

#include "mvpose3d/config/train_config.h"

#include <cstdint>
#include <memory>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/optim/optimizer.h>

namespace mvpose3d::train {

// Adam or SGD (with momentum and weight decay) over `parameters`; throws Error listing the known
// types for an unknown train.optimizer.type.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& config,
                                                        const std::vector<at::Tensor>& parameters);

// The learning rate of optimiser step `step` (0-based) of `total_steps`: a linear warm-up from
// base_lr / (warmup_steps + 1) to base_lr over the first warmup_steps steps, then constant, x gamma
// at each milestone (steps), or a cosine decay to 0 at total_steps (cosine). A pure function of
// the step, so a resumed run needs no scheduler state beyond the step.
double learning_rate_at(const ScheduleConfig& schedule,
                        double base_lr,
                        std::int64_t step,
                        std::int64_t total_steps);

// Sets the learning rate of every parameter group.
void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

}  // namespace mvpose3d::train
