// The whole network: shapes of every variant, invariances of the symmetric and equivariant
// canonical fusions, gradients through the DLT, checkpoints and the factory.
#include "mvpose3d/models/pose_net.h"

#include "mvpose3d/config/run_config.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/geometry/camera.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include <Eigen/Geometry>
#include <gtest/gtest.h>
#include <torch/nn/modules/conv.h>
#include <torch/serialize.h>

#include "models/model_test_util.h"
#include "support/tensor_matchers.h"

namespace mvpose3d::models {
namespace {

using mvpose3d::testing::TempDir;
using mvpose3d::testing::TensorNear;
using mvpose3d::testing::tiny_model_config;

constexpr int64_t kJoints = 5;
constexpr int kCrop = 64;

// Cameras on a ring around a subject near the origin, K for kCrop-pixel crops.
std::vector<Camera> ring(int views, double phase = 0.3) {
  Intrinsics intr;
  intr.fx = intr.fy = 1.8 * kCrop;
  intr.cx = intr.cy = (kCrop - 1) / 2.0;
  intr.width = intr.height = kCrop;
  std::vector<Camera> cams;
  for (int v = 0; v < views; ++v) {
    const double a = phase + 2 * M_PI * v / views + 0.1 * v * v;
    cams.push_back(Camera::look_at(
        intr, {4500 * std::cos(a), 4500 * std::sin(a), 1200.0 + 150 * v}, {30.0 * v, -20.0, 900}));
  }
  return cams;
}

// The same cameras with the world frame rotated by `r` (the scene rotates with them).
std::vector<Camera> rotate_world(const std::vector<Camera>& cams, const Eigen::Matrix3d& r) {
  std::vector<Camera> out;
  for (const auto& c : cams) {
    out.push_back(
        Camera::from_cam_from_world(c.intrinsics(), c.rotation() * r.transpose(), c.translation()));
  }
  return out;
}

// Weights large enough that an untrained network's 2D outputs differ clearly between joints and
// views (the decoder's Simple-Baselines init, N(0, 0.001), gives nearly flat heatmaps).
void make_outputs_vary(MultiViewPoseNet& net) {
  torch::NoGradGuard no_grad;
  for (auto& m : net->decoder->modules(false)) {
    if (auto* d = m->as<torch::nn::ConvTranspose2d>()) d->weight.normal_(0, 0.15);
  }
  net->decoder->final_layer->weight.normal_(0, 0.5);
}

MultiViewPoseNet tiny_net(const ModelConfig& config, int64_t views, uint64_t seed = 0) {
  torch::manual_seed(seed);
  auto net = make_model(config, kJoints, views);
  make_outputs_vary(net);
  net->eval();
  return net;
}

at::Tensor images(int64_t batch, int64_t views, uint64_t seed = 1) {
  torch::manual_seed(seed);
  return torch::randn({batch, views, 3, kCrop, kCrop});
}

struct Variant {
  std::string name;
  ModelConfig config;
};

std::vector<Variant> variants() {
  std::vector<Variant> list;
  list.push_back({"baseline", tiny_model_config("none")});
  list.push_back({"fusion", tiny_model_config("fusion")});
  auto c = tiny_model_config("canonical");
  list.push_back({"canonical", c});
  auto rot = c;
  rot.ftl_mode = FtlMode::kRotation;
  rot.ftl_reshape = FtlReshape::kBlocks;
  rot.fused_channels = 12;
  list.push_back({"canonical_rotation_blocks", rot});
  auto mean = c;
  mean.canonical_pooling = CanonicalPooling::kMean;
  list.push_back({"canonical_mean", mean});
  auto eq = mean;
  eq.equivariant = true;
  list.push_back({"canonical_mean_equivariant", eq});
  auto eq_rot = rot;
  eq_rot.equivariant = true;
  list.push_back({"canonical_concat_equivariant_rotation", eq_rot});
  auto shortcut = eq;
  shortcut.view_shortcut = true;
  list.push_back({"canonical_mean_equivariant_shortcut", shortcut});
  auto fusion_shortcut = tiny_model_config("fusion");
  fusion_shortcut.view_shortcut = true;
  list.push_back({"fusion_shortcut", fusion_shortcut});
  auto reduced = tiny_model_config("canonical");
  reduced.decoder_reduce_channels = 6;
  list.push_back({"canonical_reduced_decoder", reduced});
  return list;
}

TEST(MultiViewPoseNet, OutputShapesForEveryVariant) {
  const int64_t b = 2, v = 3;
  const auto x = images(b, v);
  auto cams = CameraBatch::from_cameras(ring(v), b);
  cams.image_from_crop = torch::tensor({2.0, 0.0, 100.0, 0.0, 2.0, 40.0}, torch::kDouble)
                             .view({1, 1, 2, 3})
                             .expand({b, v, 2, 3});
  for (const auto& variant : variants()) {
    SCOPED_TRACE(variant.name);
    auto net = tiny_net(variant.config, v);
    torch::NoGradGuard no_grad;
    const PoseOutput out = net->forward(x, cams);
    EXPECT_EQ(out.heatmaps.sizes(), (std::vector<int64_t>{b, v, kJoints, 8, 8}));
    EXPECT_EQ(out.joints2d_heatmap.sizes(), (std::vector<int64_t>{b, v, kJoints, 2}));
    EXPECT_EQ(out.joints2d_crop_px.sizes(), (std::vector<int64_t>{b, v, kJoints, 2}));
    EXPECT_EQ(out.joints2d_image_px.sizes(), (std::vector<int64_t>{b, v, kJoints, 2}));
    EXPECT_EQ(out.confidences.sizes(), (std::vector<int64_t>{b, v, kJoints}));
    EXPECT_EQ(out.joints3d_mm.sizes(), (std::vector<int64_t>{b, kJoints, 3}));
    EXPECT_EQ(out.joints3d_valid.sizes(), (std::vector<int64_t>{b, kJoints}));
    EXPECT_TRUE(out.joints3d_mm.isfinite().all().item<bool>());
    EXPECT_THAT(out.joints2d_image_px,
                TensorNear(out.joints2d_crop_px * 2 + torch::tensor({100.0, 40.0}, torch::kFloat),
                           /*atol=*/1e-4,
                           /*rtol=*/1e-5));
    // The 2D joints lie inside the crop.
    EXPECT_GE(out.joints2d_crop_px.min().item<double>(), -0.5);
    EXPECT_LE(out.joints2d_crop_px.max().item<double>(), kCrop - 0.5);
  }
}

TEST(MultiViewPoseNet, SymmetricFusionTakesAnyNumberOfViews) {
  auto config = tiny_model_config("canonical");
  config.canonical_pooling = CanonicalPooling::kMean;
  auto net = tiny_net(config, 4);
  torch::NoGradGuard no_grad;
  for (int v : {1, 2, 6}) {
    const auto out = net->forward(images(1, v), CameraBatch::from_cameras(ring(v), 1));
    EXPECT_EQ(out.joints2d_crop_px.size(1), v);
    EXPECT_EQ(out.joints3d_mm.defined(), v >= 2);
  }
  // The concatenating blocks are built for V views and say so.
  auto concat = tiny_net(tiny_model_config("canonical"), 4);
  try {
    concat->forward(images(1, 3), CameraBatch::from_cameras(ring(3), 1));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("built for 4 views"), std::string::npos) << e.what();
  }
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

TEST(MultiViewPoseNet, SymmetricFusionIsInvariantToViewOrder) {
  const int64_t v = 4;
  const auto x = images(2, v);
  const auto cams = CameraBatch::from_cameras(ring(v), 2);
  const auto perm = torch::tensor({2, 0, 3, 1}, torch::kLong);
  for (bool equivariant : {false, true}) {
    SCOPED_TRACE(equivariant ? "equivariant" : "plain");
    auto config = tiny_model_config("canonical");
    config.canonical_pooling = CanonicalPooling::kMean;
    config.equivariant = equivariant;
    auto net = tiny_net(config, v);
    torch::NoGradGuard no_grad;
    const auto a = net->forward(x, cams);
    const auto b = net->forward(x.index_select(1, perm), cams.select_views(perm));
    EXPECT_LT(max_abs_diff(a.joints2d_crop_px.index_select(1, perm), b.joints2d_crop_px), 1e-3);
    EXPECT_LT(max_abs_diff(a.joints3d_mm, b.joints3d_mm),
              1e-3 * (1 + a.joints3d_mm.abs().max().item<double>()));
    EXPECT_GT(a.joints2d_crop_px.std().item<double>(), 0.1);  // the outputs are not all alike
  }
  // The paper's concatenation is not invariant (the test can tell).
  auto concat = tiny_net(tiny_model_config("canonical"), v);
  torch::NoGradGuard no_grad;
  const auto a = concat->forward(x, cams);
  const auto b = concat->forward(x.index_select(1, perm), cams.select_views(perm));
  EXPECT_GT(max_abs_diff(a.joints2d_crop_px.index_select(1, perm), b.joints2d_crop_px), 1e-2);
}

Eigen::Matrix3d some_rotation() {
  return (Eigen::AngleAxisd(0.9, Eigen::Vector3d(0.3, -0.5, 0.8).normalized()) *
          Eigen::AngleAxisd(-0.4, Eigen::Vector3d::UnitZ()))
      .toRotationMatrix();
}

// Rotating the whole world frame (every camera and the scene) leaves the images, hence the 2D
// predictions, unchanged and rotates the 3D output with it.
void expect_rotation_equivariance(const ModelConfig& config, bool expect_equivariant) {
  const int64_t v = 4;
  const auto x = images(2, v);
  const auto cams = ring(v);
  const Eigen::Matrix3d r = some_rotation();
  auto net = tiny_net(config, v);
  torch::NoGradGuard no_grad;
  const auto a = net->forward(x, CameraBatch::from_cameras(cams, 2));
  const auto b = net->forward(x, CameraBatch::from_cameras(rotate_world(cams, r), 2));
  const double diff2d = max_abs_diff(a.joints2d_crop_px, b.joints2d_crop_px);
  if (!expect_equivariant) {
    EXPECT_GT(diff2d, 1e-2) << "a non-equivariant fusion should notice the rotation";
    return;
  }
  EXPECT_GT(a.joints2d_crop_px.std().item<double>(), 0.1);
  EXPECT_LT(diff2d, 1e-3);
  ASSERT_TRUE(a.joints3d_valid.all().item<bool>());
  ASSERT_TRUE(b.joints3d_valid.all().item<bool>());
  const auto rt = torch::from_blob(const_cast<double*>(r.data()), {3, 3}, torch::kDouble)
                      .t()  // Eigen is column-major
                      .to(torch::kFloat);
  const auto rotated = at::matmul(a.joints3d_mm, rt.t());  // R·X for rows X
  const double scale = 1 + a.joints3d_mm.abs().max().item<double>();
  EXPECT_LT(max_abs_diff(rotated, b.joints3d_mm), 1e-3 * scale)
      << "3D " << a.joints3d_mm[0][0] << " rotated " << rotated[0][0] << " vs "
      << b.joints3d_mm[0][0];
}

TEST(MultiViewPoseNet, EquivariantFusionRotatesWithTheWorld) {
  for (const std::string mode : {"projection", "rotation"}) {
    for (const std::string pooling : {"mean", "concat"}) {
      SCOPED_TRACE(mode + "/" + pooling);
      auto config = tiny_model_config("canonical");
      config.ftl_mode = ftl_mode_from_string(mode);
      if (mode == "rotation") config.fused_channels = 12;
      config.canonical_pooling = canonical_pooling_from_string(pooling);
      config.equivariant = true;
      expect_rotation_equivariance(config, true);
      config.view_shortcut = true;
      expect_rotation_equivariance(config, true);
    }
  }
  // The Baseline is trivially equivariant; the plain canonical fusion is not.
  expect_rotation_equivariance(tiny_model_config("none"), true);
  auto plain = tiny_model_config("canonical");
  plain.canonical_pooling = CanonicalPooling::kMean;
  expect_rotation_equivariance(plain, false);
}

TEST(MultiViewPoseNet, GradientsReachTheEncoderThroughTheDlt) {
  for (const std::string fusion : {"none", "canonical"}) {
    SCOPED_TRACE(fusion);
    auto net = tiny_net(tiny_model_config(fusion), 3);
    net->train();
    const auto out = net->forward(images(2, 3), CameraBatch::from_cameras(ring(3), 2));
    ASSERT_TRUE(out.joints3d_valid.all().item<bool>());
    const auto loss = out.joints3d_mm.norm(2, -1).mean();  // a 3D-only loss
    loss.backward();
    const auto g = net->encoder->conv1->weight.grad();
    ASSERT_TRUE(g.defined());
    EXPECT_TRUE(g.isfinite().all().item<bool>());
    EXPECT_GT(g.abs().sum().item<double>(), 0);
    if (fusion == "canonical") {
      const auto gf = net->fusion->named_parameters()["down.0.weight"].grad();
      ASSERT_TRUE(gf.defined());
      EXPECT_GT(gf.abs().sum().item<double>(), 0);
    }
  }
}

TEST(MultiViewPoseNet, SaveLoadRoundTrip) {
  TempDir dir;
  auto config = tiny_model_config("canonical");
  config.canonical_pooling = CanonicalPooling::kMean;
  config.equivariant = true;
  auto a = tiny_net(config, 3, /*seed=*/1);
  a->train();
  a->forward(images(2, 3), CameraBatch::from_cameras(ring(3), 2));  // change the BN statistics
  a->eval();
  save_model(a, dir / "net.pt", {{"step", "3"}});
  auto b = tiny_net(config, 3, /*seed=*/2);
  const auto info = load_model(b, dir / "net.pt");
  EXPECT_EQ(info.architecture, a->architecture());
  EXPECT_EQ(info.metadata.at("step"), "3");
  torch::NoGradGuard no_grad;
  const auto x = images(1, 3, 5);
  const auto cams = CameraBatch::from_cameras(ring(3), 1);
  EXPECT_TRUE(a->forward(x, cams).heatmaps.equal(b->forward(x, cams).heatmaps));
}

TEST(MultiViewPoseNet, CheckpointOfAnotherArchitectureIsRefused) {
  TempDir dir;
  auto canonical = tiny_net(tiny_model_config("canonical"), 3);
  save_model(canonical, dir / "canonical.pt");
  auto fusion = tiny_net(tiny_model_config("fusion"), 3);
  try {
    load_model(fusion, dir / "canonical.pt");
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("wrong architecture"), std::string::npos) << m;
    EXPECT_NE(m.find("key 'fusion.fuse.0.weight' has shape"), std::string::npos) << m;
    EXPECT_NE(m.find("fusion=canonical"), std::string::npos) << m;
  }
  auto baseline = tiny_net(tiny_model_config("none"), 3);
  try {
    load_model(baseline, dir / "canonical.pt");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unexpected key 'fusion.down.0.weight'"),
              std::string::npos)
        << e.what();
  }
}

