// Outlier-view rejection (the algorithm: robust_triangulate.h): the full solve, then the search
// of the flagged points, per point on the CPU (ops/robust_point_search.h) or in batched rounds.
#include "mvpose3d/ops/robust_triangulate.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/ops/robust_block.h"

#include <algorithm>
#include <atomic>
#include <bitset>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ops/robust_point_search.h"
#include "ops/robust_rules.h"
#include "ops/used_view_errors.h"

namespace mvpose3d::ops {

OutlierSearch outlier_search_from_string(const std::string& name) {
  if (name == "subsets") return OutlierSearch::kSubsets;
  if (name == "worst-view-first") return OutlierSearch::kWorstViewFirst;
  throw Error(fmt::format(
      "unknown outlier search '{}' (known: {})", name, fmt::join(outlier_search_names(), ", ")));
}

std::string to_string(OutlierSearch search) {
  return search == OutlierSearch::kSubsets ? "subsets" : "worst-view-first";
}

std::vector<std::string> outlier_search_names() {
  return {to_string(OutlierSearch::kSubsets), to_string(OutlierSearch::kWorstViewFirst)};
}

namespace {

using detail::ViewMask;
constexpr int kMaxViews = detail::kMaxRobustViews;
constexpr int kMaxExhaustiveViews = 20;  // 2^20 subsets: beyond that exhaustive makes no sense
constexpr int64_t kCandidateChunk = int64_t{1} << 18;  // candidates per kernel call

std::string shape_text(const at::Tensor& t) {
  return fmt::format("[{}]", fmt::join(t.sizes(), ", "));
}

int count_views(ViewMask mask) {
  return static_cast<int>(std::bitset<kMaxViews>(mask).count());
}

// A flagged point still being searched.
struct OpenPoint {
  int64_t point;       // row in the input
  ViewMask available;  // views with weight > 0
  ViewMask current;    // greedy: the subset the next round removes one view from
  int size;            // views in the subsets of the last round (the full set at the start)
  bool greedy;
};

// The candidate subsets of one round for one point, appended to `masks`.
void add_candidates(const OpenPoint& open, int size, std::vector<ViewMask>& masks) {
  if (open.greedy) {
    for (int v = 0; v < kMaxViews; ++v) {
      const ViewMask bit = ViewMask{1} << v;
      if (open.current & bit) masks.push_back(open.current & ~bit);
    }
    return;
  }
  // Every subset of the available views with `size` views: the `size`-bit combinations of their
  // indices in increasing order (Gosper's hack), C(m, size) steps.
  int index[kMaxViews];
  int m = 0;
  for (int v = 0; v < kMaxViews; ++v) {
    if ((open.available >> v) & 1) index[m++] = v;
  }
  if (size <= 0 || size > m) return;
  const uint64_t end = uint64_t{1} << m;  // m <= kMaxExhaustiveViews
  for (uint64_t c = (uint64_t{1} << size) - 1; c < end;) {
    ViewMask sub = 0;
    for (int b = 0; b < m; ++b) {
      if ((c >> b) & 1) sub |= ViewMask{1} << index[b];
    }
    masks.push_back(sub);
    const uint64_t lowest = c & (~c + 1);
    const uint64_t ripple = c + lowest;
    c = (((ripple ^ c) >> 2) / lowest) | ripple;
  }
}

at::Tensor masks_to_tensor(const std::vector<ViewMask>& masks, int64_t views) {
  at::Tensor out = at::zeros({static_cast<int64_t>(masks.size()), views}, at::kBool);  // [M, V]
  auto acc = out.accessor<bool, 2>();
  for (size_t m = 0; m < masks.size(); ++m) {
    for (int64_t v = 0; v < views; ++v) acc[m][v] = (masks[m] >> v) & 1;
  }
  return out;
}

// The worst and the mean reprojection error of each point's used views.
struct SubsetErrors {
  at::Tensor worst;  // [M] float64, CPU; infinite when a used view has the point behind it
  at::Tensor mean;   // [M] float64, CPU; 0 without used views
};

// points3d [M, 3], points2d [M, V, 2], proj [V, 3, 4] or [M, V, 3, 4], used [M, V] bool. On the
// CPU one fused loop: the [M, V] temporaries of the ATen version (a batched 3x4 matmul, norms,
// masks) cost more than the solves themselves.
SubsetErrors subset_errors(const at::Tensor& points3d,
                           const at::Tensor& points2d,
                           const at::Tensor& proj,
                           const at::Tensor& used);

}  // namespace

at::Tensor reprojection_errors_px(const at::Tensor& points3d,
                                  const at::Tensor& points2d,
                                  const at::Tensor& proj_from_world) {
  const int64_t n = points3d.size(0);
  const at::Tensor homogeneous = at::cat({points3d, at::ones({n, 1}, points3d.options())}, 1);
  // [V, 3, 4] or [N, V, 3, 4] times [N, 1, 4, 1] -> [N, V, 3]
  const at::Tensor image = at::matmul(proj_from_world, homogeneous.view({n, 1, 4, 1})).squeeze(-1);
  const at::Tensor depth = image.select(-1, 2);                               // [N, V]
  const at::Tensor projected = image.narrow(-1, 0, 2) / depth.unsqueeze(-1);  // [N, V, 2]
  const at::Tensor error = (projected - points2d).norm(2, -1);                // [N, V]
  return at::where(depth > 0, error, std::numeric_limits<double>::infinity());
}

namespace {

SubsetErrors subset_errors(const at::Tensor& points3d_in,
                           const at::Tensor& points2d_in,
                           const at::Tensor& proj_in,
                           const at::Tensor& used_in) {
  if (points3d_in.is_cuda()) {
    const at::Tensor error =
        at::where(used_in, reprojection_errors_px(points3d_in, points2d_in, proj_in), 0.0);
    return {error.amax(1).cpu(), (error.sum(1) / used_in.sum(1).clamp_min(1)).cpu()};
  }
  const at::Tensor points3d = points3d_in.to(at::kDouble).contiguous();
  const at::Tensor points2d = points2d_in.contiguous();
  const at::Tensor proj = proj_in.contiguous();
  const at::Tensor used = used_in.contiguous();
  const int64_t m = points3d.size(0), views = points2d.size(1);
  const bool per_point = proj.dim() == 4;
  SubsetErrors out{at::empty({m}, at::kDouble), at::empty({m}, at::kDouble)};
  const double* x = points3d.data_ptr<double>();
  const double* obs = points2d.data_ptr<double>();
  const double* p_all = proj.data_ptr<double>();
  const bool* use = used.data_ptr<bool>();
  double* worst = out.worst.data_ptr<double>();
  double* mean = out.mean.data_ptr<double>();
  at::parallel_for(0, m, 2048, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const detail::UsedViewErrors e =
          detail::used_view_errors(x + 3 * i,
                                   obs + 2 * views * i,
                                   p_all + (per_point ? 12 * views * i : 0),
                                   use + views * i,
                                   views);
      worst[i] = e.worst_px;
      mean[i] = e.mean_px;
    }
  });
  return out;
}

