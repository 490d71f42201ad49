// Private interface between src/ops/triangulate.cpp and the device kernels.
// Layout contract: x [N, V, 2], proj [M, V, 3, 4], weights [N, V] (or undefined), all contiguous
// and of one floating dtype; N = M * K and point n uses proj[n / K].
#pragma once

#include <tuple>

#include <ATen/ATen.h>

#include "ops/triangulate_math.h"

namespace mvpose3d::ops::detail {

struct FusedForward {
  at::Tensor points;       // [N, 3]  dtype of x; 0 where status != 0
  at::Tensor eigenvector;  // [N, 4]  accumulation dtype; unit, v[3] >= 0 (undefined unless kept)
  at::Tensor status;       // [N]     uint8 TriangulationStatus
  at::Tensor valid;        // [N]     bool, status == 0
};

// Allocates the outputs of a forward pass for n points on x's device.
inline FusedForward allocate_forward(const at::Tensor& x,
                                     at::ScalarType accumulate,
                                     bool keep_eigenvectors) {
  const int64_t n = x.size(0);
  FusedForward result;
  result.points = at::empty({n, 3}, x.options());
  result.eigenvector = at::empty({keep_eigenvectors ? n : 0, 4}, x.options().dtype(accumulate));
  result.status = at::empty({n}, x.options().dtype(at::kByte));
  result.valid = at::empty({n}, x.options().dtype(at::kBool));
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

struct FusedGrads {
  at::Tensor x;        // [N, V, 2] or undefined
  at::Tensor proj;     // [M, V, 3, 4] or undefined
  at::Tensor weights;  // [N, V] or undefined
};

FusedForward triangulate_forward_cpu(const at::Tensor& x,
                                     const at::Tensor& proj,
                                     const at::Tensor& weights,
                                     const SolveSettings& settings,
                                     at::ScalarType accumulate,
                                     bool keep_eigenvectors);

FusedGrads triangulate_backward_cpu(const at::Tensor& grad_points,
                                    const at::Tensor& x,
                                    const at::Tensor& proj,
                                    const at::Tensor& weights,
                                    const at::Tensor& eigenvector,
                                    const at::Tensor& status,
                                    const SolveSettings& settings,
                                    bool need_x,
                                    bool need_proj,
                                    bool need_weights);

#if MVPOSE3D_CUDA_ENABLED
FusedForward triangulate_forward_cuda(const at::Tensor& x,
                                      const at::Tensor& proj,
                                      const at::Tensor& weights,
                                      const SolveSettings& settings,
                                      at::ScalarType accumulate,
                                      bool keep_eigenvectors);

FusedGrads triangulate_backward_cuda(const at::Tensor& grad_points,
                                     const at::Tensor& x,
                                     const at::Tensor& proj,
                                     const at::Tensor& weights,
                                     const at::Tensor& eigenvector,
                                     const at::Tensor& status,
                                     const SolveSettings& settings,
                                     bool need_x,
                                     bool need_proj,
                                     bool need_weights);
#endif

}  // namespace mvpose3d::ops::detail
