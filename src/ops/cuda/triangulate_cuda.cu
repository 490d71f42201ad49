// CUDA kernels of the fused triangulation. A first tiny kernel prepares each group's matrices once
// (normalised when they are constants). Then threads map to points (one thread, one point); a
// block (up to 256 threads, fewer warps for small groups) handles points of one group only, so that
// the group's prepared matrices are read once per block into shared memory, and the block's
// projection-matrix gradient has a single owner. The per-point math is ops/triangulate_math.h,
// shared with the CPU loop.
#include "mvpose3d/config.h"

#include <algorithm>

#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>

#include "ops/triangulate_kernels.h"

namespace mvpose3d::ops::detail {

namespace {

constexpr int kThreads = 256;  // the most threads per block
constexpr int kMaxViews = 32;

// Threads per block for groups of `per_group` points: kThreads, or fewer whole warps when a group
// is smaller. A block never spans two groups, so with one camera set per frame (17 joints per
// group) 256-thread blocks would leave 239 threads idle; 32-thread blocks leave 15.
int threads_per_block(int64_t per_group) {
  const int64_t warps = std::max<int64_t>(1, (per_group + 31) / 32);
  return static_cast<int>(std::min<int64_t>(kThreads, warps * 32));
}

// One group's matrices in accumulation precision followed by its frame (centre x, y, z, scale):
// 12 V + 4 values, made once per call by prepare_groups_kernel and staged per block in shared
// memory.
template <typename scalar_t, typename acc_t>
__global__ void prepare_groups_kernel(const scalar_t* __restrict__ proj,
                                      int64_t groups,
                                      int num_views,
                                      bool normalize,
                                      acc_t* __restrict__ out) {
  const int64_t group = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (group >= groups) return;
  const int stride = 12 * num_views + 4;
  const scalar_t* src = proj + group * 12 * num_views;
  acc_t* dst = out + group * stride;
  if (normalize) {
    normalize_projections<acc_t>(
        src, num_views, dst, dst + 12 * num_views, dst + 12 * num_views + 3);
  } else {
    for (int k = 0; k < 12 * num_views; ++k) dst[k] = static_cast<acc_t>(src[k]);
    dst[12 * num_views] = dst[12 * num_views + 1] = dst[12 * num_views + 2] = acc_t(0);
    dst[12 * num_views + 3] = acc_t(1);
  }
}

template <typename acc_t>
struct SharedGroup {
  acc_t* proj;   // [V, 3, 4]
  acc_t* frame;  // centre x, y, z, scale
};

template <typename acc_t>
__device__ SharedGroup<acc_t> load_group(const acc_t* __restrict__ prepared,
                                         int64_t group,
                                         int num_views,
                                         unsigned char* smem) {
  SharedGroup<acc_t> g;
  g.proj = reinterpret_cast<acc_t*>(smem);
  g.frame = g.proj + 12 * num_views;
  const int stride = 12 * num_views + 4;
  for (int k = threadIdx.x; k < stride; k += blockDim.x) g.proj[k] = prepared[group * stride + k];
  __syncthreads();
  return g;
}

template <typename acc_t>
__host__ __device__ size_t group_bytes(int num_views) {
  return ((12 * num_views + 4) * sizeof(acc_t) + 15) / 16 * 16;
}

template <typename scalar_t, typename acc_t>
at::Tensor prepare_groups(const at::Tensor& proj,
                          bool normalize,
                          at::ScalarType accumulate,
                          cudaStream_t stream) {
  const int64_t groups = proj.size(0);
  const int num_views = static_cast<int>(proj.size(1));
  at::Tensor out = at::empty({groups, 12 * num_views + 4}, proj.options().dtype(accumulate));
  constexpr int kPrepareThreads = 64;
  prepare_groups_kernel<scalar_t, acc_t>
      <<<(groups + kPrepareThreads - 1) / kPrepareThreads, kPrepareThreads, 0, stream>>>(
          proj.data_ptr<scalar_t>(), groups, num_views, normalize, out.data_ptr<acc_t>());
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  return out;
}

template <typename scalar_t, typename acc_t>
__global__ void forward_kernel(const scalar_t* __restrict__ x,
                               const acc_t* __restrict__ prepared,
                               const scalar_t* __restrict__ w,
                               int64_t per_group,
                               int64_t blocks_per_group,
                               int num_views,
                               SolveSettings settings,
                               scalar_t* __restrict__ out,
                               acc_t* __restrict__ vec,
                               uint8_t* __restrict__ status,
                               bool* __restrict__ valid) {
  extern __shared__ unsigned char smem_raw[];
  const int64_t group = blockIdx.x / blocks_per_group;
  const int64_t local = (blockIdx.x % blocks_per_group) * blockDim.x + threadIdx.x;
  const SharedGroup<acc_t> g = load_group<acc_t>(prepared, group, num_views, smem_raw);
  if (local >= per_group) return;
  const int64_t i = group * per_group + local;
  Sym4<acc_t> m;
  bool finite = true;
  const int used = accumulate_normal_matrix<acc_t>(
      x + i * 2 * num_views, g.proj, w ? w + i * num_views : nullptr, num_views, m, &finite);
  acc_t v[4] = {0, 0, 0, 1};
  uint8_t code = kValid;
  if (!finite) {
    code = kNonFinite;
  } else if (used < 2) {
    code = kTooFewViews;
  } else if (!fast_smallest_eigenvector<kFastIterations>(
                 m.m,
                 static_cast<acc_t>(settings.angle_tolerance),
                 static_cast<acc_t>(settings.degenerate_det),
                 static_cast<acc_t>(settings.max_distance),
                 v)) {
    acc_t lambda = 0;
    int iterations = 0;
    code = smallest_eigenvector(m, settings, v, &lambda, &iterations);
  }
  status[i] = code;
  valid[i] = code == kValid;
  if (vec) {
    for (int k = 0; k < 4; ++k) vec[4 * i + k] = code == kValid ? v[k] : acc_t(0);
  }
  const acc_t inv_w = code == kValid ? g.frame[3] / v[3] : acc_t(0);
  for (int k = 0; k < 3; ++k) {
    out[3 * i + k] =
        code == kValid ? static_cast<scalar_t>(g.frame[k] + v[k] * inv_w) : scalar_t(0);
  }
}

template <typename acc_t>
__device__ acc_t warp_sum(acc_t value) {
  for (int offset = 16; offset > 0; offset /= 2)
    value += __shfl_down_sync(0xffffffffu, value, offset);
  return value;
}

template <typename scalar_t, typename acc_t>
__global__ void backward_kernel(const scalar_t* __restrict__ grad_points,
                                const scalar_t* __restrict__ x,
                                const acc_t* __restrict__ prepared,
                                const scalar_t* __restrict__ w,
                                const acc_t* __restrict__ vec,
                                const uint8_t* __restrict__ status,
                                int64_t per_group,
                                int64_t blocks_per_group,
                                int num_views,
                                scalar_t* __restrict__ grad_x,
                                acc_t* __restrict__ grad_proj_blocks,
                                scalar_t* __restrict__ grad_w) {
  extern __shared__ unsigned char smem_raw[];
  const SharedGroup<acc_t> g =
      load_group<acc_t>(prepared, blockIdx.x / blocks_per_group, num_views, smem_raw);
  // Per-warp partial sums of the projection gradient, [warps, V * 12], after the group.
  acc_t* warp_partials = reinterpret_cast<acc_t*>(smem_raw + group_bytes<acc_t>(num_views));
  const int64_t group = blockIdx.x / blocks_per_group;
  const int64_t local = (blockIdx.x % blocks_per_group) * blockDim.x + threadIdx.x;
  const bool active = local < per_group;
  const int64_t i = group * per_group + local;
  const bool ok = active && status[i] == kValid;

  acc_t gx_local[2 * kMaxViews];
  acc_t gp_local[12 * kMaxViews];
  acc_t gw_local[kMaxViews];
  const bool need_proj = grad_proj_blocks != nullptr;
  if (need_proj) {
    for (int k = 0; k < 12 * num_views; ++k) gp_local[k] = acc_t(0);
  }
  if (ok) {
    const scalar_t* xi = x + i * 2 * num_views;
    const scalar_t* wi = w ? w + i * num_views : nullptr;
    Sym4<acc_t> m;
    bool finite = true;
    accumulate_normal_matrix<acc_t>(xi, g.proj, wi, num_views, m, &finite);
    // X_world = centre + scale * X, so dL/dX = scale * dL/dX_world.
    const acc_t s = g.frame[3];
    const acc_t gpt[3] = {s * static_cast<acc_t>(grad_points[3 * i]),
                          s * static_cast<acc_t>(grad_points[3 * i + 1]),
                          s * static_cast<acc_t>(grad_points[3 * i + 2])};
    acc_t gm[4][4];
    eigenvector_backward(m, vec + 4 * i, gpt, gm);
    normal_matrix_backward<acc_t>(xi,
                                  g.proj,
                                  wi,
                                  num_views,
                                  gm,
                                  gx_local,
                                  need_proj ? gp_local : nullptr,
                                  grad_w ? gw_local : nullptr);
  }
  if (active) {
    for (int k = 0; k < 2 * num_views; ++k) {
      grad_x[i * 2 * num_views + k] = ok ? static_cast<scalar_t>(gx_local[k]) : scalar_t(0);
    }
    if (grad_w) {
      for (int k = 0; k < num_views; ++k)
        grad_w[i * num_views + k] = ok ? static_cast<scalar_t>(gw_local[k]) : scalar_t(0);
    }
  }
  if (grad_proj_blocks == nullptr) return;
  // Deterministic block reduction: warp shuffles, then the warps summed in a fixed order.
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
  for (int k = 0; k < 12 * num_views; ++k) {
    const acc_t sum = warp_sum(gp_local[k]);
    if (lane == 0) warp_partials[warp * 12 * num_views + k] = sum;
  }
  __syncthreads();
  for (int k = threadIdx.x; k < 12 * num_views; k += blockDim.x) {
    acc_t sum = acc_t(0);
    for (int q = 0; q < warps; ++q) sum += warp_partials[q * 12 * num_views + k];
    grad_proj_blocks[blockIdx.x * 12 * num_views + k] = sum;
  }
}

void check_inputs(const FusedInputs& inputs) {
  const at::Tensor& x = inputs.x;
  const at::Tensor& weights = inputs.weights;
  TORCH_CHECK(x.is_cuda() && inputs.proj.is_cuda() && (!weights.defined() || weights.is_cuda()),
              "triangulate: all inputs must be on the same CUDA device");
  TORCH_CHECK(inputs.proj.get_device() == x.get_device() &&
                  (!weights.defined() || weights.get_device() == x.get_device()),
              "triangulate: inputs are on different CUDA devices");
  TORCH_CHECK(x.size(1) <= kMaxViews,
              "triangulate: the CUDA kernels support at most ",
              kMaxViews,
              " views, got ",
              x.size(1));
}

// The launch shape of both kernels: blocks of `threads` points inside one group.
struct Launch {
  int threads;
  int64_t blocks_per_group;
  int64_t blocks;

