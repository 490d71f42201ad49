// 3D pose error metrics: pure functions on tensors, computed in float64 on the inputs' device.
//
// Shapes: "..." is any number of leading dimensions (frames, batch, views), J joints. Inputs are
// in millimetres in one frame (world or camera); the outputs are in the same unit. Conventions
// (datasets.md §3, docs/evaluation.md):
//   MPJPE       mean Euclidean joint error, no alignment (Qiu / Zhang: world frame, absolute);
//   root-rel.   each pose minus its own root joint (prediction minus the predicted root, ground
//   truth
//               minus the true root), as in learnable-triangulation's "relative" result;
//   PA-MPJPE    after the similarity Procrustes alignment of each predicted pose onto its ground
//               truth (scale, rotation with reflections excluded via sign(det), translation), as
//               VideoPose3D's protocol #2 and 3d-pose-baseline's compute_similarity_transform.
// NaN inputs propagate to the outputs; nothing is masked here (the evaluator counts invalid
// joints).
#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>

namespace mvpose3d::eval {

// Per-joint Euclidean distance.
//   pred_mm [..., J, 3], gt_mm [..., J, 3] (same shape) -> [..., J] float64
// Throws Error when the shapes differ or the last dimension is not 3.
at::Tensor joint_errors_mm(const at::Tensor& pred_mm, const at::Tensor& gt_mm);

// Subtracts each pose's root joint from all its joints (the root becomes 0).
//   joints_mm [..., J, 3] -> [..., J, 3] float64; 0 <= root_joint < J (else Error)
at::Tensor root_relative(const at::Tensor& joints_mm, int64_t root_joint);

// The similarity transform (s, R, t) minimising Σ_j ‖gt_j − (s·R·pred_j + t)‖² for each pose,
// with det(R) = +1 (a mirror image is not a valid alignment), applied to pred:
//   pred_mm [..., J, 3], gt_mm [..., J, 3] -> aligned pred [..., J, 3] float64.
// Closed form (Umeyama 1991): H = P₀ᵀG₀ of the centred poses, H = U·S·Vᵀ, R = V·D·Uᵀ with
// D = diag(1, 1, sign det(V·Uᵀ)), s = tr(D·S) / ‖P₀‖², t = ḡ − s·R·p̄. A prediction whose joints
// all coincide (‖P₀‖ = 0) is mapped to the ground truth's centroid. Needs J >= 1.
at::Tensor procrustes_align(const at::Tensor& pred_mm, const at::Tensor& gt_mm);

// Mean of joint_errors_mm over every joint of every pose.
double mpjpe(const at::Tensor& pred_mm, const at::Tensor& gt_mm);
// MPJPE of the root-relative poses.
double mpjpe_root_relative(const at::Tensor& pred_mm, const at::Tensor& gt_mm, int64_t root_joint);
// MPJPE after procrustes_align.
double pa_mpjpe(const at::Tensor& pred_mm, const at::Tensor& gt_mm);

}  // namespace mvpose3d::eval
