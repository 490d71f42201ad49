// The fused triangulation under an autograd node: the analytic backward of the kernels.
#pragma once

#include "ops/triangulate_kernels.h"

namespace mvpose3d::ops::detail {

// Runs triangulate_forward(params) (with its eigenvectors kept) recording a node whose backward
// calls triangulate_backward. Returns points, status and valid (eigenvector undefined); points is
// differentiable with respect to params.x, params.proj and params.weights (not twice).
FusedForward triangulate_forward_differentiable(const ForwardParams& params);

}  // namespace mvpose3d::ops::detail
