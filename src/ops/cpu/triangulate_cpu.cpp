// CPU kernels of the fused triangulation: one pass per point, parallel over points with
// at::parallel_for. The per-point math is in ops/triangulate_math.h (shared with CUDA).
#include "mvpose3d/config.h"

#include <cstring>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include "ops/triangulate_kernels.h"

namespace mvpose3d::ops::detail {

namespace {

// Points per parallel task; also the block over which projection-matrix gradients are summed
// before the deterministic final reduction (fixed, so results do not depend on the thread count).
constexpr int64_t kBlock = 1024;

// Points solved together by the branch-free fast path (a multiple of every SIMD width).
constexpr int kLanes = 16;

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

// accumulate_normal_matrix for kLanes consecutive points of one group, on SIMD vectors of points.
// Same arithmetic and the same validity rules, written without branches: a view with w = 0
// contributes nothing (its coordinates, NaN included, are replaced by 0).
template <typename scalar_t, typename acc_t>
void accumulate_lanes(const scalar_t* x,  // [kLanes, V, 2]
                      const scalar_t* w,  // [kLanes, V] or nullptr
                      const acc_t* proj,  // [V, 3, 4]
                      int num_views,
                      acc_t m[10][kLanes],
                      uint8_t pre[kLanes]) {
  using Simd = typename SimdOf<acc_t>::type;
  constexpr int kWidth = SimdOf<acc_t>::kWidth;
  const Simd zero = splat<Simd>(0.0), one = splat<Simd>(1.0);
  for (int b = 0; b < kLanes; b += kWidth) {
    Simd acc[10];
    for (int k = 0; k < 10; ++k) acc[k] = zero;
    Simd used = zero, bad = zero;
    for (int v = 0; v < num_views; ++v) {
      Simd u, t, wv;
      for (int lane = 0; lane < kWidth; ++lane) {
        const int64_t i = b + lane;
        u[lane] = static_cast<acc_t>(x[(i * num_views + v) * 2]);
        t[lane] = static_cast<acc_t>(x[(i * num_views + v) * 2 + 1]);
        wv[lane] = w ? static_cast<acc_t>(w[i * num_views + v]) : acc_t(1);
      }
      const auto in_use = wv != zero;
      u = in_use ? u : zero;
      t = in_use ? t : zero;
      const Simd w2 = in_use ? wv * wv : zero;
      const acc_t* p = proj + 12 * v;
      Simd rx[4], ry[4];
      for (int k = 0; k < 4; ++k) {
        rx[k] = u * p[8 + k] - p[k];
        ry[k] = t * p[8 + k] - p[4 + k];
      }
      int c = 0;
      for (int r = 0; r < 4; ++r) {
        for (int q = r; q < 4; ++q, ++c) acc[c] += w2 * (rx[r] * rx[q] + ry[r] * ry[q]);
      }
      const Simd rr = w2 * (rx[0] * rx[0] + rx[1] * rx[1] + rx[2] * rx[2] + rx[3] * rx[3] +
                            ry[0] * ry[0] + ry[1] * ry[1] + ry[2] * ry[2] + ry[3] * ry[3]);
      used += in_use ? one : zero;
      // A used view is bad with a non-positive weight or a non-finite row (x - x is NaN for
      // Inf/NaN).
      bad = (in_use & ((wv <= zero) | (rr - rr != zero))) ? one : bad;
    }
    for (int lane = 0; lane < kWidth; ++lane) {
      pre[b + lane] = bad[lane] != acc_t(0)   ? kNonFinite
                      : used[lane] < acc_t(2) ? kTooFewViews
                                              : kValid;
      for (int k = 0; k < 10; ++k) {
        m[k][b + lane] =
            pre[b + lane] == kValid ? acc[k][lane] : acc_t(k == 0 || k == 4 || k == 7 || k == 9);
      }
    }
  }
}

template <typename scalar_t, typename acc_t>
void forward_kernel(const at::Tensor& x,
                    const at::Tensor& proj,
                    const at::Tensor& weights,
                    const SolveSettings& settings,
                    FusedForward& result) {
  const int64_t n = x.size(0);
  const int num_views = static_cast<int>(x.size(1));
  const int64_t per_group = n / proj.size(0);
  const scalar_t* x_ptr = x.data_ptr<scalar_t>();
  const scalar_t* p_ptr = proj.data_ptr<scalar_t>();
  const scalar_t* w_ptr = weights.defined() ? weights.data_ptr<scalar_t>() : nullptr;
  scalar_t* out = result.points.data_ptr<scalar_t>();
  acc_t* vec = result.eigenvector.numel() ? result.eigenvector.data_ptr<acc_t>() : nullptr;
  uint8_t* st = result.status.data_ptr<uint8_t>();
  bool* valid = result.valid.data_ptr<bool>();
  const acc_t angle_tol = static_cast<acc_t>(settings.angle_tolerance);
  const acc_t det_min = static_cast<acc_t>(settings.degenerate_det);
  const acc_t max_dist = static_cast<acc_t>(settings.max_distance);
  at::parallel_for(0, n, kBlock, [&](int64_t begin, int64_t end) {
    GroupCache<scalar_t, acc_t> cache;
    // Structure of arrays for one batch of lanes: the normal matrices and the solutions.
    acc_t m[10][kLanes];
    acc_t v[4][kLanes];
    uint8_t pre[kLanes];
    bool certified[kLanes];
    for (int64_t first = begin; first < end; first += kLanes) {
      const int lanes = static_cast<int>(std::min<int64_t>(kLanes, end - first));
      const bool one_group =
          lanes == kLanes && first / per_group == (first + kLanes - 1) / per_group;
      if (one_group) {
        cache.load(p_ptr, first / per_group, num_views, settings.normalize_in_kernel);
        accumulate_lanes<scalar_t, acc_t>(x_ptr + first * 2 * num_views,
                                          w_ptr ? w_ptr + first * num_views : nullptr,
                                          cache.proj.data(),
                                          num_views,
                                          m,
                                          pre);
      }
      for (int b = 0; b < lanes && !one_group; ++b) {
        const int64_t i = first + b;
        cache.load(p_ptr, i / per_group, num_views, settings.normalize_in_kernel);
        Sym4<acc_t> mi;
        bool finite = true;
        const int used = accumulate_normal_matrix<acc_t>(x_ptr + i * 2 * num_views,
                                                         cache.proj.data(),
                                                         w_ptr ? w_ptr + i * num_views : nullptr,
                                                         num_views,
                                                         mi,
                                                         &finite);
        pre[b] = !finite ? kNonFinite : used < 2 ? kTooFewViews : kValid;
        for (int k = 0; k < 10; ++k) {
          m[k][b] = pre[b] == kValid ? mi.m[k] : acc_t(k == 0 || k == 4 || k == 7 || k == 9);
        }
      }
      // The fast path on SIMD vectors of several points (lanes of the structure of arrays).
      using Simd = typename SimdOf<acc_t>::type;
      constexpr int kWidth = SimdOf<acc_t>::kWidth;
      const Simd angle_tol_v = splat<Simd>(angle_tol), det_min_v = splat<Simd>(det_min);
      const Simd max_dist_v = splat<Simd>(max_dist);
      for (int b = 0; b < kLanes; b += kWidth) {
        Simd mm[10], vv[4];
        for (int k = 0; k < 10; ++k) std::memcpy(&mm[k], &m[k][b], sizeof(Simd));
        const auto ok =
            fast_smallest_eigenvector<kFastIterations>(mm, angle_tol_v, det_min_v, max_dist_v, vv);
        for (int k = 0; k < 4; ++k) std::memcpy(&v[k][b], &vv[k], sizeof(Simd));
        for (int lane = 0; lane < kWidth; ++lane) certified[b + lane] = ok[lane] != 0;
      }
      for (int b = 0; b < lanes; ++b) {
        const int64_t i = first + b;
        uint8_t code = pre[b];
        acc_t vi[4] = {v[0][b], v[1][b], v[2][b], v[3][b]};
        if (code == kValid && !certified[b]) {
          // Rare: slow convergence, degenerate geometry or a point at infinity. Exact slow path.
          Sym4<acc_t> mi;
          for (int k = 0; k < 10; ++k) mi.m[k] = m[k][b];
          acc_t lambda = 0;
          int iterations = 0;
          code = smallest_eigenvector(mi, settings, vi, &lambda, &iterations);
        }
        st[i] = code;
        valid[i] = code == kValid;
        if (vec) {
          for (int k = 0; k < 4; ++k) vec[4 * i + k] = code == kValid ? vi[k] : acc_t(0);
        }
        cache.load(p_ptr, i / per_group, num_views, settings.normalize_in_kernel);
        const acc_t inv_w = code == kValid ? cache.scale / vi[3] : acc_t(0);
        for (int k = 0; k < 3; ++k) {
          out[3 * i + k] =
              code == kValid ? static_cast<scalar_t>(cache.centre[k] + vi[k] * inv_w) : scalar_t(0);
        }
      }
    }
  });
}

template <typename scalar_t, typename acc_t>
void backward_kernel(const at::Tensor& grad_points,
                     const at::Tensor& x,
                     const at::Tensor& proj,
                     const at::Tensor& weights,
                     const at::Tensor& eigenvector,
                     const at::Tensor& status,
                     const SolveSettings& settings,
                     at::Tensor& grad_x,
                     at::Tensor& grad_proj_blocks,
                     at::Tensor& grad_w) {
  const int64_t n = x.size(0);
  const int num_views = static_cast<int>(x.size(1));
  const int64_t groups = proj.size(0);
  const int64_t per_group = n / groups;
  const int64_t blocks_per_group = (per_group + kBlock - 1) / kBlock;
  const scalar_t* x_ptr = x.data_ptr<scalar_t>();
  const scalar_t* p_ptr = proj.data_ptr<scalar_t>();
  const scalar_t* w_ptr = weights.defined() ? weights.data_ptr<scalar_t>() : nullptr;
  const scalar_t* g_ptr = grad_points.data_ptr<scalar_t>();
  const acc_t* vec = eigenvector.data_ptr<acc_t>();
  const uint8_t* st = status.data_ptr<uint8_t>();
  scalar_t* gx_ptr = grad_x.data_ptr<scalar_t>();
  acc_t* gp_ptr = grad_proj_blocks.defined() ? grad_proj_blocks.data_ptr<acc_t>() : nullptr;
  scalar_t* gw_ptr = grad_w.defined() ? grad_w.data_ptr<scalar_t>() : nullptr;

  // Task = one block of points inside one group, so a block's projection gradient has one owner.
  at::parallel_for(0, groups * blocks_per_group, 1, [&](int64_t task_begin, int64_t task_end) {
    constexpr int kMaxViews = 64;
    acc_t gx_local[2 * kMaxViews];
    acc_t gw_local[kMaxViews];
    GroupCache<scalar_t, acc_t> cache;
    for (int64_t task = task_begin; task < task_end; ++task) {
      const int64_t group = task / blocks_per_group;
      const int64_t first = group * per_group + (task % blocks_per_group) * kBlock;
      const int64_t last = std::min(first + kBlock, (group + 1) * per_group);
      acc_t* gp_block = gp_ptr ? gp_ptr + task * 12 * num_views : nullptr;
      cache.load(p_ptr, group, num_views, settings.normalize_in_kernel);
      const acc_t* p = cache.proj.data();
      for (int64_t i = first; i < last; ++i) {
        const scalar_t* xi = x_ptr + i * 2 * num_views;
        const scalar_t* wi = w_ptr ? w_ptr + i * num_views : nullptr;
        if (st[i] != kValid) {
          std::fill(gx_ptr + i * 2 * num_views, gx_ptr + (i + 1) * 2 * num_views, scalar_t(0));
          if (gw_ptr) std::fill(gw_ptr + i * num_views, gw_ptr + (i + 1) * num_views, scalar_t(0));
          continue;
        }
        Sym4<acc_t> m;
        bool finite = true;
        accumulate_normal_matrix<acc_t>(xi, p, wi, num_views, m, &finite);
        // X_world = centre + scale * X, so dL/dX = scale * dL/dX_world.
        const acc_t gpt[3] = {cache.scale * static_cast<acc_t>(g_ptr[3 * i]),
                              cache.scale * static_cast<acc_t>(g_ptr[3 * i + 1]),
                              cache.scale * static_cast<acc_t>(g_ptr[3 * i + 2])};
        acc_t g[4][4];
        eigenvector_backward(m, vec + 4 * i, gpt, g);
        normal_matrix_backward<acc_t>(
            xi, p, wi, num_views, g, gx_local, gp_block, gw_ptr ? gw_local : nullptr);
        for (int k = 0; k < 2 * num_views; ++k) {
          gx_ptr[i * 2 * num_views + k] = static_cast<scalar_t>(gx_local[k]);
        }
        if (gw_ptr) {
          for (int k = 0; k < num_views; ++k) {
            gw_ptr[i * num_views + k] = static_cast<scalar_t>(gw_local[k]);
          }
        }
      }
    }
  });
}

}  // namespace

FusedForward triangulate_forward_cpu(const at::Tensor& x,
                                     const at::Tensor& proj,
                                     const at::Tensor& weights,
                                     const SolveSettings& settings,
                                     at::ScalarType accumulate,
                                     bool keep_eigenvectors) {
  FusedForward result = allocate_forward(x, accumulate, keep_eigenvectors);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "triangulate_forward_cpu", [&] {
    dispatch_accumulate(accumulate, [&](auto acc_tag) {
      using acc_t = decltype(acc_tag);
      forward_kernel<scalar_t, acc_t>(x, proj, weights, settings, result);
    });
  });
  return result;
}

