// The `train` section: steps, batch, optimiser, learning-rate schedule and losses.
#pragma once

#include "mvpose3d/config/schema.h"

#include <string>
#include <vector>

namespace mvpose3d {

// train.optimizer.type
enum class OptimizerType { kAdam, kSgd };
template <>
struct EnumNames<OptimizerType> {
  static constexpr EnumName<OptimizerType> table[] = {{OptimizerType::kAdam, "adam"},
                                                      {OptimizerType::kSgd, "sgd"}};
};

// train.schedule.type
enum class ScheduleType { kConstant, kSteps, kCosine };
template <>
struct EnumNames<ScheduleType> {
  static constexpr EnumName<ScheduleType> table[] = {{ScheduleType::kConstant, "constant"},
                                                     {ScheduleType::kSteps, "steps"},
                                                     {ScheduleType::kCosine, "cosine"}};
};

// train.loss.loss_2d
enum class Loss2d { kL1, kMse, kSmoothL1, kHeatmapMse };
template <>
struct EnumNames<Loss2d> {
  static constexpr EnumName<Loss2d> table[] = {{Loss2d::kL1, "l1"},
                                               {Loss2d::kMse, "mse"},
                                               {Loss2d::kSmoothL1, "smooth_l1"},
                                               {Loss2d::kHeatmapMse, "heatmap_mse"}};
};

// train.loss.loss_3d
enum class Loss3d { kMpjpe, kL1, kNone };
template <>
struct EnumNames<Loss3d> {
  static constexpr EnumName<Loss3d> table[] = {
      {Loss3d::kMpjpe, "mpjpe"}, {Loss3d::kL1, "l1"}, {Loss3d::kNone, "none"}};
};

// train.nan_policy
enum class NanPolicy { kSkip, kStop };
template <>
struct EnumNames<NanPolicy> {
  static constexpr EnumName<NanPolicy> table[] = {{NanPolicy::kSkip, "skip"},
                                                  {NanPolicy::kStop, "stop"}};
};

// train.distributed.backend: the c10d process group of a job of several processes.
enum class DistributedBackend { kAuto, kNccl, kGloo };
template <>
struct EnumNames<DistributedBackend> {
  static constexpr EnumName<DistributedBackend> table[] = {{DistributedBackend::kAuto, "auto"},
                                                           {DistributedBackend::kNccl, "nccl"},
                                                           {DistributedBackend::kGloo, "gloo"}};
};

// train.distributed: data-parallel training when the job has several processes (torchrun or
// SLURM set the world size; docs/training.md). A job of one process ignores it.
struct DistributedConfig {
  DistributedBackend backend = DistributedBackend::kAuto;
  int timeout_s = 300;
  bool sync_batchnorm = false;

  template <class Visitor>
  void visit(Visitor& v) {
    v("backend",
      backend,
      "c10d process group: auto (nccl on CUDA, gloo on the CPU), nccl (CUDA only) or gloo");
    v("timeout_s",
      timeout_s,
      "seconds a process waits for the others (rendezvous, any collective) before it exits with "
      "an error naming the rank it waited for",
      Positive());
    v("sync_batchnorm",
      sync_batchnorm,
      "BatchNorm statistics over the global batch (as PyTorch's SyncBatchNorm) instead of each "
      "process's share of it");
  }
};
MVPOSE3D_CONFIG_EQUALITY(DistributedConfig)

// train.precision
enum class Precision { kFp32, kBf16, kFp16 };
template <>
struct EnumNames<Precision> {
  static constexpr EnumName<Precision> table[] = {
      {Precision::kFp32, "fp32"}, {Precision::kBf16, "bf16"}, {Precision::kFp16, "fp16"}};
};

// train.optimizer
struct OptimizerConfig {
  OptimizerType type = OptimizerType::kAdam;
  double lr = 1e-3;
  double momentum = 0.9;
  double weight_decay = 0.0;

