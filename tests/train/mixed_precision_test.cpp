// Mixed precision (train.precision): the fp16 loss scaler skips a step with a non-finite gradient
// and halves its scale, grows it again after finite steps, and its state survives a checkpoint;
// a bf16 step on the CPU trains with a finite loss; fp16 without CUDA is refused by name.
#include "mvpose3d/train/mixed_precision.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/data/camera_batch_from.h"
#include "mvpose3d/data/dataset_factory.h"
#include "mvpose3d/data/loader.h"
#include "mvpose3d/eval/run_evaluation.h"
#include "mvpose3d/models/autocast.h"
#include "mvpose3d/train/checkpoint.h"
#include "mvpose3d/train/trainer.h"

#include <cmath>
#include <limits>

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/sgd.h>

#include "train/train_test_util.h"

namespace mvpose3d::train {
namespace {

using testing::options_for;
using testing::TempDir;
using testing::tiny_run_config;

constexpr double kInf = std::numeric_limits<double>::infinity();

MultiviewBatch first_batch(const RunConfig& config, const at::Device& device) {
  LoaderOptions o;
  o.batch_size = config.train.batch_size;
  o.workers = 0;
  MultiviewLoader loader(make_dataset(config.data, config.seed, "train"), o);
  return loader.next()->to(device);
}

// GradScaler's step on a linear model: scaled backward, unscale, step unless non-finite, update.
// `poison` makes the weight's gradient infinite before the unscale. Returns whether it stepped.
bool scaled_step(torch::nn::Linear& net,
                 torch::optim::SGD& optimizer,
                 LossScaler& scaler,
                 bool poison) {
  optimizer.zero_grad();
  const at::Tensor x = at::ones({4, 3});
  scaler.scale(net(x).sum()).backward();
  if (poison) net->weight.mutable_grad()[0][1] = kInf;
  const bool finite = scaler.unscale(net->parameters());
  if (finite) optimizer.step();
  scaler.update();
  return finite;
}

TEST(LossScaler, SkipsAStepWithAnInfGradientAndHalvesTheScale) {
  torch::nn::Linear net(3, 1);
  torch::optim::SGD optimizer(net->parameters(), torch::optim::SGDOptions(0.1));
  LossScalerOptions options;
  options.enabled = true;
  options.growth_interval = 2;
  LossScaler scaler(options);
  EXPECT_EQ(scaler.scale_value(), 65536.0);  // GradScaler's init_scale

  // A finite step: the unscaled gradient is the true one (d sum(W x + b) / dW = 4 per weight).
  const at::Tensor w0 = net->weight.detach().clone();
  EXPECT_TRUE(scaled_step(net, optimizer, scaler, /*poison=*/false));
  EXPECT_TRUE(at::allclose(net->weight.grad(), at::full({1, 3}, 4.0)));
  EXPECT_TRUE(at::allclose(net->weight.detach(), w0 - 0.4));
  EXPECT_EQ(scaler.scale_value(), 65536.0);
  EXPECT_EQ(scaler.growth_tracker(), 1);

  // An Inf gradient: no update, the scale halved, the count of good steps reset.
  const at::Tensor w1 = net->weight.detach().clone();
  const at::Tensor b1 = net->bias.detach().clone();
  EXPECT_FALSE(scaled_step(net, optimizer, scaler, /*poison=*/true));
  EXPECT_TRUE(at::equal(net->weight.detach(), w1));
  EXPECT_TRUE(at::equal(net->bias.detach(), b1));
  EXPECT_EQ(scaler.scale_value(), 32768.0);
  EXPECT_EQ(scaler.growth_tracker(), 0);

  // growth_interval finite steps in a row double it again.
  EXPECT_TRUE(scaled_step(net, optimizer, scaler, false));
  EXPECT_EQ(scaler.scale_value(), 32768.0);
  EXPECT_TRUE(scaled_step(net, optimizer, scaler, false));
  EXPECT_EQ(scaler.scale_value(), 65536.0);
  EXPECT_EQ(scaler.growth_tracker(), 0);
}

TEST(LossScaler, DisabledChangesNothing) {
  LossScaler scaler;  // fp32 and bf16
  const at::Tensor loss = at::tensor(2.5);
  EXPECT_TRUE(scaler.scale(loss).is_same(loss));
  at::Tensor p = at::ones({2}).requires_grad_();
  p.mutable_grad() = at::full({2}, kInf);
  EXPECT_TRUE(scaler.unscale({p}));  // not even looked at
  EXPECT_TRUE(at::equal(p.grad(), at::full({2}, kInf)));
}

TEST(LossScaler, ScaleRoundTripsThroughACheckpoint) {
  RunConfig config = tiny_run_config("none");
  TempDir dir;
  Trainer trainer(config, make_run_model(config), options_for(dir.path()));
  EXPECT_EQ(trainer.progress().loss_scale, 0.0);  // fp32: no scale
  TrainingProgress progress = trainer.progress();
  progress.step = 5;
  progress.loss_scale = 1024.0;
  progress.loss_scale_growth_tracker = 7;
  const auto file = dir / "scaled.pt";
  save_training_checkpoint(file, trainer.model(), trainer.optimizer(), progress);
  const TrainingProgress loaded =
      load_training_checkpoint(file, trainer.model(), &trainer.optimizer());
  EXPECT_EQ(loaded.step, 5);
  EXPECT_EQ(loaded.loss_scale, 1024.0);
  EXPECT_EQ(loaded.loss_scale_growth_tracker, 7);

  // And into a scaler.
  LossScalerOptions options;
  options.enabled = true;
  LossScaler scaler(options);
  scaler.set_state(loaded.loss_scale, loaded.loss_scale_growth_tracker);
  EXPECT_EQ(scaler.scale_value(), 1024.0);
  EXPECT_EQ(scaler.growth_tracker(), 7);

  // A checkpoint without a scale (fp32) loads as "none".
  save_training_checkpoint(file, trainer.model(), trainer.optimizer(), trainer.progress());
  EXPECT_EQ(load_training_checkpoint(file, trainer.model(), &trainer.optimizer()).loss_scale, 0.0);
}

TEST(MixedPrecision, Bf16StepOnTheCpuGivesAFiniteLoss) {
  RunConfig config = tiny_run_config("canonical");
  config.train.precision = Precision::kBf16;
  TempDir dir;
  Trainer trainer(config, make_run_model(config), options_for(dir.path()));
  const MultiviewBatch batch = first_batch(config, trainer.device());
  const at::Tensor before = trainer.model()->parameters()[0].detach().clone();
  for (int i = 0; i < 2; ++i) {
    const StepResult r = trainer.run_step(batch);
    EXPECT_TRUE(std::isfinite(r.total_loss)) << r.total_loss;
    EXPECT_TRUE(r.terms.count("loss_3d"));  // through the DLT
    EXPECT_FALSE(r.skipped);
    ++trainer.progress().step;
  }
  const at::Tensor after = trainer.model()->parameters()[0];
  EXPECT_EQ(after.scalar_type(), at::kFloat);  // float32 master weights
  EXPECT_FALSE(at::equal(before, after));
  EXPECT_FALSE(at::autocast::is_autocast_enabled(c10::DeviceType::CPU));  // restored
}

TEST(MixedPrecision, AutocastRunsTheEncoderInBf16AndTheDltInFloat) {
  RunConfig config = tiny_run_config("none");
  auto net = make_run_model(config);
  const MultiviewBatch batch = first_batch(config, at::kCPU);
  const models::AutocastScope autocast(c10::DeviceType::CPU, at::kBFloat16);
  EXPECT_EQ(net->encoder(batch.images.flatten(0, 1)).scalar_type(), at::kBFloat16);
  const models::PoseOutput out =
      net->forward(models::imagenet_normalize(batch.images), camera_batch_from(batch));
  EXPECT_EQ(out.heatmaps.scalar_type(), at::kFloat);  // the weights' dtype again
  EXPECT_EQ(out.joints2d_crop_px.scalar_type(), at::kFloat);
  EXPECT_EQ(out.joints3d_mm.scalar_type(), at::kFloat);
  EXPECT_TRUE(at::autocast::is_autocast_enabled(c10::DeviceType::CPU));  // on again after the DLT
}

TEST(MixedPrecision, Fp16WithoutCudaIsRefusedByName) {
  if (eval::default_device().is_cuda()) GTEST_SKIP() << "a CUDA device is present";
  RunConfig config = tiny_run_config("none");
  config.train.precision = Precision::kFp16;
  TempDir dir;
  try {
    Trainer trainer(config, make_run_model(config), options_for(dir.path()));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("train.precision = fp16 needs a CUDA device"),
              std::string::npos)
        << e.what();
  }
}

TEST(MixedPrecision, Fp16SkipsAnOverflowStepHalvesTheScaleAndResumesIt_CUDA) {
  RunConfig config = tiny_run_config("none");
  config.train.precision = Precision::kFp16;
  TempDir dir;
  std::vector<double> scales;
  {
    Trainer trainer(config, make_run_model(config), options_for(dir.path()));
    ASSERT_TRUE(trainer.device().is_cuda());
    const MultiviewBatch batch = first_batch(config, trainer.device());
    at::Tensor p = trainer.model()->parameters()[0];
    const at::Tensor before = p.detach().clone();
    const unsigned hook = p.register_hook([](const at::Tensor& g) { return g * kInf; });
    const StepResult r = trainer.run_step(batch);
    EXPECT_TRUE(r.skipped && r.scale_overflow);
    EXPECT_TRUE(at::equal(before, p.detach()));
    EXPECT_EQ(trainer.progress().loss_scale, 32768.0);
    p.remove_hook(hook);
    ++trainer.progress().step;
    const StepResult ok = trainer.run_step(batch);
    EXPECT_FALSE(ok.skipped);
    EXPECT_TRUE(std::isfinite(ok.total_loss));
    ++trainer.progress().step;
    save_training_checkpoint(
        dir / "fp16.pt", trainer.model(), trainer.optimizer(), trainer.progress());
  }
  Trainer resumed(config, make_run_model(config), options_for(dir.path(), dir / "fp16.pt"));
  EXPECT_EQ(resumed.loss_scaler().scale_value(), 32768.0);
  EXPECT_EQ(resumed.loss_scaler().growth_tracker(), 1);
}

}  // namespace
}  // namespace mvpose3d::train