FusedGrads triangulate_backward_cpu(const at::Tensor& grad_points,
                                    const at::Tensor& x,
                                    const at::Tensor& proj,
                                    const at::Tensor& weights,
                                    const at::Tensor& eigenvector,
                                    const at::Tensor& status,
                                    const SolveSettings& settings,
                                    bool need_x,
                                    bool need_proj,
                                    bool need_weights) {
  TORCH_CHECK(
      x.size(1) <= 64, "triangulate: the CPU backward supports at most 64 views, got ", x.size(1));
  TORCH_CHECK(!(need_proj && settings.normalize_in_kernel),
              "triangulate: internal error: no projection gradient with in-kernel normalisation");
  const int64_t n = x.size(0);
  const int64_t groups = proj.size(0);
  const int64_t blocks_per_group = ((n / std::max<int64_t>(groups, 1)) + kBlock - 1) / kBlock;
  FusedGrads grads;
  // The kernel needs grad_x storage even when the caller does not (it is cheap, [N, V, 2]).
  at::Tensor grad_x = at::empty_like(x);
  at::Tensor grad_w = need_weights && weights.defined() ? at::empty_like(weights) : at::Tensor();
  at::Tensor blocks = need_proj ? at::zeros({groups * blocks_per_group, proj.size(1), 3, 4},
                                            x.options().dtype(eigenvector.scalar_type()))
                                : at::Tensor();
  const at::Tensor grad_c = grad_points.contiguous();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "triangulate_backward_cpu", [&] {
    dispatch_accumulate(eigenvector.scalar_type(), [&](auto acc_tag) {
      using acc_t = decltype(acc_tag);
      backward_kernel<scalar_t, acc_t>(
          grad_c, x, proj, weights, eigenvector, status, settings, grad_x, blocks, grad_w);
    });
  });
  if (need_x) grads.x = grad_x;
  if (need_proj) {
    grads.proj =
        blocks.view({groups, blocks_per_group, proj.size(1), 3, 4}).sum(1).to(x.scalar_type());
  }
  grads.weights = grad_w;
  return grads;
}

}  // namespace mvpose3d::ops::detail
