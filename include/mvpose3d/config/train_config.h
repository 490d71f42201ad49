// The `train` section: steps, batch, optimiser, learning-rate schedule and losses.
#pragma once

#include "mvpose3d/config/schema.h"

#include <string>
#include <vector>

namespace mvpose3d {

// train.optimizer
struct OptimizerConfig {
  std::string type = "adam";  // adam | sgd
  double lr = 1e-3;           // base learning rate
  double momentum = 0.9;      // SGD momentum (adam ignores it)
  double weight_decay = 0.0;  // L2 weight decay

  template <class Visitor>
  void visit(Visitor& v) {
    v("type", type, "optimiser", OneOf({"adam", "sgd"}));
    v("lr", lr, "base learning rate", Positive());
    v("momentum", momentum, "SGD momentum, ignored by adam", InRangeOpenHigh(0, 1));
    v("weight_decay", weight_decay, "L2 weight decay", NonNegative());
  }
};
MVPOSE3D_CONFIG_EQUALITY(OptimizerConfig)

// train.schedule: the learning rate as a function of the step.
struct ScheduleConfig {
  std::string type = "constant";  // constant | steps | cosine
  int warmup_steps = 0;           // linear warm-up from 0 over this many steps
  std::vector<int> milestones;    // steps: the rate is multiplied by gamma at each one
  double gamma = 0.1;             // factor applied at each milestone

  template <class Visitor>
  void visit(Visitor& v) {
    v("type",
      type,
      "learning rate: constant, steps (x gamma at each milestone), cosine (to 0 at train.steps)",
      OneOf({"constant", "steps", "cosine"}));
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
  std::string loss_2d = "l1";     // l1 | mse | smooth_l1 | heatmap_mse
  double weight_2d = 1.0;         // weight of the 2D loss
  std::string loss_3d = "mpjpe";  // mpjpe | l1 | none
  double weight_3d = 0.03;        // weight of the 3D loss
  int warmup_2d_steps = 0;        // steps trained with the 2D loss only

  template <class Visitor>
  void visit(Visitor& v) {
    v("loss_2d",
      loss_2d,
      "2D loss on soft-argmax coordinates (l1, mse, smooth_l1) or on heatmaps (heatmap_mse)",
      OneOf({"l1", "mse", "smooth_l1", "heatmap_mse"}));
    v("weight_2d", weight_2d, "weight of the 2D loss", NonNegative());
    v("loss_3d",
      loss_3d,
      "3D loss on the triangulated joints, in mm",
      OneOf({"mpjpe", "l1", "none"}));
    v("weight_3d", weight_3d, "weight of the 3D loss", NonNegative());
    v("warmup_2d_steps",
      warmup_2d_steps,
      "first steps trained with the 2D loss only",
      NonNegative());
  }
};
MVPOSE3D_CONFIG_EQUALITY(LossConfig)

struct TrainConfig {
  int steps = 10000;                // optimiser steps
  int batch_size = 16;              // multi-view samples per step
  OptimizerConfig optimizer;        // optimiser
  ScheduleConfig schedule;          // learning-rate schedule
  LossConfig loss;                  // losses
  double grad_clip_norm = 0.0;      // clip the global gradient norm to this (0 = off)
  int eval_every = 1000;            // evaluate every this many steps (0 = only at the end)
  int checkpoint_every = 500;       // write checkpoints/last.pt every this many steps
  int log_every = 50;               // log every this many steps
  std::string nan_policy = "skip";  // a non-finite loss: skip the step or stop

  template <class Visitor>
  void visit(Visitor& v) {
    v("steps", steps, "optimiser steps", Positive());
    v("batch_size", batch_size, "multi-view samples per step", Positive());
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
    v("nan_policy",
      nan_policy,
      "on a non-finite loss or gradient: skip the step, or stop the run",
      OneOf({"skip", "stop"}));
  }
};
MVPOSE3D_CONFIG_EQUALITY(TrainConfig)

}  // namespace mvpose3d
