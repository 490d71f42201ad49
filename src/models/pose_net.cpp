// The multi-view network and its factory (its checkpoints: state_dict.cpp).
#include "mvpose3d/models/pose_net.h"

#include "mvpose3d/config/rules.h"
#include "mvpose3d/config/run_config.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/geometry/camera_batch.h"
#include "mvpose3d/geometry/skeleton.h"
#include "mvpose3d/models/autocast.h"
#include "mvpose3d/models/batchnorm_folding.h"

#include <algorithm>

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

namespace mvpose3d::models {

namespace {

std::string shape_of(const at::Tensor& t) {
  return t.defined() ? fmt::format("[{}]", fmt::join(t.sizes(), ", ")) : "undefined";
}

// model.triangulation's solver as the ops' method (ops sees no config).
ops::TriangulationMethod triangulation_method(DltSolver solver) {
  switch (solver) {
    case DltSolver::kFused:
      return ops::TriangulationMethod::kFused;
    case DltSolver::kSvd:
      return ops::TriangulationMethod::kSvd;
    case DltSolver::kSii:
      return ops::TriangulationMethod::kSii;
  }
  throw Error(fmt::format("model.triangulation: unknown solver {}", static_cast<int>(solver)));
}

}  // namespace

// --- The network
// --------------------------------------------------------------------------------------

MultiViewPoseNetImpl::MultiViewPoseNetImpl(const PoseNetOptions& options) : options_(options) {
  const ModelConfig& c = options_.config;
  MVPOSE3D_CHECK(options_.num_joints > 0, "the network needs at least one joint");
  MVPOSE3D_CHECK(options_.num_views > 0, "the network needs at least one view");
  // The config's rules (rules.h), for configs built in code without validate().
  const std::vector<RuleViolation> broken = model_rule_violations(c);
  MVPOSE3D_CHECK(broken.empty(), "{}", broken.empty() ? "" : broken.front().message);
  ResNetOptions backbone = resnet_options(c.backbone);
  backbone.width(c.backbone_width).stages(c.backbone_stages);
  const auto ftl_mode = c.ftl_mode;
  const auto ftl_reshape = c.ftl_reshape;
  const auto pooling = c.canonical_pooling;
  triangulate_options_.method = triangulation_method(c.triangulation);
  MVPOSE3D_CHECK(c.softargmax_beta > 0, "model.softargmax_beta must be positive");

  encoder = register_module("encoder", ResNetEncoder(backbone));
  const int64_t channels = backbone.out_channels();
  FusionOptions fo(channels, options_.num_views);
  fo.latent_channels(c.latent_channels)
      .fused_channels(c.fused_channels)
      .ftl_mode(ftl_mode)
      .ftl_reshape(ftl_reshape)
      .pooling(pooling)
      .equivariant(c.equivariant)
      .view_shortcut(c.view_shortcut);
  if (c.fusion == FusionMode::kFusion) {
    fusion = register_module("fusion", std::make_shared<ViewFusionImpl>(fo));
  } else if (c.fusion == FusionMode::kCanonical) {
    fusion = register_module("fusion", std::make_shared<CanonicalFusionImpl>(fo));
  }
  decoder = register_module("decoder",
                            HeatmapDecoder(HeatmapDecoderOptions(channels, options_.num_joints)
                                               .reduce_channels(c.decoder_reduce_channels)
                                               .layers(c.deconv_layers)
                                               .channels(c.deconv_channels)
                                               .kernel(c.deconv_kernel)));
}

std::string MultiViewPoseNetImpl::architecture() const {
  const ModelConfig& c = options_.config;
  std::string s = fmt::format("{}(width={},stages={}) fusion={}",
                              to_string(c.backbone),
                              c.backbone_width,
                              c.backbone_stages,
                              to_string(c.fusion));
  if (c.fusion == FusionMode::kFusion)
    s += fmt::format(" latent={} fused={}", c.latent_channels, c.fused_channels);
  if (c.fusion == FusionMode::kCanonical) {
    s += fmt::format(" ftl={}/{} pooling={} equivariant={} latent={} fused={}",
                     to_string(c.ftl_mode),
                     to_string(c.ftl_reshape),
                     to_string(c.canonical_pooling),
                     c.equivariant,
                     c.latent_channels,
                     c.fused_channels);
  }
  if (c.fusion != FusionMode::kNone) s += fmt::format(" shortcut={}", c.view_shortcut);
  s += " decoder=";
  if (c.decoder_reduce_channels > 0) s += fmt::format("r{}+", c.decoder_reduce_channels);
  s += fmt::format("{}x{}k{} joints={} views={}",
                   c.deconv_layers,
                   c.deconv_channels,
                   c.deconv_kernel,
                   options_.num_joints,
                   options_.num_views);
  return s;
}

at::Tensor MultiViewPoseNetImpl::fuse(const at::Tensor& features,
                                      const CameraBatch& cameras,
                                      int64_t crop_height,
                                      int64_t crop_width) {
  if (!fusion) return features;
  FtlMatrices ftl;
  if (options_.config.fusion == FusionMode::kCanonical) {
    const auto device = features.device();
    ftl = make_ftl_matrices(options_.config.ftl_mode,
                            cameras.K.to(device),
                            cameras.cam_from_world.to(device),
                            crop_height,
                            crop_width);
  }
  return fusion->forward(features, ftl);
}

PoseOutput MultiViewPoseNetImpl::forward(const at::Tensor& images,
                                         const CameraBatch& cameras,
                                         bool triangulate) {
  MVPOSE3D_CHECK(images.dim() == 5 && images.size(2) == 3,
                 "MultiViewPoseNet: images must be [B, V, 3, S, S], got {}",
                 shape_of(images));
  const int64_t b = images.size(0), v = images.size(1);
  const int64_t crop_h = images.size(3), crop_w = images.size(4);
  auto expect = [&](const at::Tensor& t, const char* name, int64_t rows, int64_t cols) {
    MVPOSE3D_CHECK(t.defined() && t.dim() == 4 && t.size(0) == b && t.size(1) == v &&
                       t.size(2) == rows && t.size(3) == cols,
                   "MultiViewPoseNet: cameras.{} must be [{}, {}, {}, {}] for images {}, got {}",
                   name,
                   b,
                   v,
                   rows,
                   cols,
                   shape_of(images),
                   shape_of(t));
  };
  expect(cameras.K, "K", 3, 3);
  expect(cameras.cam_from_world, "cam_from_world", 3, 4);
  if (cameras.image_from_crop.defined()) expect(cameras.image_from_crop, "image_from_crop", 2, 3);

  const auto features = encoder(images.flatten(0, 1));  // [B·V, C, h, w]
  const auto per_view = features.view({b, v, features.size(1), features.size(2), features.size(3)});
  const auto fused = fuse(per_view, cameras, crop_h, crop_w);  // [B, V, C, h, w]
  at::Tensor heat = decoder(fused.flatten(0, 1));              // [B·V, J, hh, ww]
  // Under autocast (train.precision bf16 or fp16) the decoder's logits come in reduced precision;
  // soft-argmax, the DLT and the losses on their outputs stay in the weights' float32 (and the
  // DLT's float64), so autocast is off from here on.
  const AutocastOff autocast_off;
  if (autocast_off.was_enabled()) heat = heat.to(decoder->final_layer->weight.scalar_type());
  const int64_t hh = heat.size(2), ww = heat.size(3), j = heat.size(1);

  PoseOutput out;
  out.heatmaps = heat.view({b, v, j, hh, ww});
  const SoftArgmax sa = soft_argmax(out.heatmaps, options_.config.softargmax_beta);
  out.joints2d_heatmap = sa.coords;  // [B, V, J, 2]
  out.confidences = sa.confidence;   // [B, V, J]
  out.joints2d_crop_px = heatmap_to_crop_px(sa.coords, hh, ww, crop_h, crop_w);
  out.joints2d_image_px =
      cameras.image_from_crop.defined()
          ? apply_affine_2d(out.joints2d_crop_px,
                            cameras.image_from_crop.to(images.device()).unsqueeze(2))
          : out.joints2d_crop_px;
  if (triangulate && v >= 2) {
    // DLT in the crop frame (crop px with the crop's P), float64: [B, J, V, 2] with [B, 1, V, 3,
    // 4].
    const auto points = out.joints2d_crop_px.permute({0, 2, 1, 3}).to(at::kDouble);
    const auto proj = cameras.proj_from_world().to(images.device()).unsqueeze(1);
    const auto tri = ops::triangulate(points, proj, {}, triangulate_options_);
    out.joints3d_mm = tri.points3d.to(out.joints2d_crop_px.scalar_type());  // [B, J, 3]
    out.joints3d_valid = tri.valid;                                         // [B, J]
  }
  return out;
}

// --- Factory, sizes
// ---------------------------------------------------------------------

MultiViewPoseNet make_model(const ModelConfig& config, int64_t num_joints, int64_t num_views) {
  PoseNetOptions options;
  options.config = config;
  options.num_joints = num_joints;
  options.num_views = num_views;
  MultiViewPoseNet net(options);
  if (!config.pretrained.empty()) {
    const auto info = load_torchvision_resnet(net->encoder, config.pretrained);
    spdlog::info("model: encoder weights {} ({}, {}) from {}",
                 info.arch,
                 info.source,
                 info.tensors_loaded,
                 config.pretrained);
  }
  return net;
}

MultiViewPoseNet make_model(const RunConfig& config) {
  return make_model(config.model,
                    skeleton_by_name(to_string(config.data.joints)).num_joints(),
                    config.data.num_views);
}

int64_t MultiViewPoseNetImpl::fold_batchnorm() {
  MVPOSE3D_CHECK(!is_training(),
                 "fold_batchnorm: the network is in training mode; call eval() first (folding "
                 "uses the BatchNorm running statistics)");
  int64_t n = encoder->fold_batchnorm();
  if (fusion) n += fold_batchnorm_in_sequentials(*fusion);
  n += fold_batchnorm_in_sequentials(*decoder);
  batchnorm_folded_ = true;
  return n;
}

void MultiViewPoseNetImpl::train(bool on) {
  MVPOSE3D_CHECK(!(on && batchnorm_folded_),
                 "the network's BatchNorm layers are folded into its convolutions for inference "
                 "(fold_batchnorm); it cannot train");
  torch::nn::Module::train(on);
}

ModelSize model_size(const torch::nn::Module& module) {
  ModelSize size;
  for (const auto& p : module.parameters()) size.parameters += p.numel();
  for (const auto& b : module.buffers()) {
    if (b.is_floating_point()) size.buffers += b.numel();
  }
  return size;
}

}  // namespace mvpose3d::models