// The views that count (detail::keep_usable_views; the CUDA branch says the same in ATen):
// `weights` [N, V] becomes 0 elsewhere (a new tensor; the caller's is not changed) and
// `available` [N, V] says where it is > 0. On the CPU one pass over the points: the ATen
// expression costs a dozen [N, V] temporaries (measured on the issue-17 session: about 80 ms of
// CPU, much of it page faults on fresh memory).
void usable_views(const at::Tensor& points2d,  // [N, V, 2] float64
                  const RobustTriangulateOptions& options,
                  at::Tensor& weights,
                  at::Tensor& available) {
  if (points2d.is_cuda()) {
    const at::Tensor finite = points2d.isfinite().all(-1);  // [N, V]
    weights = at::where(finite & (weights >= options.min_confidence) & (weights > 0), weights, 0.0);
    available = weights > 0;
    const at::Tensor enough = available.sum(1) >= options.min_views;  // [N]
    available = available & enough.unsqueeze(1);
    weights = at::where(available, weights, 0.0);
    return;
  }
  const int64_t n = points2d.size(0), views = points2d.size(1);
  const at::Tensor x_in = points2d.contiguous();
  const at::Tensor w_in = weights.contiguous();
  at::Tensor w_out = at::empty({n, views}, at::kDouble);
  available = at::empty({n, views}, at::kBool);
  const double* x = x_in.data_ptr<double>();
  const double* w = w_in.data_ptr<double>();
  double* wo = w_out.data_ptr<double>();
  bool* avail = available.data_ptr<bool>();
  at::parallel_for(0, n, 4096, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      detail::keep_usable_views(x + 2 * views * i, w + views * i, wo + views * i, views, options);
    }
    for (int64_t k = begin * views; k < end * views; ++k) avail[k] = wo[k] > 0;
  });
  weights = w_out;
}

