// The heatmap decoder, soft-argmax and the pixel maps heatmap px -> crop px -> image px.
#include "mvpose3d/models/heatmap_decoder.h"

#include "mvpose3d/core/error.h"

#include <ATen/ATen.h>
#include <torch/nn/init.h>
#include <torch/nn/modules/batchnorm.h>

#include "models/conv_blocks.h"
#include "models/shape_text.h"

namespace mvpose3d::models {

namespace nn = torch::nn;

HeatmapDecoderImpl::HeatmapDecoderImpl(const HeatmapDecoderOptions& options) : options_(options) {
  const auto& o = options_;
  MVPOSE3D_CHECK(o.in_channels() > 0 && o.num_joints() > 0 && o.channels() > 0 && o.layers() >= 0,
                 "HeatmapDecoder: channels, joints and layers must be positive");
  MVPOSE3D_CHECK(o.reduce_channels() >= 0,
                 "HeatmapDecoder: reduce_channels must be 0 (none) or positive, got {}",
                 o.reduce_channels());
  int64_t padding = 0, output_padding = 0;
  switch (o.kernel()) {  // Simple Baselines' _get_deconv_cfg: exact ×2 upsampling
    case 4:
      padding = 1;
      output_padding = 0;
      break;
    case 3:
      padding = 1;
      output_padding = 1;
      break;
    case 2:
      padding = 0;
      output_padding = 0;
      break;
    default:
      throw Error(fmt::format("HeatmapDecoder: kernel {} is not one of 2, 3, 4", o.kernel()));
  }
  int64_t in = o.in_channels();
  if (o.reduce_channels() > 0) {
    reduce_layer = register_module("reduce_layer", conv_bn_relu(in, o.reduce_channels()));
    in = o.reduce_channels();
  }
  deconv_layers = nn::Sequential();
  for (int64_t i = 0; i < o.layers(); ++i) {
    deconv_layers->push_back(
        nn::ConvTranspose2d(nn::ConvTranspose2dOptions(in, o.channels(), o.kernel())
                                .stride(2)
                                .padding(padding)
                                .output_padding(output_padding)
                                .bias(false)));
    deconv_layers->push_back(SyncableBatchNorm2d(o.channels()));
    deconv_layers->push_back(nn::ReLU(nn::ReLUOptions(true)));
    in = o.channels();
  }
  register_module("deconv_layers", deconv_layers);
  final_layer = register_module("final_layer", conv1x1(in, o.num_joints(), true));
  torch::NoGradGuard no_grad;
  for (auto& m : modules(/*include_self=*/false)) {
    if (auto* d = m->as<nn::ConvTranspose2d>()) {
      nn::init::normal_(d->weight, 0.0, 0.001);
    } else if (auto* bn = m->as<nn::BatchNorm2d>()) {
      nn::init::ones_(bn->weight);
      nn::init::zeros_(bn->bias);
    }
  }
  nn::init::normal_(final_layer->weight, 0.0, 0.001);
  nn::init::zeros_(final_layer->bias);
}

torch::Tensor HeatmapDecoderImpl::forward(const torch::Tensor& features) {
  MVPOSE3D_CHECK(features.dim() == 4 && features.size(1) == options_.in_channels(),
                 "HeatmapDecoder: features must be [N, {}, h, w], got {}",
                 options_.in_channels(),
                 shape_of(features));
  auto x = reduce_layer ? reduce_layer->forward(features) : features;
  if (options_.layers() > 0) x = deconv_layers->forward(x);
  return final_layer(x);
}

// --- Soft-argmax and coordinate maps -------------------------------------------------------------

SoftArgmax soft_argmax(const at::Tensor& heatmaps, double beta) {
  MVPOSE3D_CHECK(heatmaps.dim() >= 2 && heatmaps.size(-1) > 0 && heatmaps.size(-2) > 0,
                 "soft_argmax: heatmaps must be [..., h, w], got {}",
                 shape_of(heatmaps));
  // Reduced precision is promoted: exp over h·w pixels and the coordinate sums need float32.
  const auto h = heatmaps.scalar_type() == at::kDouble ? heatmaps : heatmaps.to(at::kFloat);
  const int64_t rows = h.size(-2), cols = h.size(-1);
  const auto p = at::softmax(h.flatten(-2) * beta, -1).view(h.sizes());  // [..., h, w]
  const auto px = p.sum(-2);                                             // [..., w]
  const auto py = p.sum(-1);                                             // [..., h]
  const auto u = at::arange(cols, h.options());
  const auto v = at::arange(rows, h.options());
  const auto x = (px * u).sum(-1);  // [...]
  const auto y = (py * v).sum(-1);
  // Spread: sqrt(E|q − mean|²), with E[u²] − E[u]² (no cancellation problem at these sizes).
  const auto var = ((px * u * u).sum(-1) - x * x + (py * v * v).sum(-1) - y * y).clamp_min(1e-12);
  SoftArgmax out;
  out.coords = at::stack({x, y}, -1);
  out.confidence = 1.0 / (1.0 + var.sqrt());
  return out;
}

at::Tensor heatmap_to_crop_px(const at::Tensor& coords,
                              int64_t heatmap_height,
                              int64_t heatmap_width,
                              int64_t crop_height,
                              int64_t crop_width) {
  MVPOSE3D_CHECK(coords.dim() >= 1 && coords.size(-1) == 2,
                 "heatmap_to_crop_px: coords must be [..., 2], got {}",
                 shape_of(coords));
  return rescale_px(coords, heatmap_height, heatmap_width, crop_height, crop_width);
}

at::Tensor rescale_px(const at::Tensor& coords,
                      int64_t from_height,
                      int64_t from_width,
                      int64_t to_height,
                      int64_t to_width) {
  const auto scale = at::tensor(
      {static_cast<double>(to_width) / from_width, static_cast<double>(to_height) / from_height},
      coords.options());
  return (coords + 0.5) * scale - 0.5;
}

at::Tensor apply_affine_2d(const at::Tensor& points, const at::Tensor& affine) {
  MVPOSE3D_CHECK(points.dim() >= 1 && points.size(-1) == 2,
                 "apply_affine_2d: points must be [..., 2], got {}",
                 shape_of(points));
  MVPOSE3D_CHECK(affine.dim() >= 2 && affine.size(-2) == 2 && affine.size(-1) == 3,
                 "apply_affine_2d: affine must be [..., 2, 3], got {}",
                 shape_of(affine));
  const auto a = affine.to(points.dtype());
  const auto linear = a.narrow(-1, 0, 2);  // [..., 2, 2]
  const auto shift = a.select(-1, 2);      // [..., 2]
  return at::matmul(linear, points.unsqueeze(-1)).squeeze(-1) + shift;
}

}  // namespace mvpose3d::models
