// Heatmap decoder, soft-argmax and coordinate maps, and the feature transform layer.
#include "mvpose3d/core/error.h"
#include "mvpose3d/geometry/camera.h"
#include "mvpose3d/geometry/camera_batch.h"
#include "mvpose3d/models/feature_transform.h"
#include "mvpose3d/models/fusion.h"
#include "mvpose3d/models/heatmap_decoder.h"

#include <cmath>

#include <gtest/gtest.h>

#include "support/tensor_matchers.h"

namespace mvpose3d::models {
namespace {

using mvpose3d::testing::TensorNear;

TEST(HeatmapDecoder, ShapesAndNames) {
  for (int64_t kernel : {2, 3, 4}) {
    HeatmapDecoder dec(HeatmapDecoderOptions(32, 5).layers(3).channels(8).kernel(kernel));
    const auto y = dec(torch::randn({2, 32, 4, 4}));
    EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 5, 32, 32})) << "kernel " << kernel;
  }
  HeatmapDecoder dec(HeatmapDecoderOptions(32, 5).layers(2).channels(8));
  const auto params = dec->named_parameters();
  EXPECT_TRUE(params.contains("deconv_layers.0.weight"));
  EXPECT_TRUE(params.contains("deconv_layers.1.weight"));  // BN
  EXPECT_TRUE(params.contains("deconv_layers.3.weight"));
  EXPECT_TRUE(params.contains("final_layer.bias"));
  EXPECT_EQ(dec(torch::randn({1, 32, 3, 5})).sizes(), (std::vector<int64_t>{1, 5, 12, 20}));
  HeatmapDecoder none(HeatmapDecoderOptions(32, 5).layers(0));
  EXPECT_EQ(none(torch::randn({1, 32, 3, 3})).sizes(), (std::vector<int64_t>{1, 5, 3, 3}));
  EXPECT_THROW(HeatmapDecoder(HeatmapDecoderOptions(32, 5).kernel(5)), Error);
}