  explicit Launch(const FusedInputs& inputs)
      : threads(threads_per_block(inputs.points_per_group())),
        blocks_per_group((inputs.points_per_group() + threads - 1) / threads),
        blocks(inputs.num_groups() * blocks_per_group) {}
};

}  // namespace

FusedForward triangulate_forward_cuda(const ForwardParams& params) {
  check_inputs(params);
  const at::Tensor& x = params.x;
  const at::Tensor& weights = params.weights;
  const c10::cuda::CUDAGuard guard(x.device());
  FusedForward result = allocate_forward(params);
  if (x.size(0) == 0) return result;
  const Launch launch(params);
  cudaStream_t stream = at::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "triangulate_forward_cuda", [&] {
    dispatch_accumulate(params.accumulate, [&](auto acc_tag) {
      using acc_t = decltype(acc_tag);
      const at::Tensor prepared = prepare_groups<scalar_t, acc_t>(
          params.proj, params.settings.normalize_in_kernel, params.accumulate, stream);
      forward_kernel<scalar_t, acc_t>
          <<<launch.blocks, launch.threads, group_bytes<acc_t>(params.num_views()), stream>>>(
              x.data_ptr<scalar_t>(),
              prepared.data_ptr<acc_t>(),
              weights.defined() ? weights.data_ptr<scalar_t>() : nullptr,
              params.points_per_group(),
              launch.blocks_per_group,
              params.num_views(),
              params.settings,
              result.points.data_ptr<scalar_t>(),
              params.keep_eigenvectors ? result.eigenvector.data_ptr<acc_t>() : nullptr,
              result.status.data_ptr<uint8_t>(),
              result.valid.data_ptr<bool>());
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    });
  });
  return result;
}

