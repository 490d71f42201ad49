// robust_triangulate's CPU route, one block at a time (mvpose3d/ops/robust_block.h). Compiled
// with the kernel's SIMD flags but without FMA contraction (-ffp-contract=off,
// src/ops/CMakeLists.txt): the reprojection errors must round as robust_triangulate.cpp's (built
// without FMA) did, so that the flagged points and the reported errors stay bit for bit the same.
#include "mvpose3d/ops/robust_block.h"

#include <cmath>
#include <vector>

#include "ops/forward_block.h"
#include "ops/robust_point_search.h"
#include "ops/robust_rules.h"
#include "ops/used_view_errors.h"

namespace mvpose3d::ops {

using detail::ViewMask;

RobustCounts& RobustCounts::operator+=(const RobustCounts& other) {
  solves += other.solves;
  flagged += other.flagged;
  unresolved += other.unresolved;
  fell_back += other.fell_back;
  return *this;
}

struct RobustBlockSolver::State {
  const double* proj = nullptr;  // [V, 3, 4] world, the caller's
  int views = 0;
  RobustTriangulateOptions options;
  detail::PointSearchSettings search;
  detail::SolveFrame frame;  // the search's solve frame of proj
};

bool RobustBlockSolver::supports(const RobustTriangulateOptions& options) {
  return options.solve.method == TriangulationMethod::kFused &&
         options.solve.accumulate == at::kDouble && !options.solve.strict;
}

RobustBlockSolver::RobustBlockSolver(const double* proj_from_world,
                                     int views,
                                     const RobustTriangulateOptions& options)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.proj = proj_from_world;
  s.views = views;
  s.options = options;
  s.search = detail::point_search_settings(options);
  detail::make_solve_frame(proj_from_world, views, s.search.normalize, s.frame);
}

RobustBlockSolver::~RobustBlockSolver() = default;

RobustCounts RobustBlockSolver::solve(const RobustBlock& b) const {
  const State& s = *state_;
  const int views = s.views;
  const RobustTriangulateOptions& options = s.options;
  RobustCounts counts;
  // Weight 0 on the views that do not count.
  for (int64_t i = 0; i < b.count; ++i) {
    double* w = b.weights + views * i;
    detail::keep_usable_views(b.points2d_px + 2 * views * i, w, w, views, options);
  }
  detail::triangulate_forward_block_cpu(b.points2d_px,
                                        b.weights,
                                        s.proj,
                                        views,
                                        b.count,
                                        s.search.solve,
                                        b.points3d,
                                        b.status,
                                        b.valid);
  counts.solves = b.count;
  const bool rejecting = detail::rejects_outliers(options);
  std::vector<detail::PointInputs> flagged;
  std::vector<int64_t> rows;  // flagged[f] is point rows[f] of the block
  for (int64_t i = 0; i < b.count; ++i) {
    const double* X = b.points3d + 3 * i;
    const double* w = b.weights + views * i;
    bool* used = b.views_used + views * i;
    for (int v = 0; v < views; ++v) used[v] = b.valid[i] && w[v] > 0;
    if (!b.valid[i]) {  // no solve: no error to measure, nothing to search
      b.reproj_error_px[i] = NAN;
      continue;
    }
    // The matrices transposed ([12, V], the search's frame.world_proj), so that the loop over
    // views vectorises.
    double view_error[detail::kMaxErrorViews];
    detail::view_errors_px(
        X,
        b.points2d_px + 2 * views * i,
        [&s](int c, int64_t v) { return s.frame.world_proj[c][v]; },
        views,
        view_error);
    const detail::UsedViewErrors error = detail::reduce_used_views(view_error, used, views);
    const double mean = error.mean_px, largest = error.worst_px;
    b.reproj_error_px[i] = mean;
    if (!rejecting || !(largest > options.max_reproj_px)) continue;
    ++counts.flagged;
    detail::PointInputs in;
    in.points2d_px = b.points2d_px + 2 * views * i;
    in.weights = w;
    in.proj_from_world = s.proj;
    in.frame = &s.frame;
    in.views = views;
    in.available = 0;
    in.used = 0;
    for (int v = 0; v < views; ++v) {
      if (w[v] > 0) in.available |= ViewMask{1} << v;
      if (used[v]) in.used |= ViewMask{1} << v;
    }
    in.full_point = X;
    flagged.push_back(in);
    rows.push_back(i);
  }
  // The flagged points' searches together (their solves share SIMD vectors).
  std::vector<detail::PointSearchResult> found(flagged.size());
  detail::search_points(
      flagged.data(), static_cast<int64_t>(flagged.size()), s.search, found.data());
  for (size_t f = 0; f < flagged.size(); ++f) {
    const int64_t i = rows[f];
    const detail::PointSearchResult& r = found[f];
    counts.solves += r.solves;
    counts.fell_back += r.fell_back ? 1 : 0;
    if (!r.resolved) ++counts.unresolved;
    b.valid[i] = r.resolved;
    b.reproj_error_px[i] = r.resolved ? r.mean_error_px : NAN;
    for (int c = 0; c < 3; ++c) b.points3d[3 * i + c] = r.point[c];  // 0 when unresolved
    for (int v = 0; v < views; ++v) b.views_used[views * i + v] = (r.used >> v) & 1;
  }
  return counts;
}

}  // namespace mvpose3d::ops
