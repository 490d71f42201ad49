// The maths is that of PyTorch's SyncBatchNorm (torch/nn/modules/_functions.py), with the
// statistics accumulated in double as ATen's CPU BatchNorm does. ATen's fused kernels for it
// (batch_norm_gather_stats_with_counts, batch_norm_backward_reduce, batch_norm_backward_elemt)
// exist for CUDA only; these few reductions serve every device.
#include "sync_batch_norm.h"

#include "mvpose3d/core/error.h"

#include <cstdint>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/nn/module.h>

namespace mvpose3d::distributed {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// [C] per channel of [N, C, H, W] (any trailing dimensions).
at::Tensor per_channel_sum(const at::Tensor& x) {
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  return x.sum(dims);
}

// [1, C, 1, 1]-shaped view of a per-channel [C] tensor for an input of x.dim() dimensions.
at::Tensor channel_view(const at::Tensor& c, const at::Tensor& x) {
  std::vector<int64_t> shape(static_cast<std::size_t>(x.dim()), 1);
  shape[1] = c.size(0);
  return c.view(shape);
}

// The job travels through the autograd context as an integer (saved_data holds IValues only);
// the GlobalBatchStatistics that owns it outlives every forward and backward pass.
std::int64_t as_integer(DistributedContext* job) {
  return static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(job));
}
DistributedContext* as_job(std::int64_t value) {
  return reinterpret_cast<DistributedContext*>(static_cast<std::intptr_t>(value));
}

struct SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction> {
  // mean, invstd [C] (double) are the global batch's; weight, bias [C].
  static at::Tensor forward(AutogradContext* ctx,
                            const at::Tensor& input,
                            const at::Tensor& weight,
                            const at::Tensor& bias,
                            const at::Tensor& mean,
                            const at::Tensor& invstd,
                            double global_count,
                            std::int64_t job) {
    ctx->save_for_backward({input, weight, mean, invstd});
    ctx->saved_data["count"] = global_count;
    ctx->saved_data["job"] = job;
    const at::Tensor scale = (invstd * weight.to(at::kDouble)).to(input.scalar_type());  // [C]
    const at::Tensor shift =
        (bias.to(at::kDouble) - mean * invstd * weight.to(at::kDouble)).to(input.scalar_type());
    return input * channel_view(scale, input) + channel_view(shift, input);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& input = saved[0];
    const at::Tensor& weight = saved[1];
    const at::Tensor& mean = saved[2];    // [C] double
    const at::Tensor& invstd = saved[3];  // [C] double
    const double count = ctx->saved_data["count"].toDouble();
    DistributedContext* job = as_job(ctx->saved_data["job"].toInt());
    const at::Tensor dy = grads[0].contiguous();

    const at::Tensor xmu = input.to(at::kDouble) - channel_view(mean, input);  // [N, C, H, W]
    const at::Tensor sum_dy_local = per_channel_sum(dy.to(at::kDouble));       // [C]
    const at::Tensor sum_dy_xmu_local = per_channel_sum(dy.to(at::kDouble) * xmu);
    // The input gradient needs both sums over the global batch; weight and bias take this
    // rank's (DataParallel averages them with the other gradients, as DDP does).
    at::Tensor sums = at::stack({sum_dy_local, sum_dy_xmu_local});  // [2, C]
    job->all_reduce_sum(sums, "the BatchNorm gradient sums");
    const at::Tensor mean_dy = sums[0] / count, mean_dy_xmu = sums[1] / count;
    const at::Tensor w = weight.to(at::kDouble);
    const at::Tensor grad_input = ((dy.to(at::kDouble) - channel_view(mean_dy, input) -
                                    xmu * channel_view(invstd * invstd * mean_dy_xmu, input)) *
                                   channel_view(invstd * w, input))
                                      .to(input.scalar_type());
    const at::Tensor grad_weight = (sum_dy_xmu_local * invstd).to(weight.scalar_type());
    const at::Tensor grad_bias = sum_dy_local.to(weight.scalar_type());
    return {
        grad_input, grad_weight, grad_bias, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor GlobalBatchStatistics::forward(const at::Tensor& input, torch::nn::BatchNorm2dImpl& bn) {
  MVPOSE3D_CHECK(bn.options.affine() && bn.options.track_running_stats(),
                 "synchronised BatchNorm needs affine layers with running statistics");
  // Per-channel count, sum and sum of squares of this rank's share, then of the global batch.
  const at::Tensor x = input.detach().to(at::kDouble);
  const double local_count =
      static_cast<double>(input.numel() / std::max<int64_t>(1, input.size(1)));
  at::Tensor sums = at::stack({per_channel_sum(x),
                               per_channel_sum(x * x),
                               at::full({input.size(1)}, local_count, x.options())});  // [3, C]
  job_->all_reduce_sum(sums, "the BatchNorm statistics");
  const double count = sums[2][0].item<double>();
  MVPOSE3D_CHECK(count > 1, "synchronised BatchNorm of one value per channel over the whole job");
  const at::Tensor mean = sums[0] / count;                                   // [C]
  const at::Tensor variance = (sums[1] / count - mean * mean).clamp_min(0);  // biased
  const at::Tensor invstd = (variance + bn.options.eps()).rsqrt();
  {
    // The running statistics as torch::nn::BatchNorm2d updates them (unbiased variance).
    at::NoGradGuard no_grad;
    bn.num_batches_tracked += 1;
    const double momentum = bn.options.momentum().has_value()
                                ? *bn.options.momentum()
                                : 1.0 / bn.num_batches_tracked.item<double>();
    bn.running_mean.mul_(1 - momentum).add_(mean.to(bn.running_mean.scalar_type()), momentum);
    bn.running_var.mul_(1 - momentum)
        .add_((variance * count / (count - 1)).to(bn.running_var.scalar_type()), momentum);
  }
  return SyncBatchNormFunction::apply(
      input, bn.weight, bn.bias, mean, invstd, count, as_integer(job_.get()));
}

int synchronise_batchnorm(torch::nn::Module& model,
                          const std::shared_ptr<DistributedContext>& job) {
  const auto statistics = std::make_shared<GlobalBatchStatistics>(job);
  int synchronised = 0, others = 0;
  for (const auto& module : model.modules(/*include_self=*/false)) {
    if (auto* bn = dynamic_cast<models::SyncableBatchNorm2dImpl*>(module.get())) {
      bn->set_statistics(statistics);
      ++synchronised;
    } else if (dynamic_cast<torch::nn::BatchNorm2dImpl*>(module.get()) != nullptr) {
      ++others;
    }
  }
  MVPOSE3D_CHECK(others == 0,
                 "train.distributed.sync_batchnorm: {} BatchNorm layers of the model are not "
                 "models::SyncableBatchNorm2d and would stay per process",
                 others);
  return synchronised;
}

}  // namespace mvpose3d::distributed
