// The feature transform layer (FTL; Worrall et al., ICCV 2017; Remelli et al., CVPR 2020, Eqs. 2
// and 4): parameter-free, it reads a feature map's channels at every pixel as a set of K points of
// dimension D, multiplies each point by a matrix, and writes the points back as channels.
//
// Two modes (../shared/reference/paper.md §2; docs/models.md):
//   rotation    to the canonical (world) frame by R_iᵀ, back to view j by R_j: 3 → 3 per point.
//               R is cam_from_world's rotation. How the seed's slides present the FTL.
//   projection  to the canonical frame by P̃_i⁺ (4×3), back by P̃_j (3×4): 3 → 4 → 3 per point, with
//               P̃ the normalised projection (normalized_projection): crop pixels mapped to [−1, 1],
//               world in metres, Frobenius norm 1. What the paper's equations and both public
//               re-implementations do (they leave P unnormalised: entries ~10³ against ~10⁻³).
// Both are exactly invertible for the same view: R Rᵀ = I and P̃ P̃⁺ = I₃.
//
// Reshape conventions (model.ftl_reshape): a C = D·K channel map is read as K points with
//   interleaved  channel D·k + d = coordinate d of point k (per-pixel channel triplets, [TF])
//   blocks       channel d·K + k = coordinate d of point k (channel blocks, [PT]'s reshape(b, 3,
//   -1))
#pragma once

#include "mvpose3d/config/model_config.h"

#include <cstdint>
#include <string>

#include <ATen/core/Tensor.h>

namespace mvpose3d::models {

// The modes are the config's (model_config.h: names, to_string(), canonical_point_dim()).
using ::mvpose3d::canonical_point_dim;
using ::mvpose3d::FtlMode;
using ::mvpose3d::FtlReshape;

// Parse "rotation" | "projection" and "interleaved" | "blocks"; throw Error listing the names.
FtlMode ftl_mode_from_string(const std::string& name);
FtlReshape ftl_reshape_from_string(const std::string& name);

// The per-view matrices of both directions.
struct FtlMatrices {
  FtlMode mode = FtlMode::kProjection;
  at::Tensor to_canonical;    // [B, V, Dc, 3]: R_iᵀ or P̃_i⁺
  at::Tensor from_canonical;  // [B, V, 3, Dc]: R_j or P̃_j
};

// The normalised projection used by mode projection:
//   P̃ = N·P·diag(1000, 1000, 1000, 1) / ‖N·P·diag(1000, 1000, 1000, 1)‖_F
// with N = [[2/W, 0, 1/W − 1], [0, 2/H, 1/H − 1], [0, 0, 1]] (crop pixel centres → [−1, 1]) and the
// diagonal taking world metres to P's millimetres. Rotating the world frame about its origin (P ↦
// P·diag(Rᵀ, 1)) rotates P̃⁺'s first three rows and leaves its fourth, which the equivariant fusion
// relies on.
//   proj_from_world [..., 3, 4] (crop px per world mm) -> [..., 3, 4] float64
at::Tensor normalized_projection(const at::Tensor& proj_from_world,
                                 int64_t crop_height,
                                 int64_t crop_width);

// Builds both directions' matrices for every view, in float64.
//   K [B, V, 3, 3] crop px; cam_from_world [B, V, 3, 4] (R | t in mm); crop size in pixels
FtlMatrices make_ftl_matrices(FtlMode mode,
                              const at::Tensor& K,
                              const at::Tensor& cam_from_world,
                              int64_t crop_height,
                              int64_t crop_width);

// Channels ↔ point sets.
//   to_points:   x [N, D·K, H, W] -> [N, K, D, H, W]
//   from_points: p [N, K, D, H, W] -> [N, D·K, H, W]
at::Tensor to_points(const at::Tensor& x, int64_t dim, FtlReshape reshape);
at::Tensor from_points(const at::Tensor& points, FtlReshape reshape);

// The FTL itself: every point of every pixel multiplied by its sample's matrix.
//   x [N, D_in·K, H, W]; matrices [N, D_out, D_in] (cast to x's dtype) -> [N, D_out·K, H, W]
// Differentiable with respect to x and the matrices; no parameters.
at::Tensor feature_transform(const at::Tensor& x, const at::Tensor& matrices, FtlReshape reshape);

}  // namespace mvpose3d::models