TEST(MakeModel, FailsWithTheKnownNames) {
  auto expect_error = [](ModelConfig c, const std::string& needle) {
    try {
      make_model(c, kJoints, 3);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  auto c = tiny_model_config("canonical");
  // Unknown names (fusion, backbone, ftl_mode, triangulation) cannot be written into a
  // ModelConfig any more: the config's enums reject them when a file is loaded (config tests).
  auto bad = c;
  bad.fused_channels = 15;
  expect_error(bad, "model.fused_channels = 15 must be a multiple of 4");
  bad = tiny_model_config("fusion");
  bad.equivariant = true;
  expect_error(bad, "model.equivariant needs model.fusion = canonical");
  bad = c;
  bad.pretrained = "/nonexistent/weights.pt";
  expect_error(bad, "/nonexistent/weights.pt");
}

TEST(MakeModel, LoadsPretrainedEncoderWeights) {
  const std::string why = mvpose3d::testing::torchvision_unavailable();
  if (!why.empty()) GTEST_SKIP() << "model.pretrained not checked: " << why;
  TempDir dir;
  const auto script = mvpose3d::testing::source_dir() / "scripts" / "export_torchvision_resnet.py";
  const std::string cmd =
      fmt::format("'{}' '{}' --arch resnet18 --random --seed 5 --out '{}' > /dev/null 2>&1",
                  mvpose3d::testing::python_executable(),
                  script.string(),
                  (dir / "resnet18.pt").string());
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto config = tiny_model_config("canonical");
  config.backbone_width = 64;  // torchvision's ResNet-18
  config.pretrained = (dir / "resnet18.pt").string();
  auto net = make_model(config, kJoints, 3);
  std::ifstream in(dir / "resnet18.pt", std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto file = torch::pickle_load(bytes).toGenericDict().at("state_dict").toGenericDict();
  EXPECT_TRUE(net->encoder->conv1->weight.equal(file.at("conv1.weight").toTensor()));
  EXPECT_TRUE(net->encoder->named_buffers()["layer4.1.bn2.running_var"].equal(
      file.at("layer4.1.bn2.running_var").toTensor()));
  // A width that does not match the file is refused with both architectures named.
  config.backbone_width = 32;
  try {
    make_model(config, kJoints, 3);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("but the encoder is resnet(basic,[2,2,2,2],width=32"),
              std::string::npos)
        << e.what();
  }
}

TEST(MakeModel, FromRunConfig) {
  RunConfig config;
  config.model = tiny_model_config("canonical");
  config.data.joints = JointSet::kH36m17;
  config.data.num_views = 3;
  auto net = make_model(config);
  EXPECT_EQ(net->options().num_joints, 17);
  EXPECT_EQ(net->options().num_views, 3);
  EXPECT_EQ(net->decoder->final_layer->weight.size(0), 17);
  const auto size = model_size(*net);
  EXPECT_GT(size.parameters, 0);
  EXPECT_NEAR(size.megabytes(), 4.0 * (size.parameters + size.buffers) / 1e6, 1e-9);
}

}  // namespace
}  // namespace mvpose3d::models
