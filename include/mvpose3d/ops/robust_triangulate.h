// Robust multi-view triangulation on the DLT kernel: a confidence threshold, a minimum number of
// views, and outlier-view rejection by subset search.
//
// The search only runs where it is needed: every point is solved once with all its views (one
// batched ops::triangulate call); a point is flagged when one of its used views reprojects farther
// than `max_reproj_px` from its detection. For flagged points (OutlierSearch::kSubsets) the subsets
// of their views are solved in rounds of decreasing size:
//   - up to `max_exhaustive_views` available views: every subset of the round's size (exhaustive);
//   - above: greedy, the current subset less each one of its views, keeping the candidate with the
//     lowest mean error for the next round (a heuristic: it may drop a good view early and then
//     find no agreeing subset; the point is then invalid).
// A point is resolved in the first round in which some candidate has all its views within
// `max_reproj_px`; among those the one with the lowest mean error wins (so the most views that
// agree are kept). A flagged point that no subset of at least `min_views` views resolves is
// invalid. Pose2Sim tests the MEAN error against its threshold; the worst view is used here, which
// catches one bad view among many (its error is diluted in a mean).
//
// OutlierSearch::kWorstViewFirst searches less: the view with the largest reprojection error is
// left out and the rest solved again (one solve), repeated until every view left agrees; views
// left out on the way that agree with that point are then taken back (one more solve, kept if
// every view still agrees). A point where this would keep no more than half of its available
// views or fewer than `min_views` (or meets an invalid solve) gets the subset search above: a
// long chain of removals can end on a few views that agree on a wrong point. With one or two
// outliers among many views this is one to three solves instead of tens (measured:
// docs/benchmarks.md, issue 17); the result can differ from the subset search's where two subsets
// of the largest size both agree.
//
// With the fused method in float64 (the default) the search runs per flagged point on the CPU
// (ops/robust_point_search.h: the normal matrix of a subset is the sum of its views' shares, so a
// candidate costs one 4x4 eigen-solve and its reprojections, no tensor operations; candidates are
// solved several at a time on SIMD vectors), in parallel over the points; CUDA inputs are copied
// to the CPU for it. On CPU inputs with one set of matrices [V, 3, 4] the whole triangulation runs
// block by block (mvpose3d/ops/robust_block.h), without [N, V] temporaries. Other methods and
// float32 use the batched rounds on ops::triangulate (subset search only).
#pragma once

#include "mvpose3d/ops/triangulate.h"

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace mvpose3d::ops {

enum class OutlierSearch {
  kSubsets,         // rounds of subsets of one view fewer (the reference; exhaustive or greedy)
  kWorstViewFirst,  // leave out the worst view and solve again; the subset search where that fails
};

// "subsets" | "worst-view-first"; throws mvpose3d::Error listing the known names.
OutlierSearch outlier_search_from_string(const std::string& name);
std::string to_string(OutlierSearch search);
std::vector<std::string> outlier_search_names();

struct RobustTriangulateOptions {
  TriangulateOptions solve;      // for every ops::triangulate call (method, normalisation, ...)
  double min_confidence = 0.0;   // views with weight below this are dropped (weight 0)
  int min_views = 2;             // fewer views with weight > 0: the point is invalid
  double max_reproj_px = 0.0;    // a used view's reprojection error above this flags the point;
                                 // <= 0 turns rejection off (the result is then the plain DLT)
  int max_exhaustive_views = 8;  // up to this many available views the search is exhaustive (<= 20)
  OutlierSearch search = OutlierSearch::kSubsets;  // kWorstViewFirst needs method kFused, float64
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
  int64_t fell_back = 0;       // kWorstViewFirst: flagged points that needed the subset search
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
