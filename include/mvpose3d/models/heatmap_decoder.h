// The Simple-Baselines heatmap decoder (Xiao et al., ECCV 2018) and the spatial integration that
// turns heatmaps into 2D joints (the Σ block of Remelli et al., Fig. 2): soft-argmax with an
// inverse temperature β, confidences, and the maps heatmap px → crop px → image px.
//
// Pixel convention (docs/geometry.md): the centre of pixel (column i, row j) is at (u, v) = (i, j);
// a W-pixel-wide image covers u in [−0.5, W − 0.5]. 2D points are (u, v) = (x, y), u to the right.
#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>
#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

namespace mvpose3d::models {

struct HeatmapDecoderOptions {
  HeatmapDecoderOptions(int64_t in_channels, int64_t num_joints)
      : in_channels_(in_channels), num_joints_(num_joints) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, num_joints);
  TORCH_ARG(int64_t, layers) = 3;      // transposed convolutions, each ×2 in resolution
  TORCH_ARG(int64_t, channels) = 256;  // channels of each transposed convolution
  TORCH_ARG(int64_t, kernel) = 4;      // 2, 3 or 4 (padding and output padding as Simple Baselines)
  // 0 = none (Simple Baselines); else a 1×1 conv → BN → ReLU from in_channels to this many channels
  // before the first transposed convolution, which is then reduce_channels·channels·k² weights
  // instead of in_channels·channels·k² (ResNet-152: 2048 → 256 saves 7.3 M of the head's 10.5 M).
  TORCH_ARG(int64_t, reduce_channels) = 0;

 public:
  // Heatmap pixels per input pixel: 2^layers.
  int64_t upsampling() const { return int64_t{1} << layers_; }
};

// [reduce_layer = Conv2d 1×1 → BatchNorm2d → ReLU, only when reduce_channels > 0], then
// deconv_layers = [ConvTranspose2d(k, stride 2, no bias) → BatchNorm2d → ReLU] × layers, then
// final_layer = Conv2d 1×1 (with bias) to J heatmaps. Names as in Simple Baselines' PoseResNet
// ("deconv_layers.0.weight", "deconv_layers.1.running_mean", "final_layer.bias"); initialised as
// there (weights N(0, 0.001), BN 1/0, final bias 0). The reduction is ours (not in the paper or
// Simple Baselines): the lighter head that keeps the paper's configuration within its 251 MB.
class HeatmapDecoderImpl : public torch::nn::Module {
 public:
  explicit HeatmapDecoderImpl(const HeatmapDecoderOptions& options);

  // features [N, C_in, h, w] -> heatmaps [N, J, h·2^layers, w·2^layers] (unnormalised logits)
  torch::Tensor forward(const torch::Tensor& features);

  const HeatmapDecoderOptions& options() const { return options_; }

  torch::nn::Sequential reduce_layer{nullptr};  // registered only when reduce_channels > 0
  torch::nn::Sequential deconv_layers{nullptr};
  torch::nn::Conv2d final_layer{nullptr};

 private:
  HeatmapDecoderOptions options_;
};
TORCH_MODULE(HeatmapDecoder);

struct SoftArgmax {
  at::Tensor coords;      // [..., 2] expected (u, v) in heatmap pixels
  at::Tensor confidence;  // [...] 1 / (1 + spread), spread = RMS distance to coords, heatmap px
};

// Softmax integration (Sun et al., ECCV 2018): p = softmax(β·H) over the h·w pixels, coords =
// Σ p·(u, v). Differentiable. Computed in float32 at least (half inputs are promoted).
// The confidence is 1 for a single-pixel peak and about 1/(1 + 0.4·h) for a flat map.
//   heatmaps [..., h, w] -> coords [..., 2], confidence [...]
SoftArgmax soft_argmax(const at::Tensor& heatmaps, double beta);

// Heatmap pixels → input-crop pixels when an H×W crop was decoded to h×w heatmaps (the same
// resize map as Camera::resize): u_crop = (W / w)·(u + 0.5) − 0.5, v likewise with H / h.
//   coords [..., 2] -> [..., 2]
at::Tensor heatmap_to_crop_px(const at::Tensor& coords,
                              int64_t heatmap_height,
                              int64_t heatmap_width,
                              int64_t crop_height,
                              int64_t crop_width);

// Pixel coordinates of the same points after a from_width×from_height grid is resized to
// to_width×to_height over the same area (the map of Camera::resize): u' = (to_width /
// from_width)·(u + 0.5) − 0.5, v' likewise. heatmap_to_crop_px is one direction; the training
// targets (train::gaussian_heatmaps) use the other, crop px → heatmap px.
//   coords [..., 2] -> [..., 2]
at::Tensor rescale_px(const at::Tensor& coords,
                      int64_t from_height,
                      int64_t from_width,
                      int64_t to_height,
                      int64_t to_width);

// Applies a 2×3 affine map to 2D points: p' = A[:, :2]·p + A[:, 2].
//   points [..., 2]; affine [..., 2, 3] (broadcast against the points' leading dimensions)
//   -> [..., 2]
at::Tensor apply_affine_2d(const at::Tensor& points, const at::Tensor& affine);

}  // namespace mvpose3d::models
