// Everything between the encoder and the DLT: the heatmap decoder, soft-argmax and coordinate maps,
// the feature transform layer and the fusion blocks. One translation unit because each one that
// includes the nn headers costs 30-60 s to compile.
#include "mvpose3d/core/error.h"
#include "mvpose3d/models/feature_transform.h"
#include "mvpose3d/models/fusion.h"
#include "mvpose3d/models/heatmap_decoder.h"

#include <cmath>

#include <ATen/ATen.h>
#include <torch/nn/init.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>

namespace mvpose3d::models {

namespace nn = torch::nn;

namespace {

std::string shape_of(const at::Tensor& t) {
  return t.defined() ? fmt::format("[{}]", fmt::join(t.sizes(), ", ")) : "undefined";
}

nn::Conv2d conv1x1(int64_t in, int64_t out, bool bias) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, 1).bias(bias));
}

// 1×1 convolution (no bias: BN follows) → BatchNorm → ReLU, appended to `seq`.
void append_conv_bn_relu(nn::Sequential& seq, int64_t in, int64_t out) {
  seq->push_back(conv1x1(in, out, false));
  seq->push_back(nn::BatchNorm2d(out));
  seq->push_back(nn::ReLU(nn::ReLUOptions(true)));
}

nn::Sequential conv_bn_relu(int64_t in, int64_t out) {
  nn::Sequential seq;
  append_conv_bn_relu(seq, in, out);
  return seq;
}

}  // namespace

// --- Heatmap decoder ----------------------------------------------------------------------------

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
    deconv_layers->push_back(nn::BatchNorm2d(o.channels()));
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

