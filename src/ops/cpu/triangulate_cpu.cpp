// CPU kernels of the fused triangulation, parallel over blocks of points with at::parallel_for.
// Both passes run on SIMD vectors of consecutive points of one camera group (GCC vector types, 4 to
// 16 points per instruction): accumulate A^T A, solve by the certified fast path, dehomogenise; the
// backward recomputes A^T A and applies the rank-two implicit gradient. The per-point math is in
// ops/triangulate_math.h (shared with CUDA); uncertified points take its scalar exact slow path.
#include "mvpose3d/config.h"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include "ops/forward_block.h"
#include "ops/triangulate_kernels.h"

namespace mvpose3d::ops::detail {

namespace {

// Points per parallel task; also the block over which projection-matrix gradients are summed
// before the deterministic final reduction (fixed, so results do not depend on the thread count).
constexpr int64_t kBlock = 1024;

// The SIMD vector of points for an accumulation type: as wide as the build's instruction set.
#if defined(__AVX512F__)
constexpr bool kAvx512 = true;
#else
constexpr bool kAvx512 = false;
#endif
template <typename acc_t>
struct Lanes {
  using Vec = std::conditional_t<std::is_same_v<acc_t, double>,
                                 std::conditional_t<kAvx512, Double8, Double4>,
                                 std::conditional_t<kAvx512, Float16, Float8>>;
};
template <typename acc_t>
constexpr int kWidth = SimdTraits<typename Lanes<acc_t>::Vec>::kWidth;
// A lane mask of Lanes<acc_t>::Vec (the type of its comparisons).
template <typename acc_t>
using Mask = decltype(typename Lanes<acc_t>::Vec{} != typename Lanes<acc_t>::Vec{});

template <typename M>
MVPOSE3D_FAST_PATH bool all_lanes(const M& mask) {
  bool all = true;
  for (int lane = 0; lane < static_cast<int>(sizeof(M) / sizeof(mask[0])); ++lane) {
    all &= mask[lane] != 0;
  }
  return all;
}

// Vectors of points the forward kernel solves together: it runs each step of the solve
// (fast_eigen_start, _iterate, _certify) over both before the next step, so that their independent
// dependency chains overlap in the out-of-order core; one vector's chain alone, from the
// accumulation to the certificate, is several hundred cycles long and leaves the FMA units idle.
// Measured on the 4-view DiffDLT scenes (AVX-512, docs/benchmarks.md, issue 18): 1 vector 1.26x the
// time of 2, 4 and 8 vectors 1.03-1.04x (one thread, float32 input).
constexpr int kChunk = 2;

// The matrices of one group in accumulation precision, with the map back to world coordinates
// (X_world = centre + scale * X). Recomputed only when the group changes.
template <typename scalar_t, typename acc_t>
struct GroupCache {
  int64_t group = -1;
  std::vector<acc_t> proj;
  acc_t centre[3] = {0, 0, 0};
  acc_t scale = 1;

  void load(const scalar_t* all, int64_t g, int num_views, bool normalize) {
    if (g == group) return;
    group = g;
    proj.resize(12 * num_views);
    const scalar_t* p = all + g * 12 * num_views;
    if (normalize) {
      normalize_projections<acc_t>(p, num_views, proj.data(), centre, &scale);
    } else {
      for (int k = 0; k < 12 * num_views; ++k) proj[k] = static_cast<acc_t>(p[k]);
    }
  }
};

// What both kernels read, as raw pointers, and how they split it into tasks: blocks of up to kBlock
// points of one group.
template <typename scalar_t>
struct KernelInputs {
  const scalar_t* x;        // [N, V, 2]
  const scalar_t* proj;     // [M, V, 3, 4]
  const scalar_t* weights;  // [N, V] or nullptr
  int num_views;
  int64_t groups;
  int64_t per_group;
  int64_t blocks_per_group;

