// The settings of the fused method for a TriangulateOptions (defined in src/ops/triangulate.cpp):
// what ops::triangulate's kernels and ops::robust_triangulate's per-point search solve with.
#pragma once

#include "mvpose3d/ops/triangulate.h"

#include "ops/triangulate_math.h"

namespace mvpose3d::ops::detail {

SolveSettings fused_settings(const TriangulateOptions& options, bool normalize_in_kernel);

}  // namespace mvpose3d::ops::detail
