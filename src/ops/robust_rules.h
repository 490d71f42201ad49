// The rules of ops::robust_triangulate that its CPU routes share (private to ops): which views of a
// point count, and the per-point search's settings for the options. One definition for the block
// route (RobustBlockSolver, cpu/robust_block.cpp) and the tensor route (robust_triangulate.cpp),
// which must give the same points bit for bit.
#pragma once

#include "mvpose3d/ops/robust_triangulate.h"

#include <cmath>
#include <cstdint>

#include "ops/fused_settings.h"
#include "ops/robust_point_search.h"

namespace mvpose3d::ops::detail {

// The settings the per-point search solves and decides with. ops::triangulate normalises in the
// kernel for the fused method without gradients; the full solve and the search's candidates use
// the same settings.
inline PointSearchSettings point_search_settings(const RobustTriangulateOptions& options) {
  PointSearchSettings settings;
  settings.solve = fused_settings(options.solve, options.solve.normalize);
  settings.normalize = options.solve.normalize;
  settings.max_reproj_px = options.max_reproj_px;
  settings.min_views = options.min_views;
  settings.max_exhaustive_views = options.max_exhaustive_views;
  settings.worst_view_first = options.search == OutlierSearch::kWorstViewFirst;
  return settings;
}

// Whether outlier views are searched for: max_reproj_px > 0 and finite (else the result is the
// plain DLT of the usable views; RobustTriangulateOptions::max_reproj_px).
inline bool rejects_outliers(const RobustTriangulateOptions& options) {
  return options.max_reproj_px > 0 && std::isfinite(options.max_reproj_px);
}

// One point's usable views: a view counts when its detection is a number and its weight reaches
// min_confidence and is > 0, and the point only with at least min_views such views. Writes
// weights_out [V]: the weight where the view counts, else 0 (it may be `weights` itself). Returns
// whether the point has enough views.
inline bool keep_usable_views(const double* points2d_px,  // [V, 2]
                              const double* weights,      // [V]
                              double* weights_out,        // [V]
                              int64_t views,
                              const RobustTriangulateOptions& options) {
  int usable_count = 0;
  for (int64_t v = 0; v < views; ++v) {
    const bool usable = std::isfinite(points2d_px[2 * v]) &&
                        std::isfinite(points2d_px[2 * v + 1]) &&
                        weights[v] >= options.min_confidence && weights[v] > 0;
    weights_out[v] = usable ? weights[v] : 0.0;
    usable_count += usable ? 1 : 0;
  }
  if (usable_count >= options.min_views) return true;
  for (int64_t v = 0; v < views; ++v) weights_out[v] = 0.0;
  return false;
}

}  // namespace mvpose3d::ops::detail