  explicit KernelInputs(const FusedInputs& inputs)
      : x(inputs.x.data_ptr<scalar_t>()),
        proj(inputs.proj.data_ptr<scalar_t>()),
        weights(inputs.weights.defined() ? inputs.weights.data_ptr<scalar_t>() : nullptr),
        num_views(inputs.num_views()),
        groups(inputs.num_groups()),
        per_group(inputs.points_per_group()),
        blocks_per_group((per_group + kBlock - 1) / kBlock) {}
};

// One task: points [first, last) of one group.
struct Task {
  int64_t group, first, last;
};

Task task_of(int64_t task, int64_t per_group, int64_t blocks_per_group) {
  const int64_t group = task / blocks_per_group;
  const int64_t first = group * per_group + (task % blocks_per_group) * kBlock;
  return {group, first, std::min(first + kBlock, (group + 1) * per_group)};
}

// Values base[lane * stride] of the points of a vector; lanes past `count` repeat the last point.
// GCC 12 calls r "maybe uninitialized" where the float32 forward kernel is inlined into
// triangulate_forward_cpu: a false positive (r starts as splat(0)), silenced here only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
template <typename Vec, typename acc_t, typename scalar_t>
MVPOSE3D_FAST_PATH Vec load_lanes(const scalar_t* base, int64_t stride, int count) {
  Vec r = splat<Vec>(0.0);
  if (count == kWidth<acc_t>) {
    for (int lane = 0; lane < kWidth<acc_t>; ++lane)
      r[lane] = static_cast<acc_t>(base[lane * stride]);
  } else {
    for (int lane = 0; lane < kWidth<acc_t>; ++lane) {
      r[lane] = static_cast<acc_t>(base[std::min(lane, count - 1) * stride]);
    }
  }
  return r;
}
#pragma GCC diagnostic pop

// The rows of one view for a vector of points, with the weights applied (w r): zero for views
// with w = 0, whatever their coordinates.
template <typename acc_t, typename scalar_t>
struct ViewRows {
  using Vec = typename Lanes<acc_t>::Vec;
  Vec u, t;  // pixel coordinates
  Vec w;     // weight (1 without weights)
  Vec rx[4], ry[4];
  decltype(Vec{} != Vec{}) in_use;  // w != 0

