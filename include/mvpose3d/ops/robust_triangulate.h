// Robust multi-view triangulation on the DLT kernel: a confidence threshold, a minimum number of
// views, and outlier-view rejection by batched subset search.
//
// The search only runs where it is needed: every point is solved once with all its views; a point
// is flagged when one of its used views reprojects farther than `max_reproj_px` from its detection.
// For flagged points the subsets of their views are solved in rounds of decreasing size, each round
// one batch of all candidate subsets of all flagged points (a subset is a weight mask, so the
// kernel's batch does the work, not a per-point loop; ops::triangulate is called per 262,144
// candidates to bound memory):
//   - up to `max_exhaustive_views` available views: every subset of the round's size (exhaustive);
//   - above: greedy, the current subset less each one of its views, keeping the candidate with the
//     lowest mean error for the next round (a heuristic: it may drop a good view early and then
//     find no agreeing subset; the point is then invalid).
// A point is resolved in the first round in which some candidate has all its views within
// `max_reproj_px`; among those the one with the lowest mean error wins (so the most views that
// agree are kept). A flagged point that no subset of at least `min_views` views resolves is
// invalid. Pose2Sim tests the MEAN error against its threshold; the worst view is used here, which
// catches one bad view among many (its error is diluted in a mean).
#pragma once

#include "mvpose3d/ops/triangulate.h"

#include <cstdint>

#include <ATen/core/Tensor.h>

namespace mvpose3d::ops {

struct RobustTriangulateOptions {
  TriangulateOptions solve;      // for every ops::triangulate call (method, normalisation, ...)
  double min_confidence = 0.0;   // views with weight below this are dropped (weight 0)
  int min_views = 2;             // fewer views with weight > 0: the point is invalid
  double max_reproj_px = 0.0;    // a used view's reprojection error above this flags the point;
                                 // <= 0 turns rejection off (the result is then the plain DLT)
  int max_exhaustive_views = 8;  // up to this many available views the search is exhaustive (<= 20)
};

struct RobustTriangulation {
  at::Tensor points3d;         // [N, 3] float64, world units of proj; 0 where !valid
  at::Tensor valid;            // [N] bool
  at::Tensor reproj_error_px;  // [N] float64, mean reprojection error of the used views; NaN
                               // where !valid
  at::Tensor views_used;       // [N, V] bool, the views of the final solve
  int64_t solves = 0;          // point solves done, the full solves included
  int64_t flagged = 0;         // points whose full solve exceeded max_reproj_px
  int64_t unresolved = 0;      // flagged points that no subset resolved (invalid)
};

// points2d [N, V, 2] px (undistorted, pinhole); proj_from_world [V, 3, 4] or [N, V, 3, 4];
// weights [N, V] >= 0 (optional: all 1). A NaN coordinate drops its view.
RobustTriangulation robust_triangulate(const at::Tensor& points2d,
                                       const at::Tensor& proj_from_world,
                                       const at::Tensor& weights,
                                       const RobustTriangulateOptions& options);

// Per-view reprojection errors: points3d [N, 3], points2d [N, V, 2], proj [V, 3, 4] or
// [N, V, 3, 4] -> [N, V] px (infinite where the point is not in front of the camera).
at::Tensor reprojection_errors_px(const at::Tensor& points3d,
                                  const at::Tensor& points2d,
                                  const at::Tensor& proj_from_world);

}  // namespace mvpose3d::ops
