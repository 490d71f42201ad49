// The reference methods of triangulate() (kSvd and kSii), on the canonical layout of
// ops/triangulate_kernels.h: x [N, V, 2], proj [M, V, 3, 4], weights [N, V] or undefined.
#pragma once

#include "mvpose3d/ops/triangulate.h"

#include <ATen/core/Tensor.h>

namespace mvpose3d::ops::detail {

struct ReferenceSolution {
  at::Tensor points;  // [N, 3] in proj's frame, dtype of x; 0 where !valid
  at::Tensor valid;   // [N] bool: >= 2 used views, finite inputs in them, a finite solution
};

// Solves the weighted DLT system by options.method (kSvd or kSii; the sii settings from options).
ReferenceSolution triangulate_reference(const at::Tensor& x,
                                        const at::Tensor& proj,
                                        const at::Tensor& weights,
                                        const TriangulateOptions& options);

}  // namespace mvpose3d::ops::detail
