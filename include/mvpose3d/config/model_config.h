// The `model` section: encoder, fusion, decoder and triangulation of the multi-view network.
#pragma once

#include "mvpose3d/config/schema.h"

#include <cstdint>
#include <string>

namespace mvpose3d {

// model.backbone: the ResNet encoder's depth.
enum class Backbone { kResNet18, kResNet34, kResNet50, kResNet101, kResNet152 };
template <>
struct EnumNames<Backbone> {
  static constexpr EnumName<Backbone> table[] = {{Backbone::kResNet18, "resnet18"},
                                                 {Backbone::kResNet34, "resnet34"},
                                                 {Backbone::kResNet50, "resnet50"},
                                                 {Backbone::kResNet101, "resnet101"},
                                                 {Backbone::kResNet152, "resnet152"}};
};

// model.fusion: how the views exchange information between encoder and decoder.
enum class FusionMode { kNone, kFusion, kCanonical };
template <>
struct EnumNames<FusionMode> {
  static constexpr EnumName<FusionMode> table[] = {{FusionMode::kNone, "none"},
                                                   {FusionMode::kFusion, "fusion"},
                                                   {FusionMode::kCanonical, "canonical"}};
};

// model.ftl_mode: the feature transform layer's matrices (models/feature_transform.h).
enum class FtlMode { kRotation, kProjection };
template <>
struct EnumNames<FtlMode> {
  static constexpr EnumName<FtlMode> table[] = {{FtlMode::kRotation, "rotation"},
                                                {FtlMode::kProjection, "projection"}};
};

// model.ftl_reshape: how the FTL reads channels as points (models/feature_transform.h).
enum class FtlReshape { kInterleaved, kBlocks };
template <>
struct EnumNames<FtlReshape> {
  static constexpr EnumName<FtlReshape> table[] = {{FtlReshape::kInterleaved, "interleaved"},
                                                   {FtlReshape::kBlocks, "blocks"}};
};

// model.canonical_pooling: how the canonical fusion combines the views.
enum class CanonicalPooling { kConcat, kMean };
template <>
struct EnumNames<CanonicalPooling> {
  static constexpr EnumName<CanonicalPooling> table[] = {{CanonicalPooling::kConcat, "concat"},
                                                         {CanonicalPooling::kMean, "mean"}};
};

// model.triangulation: the DLT solver (ops::TriangulationMethod of the same names).
enum class DltSolver { kFused, kSvd, kSii };
template <>
struct EnumNames<DltSolver> {
  static constexpr EnumName<DltSolver> table[] = {
      {DltSolver::kFused, "fused"}, {DltSolver::kSvd, "svd"}, {DltSolver::kSii, "sii"}};
};

// Dimension of a point of the FTL's canonical frame: 3 (rotation) or 4 (projection, homogeneous).
inline std::int64_t canonical_point_dim(FtlMode mode) {
  return mode == FtlMode::kRotation ? 3 : 4;
}

struct ModelConfig {
  Backbone backbone = Backbone::kResNet50;
  int backbone_width = 64;
  int backbone_stages = 4;
  std::string pretrained;
  FusionMode fusion = FusionMode::kCanonical;
  FtlMode ftl_mode = FtlMode::kProjection;
  FtlReshape ftl_reshape = FtlReshape::kInterleaved;
  CanonicalPooling canonical_pooling = CanonicalPooling::kConcat;
  bool equivariant = false;
  bool view_shortcut = false;
  int latent_channels = 300;
  int fused_channels = 400;
  int decoder_reduce_channels = 0;
  int deconv_layers = 3;
  int deconv_channels = 256;
  int deconv_kernel = 4;
  double softargmax_beta = 1.0;
  DltSolver triangulation = DltSolver::kFused;

  template <class Visitor>
  void visit(Visitor& v) {
    v("backbone", backbone, "ResNet encoder");
    v("backbone_width",
      backbone_width,
      "channels of the encoder's stem and first stage (torchvision: 64; smaller for tiny models)",
      Positive());
    v("backbone_stages",
      backbone_stages,
      "residual stages of the encoder kept (4 = torchvision's layer1-4; output stride 4·2^(n-1))",
      InRange(1, 4));
    v("pretrained",
      pretrained,
      "encoder weights file written by scripts/export_torchvision_resnet.py, \"\" = random "
      "initialisation");
    v("fusion",
      fusion,
      "none = independent views (baseline), fusion = concatenation, canonical = canonical fusion");
    v("ftl_mode",
      ftl_mode,
      "feature transform layer: by the rotation R, or by the projection P and its pseudo-inverse");
    v("ftl_reshape",
      ftl_reshape,
      "how the FTL reads channels as 3-vectors: interleaved (channel 3k+d is coordinate d of point "
      "k) or blocks (channel d·K+k)");
    v("canonical_pooling",
      canonical_pooling,
      "combining the views in the canonical frame: concat (per view slot) or mean (symmetric)");
    v("equivariant",
      equivariant,
      "canonical fusion mixes the canonical point sets only by vector-linear maps (same weights on "
      "x, y, z, no bias or non-linearity), so the fused code rotates exactly with the world frame");
    v("view_shortcut",
      view_shortcut,
      "add each view's own encoder features to its fused decoder input (a residual shortcut, so a "
      "poor fused code cannot break every view)");
    v("latent_channels", latent_channels, "channels of the per-view latent code", Positive());
    v("fused_channels", fused_channels, "channels of the fused canonical code", Positive());
    v("decoder_reduce_channels",
      decoder_reduce_channels,
      "0 = none (Simple Baselines); else a 1x1 conv + BN + ReLU to this many channels before the "
      "transposed convolutions, for a lighter head (docs/models.md)",
      NonNegative());
    v("deconv_layers", deconv_layers, "transposed convolutions in the decoder", NonNegative());
    v("deconv_channels", deconv_channels, "channels of each decoder layer", Positive());
    v("deconv_kernel",
      deconv_kernel,
      "kernel size of the transposed convolutions",
      OneOf({2, 3, 4}));
    v("softargmax_beta", softargmax_beta, "soft-argmax inverse temperature", Positive());
    v("triangulation",
      triangulation,
      "DLT solver: fused (exact, one kernel per point), svd (reference) or sii (paper's Alg. 1)");
  }
};
MVPOSE3D_CONFIG_EQUALITY(ModelConfig)

}  // namespace mvpose3d
