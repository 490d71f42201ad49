#include "mvpose3d/train/losses.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/models/heatmap_decoder.h"

#include <algorithm>

#include <ATen/ATen.h>

namespace mvpose3d::train {

namespace {

at::Tensor coordinate_loss(Loss2d type, const at::Tensor& pred, const at::Tensor& gt) {
  if (type == Loss2d::kL1) return at::l1_loss(pred, gt);
  if (type == Loss2d::kMse) return at::mse_loss(pred, gt);
  if (type == Loss2d::kSmoothL1) {
    // Huber in pixels: quadratic within 1 px, so small errors still get a useful gradient.
    return at::smooth_l1_loss(pred, gt, at::Reduction::Mean, /*beta=*/1.0);
  }
  throw Error("train.loss.loss_2d: unknown 2D loss '" + to_string(type) +
              "' (known: l1, mse, smooth_l1, heatmap_mse)");
}

at::Tensor loss_2d(const models::PoseOutput& output,
                   const MultiviewBatch& batch,
                   const LossConfig& config) {
  const at::Tensor gt = batch.joints_2d_px.to(output.joints2d_crop_px.scalar_type());  // [B,V,J,2]
  if (config.loss_2d != Loss2d::kHeatmapMse) {
    return coordinate_loss(config.loss_2d, output.joints2d_crop_px, gt);
  }
  const int64_t h = output.heatmaps.size(-2), w = output.heatmaps.size(-1);
  const double sigma = std::max(1.0, static_cast<double>(w) / 32.0);
  const at::Tensor target =
      gaussian_heatmaps(gt, batch.images.size(-1), h, w, sigma).to(output.heatmaps.scalar_type());
  return at::mse_loss(output.heatmaps, target);
}

at::Tensor loss_3d(const models::PoseOutput& output,
                   const MultiviewBatch& batch,
                   const LossConfig& config) {
  MVPOSE3D_CHECK(output.joints3d_mm.defined(),
                 "train.loss.loss_3d = {} needs triangulated joints: the model returned none "
                 "(fewer than 2 views?)",
                 to_string(config.loss_3d));
  const at::Tensor gt = batch.joints_world_mm.to(output.joints3d_mm.scalar_type());  // [B, J, 3]
  const at::Tensor valid = output.joints3d_valid.to(gt.scalar_type());               // [B, J]
  const at::Tensor count = valid.sum().clamp_min(1.0);
  const at::Tensor diff = output.joints3d_mm - gt;
  if (config.loss_3d == Loss3d::kMpjpe) {
    // The norm's gradient is undefined at 0: keep it away with a tiny epsilon under the root.
    const at::Tensor error = (diff.square().sum(-1) + 1e-9).sqrt();  // [B, J]
    return (error * valid).sum() / count;
  }
  MVPOSE3D_CHECK(config.loss_3d == Loss3d::kL1,
                 "train.loss.loss_3d: unknown 3D loss '{}' (known: mpjpe, l1, none)",
                 to_string(config.loss_3d));
  return (diff.abs().sum(-1) * valid).sum() / (3.0 * count);
}

}  // namespace

bool uses_3d_loss(const LossConfig& config, std::int64_t step) {
  return config.loss_3d != Loss3d::kNone && config.weight_3d > 0 && step >= config.warmup_2d_steps;
}

LossTerms compute_losses(const models::PoseOutput& output,
                         const MultiviewBatch& batch,
                         const LossConfig& config,
                         std::int64_t step) {
  LossTerms out;
  const at::Tensor l2d = loss_2d(output, batch, config);
  out.terms["loss_2d"] = l2d.detach();
  out.total = config.weight_2d * l2d;
  if (uses_3d_loss(config, step)) {
    const at::Tensor l3d = loss_3d(output, batch, config);
    out.terms["loss_3d"] = l3d.detach();
    out.total = out.total + config.weight_3d * l3d;
  }
  return out;
}

at::Tensor gaussian_heatmaps(const at::Tensor& joints_crop_px,
                             int64_t crop_size_px,
                             int64_t heatmap_height,
                             int64_t heatmap_width,
                             double sigma) {
  // Crop px → heatmap px, the inverse of models::heatmap_to_crop_px.
  const at::Tensor joints_heatmap_px = models::rescale_px(
      joints_crop_px, crop_size_px, crop_size_px, heatmap_height, heatmap_width);  // [..., 2]
  const auto opts = joints_crop_px.options();
  const at::Tensor u = joints_heatmap_px.select(-1, 0).unsqueeze(-1);  // [..., 1]
  const at::Tensor v = joints_heatmap_px.select(-1, 1).unsqueeze(-1);
  const at::Tensor xs = at::arange(heatmap_width, opts);                   // [w]
  const at::Tensor ys = at::arange(heatmap_height, opts);                  // [h]
  const at::Tensor gx = (-(xs - u).square() / (2 * sigma * sigma)).exp();  // [..., w]
  const at::Tensor gy = (-(ys - v).square() / (2 * sigma * sigma)).exp();  // [..., h]
  return gy.unsqueeze(-1) * gx.unsqueeze(-2);                              // [..., h, w]
}

}  // namespace mvpose3d::train