  template <class Visitor>
  void visit(Visitor& v) {
    v("type", type, "optimiser");
    v("lr", lr, "base learning rate", Positive() && Finite());  // .inf trained to NaN
    v("momentum", momentum, "SGD momentum, ignored by adam", InRangeOpenHigh(0, 1));
    v("weight_decay", weight_decay, "L2 weight decay", NonNegative() && Finite());
  }
};
MVPOSE3D_CONFIG_EQUALITY(OptimizerConfig)

// train.schedule: the learning rate as a function of the step.
struct ScheduleConfig {
  ScheduleType type = ScheduleType::kConstant;
  int warmup_steps = 0;
  std::vector<int> milestones;
  double gamma = 0.1;

  template <class Visitor>
  void visit(Visitor& v) {
    v("type",
      type,
      "learning rate: constant, steps (x gamma at each milestone), cosine (to 0 at train.steps)");
    v("warmup_steps", warmup_steps, "linear warm-up from 0 over this many steps", NonNegative());
    v("milestones",
      milestones,
      "steps at which the rate is multiplied by gamma, for type steps",
      NonNegative() && StrictlyIncreasing());
    v("gamma", gamma, "factor applied at each milestone", InRangeOpenLow(0, 1));
  }
};
MVPOSE3D_CONFIG_EQUALITY(ScheduleConfig)

// train.loss: a 2D loss on each view's detections plus a 3D loss after triangulation.
struct LossConfig {
  Loss2d loss_2d = Loss2d::kL1;
  double weight_2d = 1.0;
  Loss3d loss_3d = Loss3d::kMpjpe;
  double weight_3d = 0.03;
  int warmup_2d_steps = 0;

  template <class Visitor>
  void visit(Visitor& v) {
    v("loss_2d",
      loss_2d,
      "2D loss on soft-argmax coordinates (l1, mse, smooth_l1) or on heatmaps (heatmap_mse)");
    v("weight_2d", weight_2d, "weight of the 2D loss", NonNegative());
    v("loss_3d", loss_3d, "3D loss on the triangulated joints, in mm");
    v("weight_3d", weight_3d, "weight of the 3D loss", NonNegative());
    v("warmup_2d_steps",
      warmup_2d_steps,
      "first steps trained with the 2D loss only",
      NonNegative());
  }
};
MVPOSE3D_CONFIG_EQUALITY(LossConfig)

struct TrainConfig {
  int steps = 10000;
  int batch_size = 16;
  OptimizerConfig optimizer;
  ScheduleConfig schedule;
  LossConfig loss;
  double grad_clip_norm = 0.0;
  int eval_every = 1000;
  int checkpoint_every = 500;
  int log_every = 50;
  NanPolicy nan_policy = NanPolicy::kSkip;
  double max_skipped_fraction = 0.1;
  DistributedConfig distributed;
  Precision precision = Precision::kFp32;

  template <class Visitor>
  void visit(Visitor& v) {
    v("steps", steps, "optimiser steps", Positive());
    v("batch_size",
      batch_size,
      "multi-view samples per step: the global batch, shared among the processes of a "
      "distributed job",
      Positive());
    v("optimizer", optimizer, "optimiser");
    v("schedule", schedule, "learning-rate schedule");
    v("loss", loss, "losses");
    v("grad_clip_norm",
      grad_clip_norm,
      "clip the global gradient norm to this value, 0 = off",
      NonNegative());
    v("eval_every",
      eval_every,
      "evaluate every this many steps, 0 = only at the end",
      NonNegative());
    v("checkpoint_every",
      checkpoint_every,
      "write checkpoints/last.pt every this many steps, 0 = only at evaluations and the end",
      NonNegative());
    v("log_every", log_every, "log every this many steps", Positive());
    v("nan_policy", nan_policy, "on a non-finite loss or gradient: skip the step, or stop the run");
    v("max_skipped_fraction",
      max_skipped_fraction,
      "nan_policy skip: stop the run (non-zero exit) once more than this fraction of train.steps "
      "were skipped as non-finite (fp16 loss-scale overflows not counted)",
      InRange(0, 1));
    v("distributed", distributed, "data-parallel training over several processes");
    v("precision",
      precision,
      "the network's forward under autocast: fp32 (off), bf16 (CUDA or CPU), fp16 (CUDA only, "
      "with dynamic loss scaling); soft-argmax, the DLT and the losses stay float32/float64");
  }
};
MVPOSE3D_CONFIG_EQUALITY(TrainConfig)

}  // namespace mvpose3d
