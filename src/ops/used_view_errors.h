// The worst and the mean reprojection error of one point's used views (private to ops): one
// definition for robust_triangulate's candidate errors and RobustBlockSolver's full-solve errors.
// Both translation units compile it without FMA contraction (robust_block.cpp with
// -ffp-contract=off), so that it rounds alike in both.
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

constexpr int64_t kMaxErrorViews = 64;

// error[v] for every view v < views <= kMaxErrorViews, used or not: one loop the compiler can
// vectorise. proj(c, v) is entry c of view v's row-major 3x4 world matrix.
template <typename Proj>
inline void view_errors_px(const double* point,     // [3] world
                           const double* points2d,  // [V, 2] px
                           const Proj& proj,
                           int64_t views,
                           double* error) {  // [V]
  const double* X = point;
  for (int64_t v = 0; v < views; ++v) {
    const double u = proj(0, v) * X[0] + proj(1, v) * X[1] + proj(2, v) * X[2] + proj(3, v);
    const double w = proj(4, v) * X[0] + proj(5, v) * X[1] + proj(6, v) * X[2] + proj(7, v);
    const double depth = proj(8, v) * X[0] + proj(9, v) * X[1] + proj(10, v) * X[2] + proj(11, v);
    const double dx = u / depth - points2d[2 * v], dy = w / depth - points2d[2 * v + 1];
    error[v] = depth > 0 ? std::sqrt(dx * dx + dy * dy) : std::numeric_limits<double>::infinity();
  }
}

// The worst and the mean of error[v] over the used views, in view order.
inline UsedViewErrors reduce_used_views(const double* error, const bool* used, int64_t views) {
  double largest = 0.0, sum = 0.0;
  int count = 0;
  for (int64_t v = 0; v < views; ++v) {
    if (!used[v]) continue;
    largest = std::max(largest, error[v]);
    sum += error[v];
    ++count;
  }
  return {largest, count > 0 ? sum / count : 0.0};
}

// With the matrices as [V, 3, 4].
inline UsedViewErrors used_view_errors(const double* point,     // [3] world
                                       const double* points2d,  // [V, 2] px
                                       const double* proj,      // [V, 3, 4] world
                                       const bool* used,        // [V]
                                       int64_t views) {
  double error[kMaxErrorViews];
  view_errors_px(
      point, points2d, [proj](int c, int64_t v) { return proj[12 * v + c]; }, views, error);
  return reduce_used_views(error, used, views);
}

}  // namespace mvpose3d::ops::detail
