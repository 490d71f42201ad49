// BatchNorm folded into the convolutions: the same outputs (layers, encoders, whole networks), the
// BN layers gone, and a folded network refused for training and checkpoints.
#include "mvpose3d/models/batchnorm_folding.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/geometry/camera.h"
#include "mvpose3d/models/pose_net.h"
#include "mvpose3d/models/resnet.h"

#include <cmath>
#include <string>

#include <ATen/Context.h>
#include <gtest/gtest.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>

#include "models/model_test_util.h"

namespace mvpose3d::models {
namespace {

namespace nn = torch::nn;
using mvpose3d::testing::TempDir;
using mvpose3d::testing::tiny_model_config;

// Statistics and affine parameters far from BN's initial identity, so that folding them wrongly
// (a scale on the wrong dimension, the mean forgotten) changes the outputs.
void randomize_batchnorm(nn::Module& root) {
  torch::NoGradGuard no_grad;
  for (const auto& m : root.modules()) {
    if (auto* bn = m->as<nn::BatchNorm2dImpl>()) {
      bn->running_mean.uniform_(-0.5, 0.5);
      bn->running_var.uniform_(0.3, 2.0);
      bn->weight.uniform_(0.5, 1.5);
      bn->bias.uniform_(-0.3, 0.3);
    }
  }
}

int64_t count_batchnorm(const nn::Module& root) {
  int64_t n = 0;
  for (const auto& m : root.modules()) n += m->as<nn::BatchNorm2dImpl>() != nullptr;
  return n;
}

double max_relative_error(const at::Tensor& a, const at::Tensor& b) {
  return ((a - b).abs().max() / b.abs().max().clamp_min(1e-30)).item<double>();
}

TEST(BatchNormFolding, ConvolutionsMatchConvolutionThenBatchNorm) {
  torch::manual_seed(0);
  for (bool with_bias : {false, true}) {
    SCOPED_TRACE(with_bias ? "with bias" : "no bias");
    nn::Conv2d conv(nn::Conv2dOptions(5, 7, 3).stride(2).padding(1).bias(with_bias));
    nn::ConvTranspose2d deconv(
        nn::ConvTranspose2dOptions(7, 4, 3).stride(2).padding(1).output_padding(1).bias(with_bias));
    nn::BatchNorm2d bn7(7), bn4(4);
    randomize_batchnorm(*bn7);
    randomize_batchnorm(*bn4);
    bn7->eval();
    bn4->eval();
    conv->to(at::kDouble);
    deconv->to(at::kDouble);
    bn7->to(at::kDouble);
    bn4->to(at::kDouble);
    const auto x = torch::randn({2, 5, 9, 9}, at::kDouble);
    torch::NoGradGuard no_grad;
    const auto mid = bn7(conv(x));
    const auto expected = bn4(deconv(mid));
    auto* conv_object = conv.get();
    fold_batchnorm_into(conv, bn7);
    fold_batchnorm_into(deconv, bn4);
    EXPECT_EQ(conv.get(), conv_object) << "the module object must be kept";
    EXPECT_TRUE(conv->bias.defined());
    EXPECT_TRUE(conv->named_parameters().contains("bias"));
    EXPECT_EQ(conv->weight.scalar_type(), at::kDouble);
    EXPECT_LT(max_relative_error(conv(x), mid), 1e-12);
    EXPECT_LT(max_relative_error(deconv(conv(x)), expected), 1e-12);
  }
}

TEST(BatchNormFolding, RefusesWhatCannotBeFolded) {
  nn::Conv2d conv(nn::Conv2dOptions(3, 4, 1));
  nn::BatchNorm2d wrong_channels(5);
  try {
    fold_batchnorm_into(conv, wrong_channels);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("BatchNorm of 5 channels after a convolution of 4"),
              std::string::npos)
        << e.what();
  }
  nn::BatchNorm2d no_stats(nn::BatchNorm2dOptions(4).track_running_stats(false));
  EXPECT_THROW(fold_batchnorm_into(conv, no_stats), Error);
  nn::BatchNorm2d no_affine(nn::BatchNorm2dOptions(4).affine(false));
  EXPECT_THROW(fold_batchnorm_into(conv, no_affine), Error);
}

// A BN with no convolution before it (it stays), then a Sequential one level down.
struct NestedImpl : nn::Module {
  NestedImpl() {
    first = register_module("first", nn::BatchNorm2d(3));
    seq = register_module(
        "seq",
        nn::Sequential(
            nn::Conv2d(nn::Conv2dOptions(3, 6, 1).bias(false)),
            nn::BatchNorm2d(6),
            nn::ReLU(),
            nn::ConvTranspose2d(nn::ConvTranspose2dOptions(6, 5, 4).stride(2).padding(1)),
            nn::BatchNorm2d(5)));
  }
  at::Tensor forward(const at::Tensor& x) { return seq->forward(first(x)); }
  nn::BatchNorm2d first{nullptr};
  nn::Sequential seq{nullptr};
};
TORCH_MODULE(Nested);

TEST(BatchNormFolding, SequentialsLoseTheirBatchNorms) {
  torch::manual_seed(1);
  Nested net;
  randomize_batchnorm(*net);
  net->eval();
  const auto x = torch::randn({2, 3, 6, 6});
  torch::NoGradGuard no_grad;
  const auto expected = net(x);
  EXPECT_EQ(fold_batchnorm_in_sequentials(*net), 2);
  EXPECT_EQ(net->seq->size(), 3u);
  EXPECT_EQ(count_batchnorm(*net), 1);
  EXPECT_TRUE(net->named_parameters().contains("seq.0.bias"));
  EXPECT_TRUE(net->named_parameters().contains("seq.2.bias"));  // the deconvolution, renumbered
  EXPECT_LT(max_relative_error(net(x), expected), 1e-5);
  EXPECT_EQ(fold_batchnorm_in_sequentials(*net), 0);
}

TEST(BatchNormFolding, EncodersOfBothBlockTypes) {
  for (auto block : {ResNetBlock::kBasic, ResNetBlock::kBottleneck}) {
    SCOPED_TRACE(block == ResNetBlock::kBasic ? "basic" : "bottleneck");
    torch::manual_seed(2);
    ResNetEncoder encoder(ResNetOptions(block, {1, 2, 1, 1}).width(8));
    randomize_batchnorm(*encoder);
    encoder->eval();
    const int64_t bn_layers = count_batchnorm(*encoder);
    const auto x = torch::randn({2, 3, 64, 64});
    torch::NoGradGuard no_grad;
    const auto expected = encoder(x);
    EXPECT_EQ(encoder->fold_batchnorm(), bn_layers);
    EXPECT_EQ(count_batchnorm(*encoder), 0);
    EXPECT_FALSE(encoder->named_parameters().contains("bn1.weight"));
    EXPECT_TRUE(encoder->named_parameters().contains("conv1.bias"));
    EXPECT_LT(max_relative_error(encoder(x), expected), 1e-5);
    EXPECT_EQ(encoder->fold_batchnorm(), 0);
  }
}

std::vector<Camera> ring(int views) {
  Intrinsics intr;
  intr.fx = intr.fy = 115;
  intr.cx = intr.cy = 31.5;
  intr.width = intr.height = 64;
  std::vector<Camera> cams;
  for (int v = 0; v < views; ++v) {
    const double a = 0.3 + 2 * M_PI * v / views;
    cams.push_back(Camera::look_at(
        intr, {4500 * std::cos(a), 4500 * std::sin(a), 1200.0 + 150 * v}, {0, 0, 900}));
  }
  return cams;
}

TEST(BatchNormFolding, EveryNetworkVariantGivesTheSameOutputs) {
  auto mean = tiny_model_config("canonical");
  mean.canonical_pooling = CanonicalPooling::kMean;
  auto equivariant = mean;
  equivariant.equivariant = true;
  auto reduced = tiny_model_config("none");
  reduced.decoder_reduce_channels = 6;
  const std::vector<std::pair<std::string, ModelConfig>> configs{
      {"baseline", tiny_model_config("none")},
      {"fusion", tiny_model_config("fusion")},
      {"canonical", tiny_model_config("canonical")},
      {"canonical_mean", mean},
      {"canonical_mean_equivariant", equivariant},
      {"baseline_reduced_decoder", reduced}};
  const int views = 3;
  torch::manual_seed(3);
  const auto images = torch::randn({2, views, 3, 64, 64});
  const auto cams = CameraBatch::from_cameras(ring(views), 2);
  for (const auto& [name, config] : configs) {
    SCOPED_TRACE(name);
    torch::manual_seed(4);
    auto net = make_model(config, 5, views);
    randomize_batchnorm(*net);
    {
      torch::NoGradGuard no_grad;  // heatmaps that are not flat, so that the 2D joints differ
      net->decoder->final_layer->weight.normal_(0, 0.5);
    }
    EXPECT_THROW(net->fold_batchnorm(), Error) << "folding in training mode";
    net->eval();
    const int64_t bn_layers = count_batchnorm(*net);
    torch::NoGradGuard no_grad;
    const auto expected = net->forward(images, cams);
    EXPECT_EQ(net->fold_batchnorm(), bn_layers);
    EXPECT_TRUE(net->batchnorm_folded());
    EXPECT_EQ(count_batchnorm(*net), 0);
    const auto folded = net->forward(images, cams);
    EXPECT_LT(max_relative_error(folded.heatmaps, expected.heatmaps), 1e-4);
    EXPECT_LT((folded.joints2d_image_px - expected.joints2d_image_px).abs().max().item<double>(),
              1e-3);
    EXPECT_LT((folded.joints3d_mm - expected.joints3d_mm).abs().max().item<double>(), 0.1);
    EXPECT_EQ(net->fold_batchnorm(), 0);
  }
}

// Folding a network that already lives on the GPU (the folded weights are made on its device).
TEST(BatchNormFolding, FoldedOnTheGpu_CUDA) {
  at::globalContext().setAllowTF32CuDNN(false);  // compare float32 with float32, not TF32
  const int views = 3;
  torch::manual_seed(5);
  auto net = make_model(tiny_model_config("canonical"), 5, views);
  randomize_batchnorm(*net);
  net->eval();
  net->to(at::kCUDA);
  const auto images = torch::randn({2, views, 3, 64, 64}).cuda();
  const auto cams = CameraBatch::from_cameras(ring(views), 2).to(at::kCUDA);
  torch::NoGradGuard no_grad;
  const auto expected = net->forward(images, cams);
  EXPECT_GT(net->fold_batchnorm(), 0);
  const auto folded = net->forward(images, cams);
  EXPECT_TRUE(net->decoder->final_layer->weight.is_cuda());
  EXPECT_LT(max_relative_error(folded.heatmaps, expected.heatmaps), 1e-4);
  at::globalContext().setAllowTF32CuDNN(true);
}

TEST(BatchNormFolding, AFoldedNetworkNeitherTrainsNorSaves) {
  TempDir dir;
  auto net = make_model(tiny_model_config("canonical"), 5, 3);
  net->eval();
  net->fold_batchnorm();
  net->eval();  // still allowed
  try {
    net->train();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot train"), std::string::npos) << e.what();
  }
  try {
    save_model(net, dir / "folded.pt");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("save the network before folding"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "folded.pt"));
}

}  // namespace
}  // namespace mvpose3d::models
