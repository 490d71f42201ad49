// BatchNorm folded into the convolution before it, for inference.
//
// In eval mode a BatchNorm layer is a fixed per-channel affine map of its input,
//   y = γ (x − μ) / sqrt(σ² + ε) + β   with the running statistics μ, σ²,
// so a convolution followed by it is one convolution whose output channels are scaled by
// s = γ / sqrt(σ² + ε) and whose bias is (b − μ) s + β. The folded network computes the same
// function up to rounding with one kernel and one pass over the activations fewer per BN layer
// (155 of ResNet-152's layers are BatchNorm), which is what a batch-1 forward on a GPU spends its
// time on (docs/models.md). The folded weights are computed in float64.
#pragma once

#include <cstdint>

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>

namespace mvpose3d::models {

// conv ← bn ∘ conv, in place (the module object is kept, now with a bias). Throws Error when bn
// keeps no running statistics or has no affine parameters, when its channels are not conv's
// output channels, or for a grouped transposed convolution.
void fold_batchnorm_into(torch::nn::Conv2d& conv, const torch::nn::BatchNorm2d& bn);
void fold_batchnorm_into(torch::nn::ConvTranspose2d& conv, const torch::nn::BatchNorm2d& bn);

// Every Conv2d or ConvTranspose2d directly followed by a BatchNorm2d inside a Sequential of `root`
// (root included, at any depth): the BN folded into the convolution and removed from its
// Sequential, in place (the Sequential's later elements are renumbered, so its state-dict keys
// change). Returns the number of BatchNorm layers folded.
int64_t fold_batchnorm_in_sequentials(torch::nn::Module& root);

}  // namespace mvpose3d::models
