// The per-point outlier search of ops::robust_triangulate on the CPU (private to ops): one flagged
// point at a time, fused — gather its views, solve a subset with the DLT math of the fused kernel
// (ops/triangulate_math.h: certified fast path, exact slow path), reproject, decide — with no
// tensor operations per candidate. robust_triangulate runs it in parallel over the flagged points
// (at::parallel_for); it has no ATen dependency, so it compiles quickly and with the kernel's
// SIMD flags.
//
// Why fused: in batched rounds a candidate cost about 200 ns of gathering, masking and error
// evaluation around a 20 ns solve. Here the normal matrix of a subset is the sum of its views'
// 4x4 contributions, computed once per point, so a candidate is ten additions per view, one 4x4
// eigen-solve and one reprojection per view.
// The candidates of a subset-search round, and the steps of several points' worst-view-first
// chains run in lockstep (search_points), are solved together on SIMD vectors.
#pragma once

#include <cstdint>

#include "ops/triangulate_math.h"

namespace mvpose3d::ops::detail {

using ViewMask = uint64_t;  // bit v set: view v is in the subset
constexpr int kMaxRobustViews = 64;

// Projection matrices in the frame the DLT is solved in: X_world = centre + scale * X.
struct SolveFrame {
  double proj[12 * kMaxRobustViews];  // [V, 3, 4]
  double centre[3] = {0, 0, 0};
  double scale = 1;
  // The world matrices transposed, [12, V]: world_proj[c][v] is entry c of view v's 3x4 matrix, so
  // that the reprojection errors of all the views are one vectorised loop.
  double world_proj[12][kMaxRobustViews];
};

// Fills `frame` from the world matrices proj_from_world [V, 3, 4] (normalised like the fused
// kernel when `normalize`, else copied; world_proj transposed).
void make_solve_frame(const double* proj_from_world, int views, bool normalize, SolveFrame& frame);

struct PointSearchSettings {
  SolveSettings solve;  // of the fused kernel (ops::detail::fused_settings)
  bool normalize = true;
  double max_reproj_px = 0;
  int min_views = 2;
  int max_exhaustive_views = 8;
  bool worst_view_first = false;  // RobustTriangulateOptions::search == kWorstViewFirst
};

// One point: its detections and the matrices of its views.
struct PointInputs {
  const double* points2d_px;      // [V, 2] undistorted pixels
  const double* weights;          // [V], > 0 exactly on the available views
  const double* proj_from_world;  // [V, 3, 4] world matrices, for the reprojection errors
  const SolveFrame* frame;        // the solve frame of these matrices
  int views;
  ViewMask available;        // views with weight > 0 (at least min_views of them)
  ViewMask used;             // the views of the full solve (what worst-view-first starts from)
  const double* full_point;  // [3] world, the full solve
};

struct PointSearchResult {
  bool resolved = false;        // some subset has every view within max_reproj_px
  double point[3] = {0, 0, 0};  // world; valid when resolved
  ViewMask used = 0;
  double mean_error_px = 0;
  int64_t solves = 0;      // candidate subsets solved
  bool fell_back = false;  // worst-view-first failed and the subset search ran
};

// The search for one flagged point (the rules: include/mvpose3d/ops/robust_triangulate.h).
PointSearchResult search_point(const PointInputs& in, const PointSearchSettings& settings);

// The searches of `count` flagged points, each with search_point's result, faster: the candidates
// of a subset-search round, and the steps of several points' worst-view-first chains, are solved
// together on SIMD vectors.
void search_points(const PointInputs* in,
                   int64_t count,
                   const PointSearchSettings& settings,
                   PointSearchResult* out);

}  // namespace mvpose3d::ops::detail
