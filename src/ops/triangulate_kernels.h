// Private interface between src/ops/triangulate.cpp and the device kernels.
// Layout contract: x [N, V, 2], proj [M, V, 3, 4], weights [N, V] (or undefined), all contiguous
// and of one floating dtype; N = M * K and point n uses proj[n / K].
#pragma once

#include <tuple>

#include <ATen/core/Tensor.h>

#include "ops/triangulate_math.h"

namespace mvpose3d::ops::detail {

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