FusedGrads triangulate_backward_cuda(const BackwardParams& params) {
  check_inputs(params);
  TORCH_CHECK(!(params.need_proj && params.settings.normalize_in_kernel),
              "triangulate: internal error: no projection gradient with in-kernel normalisation");
  const at::Tensor& x = params.x;
  const at::Tensor& weights = params.weights;
  const at::Tensor& eigenvector = params.eigenvector;
  const c10::cuda::CUDAGuard guard(x.device());
  const Launch launch(params);
  const int num_views = params.num_views();
  FusedGrads grads;
  at::Tensor grad_x = at::empty_like(x);
  at::Tensor grad_w =
      params.need_weights && weights.defined() ? at::empty_like(weights) : at::Tensor();
  at::Tensor blocks = params.need_proj ? at::empty({launch.blocks, num_views, 3, 4},
                                                   x.options().dtype(eigenvector.scalar_type()))
                                       : at::Tensor();
  const at::Tensor grad_c = params.grad_points.contiguous();
  if (params.num_points() > 0) {
    cudaStream_t stream = at::cuda::getCurrentCUDAStream();
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "triangulate_backward_cuda", [&] {
      dispatch_accumulate(eigenvector.scalar_type(), [&](auto acc_tag) {
        using acc_t = decltype(acc_tag);
        const size_t smem =
            group_bytes<acc_t>(num_views) + (launch.threads / 32) * 12 * num_views * sizeof(acc_t);
        const at::Tensor prepared = prepare_groups<scalar_t, acc_t>(
            params.proj, params.settings.normalize_in_kernel, eigenvector.scalar_type(), stream);
        backward_kernel<scalar_t, acc_t><<<launch.blocks, launch.threads, smem, stream>>>(
            grad_c.data_ptr<scalar_t>(),
            x.data_ptr<scalar_t>(),
            prepared.data_ptr<acc_t>(),
            weights.defined() ? weights.data_ptr<scalar_t>() : nullptr,
            eigenvector.data_ptr<acc_t>(),
            params.status.data_ptr<uint8_t>(),
            params.points_per_group(),
            launch.blocks_per_group,
            num_views,
            grad_x.data_ptr<scalar_t>(),
            blocks.defined() ? blocks.data_ptr<acc_t>() : nullptr,
            grad_w.defined() ? grad_w.data_ptr<scalar_t>() : nullptr);
        C10_CUDA_KERNEL_LAUNCH_CHECK();
      });
    });
  }
  if (params.need_x) grads.x = grad_x;
  if (params.need_proj) {
    grads.proj = blocks.view({params.num_groups(), launch.blocks_per_group, num_views, 3, 4})
                     .sum(1)
                     .to(x.scalar_type());
  }
  grads.weights = grad_w;
  return grads;
}

}  // namespace mvpose3d::ops::detail