  MVPOSE3D_FAST_PATH ViewRows(const scalar_t* x,      // [count, V, 2] at the first point
                              const scalar_t* w_ptr,  // [count, V] at the first point, or nullptr
                              const acc_t* p,         // [3, 4] of this view
                              int view,
                              int num_views,
                              int count) {
    const Vec zero = splat<Vec>(0.0);
    u = load_lanes<Vec, acc_t>(x + 2 * view, 2 * num_views, count);
    t = load_lanes<Vec, acc_t>(x + 2 * view + 1, 2 * num_views, count);
    for (int k = 0; k < 4; ++k) {
      rx[k] = u * p[8 + k] - p[k];
      ry[k] = t * p[8 + k] - p[4 + k];
    }
    if (w_ptr) {
      w = load_lanes<Vec, acc_t>(w_ptr + view, num_views, count);
      in_use = w != zero;
      for (int k = 0; k < 4; ++k) {
        rx[k] = in_use ? rx[k] * w : zero;
        ry[k] = in_use ? ry[k] * w : zero;
      }
    } else {
      w = splat<Vec>(1.0);
      in_use = w == w;
    }
  }
};

// A^T A of a vector of points (packed upper triangle), and the lanes' status before the solve:
// kNonFinite (NaN/Inf in a used view, or a negative weight), kTooFewViews, else kValid.
template <typename acc_t, typename scalar_t>
MVPOSE3D_FAST_PATH void accumulate_vector(const scalar_t* x,
                                          const scalar_t* w,
                                          const acc_t* proj,
                                          int num_views,
                                          int count,
                                          typename Lanes<acc_t>::Vec m[10],
                                          uint8_t pre[]) {
  using Vec = typename Lanes<acc_t>::Vec;
  const Vec zero = splat<Vec>(0.0), one = splat<Vec>(1.0);
  for (int k = 0; k < 10; ++k) m[k] = zero;
  Vec used = zero, negative = zero;
  for (int view = 0; view < num_views; ++view) {
    const ViewRows<acc_t, scalar_t> r(x, w, proj + 12 * view, view, num_views, count);
    int c = 0;
    for (int i = 0; i < 4; ++i) {
      for (int j = i; j < 4; ++j, ++c) m[c] += r.rx[i] * r.rx[j] + r.ry[i] * r.ry[j];
    }
    used += r.in_use ? one : zero;
    negative = r.w < zero ? one : negative;
  }
  // A non-finite input of a used view makes the trace, a sum of squares, non-finite.
  const Vec trace = m[0] + m[4] + m[7] + m[9];
  if (all_lanes((negative == zero) & (trace - trace == zero) & (used >= splat<Vec>(2.0)))) {
    std::memset(pre, kValid, kWidth<acc_t>);  // the common case, without a test per lane
    return;
  }
  for (int lane = 0; lane < kWidth<acc_t>; ++lane) {
    pre[lane] = (negative[lane] != acc_t(0) || !(trace[lane] - trace[lane] == acc_t(0)))
                    ? kNonFinite
                : used[lane] < acc_t(2) ? kTooFewViews
                                        : kValid;
  }
}

// Solves points [first, last) of one group whose matrices (in the solve frame) are `proj`, with
// X_world = centre + scale * X: the forward kernel's work for one task, also called on raw arrays
// by triangulate_forward_block_cpu. `vec` (eigenvectors) may be nullptr.
template <typename scalar_t, typename acc_t>
void forward_range(const scalar_t* x,        // [N, V, 2]
                   const scalar_t* weights,  // [N, V] or nullptr
                   const acc_t* proj,        // [V, 3, 4]
                   const acc_t cache_centre[3],
                   acc_t cache_scale,
                   int num_views,
                   int64_t first_point,
                   int64_t last_point,
                   const SolveSettings& settings,
                   scalar_t* out,  // [N, 3]
                   acc_t* vec,     // [N, 4] or nullptr
                   uint8_t* st,    // [N]
                   bool* valid) {  // [N]
  using Vec = typename Lanes<acc_t>::Vec;
  constexpr int kW = kWidth<acc_t>;
  const Vec angle_tol = splat<Vec>(settings.angle_tolerance);
  const Vec det_min = splat<Vec>(static_cast<acc_t>(settings.degenerate_det));
  const Vec max_dist = splat<Vec>(static_cast<acc_t>(settings.max_distance));
  const Vec centre[3] = {
      splat<Vec>(cache_centre[0]), splat<Vec>(cache_centre[1]), splat<Vec>(cache_centre[2])};
  const Vec scale = splat<Vec>(cache_scale);
  for (int64_t chunk = first_point; chunk < last_point; chunk += kChunk * kW) {
    const int64_t chunk_points = std::min<int64_t>(kChunk * kW, last_point - chunk);
    const int vectors = static_cast<int>((chunk_points + kW - 1) / kW);
    const auto count_of = [&](int c) {
      return static_cast<int>(std::min<int64_t>(kW, chunk_points - int64_t{c} * kW));
    };
    // Each step runs over the chunk's vectors before the next one starts (see kChunk).
    Vec m[kChunk][10], a[kChunk][10], j[kChunk][10], w[kChunk][4], v[kChunk][4], inv_last[kChunk];
    Mask<acc_t> ok[kChunk];
    uint8_t pre[kChunk][kW];
    for (int c = 0; c < vectors; ++c) {
      const int64_t first = chunk + int64_t{c} * kW;
      accumulate_vector<acc_t>(x + first * 2 * num_views,
                               weights ? weights + first * num_views : nullptr,
                               proj,
                               num_views,
                               count_of(c),
                               m[c],
                               pre[c]);
    }
    for (int c = 0; c < vectors; ++c) fast_eigen_start(m[c], a[c], j[c], w[c]);
    for (int c = 0; c < vectors; ++c) fast_eigen_iterate<kFastIterations>(j[c], w[c]);
    for (int c = 0; c < vectors; ++c) {
      ok[c] = fast_eigen_certify(a[c], w[c], angle_tol, det_min, max_dist, v[c], &inv_last[c]);
    }
    for (int c = 0; c < vectors; ++c) {
      const int64_t first = chunk + int64_t{c} * kW;
      const int count = count_of(c);
      const Vec f = scale * inv_last[c];
      const Vec point[3] = {
          centre[0] + v[c][0] * f, centre[1] + v[c][1] * f, centre[2] + v[c][2] * f};
      bool all_good = count == kW && !vec && all_lanes(ok[c]);
      for (int lane = 0; lane < kW; ++lane) all_good &= pre[c][lane] == kValid;
      if (all_good) {
        // The common case: every lane valid and certified, no eigenvectors kept.
        scalar_t* o = out + 3 * first;
        for (int lane = 0; lane < kW; ++lane) {
          for (int k = 0; k < 3; ++k) o[3 * lane + k] = static_cast<scalar_t>(point[k][lane]);
        }
        std::memset(st + first, kValid, kW);
        std::fill(valid + first, valid + first + kW, true);
        continue;
      }
      for (int lane = 0; lane < count; ++lane) {
        const int64_t i = first + lane;
        uint8_t code = pre[c][lane];
        acc_t vi[4] = {v[c][0][lane], v[c][1][lane], v[c][2][lane], v[c][3][lane]};
        acc_t xi[3] = {point[0][lane], point[1][lane], point[2][lane]};
        if (code == kValid && !ok[c][lane]) {
          // Rare: slow convergence, degenerate geometry or a point at infinity. Exact slow path.
          Sym4<acc_t> mi;
          for (int k = 0; k < 10; ++k) mi.m[k] = m[c][k][lane];
          acc_t lambda = 0;
          int iterations = 0;
          code = smallest_eigenvector(mi, settings, vi, &lambda, &iterations);
          for (int k = 0; k < 3; ++k) xi[k] = cache_centre[k] + vi[k] * (cache_scale / vi[3]);
        }
        const bool good = code == kValid;
        st[i] = code;
        valid[i] = good;
        if (vec) {
          for (int k = 0; k < 4; ++k) vec[4 * i + k] = good ? vi[k] : acc_t(0);
        }
        for (int k = 0; k < 3; ++k) out[3 * i + k] = good ? static_cast<scalar_t>(xi[k]) : 0;
      }
    }
  }
}

template <typename scalar_t, typename acc_t>
void forward_kernel(const ForwardParams& params, FusedForward& result) {
  const SolveSettings& settings = params.settings;
  const KernelInputs<scalar_t> in(params);
  scalar_t* out = result.points.data_ptr<scalar_t>();
  acc_t* vec = result.eigenvector.numel() ? result.eigenvector.data_ptr<acc_t>() : nullptr;
  uint8_t* st = result.status.data_ptr<uint8_t>();
  bool* valid = result.valid.data_ptr<bool>();
  const int64_t tasks = in.groups * in.blocks_per_group;
  at::parallel_for(0, tasks, 1, [&](int64_t task_begin, int64_t task_end) {
    GroupCache<scalar_t, acc_t> cache;
    for (int64_t task = task_begin; task < task_end; ++task) {
      const Task tk = task_of(task, in.per_group, in.blocks_per_group);
      cache.load(in.proj, tk.group, in.num_views, settings.normalize_in_kernel);
      forward_range<scalar_t, acc_t>(in.x,
                                     in.weights,
                                     cache.proj.data(),
                                     cache.centre,
                                     cache.scale,
                                     in.num_views,
                                     tk.first,
                                     tk.last,
                                     settings,
                                     out,
                                     vec,
                                     st,
                                     valid);
    }
  });
}

// params.grad_points in the dtype of x; grad_proj_blocks [blocks, V, 3, 4] (one sum per task) and
// grad_w are undefined when not needed.
template <typename scalar_t, typename acc_t>
void backward_kernel(const BackwardParams& params,
                     at::Tensor& grad_x,
                     at::Tensor& grad_proj_blocks,
                     at::Tensor& grad_w) {
  using Vec = typename Lanes<acc_t>::Vec;
  constexpr int kW = kWidth<acc_t>;
  const SolveSettings& settings = params.settings;
  const KernelInputs<scalar_t> in(params);
  // dL/dX [N, 3] with any strides (autograd often passes an expanded tensor of ones).
  const at::Tensor& grad_points = params.grad_points;
  const scalar_t* g_ptr = grad_points.data_ptr<scalar_t>();
  const int64_t g_stride0 = grad_points.stride(0), g_stride1 = grad_points.stride(1);
  const acc_t* vec = params.eigenvector.data_ptr<acc_t>();
  const uint8_t* st = params.status.data_ptr<uint8_t>();
  scalar_t* gx_ptr = grad_x.data_ptr<scalar_t>();
  acc_t* gp_ptr = grad_proj_blocks.defined() ? grad_proj_blocks.data_ptr<acc_t>() : nullptr;
  scalar_t* gw_ptr = grad_w.defined() ? grad_w.data_ptr<scalar_t>() : nullptr;

  // Task = one block of points inside one group, so a block's projection gradient has one owner.
  const int64_t tasks = in.groups * in.blocks_per_group;
  at::parallel_for(0, tasks, 1, [&](int64_t task_begin, int64_t task_end) {
    GroupCache<scalar_t, acc_t> cache;
    std::vector<Vec> gp_lanes(gp_ptr ? 12 * in.num_views : 0);  // per-lane projection gradients
    for (int64_t task = task_begin; task < task_end; ++task) {
      const Task tk = task_of(task, in.per_group, in.blocks_per_group);
      cache.load(in.proj, tk.group, in.num_views, settings.normalize_in_kernel);
      const acc_t* p = cache.proj.data();
      std::fill(gp_lanes.begin(), gp_lanes.end(), splat<Vec>(0.0));
      const Vec zero = splat<Vec>(0.0);
      for (int64_t first = tk.first; first < tk.last; first += kW) {
        const int count = static_cast<int>(std::min<int64_t>(kW, tk.last - first));
        const scalar_t* xb = in.x + first * 2 * in.num_views;
        const scalar_t* wb = in.weights ? in.weights + first * in.num_views : nullptr;
        Vec m[10];
        uint8_t pre[kW];
        accumulate_vector<acc_t>(xb, wb, p, in.num_views, count, m, pre);
        Vec v[4], g[3];
        for (int k = 0; k < 4; ++k) v[k] = load_lanes<Vec, acc_t>(vec + 4 * first + k, 4, count);
        // X_world = centre + scale * X, so dL/dX = scale * dL/dX_world.
        for (int k = 0; k < 3; ++k) {
          g[k] = cache.scale * load_lanes<Vec, acc_t>(
                                   g_ptr + first * g_stride0 + k * g_stride1, g_stride0, count);
        }
        Vec good = zero;
        for (int lane = 0; lane < count; ++lane) good[lane] = st[first + lane] == kValid;
        const auto is_good = good != zero;
        Vec y[4], coef;
        eigenvector_backward_rank2(m, v, g, y, &coef);
        for (int view = 0; view < in.num_views; ++view) {
          const acc_t* pv = p + 12 * view;
          const ViewRows<acc_t, scalar_t> r(xb, wb, pv, view, in.num_views, count);
          // dL/dM = coef (y v^T + v y^T) and M = sum (w r)(w r)^T:
          //   dL/d(w r) = 2 coef (y (v . w r) + v (y . w r)).
          const Vec vx = v[0] * r.rx[0] + v[1] * r.rx[1] + v[2] * r.rx[2] + v[3] * r.rx[3];
          const Vec yx = y[0] * r.rx[0] + y[1] * r.rx[1] + y[2] * r.rx[2] + y[3] * r.rx[3];
          const Vec vy = v[0] * r.ry[0] + v[1] * r.ry[1] + v[2] * r.ry[2] + v[3] * r.ry[3];
          const Vec yy = y[0] * r.ry[0] + y[1] * r.ry[1] + y[2] * r.ry[2] + y[3] * r.ry[3];
          const Vec yp3 = y[0] * pv[8] + y[1] * pv[9] + y[2] * pv[10] + y[3] * pv[11];
          const Vec vp3 = v[0] * pv[8] + v[1] * pv[9] + v[2] * pv[10] + v[3] * pv[11];
          const Vec two_cw = (coef + coef) * r.w;  // chain rule through w r, whose r has du = p3
          const auto keep = is_good & r.in_use;
          const Vec du = keep ? two_cw * (vx * yp3 + yx * vp3) : zero;
          const Vec dt = keep ? two_cw * (vy * yp3 + yy * vp3) : zero;
          for (int lane = 0; lane < count; ++lane) {
            scalar_t* gx = gx_ptr + ((first + lane) * in.num_views + view) * 2;
            gx[0] = static_cast<scalar_t>(du[lane]);
            gx[1] = static_cast<scalar_t>(dt[lane]);
          }
          if (gw_ptr) {
            // d(w r)/dw = r: dL/dw = 4 coef (vx yx + vy yy) / w.
            const Vec dw = keep ? splat<Vec>(4.0) * coef * (vx * yx + vy * yy) / r.w : zero;
            for (int lane = 0; lane < count; ++lane) {
              gw_ptr[(first + lane) * in.num_views + view] = static_cast<scalar_t>(dw[lane]);
            }
          }
          if (gp_ptr) {
            // r = [u p3 - p1; t p3 - p2]: dL/dp1 = -w dL/d(w rx), dL/dp2 = -w dL/d(w ry),
            // dL/dp3 = u w dL/d(w rx) + t w dL/d(w ry).
            Vec* gp = gp_lanes.data() + 12 * view;
            for (int k = 0; k < 4; ++k) {
              const Vec drx = two_cw * (y[k] * vx + v[k] * yx);
              const Vec dry = two_cw * (y[k] * vy + v[k] * yy);
              gp[k] -= keep ? drx : zero;
              gp[4 + k] -= keep ? dry : zero;
              gp[8 + k] += keep ? r.u * drx + r.t * dry : zero;
            }
          }
        }
      }
      if (gp_ptr) {
        acc_t* gp_block = gp_ptr + task * 12 * in.num_views;
        for (int k = 0; k < 12 * in.num_views; ++k) {
          acc_t sum = 0;
          for (int lane = 0; lane < kW; ++lane) sum += gp_lanes[k][lane];
          gp_block[k] = sum;
        }
      }
    }
  });
}

}  // namespace

FusedForward triangulate_forward_cpu(const ForwardParams& params) {
  FusedForward result = allocate_forward(params);
  AT_DISPATCH_FLOATING_TYPES(params.x.scalar_type(), "triangulate_forward_cpu", [&] {
    dispatch_accumulate(params.accumulate, [&](auto acc_tag) {
      using acc_t = decltype(acc_tag);
      forward_kernel<scalar_t, acc_t>(params, result);
    });
  });
  return result;
}

void triangulate_forward_block_cpu(const double* x,
                                   const double* weights,
                                   const double* proj_from_world,
                                   int num_views,
                                   int64_t count,
                                   const SolveSettings& settings,
                                   double* points,
                                   uint8_t* status,
                                   bool* valid) {
  GroupCache<double, double> cache;
  cache.load(proj_from_world, 0, num_views, settings.normalize_in_kernel);
  forward_range<double, double>(x,
                                weights,
                                cache.proj.data(),
                                cache.centre,
                                cache.scale,
                                num_views,
                                0,
                                count,
                                settings,
                                points,
                                nullptr,
                                status,
                                valid);
}

FusedGrads triangulate_backward_cpu(const BackwardParams& params) {
  TORCH_CHECK(!(params.need_proj && params.settings.normalize_in_kernel),
              "triangulate: internal error: no projection gradient with in-kernel normalisation");
  const at::Tensor& x = params.x;
  const int64_t groups = params.num_groups();
  const int64_t blocks_per_group = (params.points_per_group() + kBlock - 1) / kBlock;
  FusedGrads grads;
  // The kernel needs grad_x storage even when the caller does not (it is cheap, [N, V, 2]).
  at::Tensor grad_x = at::empty_like(x);
  at::Tensor grad_w = params.need_weights && params.weights.defined()
                          ? at::empty_like(params.weights)
                          : at::Tensor();
  at::Tensor blocks = params.need_proj
                          ? at::empty({groups * blocks_per_group, params.num_views(), 3, 4},
                                      x.options().dtype(params.eigenvector.scalar_type()))
                          : at::Tensor();
  BackwardParams converted = params;
  if (params.grad_points.scalar_type() != x.scalar_type()) {
    converted.grad_points = params.grad_points.to(x.scalar_type());
  }
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "triangulate_backward_cpu", [&] {
    dispatch_accumulate(params.eigenvector.scalar_type(), [&](auto acc_tag) {
      using acc_t = decltype(acc_tag);
      backward_kernel<scalar_t, acc_t>(converted, grad_x, blocks, grad_w);
    });
  });
  if (params.need_x) grads.x = grad_x;
  if (params.need_proj) {
    grads.proj = blocks.view({groups, blocks_per_group, params.num_views(), 3, 4})
                     .sum(1)
                     .to(x.scalar_type());
  }
  grads.weights = grad_w;
  return grads;
}

}  // namespace mvpose3d::ops::detail
