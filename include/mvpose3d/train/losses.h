// The training losses of the `train.loss` config: a 2D term on each view's detections and a 3D
// term on the joints triangulated by the DLT layer.
//
//   2D  l1 | mse | smooth_l1 on soft-argmax coordinates, in input-crop pixels, against the
//       projected ground truth (all joints, occluded ones too: the labels of the real datasets
//       are projected motion capture, and inferring hidden joints from other views is what fusion
//       is for); heatmap_mse on the decoder's heatmaps against Gaussians at the ground truth.
//   3D  mpjpe (mean Euclidean error, mm) | l1 (mean absolute coordinate error, mm) over the joints
//       the DLT marked valid; none for "Canonical Fusion without DLT".
// The 3D term starts after train.loss.warmup_2d_steps.
#pragma once

#include "mvpose3d/config/train_config.h"
#include "mvpose3d/data/multiview_sample.h"
#include "mvpose3d/models/pose_net.h"

#include <cstdint>
#include <map>
#include <string>

#include <ATen/core/Tensor.h>

namespace mvpose3d::train {

struct LossTerms {
  at::Tensor total;                         // scalar, differentiable: Σ weight · term
  std::map<std::string, at::Tensor> terms;  // "loss_2d", "loss_3d": unweighted scalars
};

// Whether step `step` trains through the DLT (the model must triangulate).
bool uses_3d_loss(const LossConfig& config, std::int64_t step);

// Losses of one batch. `batch` is on the model's device; `output` from the model's forward (with
// joints3d_mm when uses_3d_loss).
LossTerms compute_losses(const models::PoseOutput& output,
                         const MultiviewBatch& batch,
                         const LossConfig& config,
                         std::int64_t step);

// Gaussian target heatmaps: joints in crop px [B, V, J, 2] → [B, V, J, h, w] with peak 1 at each
// joint's heatmap position (the inverse of models::heatmap_to_crop_px), sigma in heatmap px.
at::Tensor gaussian_heatmaps(const at::Tensor& joints_crop_px,
                             int64_t crop_size_px,
                             int64_t heatmap_height,
                             int64_t heatmap_width,
                             double sigma);

}  // namespace mvpose3d::train