// Flagged points per task of the per-point search: a point costs 0.1 to a few microseconds.
constexpr int64_t kPointsPerTask = 256;

// The search of the flagged points one by one on the CPU (ops/robust_point_search.h), in parallel
// over the points; writes the resolved points, and the unresolved ones as invalid, into `out`.
void search_per_point(const at::Tensor& points2d_in,   // [N, V, 2] float64
                      const at::Tensor& proj_in,       // [V, 3, 4] or [N, V, 3, 4] float64
                      const at::Tensor& weights_in,    // [N, V] float64, > 0 on available views
                      const at::Tensor& flagged_rows,  // [R] int64
                      const RobustTriangulateOptions& options,
                      RobustTriangulation& out) {
  const at::Tensor points2d = points2d_in.cpu().contiguous();
  const at::Tensor proj = proj_in.cpu().contiguous();
  const at::Tensor weights = weights_in.cpu().contiguous();
  const at::Tensor rows = flagged_rows.cpu().contiguous();
  const int views = static_cast<int>(points2d.size(1));
  const bool per_point_proj = proj.dim() == 4;
  const detail::PointSearchSettings settings = detail::point_search_settings(options);
  const double* x = points2d.data_ptr<double>();
  const double* w = weights.data_ptr<double>();
  const double* p = proj.data_ptr<double>();
  const int64_t* row = rows.data_ptr<int64_t>();
  auto shared_frame = std::make_unique<detail::SolveFrame>();
  if (!per_point_proj) detail::make_solve_frame(p, views, settings.normalize, *shared_frame);
  double* points = out.points3d.data_ptr<double>();        // [N, 3]
  bool* valid = out.valid.data_ptr<bool>();                // [N]
  bool* used = out.views_used.data_ptr<bool>();            // [N, V]
  double* error = out.reproj_error_px.data_ptr<double>();  // [N]
  std::atomic<int64_t> solves{0}, unresolved{0}, fell_back{0};
  at::parallel_for(0, rows.numel(), kPointsPerTask, [&](int64_t begin, int64_t end) {
    std::unique_ptr<detail::SolveFrame> own_frame;
    if (per_point_proj) own_frame = std::make_unique<detail::SolveFrame>();
    int64_t task_solves = 0, task_unresolved = 0, task_fell_back = 0;
    for (int64_t r = begin; r < end; ++r) {
      const int64_t i = row[r];
      detail::PointInputs in;
      in.points2d_px = x + 2 * views * i;
      in.weights = w + views * i;
      in.proj_from_world = p + (per_point_proj ? 12 * views * i : 0);
      if (per_point_proj) {
        detail::make_solve_frame(in.proj_from_world, views, settings.normalize, *own_frame);
      }
      in.frame = per_point_proj ? own_frame.get() : shared_frame.get();
      in.views = views;
      in.available = 0;
      in.used = 0;
      for (int v = 0; v < views; ++v) {
        if (in.weights[v] > 0) in.available |= ViewMask{1} << v;
        if (used[i * views + v]) in.used |= ViewMask{1} << v;
      }
      in.full_point = points + 3 * i;
      const detail::PointSearchResult found = detail::search_point(in, settings);
      task_solves += found.solves;
      task_fell_back += found.fell_back ? 1 : 0;
      if (!found.resolved) ++task_unresolved;
      valid[i] = found.resolved;
      error[i] = found.resolved ? found.mean_error_px : NAN;
      for (int c = 0; c < 3; ++c) points[3 * i + c] = found.point[c];  // 0 when unresolved
      for (int v = 0; v < views; ++v) used[i * views + v] = (found.used >> v) & 1;
    }
    solves += task_solves;
    unresolved += task_unresolved;
    fell_back += task_fell_back;
  });
  out.solves += solves.load();
  out.unresolved += unresolved.load();
  out.fell_back += fell_back.load();
}

