// The fusion blocks between the encoder and the decoder (Remelli et al., CVPR 2020, §3.2 and the
// ablations; widths in ../shared/reference/paper.md §3; docs/models.md).
//
// Every block maps the encoder features of all views, [B, V, C, h, w], to the decoder inputs of all
// views, [B, V, C, h, w]. 1×1 convolutions throughout (the paper's "1D convolutions"), each
// followed by BatchNorm and ReLU unless said otherwise; weights are shared across views unless said
// otherwise.
//
//   ViewFusion ("fusion")       down C→L per view; concatenate the V latents; 1×1 stack V·L→F→F;
//                               view-specific outputs F→V·L (one channel group per view slot);
//                               up L→C per view. Camera-agnostic: it learns the training rig's
//                               geometry into its weights, so it expects the same V cameras, in
//                               the same slots, at test time.
//   CanonicalFusion ("canonical")
//                               down C→L (= 3K: K points); FTL to the canonical frame (K points of
//                               Dc = 3 or 4); pool the views; 1×1 stack to the fused code p_3D with
//                               F (= Dc·K') channels; FTL back to each view j (K' points of 3);
//                               shared up-projection 3K'→C.
//     pooling concat            the paper: concatenation (V·Dc·K channels) → F → F. V is fixed.
//     pooling mean              symmetric: per-view Dc·K→F, mean over views, F→F. Any number and
//                               order of calibrated views; permuting views with their cameras
//                               permutes the outputs.
//     equivariant               the point sets are mixed only by vector-linear maps (VectorLinear:
//                               the same weights on x, y and z, no bias, no non-linearity, no BN),
//                               so the fused code rotates exactly with the world frame; in mode
//                               projection the fourth (homogeneous) coordinate, invariant under
//                               world rotations, goes through its own ordinary 1×1 stack.
//   view_shortcut               (both) each view's decoder input is its own encoder features plus
//                               the block's output, so a poor fused code cannot break every view.
#pragma once

#include "mvpose3d/models/feature_transform.h"

#include <cstdint>
#include <string>

#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

namespace mvpose3d::models {

using ::mvpose3d::CanonicalPooling;  // model_config.h

// Parses "concat" | "mean"; throws Error listing the names.
CanonicalPooling canonical_pooling_from_string(const std::string& name);

struct FusionOptions {
  FusionOptions(int64_t feature_channels, int64_t num_views)
      : feature_channels_(feature_channels), num_views_(num_views) {}
  TORCH_ARG(int64_t, feature_channels);       // C: encoder output channels
  TORCH_ARG(int64_t, num_views);              // V of the concatenating blocks
  TORCH_ARG(int64_t, latent_channels) = 300;  // L
  TORCH_ARG(int64_t, fused_channels) = 400;   // F
  TORCH_ARG(FtlMode, ftl_mode) = FtlMode::kProjection;
  TORCH_ARG(FtlReshape, ftl_reshape) = FtlReshape::kInterleaved;
  TORCH_ARG(CanonicalPooling, pooling) = CanonicalPooling::kConcat;
  TORCH_ARG(bool, equivariant) = false;
  TORCH_ARG(bool, view_shortcut) = false;
};

// The interface the network calls; ftl is ignored by ViewFusion.
class FusionBlockImpl : public torch::nn::Module {
 public:
  //   features [B, V, C, h, w] -> [B, V, C, h, w]
  virtual torch::Tensor forward(const torch::Tensor& features, const FtlMatrices& ftl) = 0;
};

class ViewFusionImpl : public FusionBlockImpl {
 public:
  explicit ViewFusionImpl(const FusionOptions& options);
  torch::Tensor forward(const torch::Tensor& features, const FtlMatrices& ftl) override;

  torch::nn::Sequential down{nullptr};   // C → L, per view
  torch::nn::Sequential fuse{nullptr};   // V·L → F → F
  torch::nn::Conv2d views_out{nullptr};  // F → V·L, no BN or ReLU
  torch::nn::Sequential up{nullptr};     // L → C, per view

 private:
  FusionOptions options_;
};
TORCH_MODULE(ViewFusion);

// y[n, o, d, ...] = Σ_i weight[o, i] · x[n, i, d, ...]: the same linear map on every coordinate d
// of a set of vectors, no bias (a vector-neuron linear layer; Deng et al., ICCV 2021). Commutes
// with any linear map acting on d, rotations in particular.
class VectorLinearImpl : public torch::nn::Module {
 public:
  VectorLinearImpl(int64_t in_vectors, int64_t out_vectors);
  //   x [N, in, D, H, W] -> [N, out, D, H, W]
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight;  // [out, in], N(0, 1/in)
};
TORCH_MODULE(VectorLinear);

class CanonicalFusionImpl : public FusionBlockImpl {
 public:
  explicit CanonicalFusionImpl(const FusionOptions& options);
  torch::Tensor forward(const torch::Tensor& features, const FtlMatrices& ftl) override;

  // The fused canonical code p_3D alone, from the encoder features.
  //   features [B, V, C, h, w] -> [B, F, h, w]
  torch::Tensor fused_code(const torch::Tensor& features, const FtlMatrices& ftl);

  const FusionOptions& options() const { return options_; }

  torch::nn::Sequential down{nullptr};  // C → L, per view
  // Not equivariant: concat: fuse = V·Dc·K → F → F. mean: pre = Dc·K → F per view, fuse = F → F.
  torch::nn::Sequential pre{nullptr};
  torch::nn::Sequential fuse{nullptr};
  // Equivariant: vectors by vec1 (V·K or K → K') and vec2 (K' → K'); the homogeneous coordinate
  // (projection mode) by pre/fuse above at K channels instead of Dc·K.
  VectorLinear vec1{nullptr}, vec2{nullptr};
  torch::nn::Sequential up{nullptr};  // 3K' → C, per view

 private:
  FusionOptions options_;
  int64_t points_ = 0;        // K
  int64_t fused_points_ = 0;  // K'
};
TORCH_MODULE(CanonicalFusion);

}  // namespace mvpose3d::models
