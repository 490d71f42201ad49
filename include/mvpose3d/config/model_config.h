// The `model` section: encoder, fusion, decoder and triangulation of the multi-view network.
#pragma once

#include "mvpose3d/config/schema.h"

#include <string>

namespace mvpose3d {

struct ModelConfig {
  std::string backbone = "resnet50";         // ResNet encoder depth
  int backbone_width = 64;                   // stem and first-stage channels (torchvision: 64)
  int backbone_stages = 4;                   // residual stages kept (4 = torchvision's layer1-4)
  std::string pretrained;                    // encoder weights file, "" = random init
  std::string fusion = "canonical";          // none (baseline) | fusion | canonical
  std::string ftl_mode = "projection";       // feature transform: rotation | projection
  std::string ftl_reshape = "interleaved";   // channels -> point sets: interleaved | blocks
  std::string canonical_pooling = "concat";  // how views are combined in the canonical frame
  bool equivariant = false;                  // canonical fusion equivariant to world rotations
  bool view_shortcut = false;                // add each view's features to its decoder input
  int latent_channels = 300;                 // channels of the per-view latent before the FTL
  int fused_channels = 400;                  // channels of the fused canonical representation
  int decoder_reduce_channels = 0;           // 1×1 reduction before the decoder, 0 = none
  int deconv_layers = 3;                     // transposed convolutions in the heatmap decoder
  int deconv_channels = 256;                 // channels of each decoder layer
  int deconv_kernel = 4;                     // kernel size of the transposed convolutions
  double softargmax_beta = 1.0;              // soft-argmax inverse temperature
  std::string triangulation = "fused";       // fused | svd | sii

  template <class Visitor>
  void visit(Visitor& v) {
    v("backbone",
      backbone,
      "ResNet encoder",
      OneOf({"resnet18", "resnet34", "resnet50", "resnet101", "resnet152"}));
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
      "none = independent views (baseline), fusion = concatenation, canonical = canonical fusion",
      OneOf({"none", "fusion", "canonical"}));
    v("ftl_mode",
      ftl_mode,
      "feature transform layer: by the rotation R, or by the projection P and its pseudo-inverse",
      OneOf({"rotation", "projection"}));
    v("ftl_reshape",
      ftl_reshape,
      "how the FTL reads channels as 3-vectors: interleaved (channel 3k+d is coordinate d of point "
      "k) or blocks (channel d·K+k)",
      OneOf({"interleaved", "blocks"}));
    v("canonical_pooling",
      canonical_pooling,
      "combining the views in the canonical frame: concat (per view slot) or mean (symmetric)",
      OneOf({"concat", "mean"}));
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
      "DLT solver: fused (exact, one kernel per point), svd (reference) or sii (paper's Alg. 1)",
      OneOf({"fused", "svd", "sii"}));
  }
};
MVPOSE3D_CONFIG_EQUALITY(ModelConfig)

}  // namespace mvpose3d