// The CPU route of the fused float64 solve with one set of matrices: RobustBlockSolver over blocks
// of points in parallel, writing into the result's tensors (no [N, V] temporaries).
RobustTriangulation triangulate_in_blocks(const at::Tensor& points2d_in,  // [N, V, 2] float64
                                          const at::Tensor& proj_in,      // [V, 3, 4] float64
                                          const at::Tensor& weights_in,   // [N, V] float64
                                          const RobustTriangulateOptions& options) {
  const at::Tensor points2d = points2d_in.contiguous();
  const at::Tensor proj = proj_in.contiguous();
  const at::Tensor weights = weights_in.contiguous().clone();  // the solver zeroes unusable views
  const int64_t n = points2d.size(0), views = points2d.size(1);
  RobustTriangulation out;
  out.points3d = at::empty({n, 3}, at::kDouble);
  out.valid = at::empty({n}, at::kBool);
  out.reproj_error_px = at::empty({n}, at::kDouble);
  out.views_used = at::empty({n, views}, at::kBool);
  const at::Tensor status = at::empty({n}, at::kByte);
  const RobustBlockSolver solver(proj.data_ptr<double>(), static_cast<int>(views), options);
  constexpr int64_t kBlock = RobustBlockSolver::kBlockPoints;
  RobustBlockSolver::for_blocks(n, [&](int64_t begin, int64_t end) {
    RobustCounts counts;
    for (int64_t block = begin; block < end; ++block) {
      const int64_t first = block * kBlock;
      RobustBlock b;
      b.count = std::min(kBlock, n - first);
      b.points2d_px = points2d.data_ptr<double>() + first * views * 2;
      b.weights = weights.data_ptr<double>() + first * views;
      b.points3d = out.points3d.data_ptr<double>() + first * 3;
      b.valid = out.valid.data_ptr<bool>() + first;
      b.reproj_error_px = out.reproj_error_px.data_ptr<double>() + first;
      b.views_used = out.views_used.data_ptr<bool>() + first * views;
      b.status = status.data_ptr<uint8_t>() + first;
      counts += solver.solve(b);
    }
    return counts;
  }).store(out);
  return out;
}

}  // namespace