int64_t parameter_count(torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

TEST(HeatmapDecoder, InputReductionIsTheLighterHead) {
  const int64_t in = 64, reduce = 8, channels = 16, joints = 5, k = 4;
  HeatmapDecoder plain(HeatmapDecoderOptions(in, joints).layers(3).channels(channels).kernel(k));
  HeatmapDecoder light(HeatmapDecoderOptions(in, joints)
                           .reduce_channels(reduce)
                           .layers(3)
                           .channels(channels)
                           .kernel(k));
  // Parameters: the first deconvolution reads `reduce` channels instead of `in`, and the 1×1
  // reduction (no bias) with its BN comes first; everything after it is the same.
  const int64_t tail =
      2 * channels * channels * k * k + 3 * 2 * channels + channels * joints + joints;
  EXPECT_EQ(parameter_count(*plain), in * channels * k * k + tail);
  EXPECT_EQ(parameter_count(*light), in * reduce + 2 * reduce + reduce * channels * k * k + tail);
  const auto params = light->named_parameters();
  EXPECT_TRUE(params.contains("reduce_layer.0.weight"));
  EXPECT_TRUE(params.contains("reduce_layer.1.weight"));  // BN
  EXPECT_FALSE(params.contains("reduce_layer.0.bias"));   // BN follows
  EXPECT_EQ(params["deconv_layers.0.weight"].sizes(),
            (std::vector<int64_t>{reduce, channels, k, k}));  // ConvTranspose: [in, out, k, k]
  EXPECT_FALSE(plain->named_parameters().contains("reduce_layer.0.weight"));
  EXPECT_EQ(light(torch::randn({2, in, 3, 4})).sizes(), (std::vector<int64_t>{2, joints, 24, 32}));
  // Without transposed convolutions the reduction still feeds the final layer.
  HeatmapDecoder flat(HeatmapDecoderOptions(in, joints).reduce_channels(reduce).layers(0));
  EXPECT_EQ(flat->final_layer->weight.size(1), reduce);
  EXPECT_EQ(flat(torch::randn({1, in, 3, 3})).sizes(), (std::vector<int64_t>{1, joints, 3, 3}));
  EXPECT_THROW(HeatmapDecoder(HeatmapDecoderOptions(in, joints).reduce_channels(-1)), Error);
}

TEST(SoftArgmax, PeakFlatAndGradient) {
  auto h = torch::zeros({2, 3, 8, 10});
  h.index_put_({0, 1, 3, 5}, 1.0);  // row 3, column 5
  const auto sharp = soft_argmax(h, 1000.0);
  EXPECT_NEAR(sharp.coords[0][1][0].item<double>(), 5.0, 1e-4);
  EXPECT_NEAR(sharp.coords[0][1][1].item<double>(), 3.0, 1e-4);
  EXPECT_NEAR(sharp.confidence[0][1].item<double>(), 1.0, 1e-2);
  // Flat maps: the centre of the pixel grid, confidence 1 / (1 + RMS radius).
  const auto flat = soft_argmax(torch::zeros({8, 10}), 1.0);
  EXPECT_NEAR(flat.coords[0].item<double>(), 4.5, 1e-5);
  EXPECT_NEAR(flat.coords[1].item<double>(), 3.5, 1e-5);
  const double rms = std::sqrt((10.0 * 10.0 - 1) / 12 + (8.0 * 8.0 - 1) / 12);
  EXPECT_NEAR(flat.confidence.item<double>(), 1.0 / (1.0 + rms), 1e-5);
  // β sharpens: on a concave quadratic map p is a discrete Gaussian whose spread shrinks as β grows
  // (a random map is not enough: two distant near-equal peaks can spread out as β grows).
  const auto u = torch::arange(6, torch::kDouble).view({1, 6});
  const auto v = torch::arange(4, torch::kDouble).view({4, 1});
  const auto g = -((u - 2.3).square() + (v - 1.6).square()) / 4.0;  // [4, 6]
  EXPECT_GT(soft_argmax(g, 10.0).confidence.item<double>(),
            soft_argmax(g, 3.0).confidence.item<double>());
  EXPECT_GT(soft_argmax(g, 3.0).confidence.item<double>(),
            soft_argmax(g, 1.0).confidence.item<double>());
  // Differentiable.
  auto x = torch::randn({2, 6, 6}, torch::requires_grad());
  soft_argmax(x, 2.0).coords.sum().backward();
  EXPECT_TRUE(x.grad().defined());
  EXPECT_GT(x.grad().abs().sum().item<double>(), 0);
  // Half precision is promoted.
  EXPECT_EQ(soft_argmax(torch::zeros({4, 4}, torch::kHalf), 1.0).coords.scalar_type(),
            torch::kFloat);
}

TEST(CoordinateMaps, HeatmapToCropAndAffine) {
  // A 64-px heatmap of a 256-px crop: pixel-centre convention, as Camera::resize.
  const auto c =
      heatmap_to_crop_px(torch::tensor({0.0, 0.0, 63.0, 31.5}).view({2, 2}), 64, 64, 256, 256);
  EXPECT_NEAR(c[0][0].item<double>(), 1.5, 1e-6);
  EXPECT_NEAR(c[1][0].item<double>(), 253.5, 1e-6);
  EXPECT_NEAR(c[1][1].item<double>(), 127.5, 1e-6);
  // Consistent with Camera::resize for the principal point.
  Intrinsics intr;
  intr.fx = intr.fy = 100;
  intr.cx = 20;
  intr.cy = 30;
  intr.width = 64;
  intr.height = 48;
  const Camera cam = Camera::from_cam_from_world(intr, Eigen::Matrix3d::Identity(), {0, 0, 0});
  const Camera big = cam.resize(256, 192);
  const auto p = heatmap_to_crop_px(torch::tensor({20.0, 30.0}, torch::kDouble), 48, 64, 192, 256);
  EXPECT_NEAR(p[0].item<double>(), big.cx(), 1e-9);
  EXPECT_NEAR(p[1].item<double>(), big.cy(), 1e-9);
  // Affine: crop (left 100, top 50, scale 0.5) back to the image.
  const auto a = torch::tensor({2.0, 0.0, 100.0, 0.0, 2.0, 50.0}, torch::kDouble).view({2, 3});
  const auto q = apply_affine_2d(torch::tensor({{1.0, 2.0}, {3.0, 4.0}}, torch::kDouble), a);
  // at::allclose's default tolerances: rtol 1e-5, atol 1e-8.
  EXPECT_THAT(
      q, TensorNear(torch::tensor({{102.0, 54.0}, {106.0, 58.0}}, torch::kDouble), 1e-8, 1e-5));
}

// Cameras on a ring around the origin looking at it, for crops of `size` pixels: [1, V, ...].
struct Rig {
  at::Tensor K, cam_from_world;
};

Rig ring(int views, int size, double phase = 0.3) {
  std::vector<Camera> cams;
  Intrinsics intr;
  intr.fx = intr.fy = 1.8 * size;
  intr.cx = intr.cy = (size - 1) / 2.0;
  intr.width = intr.height = size;
  for (int v = 0; v < views; ++v) {
    const double a = phase + 2 * M_PI * v / views;
    cams.push_back(Camera::look_at(
        intr, {4500 * std::cos(a), 4500 * std::sin(a), 1200.0 + 200 * v}, {0, 0, 900}));
  }
  const auto t = cameras_to_tensors(cams);
  return {t.K.unsqueeze(0), t.cam_from_world.unsqueeze(0)};
}

TEST(FeatureTransform, RoundTripIsIdentity) {
  const Rig rig = ring(4, 64);
  for (auto mode : {FtlMode::kRotation, FtlMode::kProjection}) {
    for (auto reshape : {FtlReshape::kInterleaved, FtlReshape::kBlocks}) {
      const auto m = make_ftl_matrices(mode, rig.K, rig.cam_from_world, 64, 64);
      const int64_t dc = canonical_point_dim(mode);
      EXPECT_EQ(m.to_canonical.sizes(), (std::vector<int64_t>{1, 4, dc, 3}));
      EXPECT_EQ(m.from_canonical.sizes(), (std::vector<int64_t>{1, 4, 3, dc}));
      const auto z = torch::randn({4, 12, 3, 5}, torch::kDouble);  // 4 points of 3 per pixel
      const auto to = feature_transform(z, m.to_canonical[0], reshape);
      EXPECT_EQ(to.size(1), 4 * dc);
      const auto back = feature_transform(to, m.from_canonical[0], reshape);
      EXPECT_LT((back - z).abs().max().item<double>(), 1e-12)
          << to_string(mode) << "/" << to_string(reshape);
      // Float32 too, to float precision.
      const auto zf = z.to(torch::kFloat);
      const auto backf = feature_transform(
          feature_transform(zf, m.to_canonical[0], reshape), m.from_canonical[0], reshape);
      EXPECT_LT((backf - zf).abs().max().item<double>(), 1e-5);
    }
  }
}

TEST(FeatureTransform, ReshapeConventions) {
  // Two points per pixel: interleaved channels (x0 y0 z0 x1 y1 z1), blocks (x0 x1 y0 y1 z0 z1).
  const auto x = torch::arange(6, torch::kDouble).view({1, 6, 1, 1});
  const auto pi = to_points(x, 3, FtlReshape::kInterleaved);  // [1, 2, 3, 1, 1]
  const auto pb = to_points(x, 3, FtlReshape::kBlocks);
  EXPECT_EQ(pi[0][1][0].item<double>(), 3.0);  // point 1, x
  EXPECT_EQ(pb[0][1][0].item<double>(), 1.0);
  EXPECT_EQ(pb[0][0][1].item<double>(), 2.0);  // point 0, y
  EXPECT_TRUE(from_points(pi, FtlReshape::kInterleaved).equal(x));
  EXPECT_TRUE(from_points(pb, FtlReshape::kBlocks).equal(x));
  // A rotation acts on each point: rotate by 90° about z.
  const auto rz =
      torch::tensor({0.0, -1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0}, torch::kDouble).view({1, 3, 3});
  const auto y = feature_transform(x, rz, FtlReshape::kInterleaved).view({6});
  EXPECT_TRUE(y.equal(torch::tensor({-1.0, 0.0, 2.0, -4.0, 3.0, 5.0}, torch::kDouble)));
}

TEST(FeatureTransform, NormalizedProjectionProperties) {
  const Rig rig = ring(3, 64);
  const auto p = normalized_projection(at::matmul(rig.K, rig.cam_from_world), 64, 64);
  EXPECT_NEAR(p[0][1].norm().item<double>(), 1.0, 1e-12);
  const auto m = make_ftl_matrices(FtlMode::kProjection, rig.K, rig.cam_from_world, 64, 64);
  EXPECT_LT((at::matmul(m.from_canonical, m.to_canonical) - torch::eye(3, torch::kDouble))
                .abs()
                .max()
                .item<double>(),
            1e-12);
  // Rotating the world about its origin: P ↦ P·diag(Rᵀ, 1) gives P⁺ ↦ diag(R, 1)·P⁺.
  const auto angle = 0.7;
  auto r = torch::tensor({std::cos(angle),
                          0.0,
                          std::sin(angle),
                          0.0,
                          1.0,
                          0.0,
                          -std::sin(angle),
                          0.0,
                          std::cos(angle)},
                         torch::kDouble)
               .view({3, 3});
  auto t4 = torch::eye(4, torch::kDouble);
  t4.narrow(0, 0, 3).narrow(1, 0, 3).copy_(r);
  const auto rotated = rig.cam_from_world.clone();
  rotated.narrow(-1, 0, 3).copy_(at::matmul(rig.cam_from_world.narrow(-1, 0, 3), r.t()));
  const auto m2 = make_ftl_matrices(FtlMode::kProjection, rig.K, rotated, 64, 64);
  EXPECT_LT((m2.to_canonical - at::matmul(t4, m.to_canonical)).abs().max().item<double>(), 1e-10);
}

TEST(VectorLinear, CommutesWithRotations) {
  VectorLinear lin(5, 3);
  const auto x = torch::randn({2, 5, 3, 4, 4});
  const auto r = std::get<0>(at::linalg_qr(torch::randn({3, 3})));
  auto rotate = [&](const at::Tensor& v) { return at::einsum("ij,nkjhw->nkihw", {r, v}); };
  EXPECT_LT((lin(rotate(x)) - rotate(lin(x))).abs().max().item<double>(), 1e-5);
  EXPECT_EQ(lin(x).sizes(), (std::vector<int64_t>{2, 3, 3, 4, 4}));
}

TEST(Fusion, UnknownNamesListKnownOnes) {
  try {
    ftl_mode_from_string("affine");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rotation, projection"), std::string::npos);
  }
  EXPECT_THROW(ftl_reshape_from_string("x"), Error);
  EXPECT_THROW(canonical_pooling_from_string("max"), Error);
}

}  // namespace
}  // namespace mvpose3d::models
