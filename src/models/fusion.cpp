// The fusion blocks between encoder and decoder: ViewFusion (concatenation across views) and
// CanonicalFusion (through the feature transform layer), with VectorLinear for its equivariant
// form.
#include "mvpose3d/models/fusion.h"

#include "mvpose3d/core/error.h"

#include <cmath>

#include <ATen/ATen.h>

#include "models/conv_blocks.h"
#include "models/shape_text.h"

namespace mvpose3d::models {

namespace nn = torch::nn;

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