RobustTriangulation robust_triangulate(const at::Tensor& points2d_in,
                                       const at::Tensor& proj_in,
                                       const at::Tensor& weights_in,
                                       const RobustTriangulateOptions& options) {
  MVPOSE3D_CHECK(points2d_in.dim() == 3 && points2d_in.size(2) == 2,
                 "robust_triangulate: points2d must be [N, V, 2], got {}",
                 shape_text(points2d_in));
  const int64_t n = points2d_in.size(0), views = points2d_in.size(1);
  MVPOSE3D_CHECK(
      views <= kMaxViews, "robust_triangulate: at most {} views, got {}", kMaxViews, views);
  const bool per_point_proj = proj_in.dim() == 4;
  MVPOSE3D_CHECK((proj_in.dim() == 3 && proj_in.size(0) == views) ||
                     (per_point_proj && proj_in.size(0) == n && proj_in.size(1) == views),
                 "robust_triangulate: proj_from_world must be [V, 3, 4] or [N, V, 3, 4] with N = "
                 "{}, V = {}, got {}",
                 n,
                 views,
                 shape_text(proj_in));
  MVPOSE3D_CHECK(options.min_views >= 2, "robust_triangulate: min_views must be >= 2");
  MVPOSE3D_CHECK(options.max_exhaustive_views <= kMaxExhaustiveViews,
                 "robust_triangulate: max_exhaustive_views must be <= {}, got {}",
                 kMaxExhaustiveViews,
                 options.max_exhaustive_views);
  // The per-point search solves as the fused kernel in float64 does; other solves are batched.
  const bool per_point_search = options.solve.method == TriangulationMethod::kFused &&
                                options.solve.accumulate == at::kDouble;
  MVPOSE3D_CHECK(per_point_search || options.search == OutlierSearch::kSubsets,
                 "robust_triangulate: the worst-view-first search needs the fused method in "
                 "float64, got method {} in {}",
                 to_string(options.solve.method),
                 c10::toString(options.solve.accumulate));
  const at::Tensor points2d = points2d_in.to(at::kDouble);  // [N, V, 2]
  const at::Tensor proj = proj_in.to(at::kDouble);          // [V, 3, 4] or [N, V, 3, 4]
  at::Tensor weights = weights_in.defined() ? weights_in.to(at::kDouble)
                                            : at::ones({n, views}, points2d.options());  // [N, V]
  MVPOSE3D_CHECK(weights.sizes() == at::IntArrayRef({n, views}),
                 "robust_triangulate: weights must be [{}, {}], got {}",
                 n,
                 views,
                 shape_text(weights));
  if (!points2d.is_cuda() && !per_point_proj && RobustBlockSolver::supports(options) &&
      !(at::GradMode::is_enabled() && proj.requires_grad())) {
    return triangulate_in_blocks(points2d, proj, weights, options);
  }
  at::Tensor available;  // [N, V] bool
  usable_views(points2d, options, weights, available);

  RobustTriangulation out;
  const Triangulation full = triangulate(points2d, proj, weights, options.solve);
  out.solves = n;
  const at::Tensor used = available & full.valid.unsqueeze(1);  // [N, V]
  const SubsetErrors error = subset_errors(full.points3d, points2d, proj, used);
  out.points3d = full.points3d.to(at::kDouble).cpu().contiguous();
  out.valid = full.valid.cpu().contiguous();
  out.views_used = used.cpu().contiguous();
  out.reproj_error_px = at::where(out.valid, error.mean, NAN).contiguous();
  const bool rejecting = detail::rejects_outliers(options);
  if (!rejecting) return out;

  const at::Tensor flagged = out.valid & (error.worst > options.max_reproj_px);
  const at::Tensor flagged_rows = flagged.nonzero().view(-1);
  out.flagged = flagged_rows.numel();
  if (out.flagged == 0) return out;
  if (per_point_search) {
    search_per_point(points2d, proj, weights, flagged_rows, options, out);
    return out;
  }
  const at::Tensor available_cpu = available.cpu();
  std::vector<OpenPoint> open;
  {
    auto rows = flagged_rows.accessor<int64_t, 1>();
    auto avail = available_cpu.accessor<bool, 2>();
    for (int64_t i = 0; i < rows.size(0); ++i) {
      OpenPoint p{rows[i], 0, 0, 0, false};
      for (int64_t v = 0; v < views; ++v) {
        if (avail[p.point][v]) p.available |= ViewMask{1} << v;
      }
      p.current = p.available;
      p.size = count_views(p.available);
      p.greedy = p.size > options.max_exhaustive_views;
      open.push_back(p);
    }
  }
  auto out_points = out.points3d.accessor<double, 2>();
  auto out_valid = out.valid.accessor<bool, 1>();
  auto out_used = out.views_used.accessor<bool, 2>();
  auto out_error = out.reproj_error_px.accessor<double, 1>();
  auto give_up = [&](const OpenPoint& p) {
    ++out.unresolved;
    out_valid[p.point] = false;
    out_error[p.point] = NAN;
    for (int64_t v = 0; v < views; ++v) out_used[p.point][v] = false;
    for (int c = 0; c < 3; ++c) out_points[p.point][c] = 0.0;
  };

  while (!open.empty()) {
    // One batch: the candidate subsets of every open point, owner by owner.
    std::vector<ViewMask> masks;
    std::vector<int64_t> rows;
    std::vector<size_t> first;  // first candidate of each open point; one past the end at the back
    std::vector<OpenPoint> searched;
    for (const OpenPoint& p : open) {
      if (p.size - 1 < options.min_views) {
        give_up(p);
        continue;
      }
      first.push_back(masks.size());
      add_candidates(p, p.size - 1, masks);
      rows.resize(masks.size(), p.point);
      searched.push_back(p);
    }
    first.push_back(masks.size());
    open.clear();
    if (masks.empty()) break;
    // The round's candidates, solved kCandidateChunk at a time: one kernel call each, so the
    // gathered inputs ([chunk, V, 2] points, [chunk, V] weights) are tens of MB, not a GB mapped
    // and page-faulted per round (measured: 1.3 GB peak and twice the system time unchunked).
    // 2^16 per call cost 5.0 s of user time against 2.8 s at 2^18 (the issue-17 session, 2
    // threads): every call starts a few parallel regions.
    const auto device = points2d.device();
    const auto total = static_cast<int64_t>(masks.size());
    const at::Tensor row_index = at::tensor(rows, at::kLong).to(device);  // [M]
    const at::Tensor mask = masks_to_tensor(masks, views).to(device);     // [M, V]
    at::Tensor worst = at::empty({total}, at::kDouble);                   // [M]
    at::Tensor mean = at::empty({total}, at::kDouble);                    // [M]
    at::Tensor solved = at::empty({total, 3}, at::kDouble);               // [M, 3]
    at::Tensor cand_valid = at::empty({total}, at::kBool);                // [M]
    for (int64_t begin = 0; begin < total; begin += kCandidateChunk) {
      const int64_t size = std::min(kCandidateChunk, total - begin);
      const at::Tensor chunk_rows = row_index.narrow(0, begin, size);
      const at::Tensor chunk_mask = mask.narrow(0, begin, size);
      const at::Tensor cand_points = points2d.index_select(0, chunk_rows);  // [C, V, 2]
      const at::Tensor cand_proj = per_point_proj ? proj.index_select(0, chunk_rows) : proj;
      const at::Tensor cand_weights =
          at::where(chunk_mask, weights.index_select(0, chunk_rows), 0.0);  // [C, V]
      const Triangulation sol = triangulate(cand_points, cand_proj, cand_weights, options.solve);
      const SubsetErrors errors = subset_errors(sol.points3d, cand_points, cand_proj, chunk_mask);
      worst.narrow(0, begin, size).copy_(errors.worst);
      mean.narrow(0, begin, size).copy_(errors.mean);
      solved.narrow(0, begin, size).copy_(sol.points3d);
      cand_valid.narrow(0, begin, size).copy_(sol.valid);
    }
    out.solves += total;
    auto worst_a = worst.accessor<double, 1>();
    auto mean_a = mean.accessor<double, 1>();
    auto valid_a = cand_valid.accessor<bool, 1>();
    auto solved_a = solved.accessor<double, 2>();
    for (size_t o = 0; o < searched.size(); ++o) {
      OpenPoint p = searched[o];
      int64_t best = -1, least_bad = -1;
      for (size_t c = first[o]; c < first[o + 1]; ++c) {
        if (!valid_a[c]) continue;
        const auto ci = static_cast<int64_t>(c);
        if (worst_a[ci] <= options.max_reproj_px && (best < 0 || mean_a[ci] < mean_a[best]))
          best = ci;
        if (least_bad < 0 || mean_a[ci] < mean_a[least_bad]) least_bad = ci;
      }
      if (best >= 0) {
        for (int c = 0; c < 3; ++c) out_points[p.point][c] = solved_a[best][c];
        for (int64_t v = 0; v < views; ++v) out_used[p.point][v] = (masks[best] >> v) & 1;
        out_error[p.point] = mean_a[best];
        continue;
      }
      p.size -= 1;
      if (p.greedy) {
        if (least_bad < 0) {
          give_up(p);
          continue;
        }
        p.current = masks[least_bad];
      }
      open.push_back(p);
    }
  }
  return out;
}

}  // namespace mvpose3d::ops
