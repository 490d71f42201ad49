#include "mvpose3d/eval/metrics.h"

#include "mvpose3d/core/error.h"

#include <limits>
#include <vector>

#include <ATen/ATen.h>

namespace mvpose3d::eval {

namespace {

std::vector<int64_t> shape_of(const at::Tensor& t) {
  return t.defined() ? t.sizes().vec() : std::vector<int64_t>{};
}

void check_poses(const at::Tensor& t, const char* what) {
  MVPOSE3D_CHECK(t.defined() && t.dim() >= 2 && t.size(-1) == 3,
                 "{} must be [..., J, 3] joints in mm, got shape {}",
                 what,
                 shape_of(t));
}

void check_pair(const at::Tensor& pred_mm, const at::Tensor& gt_mm, const char* function) {
  check_poses(pred_mm, function);
  check_poses(gt_mm, function);
  MVPOSE3D_CHECK(pred_mm.sizes() == gt_mm.sizes(),
                 "{}: prediction {} and ground truth {} must have the same shape",
                 function,
                 shape_of(pred_mm),
                 shape_of(gt_mm));
}

}  // namespace

at::Tensor joint_errors_mm(const at::Tensor& pred_mm, const at::Tensor& gt_mm) {
  check_pair(pred_mm, gt_mm, "joint_errors_mm");
  const auto diff = pred_mm.to(at::kDouble) - gt_mm.to(pred_mm.device(), at::kDouble);
  return diff.pow(2).sum(-1).sqrt();  // [..., J]
}

at::Tensor root_relative(const at::Tensor& joints_mm, int64_t root_joint) {
  check_poses(joints_mm, "root_relative");
  const int64_t j = joints_mm.size(-2);
  MVPOSE3D_CHECK(root_joint >= 0 && root_joint < j,
                 "root_relative: root joint {} is out of range for {} joints",
                 root_joint,
                 j);
  const auto joints = joints_mm.to(at::kDouble);
  return joints - joints.narrow(-2, root_joint, 1);  // [..., J, 3] - [..., 1, 3]
}

at::Tensor procrustes_align(const at::Tensor& pred_mm, const at::Tensor& gt_mm) {
  check_pair(pred_mm, gt_mm, "procrustes_align");
  const auto pred = pred_mm.to(at::kDouble);
  const auto gt = gt_mm.to(pred.device(), at::kDouble);
  const auto pred_mean = pred.mean(-2, /*keepdim=*/true);  // [..., 1, 3]
  const auto gt_mean = gt.mean(-2, /*keepdim=*/true);      // [..., 1, 3]
  const auto p0 = pred - pred_mean;                        // [..., J, 3]
  const auto g0 = gt - gt_mean;                            // [..., J, 3]

  // LAPACK refuses non-finite matrices: align those poses from a zero H and return NaN for them.
  const auto finite =
      at::isfinite(pred).all(-1).all(-1).logical_and(at::isfinite(gt).all(-1).all(-1));  // [...]
  const auto h = at::where(finite.unsqueeze(-1).unsqueeze(-1),
                           at::matmul(p0.transpose(-1, -2), g0),
                           at::zeros({}, pred.options()));  // [..., 3, 3]
  const auto [u, s, vh] = at::linalg_svd(h, /*full_matrices=*/false);
  const auto v = vh.transpose(-1, -2);
  // Reflection fix: flip the axis of the smallest singular value when V·Uᵀ is a mirror.
  const auto det = at::linalg_det(at::matmul(v, u.transpose(-1, -2)));  // [...]
  const auto sign = at::where(det < 0, -at::ones_like(det), at::ones_like(det));
  auto d = at::ones_like(s);  // [..., 3] the diagonal of D
  d.select(-1, 2).copy_(sign);
  const auto rotation = at::matmul(v * d.unsqueeze(-2), u.transpose(-1, -2));  // V·D·Uᵀ [..., 3, 3]

  const auto p_norm2 = p0.pow(2).sum({-2, -1});  // [...]
  const auto trace = (d * s).sum(-1);            // tr(D·S) [...]
  // A prediction collapsed to one point has no scale to fit: s = 0 maps it to gt's centroid.
  const auto scale = at::where(p_norm2 > 0, trace / p_norm2, at::zeros_like(p_norm2));

  // Row vectors: aligned_j = s·R·p0_j + ḡ  ->  s·p0·Rᵀ + ḡ.
  const auto aligned =
      scale.unsqueeze(-1).unsqueeze(-1) * at::matmul(p0, rotation.transpose(-1, -2)) + gt_mean;
  return at::where(finite.unsqueeze(-1).unsqueeze(-1),
                   aligned,
                   at::full({}, std::numeric_limits<double>::quiet_NaN(), pred.options()));
}

double mpjpe(const at::Tensor& pred_mm, const at::Tensor& gt_mm) {
  return joint_errors_mm(pred_mm, gt_mm).mean().item<double>();
}

double mpjpe_root_relative(const at::Tensor& pred_mm, const at::Tensor& gt_mm, int64_t root_joint) {
  check_pair(pred_mm, gt_mm, "mpjpe_root_relative");
  return mpjpe(root_relative(pred_mm, root_joint), root_relative(gt_mm, root_joint));
}

double pa_mpjpe(const at::Tensor& pred_mm, const at::Tensor& gt_mm) {
  return joint_errors_mm(procrustes_align(pred_mm, gt_mm), gt_mm).mean().item<double>();
}

}  // namespace mvpose3d::eval
