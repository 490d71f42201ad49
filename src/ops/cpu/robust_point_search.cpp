// The fused per-point outlier search (ops/robust_point_search.h).
#include "ops/robust_point_search.h"

#include <cmath>
#include <limits>

namespace mvpose3d::ops::detail {

namespace {

int count_views(ViewMask mask) {
  return __builtin_popcountll(mask);
}

ViewMask lowest_views(int count) {
  return count >= kMaxRobustViews ? ~ViewMask{0} : (ViewMask{1} << count) - 1;
}

// The point's available views in increasing order ("local" view k is view[k]) and each one's
// share of the normal matrix, w^2 (r_x r_x^T + r_y r_y^T) in the solve frame (packed upper
// triangle, as Sym4): a subset's matrix is the sum of its views' shares.
struct GatheredViews {
  int count = 0;
  int view[kMaxRobustViews];
  double share[kMaxRobustViews][10];
};

void gather_views(const PointInputs& in, GatheredViews& g) {
  g.count = 0;
  for (int v = 0; v < in.views; ++v) {
    if (!((in.available >> v) & 1)) continue;
    const int k = g.count++;
    g.view[k] = v;
    const double* p = in.frame->proj + 12 * v;
    const double u = in.points2d_px[2 * v], t = in.points2d_px[2 * v + 1];
    double rx[4], ry[4];
    for (int c = 0; c < 4; ++c) {
      rx[c] = u * p[8 + c] - p[c];
      ry[c] = t * p[8 + c] - p[4 + c];
    }
    Sym4<double> s;
    sym4_zero(s);
    const double w2 = in.weights[v] * in.weights[v];
    sym4_add_outer(s, rx, w2);
    sym4_add_outer(s, ry, w2);
    for (int c = 0; c < 10; ++c) g.share[k][c] = s.m[c];
  }
}

ViewMask to_world_views(ViewMask local, const GatheredViews& g) {
  ViewMask views = 0;
  for (int k = 0; k < g.count; ++k) {
    if ((local >> k) & 1) views |= ViewMask{1} << g.view[k];
  }
  return views;
}

// A solved (or given) point and the reprojection errors of a subset's views.
struct Candidate {
  bool valid = false;
  double point[3] = {0, 0, 0};  // world
  double worst_px = 0;          // infinite when a view has the point behind it
  double mean_px = 0;
  int worst_view = -1;  // local index
};

double reprojection_error_px(const double* p, const double* x, const double* observed) {
  const double u = p[0] * x[0] + p[1] * x[1] + p[2] * x[2] + p[3];
  const double w = p[4] * x[0] + p[5] * x[1] + p[6] * x[2] + p[7];
  const double depth = p[8] * x[0] + p[9] * x[1] + p[10] * x[2] + p[11];
  const double inverse_depth = 1.0 / depth;
  const double dx = u * inverse_depth - observed[0], dy = w * inverse_depth - observed[1];
  return depth > 0 ? std::sqrt(dx * dx + dy * dy) : std::numeric_limits<double>::infinity();
}

void measure(const PointInputs& in, const GatheredViews& g, ViewMask local, Candidate& c) {
  double sum = 0;
  int count = 0;
  c.worst_px = 0;
  c.worst_view = -1;
  for (int k = 0; k < g.count; ++k) {
    if (!((local >> k) & 1)) continue;
    const int v = g.view[k];
    const double error =
        reprojection_error_px(in.proj_from_world + 12 * v, c.point, in.points2d_px + 2 * v);
    if (c.worst_view < 0 || error > c.worst_px) {
      c.worst_px = error;
      c.worst_view = k;
    }
    sum += error;
    ++count;
  }
  c.mean_px = count > 0 ? sum / count : 0.0;
}

// Solves the subset `local` as the fused kernel solves a point (certified fast path, else the
// exact slow path; the same statuses make a candidate invalid) and measures it.
Candidate solve(const PointInputs& in,
                const GatheredViews& g,
                ViewMask local,
                const PointSearchSettings& s) {
  double m[10] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  for (int k = 0; k < g.count; ++k) {
    if (!((local >> k) & 1)) continue;
    for (int c = 0; c < 10; ++c) m[c] += g.share[k][c];
  }
  Candidate c;
  const double trace = m[0] + m[4] + m[7] + m[9];
  if (!(trace - trace == 0.0)) return c;  // a non-finite matrix or detection
  const SolveSettings& settings = s.solve;
  const SolveFrame& f = *in.frame;
  double v[4], inv_last = 0;
  if (fast_eigenvector<kFastIterations>(m,
                                        settings.angle_tolerance,
                                        settings.degenerate_det,
                                        settings.max_distance,
                                        v,
                                        &inv_last)) {
    for (int k = 0; k < 3; ++k) c.point[k] = f.centre[k] + v[k] * (f.scale * inv_last);
  } else {
    Sym4<double> exact;
    for (int k = 0; k < 10; ++k) exact.m[k] = m[k];
    double lambda = 0;
    int iterations = 0;
    if (smallest_eigenvector(exact, settings, v, &lambda, &iterations) != kValid) return c;
    for (int k = 0; k < 3; ++k) c.point[k] = f.centre[k] + v[k] * (f.scale / v[3]);
  }
  c.valid = true;
  measure(in, g, local, c);
  return c;
}

void accept(const Candidate& c, ViewMask local, const GatheredViews& g, PointSearchResult& r) {
  r.resolved = true;
  for (int k = 0; k < 3; ++k) r.point[k] = c.point[k];
  r.used = to_world_views(local, g);
  r.mean_error_px = c.mean_px;
}

// The reference search: rounds of subsets of one view fewer; in a round every subset of that size
// (up to max_exhaustive_views views) or the last round's best less each one of its views (greedy);
// the first round with a subset whose views all agree ends it, with the lowest mean error.
void subset_search(const PointInputs& in,
                   const GatheredViews& g,
                   const PointSearchSettings& s,
                   PointSearchResult& r) {
  const bool greedy = g.count > s.max_exhaustive_views;
  ViewMask current = lowest_views(g.count);
  for (int size = g.count - 1; size >= s.min_views; --size) {
    Candidate best, least_bad;
    ViewMask best_mask = 0, least_bad_mask = 0;
    auto consider = [&](ViewMask subset) {
      const Candidate c = solve(in, g, subset, s);
      ++r.solves;
      if (!c.valid) return;
      if (c.worst_px <= s.max_reproj_px && (!best.valid || c.mean_px < best.mean_px)) {
        best = c;
        best_mask = subset;
      }
      if (!least_bad.valid || c.mean_px < least_bad.mean_px) {
        least_bad = c;
        least_bad_mask = subset;
      }
    };
    if (greedy) {
      for (int k = 0; k < g.count; ++k) {
        if ((current >> k) & 1) consider(current & ~(ViewMask{1} << k));
      }
    } else {
      // Every `size`-bit combination of the g.count local views in increasing order (Gosper's
      // hack); g.count <= max_exhaustive_views <= 20 here.
      const uint64_t end = uint64_t{1} << g.count;
      for (uint64_t c = (uint64_t{1} << size) - 1; c < end;) {
        consider(c);
        const uint64_t lowest = c & (~c + 1);
        const uint64_t ripple = c + lowest;
        c = (((ripple ^ c) >> 2) / lowest) | ripple;
      }
    }
    if (best.valid) {
      accept(best, best_mask, g, r);
      return;
    }
    if (greedy) {
      if (!least_bad.valid) return;
      current = least_bad_mask;
    }
  }
}

// Leaves out the view with the largest reprojection error and solves again, until every view left
// agrees; then views left out on the way that agree with that point are taken back (one more
// solve, kept if it still agrees): the first view dropped can be a good one that a far outlier
// pulled the solution away from. False (the subset search takes over) where that would keep no
// more than half of the available views or fewer than min_views: a long chain of removals means the
// worst residual was not pointing at the outliers, and a small subset can agree on a wrong point
// (measured on the issue-17 session without this rule: 0.4 % of the points a metre or more off,
// 8.2 mm MPJPE against the subset search's 6.6 mm).
// The chain's result is kept only when its views agree well: a mean error above this share of
// max_reproj_px (5 px at 15 px) hands the point to the subset search. On the issue-17 session the
// points the chain got wrong (a metre off, on 3 to 5 views) had means of 6 to 13 px.
constexpr double kChainMeanShare = 1.0 / 3.0;

bool worst_view_first(const PointInputs& in,
                      const GatheredViews& g,
                      const PointSearchSettings& s,
                      PointSearchResult& r) {
  ViewMask current = 0;
  for (int k = 0; k < g.count; ++k) {
    if ((in.used >> g.view[k]) & 1) current |= ViewMask{1} << k;
  }
  Candidate c;
  c.valid = true;
  for (int k = 0; k < 3; ++k) c.point[k] = in.full_point[k];
  measure(in, g, current, c);
  while (c.worst_px > s.max_reproj_px) {
    const int left = count_views(current) - 1;
    if (c.worst_view < 0 || left < s.min_views || 2 * left <= g.count) return false;
    current &= ~(ViewMask{1} << c.worst_view);
    c = solve(in, g, current, s);
    ++r.solves;
    if (!c.valid) return false;
  }
  const ViewMask left_out = lowest_views(g.count) & ~current;
  ViewMask agreeing = 0;
  for (int k = 0; k < g.count; ++k) {
    if (!((left_out >> k) & 1)) continue;
    const int v = g.view[k];
    const double error =
        reprojection_error_px(in.proj_from_world + 12 * v, c.point, in.points2d_px + 2 * v);
    if (error <= s.max_reproj_px) agreeing |= ViewMask{1} << k;
  }
  if (agreeing != 0) {
    const Candidate wider = solve(in, g, current | agreeing, s);
    ++r.solves;
    if (wider.valid && wider.worst_px <= s.max_reproj_px) {
      c = wider;
      current |= agreeing;
    }
  }
  if (c.mean_px > kChainMeanShare * s.max_reproj_px) return false;
  accept(c, current, g, r);
  return true;
}

}  // namespace

void make_solve_frame(const double* proj_from_world, int views, bool normalize, SolveFrame& frame) {
  if (normalize) {
    normalize_projections<double>(proj_from_world, views, frame.proj, frame.centre, &frame.scale);
    return;
  }
  for (int k = 0; k < 12 * views; ++k) frame.proj[k] = proj_from_world[k];
  frame.centre[0] = frame.centre[1] = frame.centre[2] = 0;
  frame.scale = 1;
}

PointSearchResult search_point(const PointInputs& in, const PointSearchSettings& settings) {
  GatheredViews g;
  gather_views(in, g);
  PointSearchResult r;
  if (settings.worst_view_first && worst_view_first(in, g, settings, r)) return r;
  r.fell_back = settings.worst_view_first;
  subset_search(in, g, settings, r);
  return r;
}

}  // namespace mvpose3d::ops::detail
