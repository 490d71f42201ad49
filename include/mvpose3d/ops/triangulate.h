// Differentiable multi-view DLT triangulation (Remelli et al., CVPR 2020, Sec. 3.3 and Alg. 1),
// exact, deterministic and NaN-free, with an analytic backward pass.
//
// Derivation, measurements and the failure modes of the official DLT-SII that this fixes:
// docs/triangulation.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

namespace mvpose3d::ops {

enum class TriangulationMethod {
  kFused,  // default: one fused kernel per point (CPU and CUDA), exact smallest eigenvector of A^T
           // A
  kSvd,    // reference: torch::linalg_svd of the weighted, normalised A (autograd through SVD)
  kSii,    // the paper's Algorithm 1 (shifted inverse iteration, T steps) with batched torch ops
};

// Parses "fused" | "svd" | "sii"; throws mvpose3d::Error listing the known names.
TriangulationMethod triangulation_method_from_string(const std::string& name);
std::string to_string(TriangulationMethod method);

struct TriangulateOptions {
  TriangulationMethod method = TriangulationMethod::kFused;
  // Condition the system before solving (Hartley-style, from the cameras alone): the world is
  // centred and scaled on the rig (point nearest to all optical axes, RMS camera distance) and each
  // view's rows are scaled by 1/(focal length), so residuals are angles times normalised depth.
  // The same normalisation is applied by every method (except sii_official) and is differentiable.
  bool normalize = true;
  // kFused: inverse-iteration steps before falling back to a Jacobi eigen-solve (it stops earlier
  // on convergence, usually after 1-3). kSii: T, the fixed number of steps (the paper uses 2). 0
  // selects the default (8 for kFused, 2 for kSii).
  int iterations = 0;
  // kSii: the shift sigma. kFused: the shift relative to trace(A^T A). <= 0 selects the default
  // (kSii: 1e-3 as in the paper; kFused: 1e-12 with float64 accumulation, 1e-6 with float32).
  double shift = 0.0;
  // kSii only: reproduce the official DiffDLT code exactly (raw pixel coordinates, no weights and
  // no normalisation, absolute sigma, a uniform random start drawn from `generator`, float32
  // solve).
  bool sii_official = false;
  std::optional<at::Generator> generator;
  // kFused: precision of the normal matrix and the eigen-solve (kDouble or kFloat).
  at::ScalarType accumulate = at::kDouble;
  // kFused: eigen-residual tolerance with trace(A^T A) = 1 (<= 0: 1e-13 for double, 1e-6 for
  // float).
  double tolerance = 0.0;
  // Points farther than this from the rig centre, in units of the rig's size, are reported as at
  // infinity (invalid). Only used when normalize = true; otherwise in world units.
  double max_distance = 1e7;
  // Throw mvpose3d::Error on the first invalid point instead of returning valid = false.
  bool strict = false;
};

struct Triangulation {
  at::Tensor points3d;  // [..., 3], dtype of points2d; 0 where !valid
  at::Tensor valid;     // [...], bool
  at::Tensor status;    // [...], uint8 TriangulationStatus codes (kFused only; 0 = valid)
};

// Triangulates points seen in V calibrated views.
//   points2d        [..., V, 2]     pixel coordinates (float32 or float64)
//   proj_from_world [..., V, 3, 4]  projection matrices P = K [R | t]; the leading dimensions
//                                   broadcast against those of points2d (right-aligned), so [V, 3,
//                                   4] is shared by every point and [B, 1, V, 3, 4] by the joints
//                                   of a batch item with points2d [B, J, V, 2]
//   weights         [..., V] >= 0   optional per-view confidences (rows scaled by w, so A^T A by
//   w^2);
//                                   w = 0 removes a view, NaN coordinates included
// Returns points3d [..., 3] in world units and a validity mask [...]. A point is invalid (finite
// output 0, zero gradient) when fewer than two views have w > 0, an input of a used view is
// NaN/Inf, the rays are degenerate (parallel or coincident), or the solution lies at infinity.
// Differentiable with respect to points2d, proj_from_world and weights (not twice).
Triangulation triangulate(const at::Tensor& points2d,
                          const at::Tensor& proj_from_world,
                          const at::Tensor& weights = {},
                          const TriangulateOptions& options = {});

// The rig normalisation used when options.normalize is set, exposed for tests and benchmarks.
//   proj [M, V, 3, 4] -> proj_normalized [M, V, 3, 4], centre [M, 3], scale [M]
// so that X_world = centre + scale * X_normalized. Differentiable (plain ATen ops).
struct RigNormalization {
  at::Tensor proj_normalized;
  at::Tensor centre;
  at::Tensor scale;
};
RigNormalization normalize_rig(const at::Tensor& proj);

}  // namespace mvpose3d::ops