// --- Soft-argmax and coordinate maps
// --------------------------------------------------------------

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
  const auto scale = at::tensor({static_cast<double>(crop_width) / heatmap_width,
                                 static_cast<double>(crop_height) / heatmap_height},
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

// --- Feature transform layer
// ----------------------------------------------------------------------

FtlMode ftl_mode_from_string(const std::string& name) {
  return parse_enum<FtlMode>(name, "model.ftl_mode");
}

FtlReshape ftl_reshape_from_string(const std::string& name) {
  return parse_enum<FtlReshape>(name, "model.ftl_reshape");
}

at::Tensor normalized_projection(const at::Tensor& proj_from_world,
                                 int64_t crop_height,
                                 int64_t crop_width) {
  MVPOSE3D_CHECK(
      proj_from_world.dim() >= 2 && proj_from_world.size(-2) == 3 && proj_from_world.size(-1) == 4,
      "normalized_projection: proj_from_world must be [..., 3, 4], got {}",
      shape_of(proj_from_world));
  const auto opts = proj_from_world.options().dtype(at::kDouble);
  const double w = static_cast<double>(crop_width), h = static_cast<double>(crop_height);
  const auto image_norm =
      at::tensor({2 / w, 0.0, 1 / w - 1, 0.0, 2 / h, 1 / h - 1, 0.0, 0.0, 1.0}, opts).view({3, 3});
  const auto metres = at::tensor({1000.0, 1000.0, 1000.0, 1.0}, opts);
  const auto p = at::matmul(image_norm, proj_from_world.to(at::kDouble)) * metres;  // [..., 3, 4]
  return p / p.flatten(-2).norm(2, -1).unsqueeze(-1).unsqueeze(-1);
}

FtlMatrices make_ftl_matrices(FtlMode mode,
                              const at::Tensor& K,
                              const at::Tensor& cam_from_world,
                              int64_t crop_height,
                              int64_t crop_width) {
  MVPOSE3D_CHECK(
      cam_from_world.dim() == 4 && cam_from_world.size(-2) == 3 && cam_from_world.size(-1) == 4,
      "FTL: cam_from_world must be [B, V, 3, 4], got {}",
      shape_of(cam_from_world));
  FtlMatrices m;
  m.mode = mode;
  const auto rt = cam_from_world.to(at::kDouble);
  if (mode == FtlMode::kRotation) {
    const auto r = rt.narrow(-1, 0, 3);  // [B, V, 3, 3]
    m.to_canonical = r.transpose(-1, -2);
    m.from_canonical = r;
    return m;
  }
  MVPOSE3D_CHECK(K.dim() == 4 && K.size(0) == cam_from_world.size(0) &&
                     K.size(1) == cam_from_world.size(1) && K.size(2) == 3 && K.size(3) == 3,
                 "FTL: K must be [B, V, 3, 3] like cam_from_world {}, got {}",
                 shape_of(cam_from_world),
                 shape_of(K));
  const auto p = normalized_projection(at::matmul(K.to(at::kDouble), rt), crop_height, crop_width);
  const auto pt = p.transpose(-1, -2);                                 // [B, V, 4, 3]
  m.to_canonical = at::matmul(pt, at::linalg_inv(at::matmul(p, pt)));  // P⁺ = Pᵀ(PPᵀ)⁻¹
  m.from_canonical = p;
  return m;
}

at::Tensor to_points(const at::Tensor& x, int64_t dim, FtlReshape reshape) {
  MVPOSE3D_CHECK(x.dim() == 4 && x.size(1) % dim == 0,
                 "FTL: features must be [N, {}·K, H, W], got {}",
                 dim,
                 shape_of(x));
  const int64_t n = x.size(0), k = x.size(1) / dim, h = x.size(2), w = x.size(3);
  if (reshape == FtlReshape::kInterleaved) return x.reshape({n, k, dim, h, w});
  return x.reshape({n, dim, k, h, w}).transpose(1, 2);
}

at::Tensor from_points(const at::Tensor& points, FtlReshape reshape) {
  MVPOSE3D_CHECK(
      points.dim() == 5, "FTL: points must be [N, K, D, H, W], got {}", shape_of(points));
  const int64_t n = points.size(0), k = points.size(1), d = points.size(2);
  const int64_t h = points.size(3), w = points.size(4);
  if (reshape == FtlReshape::kInterleaved) return points.reshape({n, k * d, h, w});
  return points.transpose(1, 2).reshape({n, d * k, h, w});
}

at::Tensor feature_transform(const at::Tensor& x, const at::Tensor& matrices, FtlReshape reshape) {
  MVPOSE3D_CHECK(matrices.dim() == 3 && matrices.size(0) == x.size(0),
                 "FTL: matrices must be [N, D_out, D_in] with N = {}, got {}",
                 x.dim() > 0 ? x.size(0) : 0,
                 shape_of(matrices));
  const auto points = to_points(x, matrices.size(2), reshape);  // [N, K, D_in, H, W]
  const auto out = at::einsum("noi,nkihw->nkohw", {matrices.to(x.dtype()), points});
  return from_points(out, reshape);  // [N, D_out·K, H, W]
}

// --- Fusion blocks
// ----------------------------------------------------------------------------------

CanonicalPooling canonical_pooling_from_string(const std::string& name) {
  return parse_enum<CanonicalPooling>(name, "model.canonical_pooling");
}

namespace {

void check_features(const at::Tensor& f,
                    const FusionOptions& o,
                    bool fixed_views,
                    const char* who) {
  MVPOSE3D_CHECK(f.dim() == 5 && f.size(2) == o.feature_channels(),
                 "{}: features must be [B, V, {}, h, w], got {}",
                 who,
                 o.feature_channels(),
                 shape_of(f));
  MVPOSE3D_CHECK(!fixed_views || f.size(1) == o.num_views(),
                 "{}: built for {} views (concatenation), got {}; the symmetric canonical fusion "
                 "(model.canonical_pooling = mean) takes any number",
                 who,
                 o.num_views(),
                 f.size(1));
}

}  // namespace

ViewFusionImpl::ViewFusionImpl(const FusionOptions& options) : options_(options) {
  const auto& o = options_;
  const int64_t c = o.feature_channels(), l = o.latent_channels(), f = o.fused_channels();
  const int64_t v = o.num_views();
  down = register_module("down", conv_bn_relu(c, l));
  fuse = nn::Sequential();
  append_conv_bn_relu(fuse, v * l, f);
  append_conv_bn_relu(fuse, f, f);
  register_module("fuse", fuse);
  views_out = register_module("views_out", conv1x1(f, v * l, true));
  up = register_module("up", conv_bn_relu(l, c));
}

torch::Tensor ViewFusionImpl::forward(const torch::Tensor& features, const FtlMatrices& /*ftl*/) {
  check_features(features, options_, true, "ViewFusion");
  const int64_t b = features.size(0), v = features.size(1), c = features.size(2);
  const int64_t h = features.size(3), w = features.size(4), l = options_.latent_channels();
  const auto z = down->forward(features.flatten(0, 1));          // [B·V, L, h, w]
  const auto p = fuse->forward(z.reshape({b, v * l, h, w}));     // [B, F, h, w]
  const auto per_view = views_out(p).reshape({b * v, l, h, w});  // slot j → view j
  auto y = up->forward(per_view).view({b, v, c, h, w});
  if (options_.view_shortcut()) y = y + features;
  return y;
}

VectorLinearImpl::VectorLinearImpl(int64_t in_vectors, int64_t out_vectors) {
  weight = register_parameter(
      "weight",
      torch::randn({out_vectors, in_vectors}) / std::sqrt(static_cast<double>(in_vectors)));
}

torch::Tensor VectorLinearImpl::forward(const torch::Tensor& x) {
  MVPOSE3D_CHECK(x.dim() >= 3 && x.size(1) == weight.size(1),
                 "VectorLinear: input must be [N, {}, D, ...], got {}",
                 weight.size(1),
                 shape_of(x));
  std::vector<int64_t> out_shape(x.sizes().begin(), x.sizes().end());
  out_shape[1] = weight.size(0);
  const auto flat = x.flatten(2);  // [N, in, D·...]
  return at::matmul(weight.to(x.dtype()), flat).view(out_shape);
}

CanonicalFusionImpl::CanonicalFusionImpl(const FusionOptions& options) : options_(options) {
  const auto& o = options_;
  const int64_t dc = canonical_point_dim(o.ftl_mode());
  MVPOSE3D_CHECK(o.latent_channels() % 3 == 0,
                 "model.latent_channels = {} must be a multiple of 3: the FTL reads the latent as "
                 "3-vectors",
                 o.latent_channels());
  MVPOSE3D_CHECK(o.fused_channels() % dc == 0,
                 "model.fused_channels = {} must be a multiple of {}: with ftl_mode {} the fused "
                 "code is a set of {}-vectors",
                 o.fused_channels(),
                 dc,
                 to_string(o.ftl_mode()),
                 dc);
  points_ = o.latent_channels() / 3;
  fused_points_ = o.fused_channels() / dc;
  const int64_t c = o.feature_channels(), f = o.fused_channels(), v = o.num_views();
  const int64_t k = points_, k2 = fused_points_;
  const bool concat = o.pooling() == CanonicalPooling::kConcat;
  down = register_module("down", conv_bn_relu(c, o.latent_channels()));
  if (!o.equivariant()) {
    fuse = nn::Sequential();
    if (concat) {
      append_conv_bn_relu(fuse, v * dc * k, f);
    } else {
      pre = register_module("pre", conv_bn_relu(dc * k, f));
    }
    append_conv_bn_relu(fuse, f, f);
    register_module("fuse", fuse);
  } else {
    vec1 = register_module("vec1", VectorLinear(concat ? v * k : k, k2));
    vec2 = register_module("vec2", VectorLinear(k2, k2));
    if (dc == 4) {  // the homogeneous coordinate: invariant, an ordinary stack at K channels
      fuse = nn::Sequential();
      if (concat) {
        append_conv_bn_relu(fuse, v * k, k2);
      } else {
        pre = register_module("pre", conv_bn_relu(k, k2));
      }
      append_conv_bn_relu(fuse, k2, k2);
      register_module("fuse", fuse);
    }
  }
  up = register_module("up", conv_bn_relu(3 * k2, c));
}

torch::Tensor CanonicalFusionImpl::fused_code(const torch::Tensor& features,
                                              const FtlMatrices& ftl) {
  const auto& o = options_;
  const bool concat = o.pooling() == CanonicalPooling::kConcat;
  check_features(features, o, concat, "CanonicalFusion");
  const int64_t b = features.size(0), v = features.size(1);
  const int64_t dc = canonical_point_dim(o.ftl_mode());
  MVPOSE3D_CHECK(ftl.mode == o.ftl_mode() && ftl.to_canonical.defined() &&
                     ftl.to_canonical.size(0) == b && ftl.to_canonical.size(1) == v &&
                     ftl.to_canonical.size(2) == dc,
                 "CanonicalFusion: FTL matrices of mode {} for [{}, {}] views expected, got {}",
                 to_string(o.ftl_mode()),
                 b,
                 v,
                 shape_of(ftl.to_canonical));
  const auto z = down->forward(features.flatten(0, 1));  // [B·V, 3K, h, w]
  const auto canonical =
      feature_transform(z, ftl.to_canonical.flatten(0, 1), o.ftl_reshape());  // [B·V, Dc·K, h, w]

  // Pools per-view [B·V, X, ...] maps: concatenation along channels, or the mean over views.
  auto pool = [&](const at::Tensor& per_view) {
    std::vector<int64_t> shape(per_view.sizes().begin(), per_view.sizes().end());
    shape[0] = v;
    shape.insert(shape.begin(), b);  // [B, V, X, ...]
    auto t = per_view.reshape(shape);
    return concat ? t.flatten(1, 2) : t.mean(1);
  };

  if (!o.equivariant()) {
    return fuse->forward(concat ? pool(canonical) : pool(pre->forward(canonical)));  // [B, F, h, w]
  }
  const auto points = to_points(canonical, dc, o.ftl_reshape());  // [B·V, K, Dc, h, w]
  const auto vectors = points.narrow(2, 0, 3);                    // [B·V, K, 3, h, w]
  auto fused = concat ? vec2(vec1(pool(vectors))) : vec2(pool(vec1(vectors)));  // [B, K', 3, h, w]
  if (dc == 4) {
    const auto scalars = points.select(2, 3);  // [B·V, K, h, w]
    const auto s =
        concat ? fuse->forward(pool(scalars)) : fuse->forward(pool(pre->forward(scalars)));
    fused = at::cat({fused, s.unsqueeze(2)}, 2);  // [B, K', 4, h, w]
  }
  return from_points(fused, o.ftl_reshape());  // [B, Dc·K', h, w]
}

torch::Tensor CanonicalFusionImpl::forward(const torch::Tensor& features, const FtlMatrices& ftl) {
  const auto p = fused_code(features, ftl);  // [B, F, h, w]
  const int64_t b = features.size(0), v = features.size(1), c = features.size(2);
  const int64_t h = features.size(3), w = features.size(4);
  const auto per_view =
      p.unsqueeze(1).expand({b, v, p.size(1), h, w}).reshape({b * v, p.size(1), h, w});
  const auto back = feature_transform(
      per_view, ftl.from_canonical.flatten(0, 1), options_.ftl_reshape());  // [B·V, 3K', h, w]
  auto y = up->forward(back).view({b, v, c, h, w});
  if (options_.view_shortcut()) y = y + features;
  return y;
}

}  // namespace mvpose3d::models
