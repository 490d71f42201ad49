// The feature transform layer: its matrices (rotation or normalised projection) and the reshapes
// between channel maps and sets of points. Plain ATen ops, no nn modules.
#include "mvpose3d/models/feature_transform.h"

#include "mvpose3d/core/error.h"

#include <ATen/ATen.h>

#include "models/shape_text.h"

namespace mvpose3d::models {

FtlMode ftl_mode_from_string(const std::string& name) {
  return parse_enum<FtlMode>(name, "model.ftl_mode");
}

FtlReshape ftl_reshape_from_string(const std::string& name) {
  return parse_enum<FtlReshape>(name, "model.ftl_reshape");
}

at::Tensor normalized_projection(const at::Tensor& proj_from_world,
                                 int64_t crop_height,
                                 int64_t crop_width) {
  MVPOSE3D_CHECK(
      proj_from_world.dim() >= 2 && proj_from_world.size(-2) == 3 && proj_from_world.size(-1) == 4,
      "normalized_projection: proj_from_world must be [..., 3, 4], got {}",
      shape_of(proj_from_world));
  const auto opts = proj_from_world.options().dtype(at::kDouble);
  const double w = static_cast<double>(crop_width), h = static_cast<double>(crop_height);
  const auto image_norm =
      at::tensor({2 / w, 0.0, 1 / w - 1, 0.0, 2 / h, 1 / h - 1, 0.0, 0.0, 1.0}, opts).view({3, 3});
  const auto metres = at::tensor({1000.0, 1000.0, 1000.0, 1.0}, opts);
  const auto p = at::matmul(image_norm, proj_from_world.to(at::kDouble)) * metres;  // [..., 3, 4]
  return p / p.flatten(-2).norm(2, -1).unsqueeze(-1).unsqueeze(-1);
}

FtlMatrices make_ftl_matrices(FtlMode mode,
                              const at::Tensor& K,
                              const at::Tensor& cam_from_world,
                              int64_t crop_height,
                              int64_t crop_width) {
  MVPOSE3D_CHECK(
      cam_from_world.dim() == 4 && cam_from_world.size(-2) == 3 && cam_from_world.size(-1) == 4,
      "FTL: cam_from_world must be [B, V, 3, 4], got {}",
      shape_of(cam_from_world));
  FtlMatrices m;
  m.mode = mode;
  const auto rt = cam_from_world.to(at::kDouble);
  if (mode == FtlMode::kRotation) {
    const auto r = rt.narrow(-1, 0, 3);  // [B, V, 3, 3]
    m.to_canonical = r.transpose(-1, -2);
    m.from_canonical = r;
    return m;
  }
  MVPOSE3D_CHECK(K.dim() == 4 && K.size(0) == cam_from_world.size(0) &&
                     K.size(1) == cam_from_world.size(1) && K.size(2) == 3 && K.size(3) == 3,
                 "FTL: K must be [B, V, 3, 3] like cam_from_world {}, got {}",
                 shape_of(cam_from_world),
                 shape_of(K));
  const auto p = normalized_projection(at::matmul(K.to(at::kDouble), rt), crop_height, crop_width);
  const auto pt = p.transpose(-1, -2);                                 // [B, V, 4, 3]
  m.to_canonical = at::matmul(pt, at::linalg_inv(at::matmul(p, pt)));  // P⁺ = Pᵀ(PPᵀ)⁻¹
  m.from_canonical = p;
  return m;
}

at::Tensor to_points(const at::Tensor& x, int64_t dim, FtlReshape reshape) {
  MVPOSE3D_CHECK(x.dim() == 4 && x.size(1) % dim == 0,
                 "FTL: features must be [N, {}·K, H, W], got {}",
                 dim,
                 shape_of(x));
  const int64_t n = x.size(0), k = x.size(1) / dim, h = x.size(2), w = x.size(3);
  if (reshape == FtlReshape::kInterleaved) return x.reshape({n, k, dim, h, w});
  return x.reshape({n, dim, k, h, w}).transpose(1, 2);
}

at::Tensor from_points(const at::Tensor& points, FtlReshape reshape) {
  MVPOSE3D_CHECK(
      points.dim() == 5, "FTL: points must be [N, K, D, H, W], got {}", shape_of(points));
  const int64_t n = points.size(0), k = points.size(1), d = points.size(2);
  const int64_t h = points.size(3), w = points.size(4);
  if (reshape == FtlReshape::kInterleaved) return points.reshape({n, k * d, h, w});
  return points.transpose(1, 2).reshape({n, d * k, h, w});
}

at::Tensor feature_transform(const at::Tensor& x, const at::Tensor& matrices, FtlReshape reshape) {
  MVPOSE3D_CHECK(matrices.dim() == 3 && matrices.size(0) == x.size(0),
                 "FTL: matrices must be [N, D_out, D_in] with N = {}, got {}",
                 x.dim() > 0 ? x.size(0) : 0,
                 shape_of(matrices));
  const auto points = to_points(x, matrices.size(2), reshape);  // [N, K, D_in, H, W]
  const auto out = at::einsum("noi,nkihw->nkohw", {matrices.to(x.dtype()), points});
  return from_points(out, reshape);  // [N, D_out·K, H, W]
}

}  // namespace mvpose3d::models
