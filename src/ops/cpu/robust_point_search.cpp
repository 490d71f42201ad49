// The fused per-point outlier search (ops/robust_point_search.h).
#include "ops/robust_point_search.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

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
  const PointInputs* in = nullptr;
  int count = 0;
  int view[kMaxRobustViews];
  double share[kMaxRobustViews][10];
};

void gather_views(const PointInputs& in, GatheredViews& g) {
  g.in = &in;
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

// error[v]: the reprojection error of view v at the world point x (infinite when the point is
// behind the camera), for every view of the point at once, available or not (a loop over views
// GCC vectorises; the callers read the available ones).
void view_errors(const GatheredViews& g, const double x[3], double* error) {
  const PointInputs& in = *g.in;
  const double(*p)[kMaxRobustViews] = in.frame->world_proj;
  const double* observed = in.points2d_px;
  for (int v = 0; v < in.views; ++v) {
    const double u = p[0][v] * x[0] + p[1][v] * x[1] + p[2][v] * x[2] + p[3][v];
    const double w = p[4][v] * x[0] + p[5][v] * x[1] + p[6][v] * x[2] + p[7][v];
    const double depth = p[8][v] * x[0] + p[9][v] * x[1] + p[10][v] * x[2] + p[11][v];
    const double inverse_depth = 1.0 / depth;
    const double dx = u * inverse_depth - observed[2 * v];
    const double dy = w * inverse_depth - observed[2 * v + 1];
    error[v] = depth > 0 ? std::sqrt(dx * dx + dy * dy) : std::numeric_limits<double>::infinity();
  }
}

void measure(const GatheredViews& g, ViewMask local, Candidate& c) {
  double error[kMaxRobustViews];
  view_errors(g, c.point, error);
  // In locals, not in `c`: stores to it in the loop would wait on each other. Without branches
  // (selects): which view is the worst is a coin toss the branch predictor loses. Adding 0 for the
  // views left out keeps the sum bit for bit that of the views in, in the same order (errors are
  // not negative).
  double sum = 0, worst = 0;
  int worst_view = -1;
  for (int k = 0; k < g.count; ++k) {
    const bool in = (local >> k) & 1;
    const double e = error[g.view[k]];
    const bool take = in && (worst_view < 0 || e > worst);
    worst = take ? e : worst;
    worst_view = take ? k : worst_view;
    sum += in ? e : 0.0;
  }
  const int count = count_views(local & lowest_views(g.count));
  c.worst_px = worst;
  c.worst_view = worst_view;
  c.mean_px = count > 0 ? sum / count : 0.0;
}

// The normal matrix of the subset `local`: the sum of its views' shares.
void sum_shares(const GatheredViews& g, ViewMask local, double m[10]) {
  for (int c = 0; c < 10; ++c) m[c] = 0;
  for (int k = 0; k < g.count; ++k) {
    if (!((local >> k) & 1)) continue;
    for (int c = 0; c < 10; ++c) m[c] += g.share[k][c];
  }
}

// A non-finite matrix or detection: the candidate is invalid.
bool non_finite(const double m[10]) {
  const double trace = m[0] + m[4] + m[7] + m[9];
  return !(trace - trace == 0.0);
}

// The exact slow path (smallest_eigenvector) where the fast path gave no certificate; false for
// the statuses that make a candidate invalid.
bool solve_slow(const double m[10],
                const SolveSettings& settings,
                const SolveFrame& f,
                double point[3]) {
  Sym4<double> exact;
  for (int k = 0; k < 10; ++k) exact.m[k] = m[k];
  double v[4], lambda = 0;
  int iterations = 0;
  if (smallest_eigenvector(exact, settings, v, &lambda, &iterations) != kValid) return false;
  for (int k = 0; k < 3; ++k) point[k] = f.centre[k] + v[k] * (f.scale / v[3]);
  return true;
}

// Candidates solved together on SIMD vectors (solve_jobs): as wide as the build's registers.
#if defined(__AVX512F__)
using SolveVec = Double8;
#else
using SolveVec = Double4;
#endif
constexpr int kSolveLanes = SimdTraits<SolveVec>::kWidth;

// One candidate subset of one point.
struct Job {
  const PointInputs* in;
  const GatheredViews* g;
  ViewMask local;
};

// Solves `count` candidates, of one point or of several, as the fused kernel solves a point
// (certified fast path, else the exact slow path; the same statuses make a candidate invalid) and
// measures each. The fast paths run kSolveLanes candidates per instruction (one candidate's chain
// of dependent operations leaves the FMA units idle), with the scalar path's exact 1 / trace
// scaling (fast_eigen_start<T, true>).
// Vectors of candidates solve_jobs runs step by step together, as the kernel does (kChunk in
// ops/cpu/triangulate_cpu.cpp): one vector's chain of dependent operations leaves the FMA units
// idle, two overlap.
constexpr int kSolveVectors = 2;

void solve_jobs(const Job* jobs, int count, const PointSearchSettings& s, Candidate* out) {
  const SolveSettings& settings = s.solve;
  const SolveVec angle_tolerance = splat<SolveVec>(settings.angle_tolerance);
  const SolveVec degenerate_det = splat<SolveVec>(settings.degenerate_det);
  const SolveVec max_distance = splat<SolveVec>(settings.max_distance);
  constexpr int kStep = kSolveVectors * kSolveLanes;
  for (int first = 0; first < count; first += kStep) {
    const int lanes = count - first < kStep ? count - first : kStep;
    const int vectors = (lanes + kSolveLanes - 1) / kSolveLanes;
    double m[kStep][10];
    for (int l = 0; l < lanes; ++l) sum_shares(*jobs[first + l].g, jobs[first + l].local, m[l]);
    SolveVec mv[kSolveVectors][10], a[kSolveVectors][10], j[kSolveVectors][10], w[kSolveVectors][4],
        v[kSolveVectors][4], inv_last[kSolveVectors];
    decltype(SolveVec{} != SolveVec{}) ok[kSolveVectors];
    for (int c = 0; c < vectors; ++c) {
      for (int k = 0; k < 10; ++k) {
        for (int l = 0; l < kSolveLanes; ++l) {
          const int lane = c * kSolveLanes + l;
          mv[c][k][l] = m[lane < lanes ? lane : lanes - 1][k];
        }
      }
    }
    for (int c = 0; c < vectors; ++c) fast_eigen_start<SolveVec, true>(mv[c], a[c], j[c], w[c]);
    for (int c = 0; c < vectors; ++c) fast_eigen_iterate<kFastIterations>(j[c], w[c]);
    for (int c = 0; c < vectors; ++c) {
      ok[c] = fast_eigen_certify(
          a[c], w[c], angle_tolerance, degenerate_det, max_distance, v[c], &inv_last[c]);
    }
    for (int lane = 0; lane < lanes; ++lane) {
      const int c = lane / kSolveLanes, l = lane % kSolveLanes;
      const Job& job = jobs[first + lane];
      const SolveFrame& f = *job.in->frame;
      Candidate& cand = out[first + lane];
      cand = Candidate();
      if (non_finite(m[lane])) continue;
      if (ok[c][l]) {
        for (int k = 0; k < 3; ++k) {
          cand.point[k] = f.centre[k] + v[c][k][l] * (f.scale * inv_last[c][l]);
        }
      } else if (!solve_slow(m[lane], settings, f, cand.point)) {
        continue;
      }
      cand.valid = true;
      measure(*job.g, job.local, cand);
    }
  }
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
  // A round's candidates are solved kBatch at a time (solve_jobs), then considered in order.
  constexpr int kBatch = 8 * kSolveLanes;
  Job batch[kBatch];
  Candidate solved[kBatch];
  for (int size = g.count - 1; size >= s.min_views; --size) {
    Candidate best, least_bad;
    ViewMask best_mask = 0, least_bad_mask = 0;
    int queued = 0;
    auto flush = [&]() {
      solve_jobs(batch, queued, s, solved);
      r.solves += queued;
      for (int q = 0; q < queued; ++q) {
        const Candidate& c = solved[q];
        if (!c.valid) continue;
        if (c.worst_px <= s.max_reproj_px && (!best.valid || c.mean_px < best.mean_px)) {
          best = c;
          best_mask = batch[q].local;
        }
        if (!least_bad.valid || c.mean_px < least_bad.mean_px) {
          least_bad = c;
          least_bad_mask = batch[q].local;
        }
      }
      queued = 0;
    };
    auto consider = [&](ViewMask subset) {
      batch[queued++] = Job{&in, &g, subset};
      if (queued == kBatch) flush();
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
    flush();
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

// Points whose chains run in lockstep (worst_view_first): each step solves the candidates of all
// of them that are still in their chain together (solve_jobs).
constexpr int kChainGroup = 16;

// One point's chain (below).
struct Chain {
  ViewMask current = 0;  // local views
  Candidate c;           // the point of `current` and its errors
  bool failed = false;   // handed to the subset search
};

// The chains of `count` <= kChainGroup points; done[p] where point p is resolved by its chain.
void worst_view_first(const PointInputs* in,
                      const GatheredViews* g,
                      int count,
                      const PointSearchSettings& s,
                      PointSearchResult* r,
                      bool* done) {
  Chain chain[kChainGroup];
  Job jobs[kChainGroup] = {};
  int owner[kChainGroup];
  Candidate solved[kChainGroup];
  for (int p = 0; p < count; ++p) {
    Chain& h = chain[p];
    for (int k = 0; k < g[p].count; ++k) {
      if ((in[p].used >> g[p].view[k]) & 1) h.current |= ViewMask{1} << k;
    }
    h.c.valid = true;
    for (int k = 0; k < 3; ++k) h.c.point[k] = in[p].full_point[k];
    measure(g[p], h.current, h.c);
  }
  while (true) {
    int queued = 0;
    for (int p = 0; p < count; ++p) {
      Chain& h = chain[p];
      if (h.failed || !(h.c.worst_px > s.max_reproj_px)) continue;
      const int left = count_views(h.current) - 1;
      if (h.c.worst_view < 0 || left < s.min_views || 2 * left <= g[p].count) {
        h.failed = true;
        continue;
      }
      h.current &= ~(ViewMask{1} << h.c.worst_view);
      jobs[queued] = Job{&in[p], &g[p], h.current};
      owner[queued++] = p;
    }
    if (queued == 0) break;
    solve_jobs(jobs, queued, s, solved);
    for (int q = 0; q < queued; ++q) {
      Chain& h = chain[owner[q]];
      ++r[owner[q]].solves;
      h.c = solved[q];
      h.failed = !h.c.valid;
    }
  }
  ViewMask agreeing[kChainGroup];
  int queued = 0;
  for (int p = 0; p < count; ++p) {
    const Chain& h = chain[p];
    agreeing[p] = 0;
    if (h.failed) continue;
    const ViewMask left_out = lowest_views(g[p].count) & ~h.current;
    double error[kMaxRobustViews];
    view_errors(g[p], h.c.point, error);
    for (int k = 0; k < g[p].count; ++k) {
      if (((left_out >> k) & 1) && error[g[p].view[k]] <= s.max_reproj_px) {
        agreeing[p] |= ViewMask{1} << k;
      }
    }
    if (agreeing[p] == 0) continue;
    jobs[queued] = Job{&in[p], &g[p], h.current | agreeing[p]};
    owner[queued++] = p;
  }
  solve_jobs(jobs, queued, s, solved);
  for (int q = 0; q < queued; ++q) {
    Chain& h = chain[owner[q]];
    ++r[owner[q]].solves;
    const Candidate& wider = solved[q];
    if (wider.valid && wider.worst_px <= s.max_reproj_px) {
      h.c = wider;
      h.current |= agreeing[owner[q]];
    }
  }
  for (int p = 0; p < count; ++p) {
    const Chain& h = chain[p];
    done[p] = !h.failed && !(h.c.mean_px > kChainMeanShare * s.max_reproj_px);
    if (done[p]) accept(h.c, h.current, g[p], r[p]);
  }
}

}  // namespace

void make_solve_frame(const double* proj_from_world, int views, bool normalize, SolveFrame& frame) {
  for (int v = 0; v < views; ++v) {
    for (int c = 0; c < 12; ++c) frame.world_proj[c][v] = proj_from_world[12 * v + c];
  }
  if (normalize) {
    normalize_projections<double>(proj_from_world, views, frame.proj, frame.centre, &frame.scale);
    return;
  }
  for (int k = 0; k < 12 * views; ++k) frame.proj[k] = proj_from_world[k];
  frame.centre[0] = frame.centre[1] = frame.centre[2] = 0;
  frame.scale = 1;
}

void search_points(const PointInputs* in,
                   int64_t count,
                   const PointSearchSettings& settings,
                   PointSearchResult* out) {
  std::vector<GatheredViews> g(static_cast<size_t>(std::min<int64_t>(count, kChainGroup)));
  for (int64_t first = 0; first < count; first += kChainGroup) {
    const int group = static_cast<int>(std::min<int64_t>(kChainGroup, count - first));
    bool done[kChainGroup] = {};
    for (int p = 0; p < group; ++p) {
      gather_views(in[first + p], g[p]);
      out[first + p] = PointSearchResult();
    }
    if (settings.worst_view_first) {
      worst_view_first(in + first, g.data(), group, settings, out + first, done);
    }
    for (int p = 0; p < group; ++p) {
      if (done[p]) continue;
      out[first + p].fell_back = settings.worst_view_first;
      subset_search(in[first + p], g[p], settings, out[first + p]);
    }
  }
}

PointSearchResult search_point(const PointInputs& in, const PointSearchSettings& settings) {
  PointSearchResult r;
  search_points(&in, 1, settings, &r);
  return r;
}

}  // namespace mvpose3d::ops::detail
