// The worst and the mean reprojection error of one point's used views (private to ops): one
// definition for robust_triangulate's candidate errors and RobustBlockSolver's full-solve errors,
// both compiled without the kernel's SIMD flags, so that they round alike.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace mvpose3d::ops::detail {

struct UsedViewErrors {
  double worst_px = 0;  // infinite when a used view has the point behind it; 0 without used views
  double mean_px = 0;   // 0 without used views
};

inline UsedViewErrors used_view_errors(const double* point,     // [3] world
                                       const double* points2d,  // [V, 2] px
                                       const double* proj,      // [V, 3, 4] world
                                       const bool* used,        // [V]
                                       int64_t views) {
  double largest = 0.0, sum = 0.0;
  int count = 0;
  const double* X = point;
  for (int64_t v = 0; v < views; ++v) {
    if (!used[v]) continue;
    const double* P = proj + 12 * v;
    const double u = P[0] * X[0] + P[1] * X[1] + P[2] * X[2] + P[3];
    const double w = P[4] * X[0] + P[5] * X[1] + P[6] * X[2] + P[7];
    const double depth = P[8] * X[0] + P[9] * X[1] + P[10] * X[2] + P[11];
    const double* o = points2d + 2 * v;
    const double dx = u / depth - o[0], dy = w / depth - o[1];
    const double error =
        depth > 0 ? std::sqrt(dx * dx + dy * dy) : std::numeric_limits<double>::infinity();
    largest = std::max(largest, error);
    sum += error;
    ++count;
  }
  return {largest, count > 0 ? sum / count : 0.0};
}

}  // namespace mvpose3d::ops::detail
