// Private interface of the fused triangulation: the kernels' parameters, their CPU and CUDA entry
// points, and the device dispatch that triangulate.cpp and the autograd Function call.
// Layout contract: x [N, V, 2], proj [M, V, 3, 4], weights [N, V] (or undefined), all contiguous
// and of one floating dtype; N = M * K and point n uses proj[n / K].
#pragma once

#include <ATen/ATen.h>

#include "ops/triangulate_math.h"

namespace mvpose3d::ops::detail {

// What both passes of the fused method read: the system and how to solve it.
struct FusedInputs {
  at::Tensor x;        // [N, V, 2]
  at::Tensor proj;     // [M, V, 3, 4]
  at::Tensor weights;  // [N, V] or undefined (every view has weight 1)
  SolveSettings settings;

  int64_t num_points() const { return x.size(0); }  // N
  int num_views() const { return static_cast<int>(x.size(1)); }
  int64_t num_groups() const { return proj.size(0); }                       // M
  int64_t points_per_group() const { return num_points() / num_groups(); }  // K
};

struct ForwardParams : FusedInputs {
  at::ScalarType accumulate = at::kDouble;  // precision of A^T A and the eigen-solve
  bool keep_eigenvectors = false;           // return them for a backward pass
};

struct BackwardParams : FusedInputs {
  at::Tensor grad_points;  // [N, 3]  dL/dX in world units (any strides)
  at::Tensor eigenvector;  // [N, 4]  of the forward pass; its dtype is the accumulation type
  at::Tensor status;       // [N]     uint8 TriangulationStatus of the forward pass
  // The gradients the caller needs (a projection gradient is impossible with
  // settings.normalize_in_kernel: the kernel's normalisation is not differentiated).
  bool need_x = false;
  bool need_proj = false;
  bool need_weights = false;
};

struct FusedForward {
  at::Tensor points;       // [N, 3]  dtype of x; 0 where status != 0
  at::Tensor eigenvector;  // [N, 4]  accumulation dtype; unit, v[3] >= 0 (undefined unless kept)
  at::Tensor status;       // [N]     uint8 TriangulationStatus
  at::Tensor valid;        // [N]     bool, status == 0
};

struct FusedGrads {
  at::Tensor x;        // [N, V, 2] or undefined
  at::Tensor proj;     // [M, V, 3, 4] or undefined
  at::Tensor weights;  // [N, V] or undefined
};

// Allocates the outputs of a forward pass on x's device.
inline FusedForward allocate_forward(const ForwardParams& params) {
  const int64_t n = params.num_points();
  const at::TensorOptions options = params.x.options();
  FusedForward result;
  result.points = at::empty({n, 3}, options);
  result.eigenvector =
      at::empty({params.keep_eigenvectors ? n : 0, 4}, options.dtype(params.accumulate));
  result.status = at::empty({n}, options.dtype(at::kByte));
  result.valid = at::empty({n}, options.dtype(at::kBool));
  return result;
}

// Calls fn(acc_t{}) with the accumulation type (double or float) named by `accumulate`.
template <typename Fn>
void dispatch_accumulate(at::ScalarType accumulate, Fn&& fn) {
  if (accumulate == at::kDouble) {
    fn(double{});
  } else {
    fn(float{});
  }
}

// The device dispatch (src/ops/triangulate.cpp): the kernel of x's device, or Error for CUDA
// inputs in a build without CUDA.
FusedForward triangulate_forward(const ForwardParams& params);
FusedGrads triangulate_backward(const BackwardParams& params);

// The kernels (src/ops/cpu/triangulate_cpu.cpp, src/ops/cuda/triangulate_cuda.cu).
FusedForward triangulate_forward_cpu(const ForwardParams& params);
FusedGrads triangulate_backward_cpu(const BackwardParams& params);
#if MVPOSE3D_CUDA_ENABLED
FusedForward triangulate_forward_cuda(const ForwardParams& params);
FusedGrads triangulate_backward_cuda(const BackwardParams& params);
#endif

}  // namespace mvpose3d::ops::detail
