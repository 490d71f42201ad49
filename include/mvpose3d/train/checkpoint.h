// Training checkpoints: the model checkpoint of models/state_dict.h (so `mvpose3d eval` and
// load_model read it directly) plus, under their own keys, the optimiser state, the training
// progress and the CPU random generator. Written atomically: a crash or a full disk while saving
// leaves the previous checkpoint intact.
#pragma once

#include "mvpose3d/models/pose_net.h"

#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <string>

#include <torch/optim/optimizer.h>

namespace mvpose3d::train {

// Where a run stands; everything else (learning rate, data order) is a function of `step`.
struct TrainingProgress {
  std::int64_t step = 0;                                         // optimiser steps done
  double best_metric = std::numeric_limits<double>::infinity();  // lowest evaluation MPJPE, mm
  std::int64_t best_step = -1;                                   // the step it was reached at
  std::int64_t skipped_steps = 0;  // steps skipped by the non-finite guard, fp16 overflows too
  // Of those, the steps skipped for a non-finite loss or gradient (train.nan_policy), not fp16
  // loss-scale overflows: what train.max_skipped_fraction bounds.
  std::int64_t nonfinite_steps = 0;
  std::int64_t world_size = 1;  // processes of the job that trained it (data parallelism)
  // The fp16 loss scale (mixed_precision.h) and its finite steps since the last change; a
  // checkpoint without them (fp32, bf16, or older) resumes with the initial scale.
  double loss_scale = 0;  // 0 = none saved
  std::int64_t loss_scale_growth_tracker = 0;
};

void save_training_checkpoint(const std::filesystem::path& file,
                              const models::MultiViewPoseNet& net,
                              const torch::optim::Optimizer& optimizer,
                              const TrainingProgress& progress,
                              const std::map<std::string, std::string>& metadata = {});

// Loads the model, and the optimiser state, progress and random generator when `optimizer` is
// given (resume); with nullptr only the weights (fine-tuning, evaluation). Throws Error naming the
// file when it is missing, corrupted, of another architecture, or lacks the training state.
TrainingProgress load_training_checkpoint(const std::filesystem::path& file,
                                          models::MultiViewPoseNet& net,
                                          torch::optim::Optimizer* optimizer);

}  // namespace mvpose3d::train
