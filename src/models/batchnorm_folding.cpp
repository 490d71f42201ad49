// BatchNorm folding: the per-channel affine map of an eval-mode BN merged into the convolution
// before it (batchnorm_folding.h).
#include "mvpose3d/models/batchnorm_folding.h"

#include "mvpose3d/core/error.h"

#include <memory>
#include <utility>
#include <variant>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/modules/container/sequential.h>

namespace mvpose3d::models {

namespace nn = torch::nn;

namespace {

struct FoldedAffine {
  at::Tensor scale;  // [C] float64: γ / sqrt(σ² + ε)
  at::Tensor shift;  // [C] float64: β − μ·scale (the bias of a bias-free convolution)
};

FoldedAffine batchnorm_affine(const nn::BatchNorm2d& bn, int64_t out_channels) {
  const auto& o = bn->options;
  MVPOSE3D_CHECK(o.track_running_stats() && bn->running_mean.defined() && bn->running_var.defined(),
                 "fold_batchnorm: the BatchNorm layer keeps no running statistics");
  MVPOSE3D_CHECK(o.affine(), "fold_batchnorm: the BatchNorm layer has no affine parameters");
  MVPOSE3D_CHECK(o.num_features() == out_channels,
                 "fold_batchnorm: BatchNorm of {} channels after a convolution of {}",
                 o.num_features(),
                 out_channels);
  const auto var = bn->running_var.to(at::kDouble);
  const auto scale = bn->weight.detach().to(at::kDouble) / (var + o.eps()).sqrt();
  const auto shift = bn->bias.detach().to(at::kDouble) - bn->running_mean.to(at::kDouble) * scale;
  return {scale, shift};
}

// The folded weight and bias in the convolution's dtype and device; the output channels of
// `weight` lie along `out_dim`.
std::pair<at::Tensor, at::Tensor> folded_weights(const at::Tensor& weight,
                                                 const at::Tensor& bias,
                                                 int64_t out_dim,
                                                 const FoldedAffine& affine) {
  const auto scale = affine.scale.to(weight.device());
  std::vector<int64_t> shape(weight.dim(), 1);
  shape[out_dim] = -1;
  const auto w = weight.detach().to(at::kDouble) * scale.view(shape);
  auto b = affine.shift.to(weight.device());
  if (bias.defined()) b = b + bias.detach().to(at::kDouble) * scale;
  return {w.to(weight.scalar_type()), b.to(weight.scalar_type())};
}

// Puts `folded` (the same layer rebuilt with a bias) into the object `conv` holds, so that every
// holder of it (the parent's member, its Sequential, its registered child) sees the folded layer.
template <typename Holder>
void replace_in_place(Holder& conv,
                      Holder folded,
                      const std::pair<at::Tensor, at::Tensor>& weight_bias) {
  folded->train(conv->is_training());
  {
    at::NoGradGuard no_grad;
    folded->weight.set_data(weight_bias.first);
    folded->bias.set_data(weight_bias.second);
  }
  folded->weight.set_requires_grad(conv->weight.requires_grad());
  folded->bias.set_requires_grad(conv->weight.requires_grad());
  *conv.ptr() = *folded.ptr();
}

}  // namespace

void fold_batchnorm_into(nn::Conv2d& conv, const nn::BatchNorm2d& bn) {
  const auto& o = conv->options;
  const auto affine = batchnorm_affine(bn, o.out_channels());
  nn::Conv2d folded(nn::Conv2dOptions(o.in_channels(), o.out_channels(), o.kernel_size())
                        .stride(o.stride())
                        .padding(o.padding())
                        .dilation(o.dilation())
                        .groups(o.groups())
                        .padding_mode(o.padding_mode())
                        .bias(true));
  replace_in_place(conv, folded, folded_weights(conv->weight, conv->bias, 0, affine));
}

void fold_batchnorm_into(nn::ConvTranspose2d& conv, const nn::BatchNorm2d& bn) {
  const auto& o = conv->options;
  MVPOSE3D_CHECK(o.groups() == 1,
                 "fold_batchnorm: grouped transposed convolutions ({} groups) are not supported",
                 o.groups());
  const auto affine = batchnorm_affine(bn, o.out_channels());
  nn::ConvTranspose2d folded(
      nn::ConvTranspose2dOptions(o.in_channels(), o.out_channels(), o.kernel_size())
          .stride(o.stride())
          .padding(std::get<torch::ExpandingArray<2>>(o.padding()))
          .output_padding(o.output_padding())
          .dilation(o.dilation())
          .padding_mode(o.padding_mode())
          .bias(true));
  // The weight is [C_in, C_out, k, k]: the output channels are its second dimension.
  replace_in_place(conv, folded, folded_weights(conv->weight, conv->bias, 1, affine));
}

int64_t fold_batchnorm_in_sequentials(nn::Module& root) {
  int64_t folded = 0;
  for (const auto& module : root.modules(/*include_self=*/true)) {
    auto* seq = module->as<nn::SequentialImpl>();
    if (seq == nullptr) continue;
    const std::vector<nn::AnyModule> elements(seq->begin(), seq->end());
    nn::Sequential kept;  // the elements that remain, BN layers folded away
    kept->train(seq->is_training());
    for (size_t i = 0; i < elements.size(); ++i) {
      kept->push_back(elements[i]);
      if (i + 1 == elements.size()) continue;
      const auto bn_impl = std::dynamic_pointer_cast<nn::BatchNorm2dImpl>(elements[i + 1].ptr());
      if (!bn_impl) continue;
      const nn::BatchNorm2d bn(bn_impl);
      if (auto conv_impl = std::dynamic_pointer_cast<nn::Conv2dImpl>(elements[i].ptr())) {
        nn::Conv2d conv(conv_impl);
        fold_batchnorm_into(conv, bn);
      } else if (auto deconv_impl =
                     std::dynamic_pointer_cast<nn::ConvTranspose2dImpl>(elements[i].ptr())) {
        nn::ConvTranspose2d deconv(deconv_impl);
        fold_batchnorm_into(deconv, bn);
      } else {
        continue;  // a BN after something else stays
      }
      ++i;  // skip the BN
      ++folded;
    }
    if (kept->size() != seq->size()) *seq = *kept;
  }
  return folded;
}

}  // namespace mvpose3d::models
