// Learning-rate schedules and losses against hand-computed values.
#include "mvpose3d/core/error.h"
#include "mvpose3d/train/losses.h"
#include "mvpose3d/train/optimizer_factory.h"

#include <cmath>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

namespace mvpose3d::train {
namespace {

TEST(LearningRate, WarmupThenStepsThenCosine) {
  ScheduleConfig s;
  s.warmup_steps = 3;
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 0.4, 0, 100), 0.1);  // (0+1)/(3+1)
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 0.4, 2, 100), 0.3);
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 0.4, 3, 100), 0.4);
  s.type = ScheduleType::kSteps;
  s.milestones = {10, 20};
  s.gamma = 0.5;
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 0.4, 9, 100), 0.4);
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 0.4, 10, 100), 0.2);
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 0.4, 25, 100), 0.1);
  s.type = ScheduleType::kCosine;
  s.warmup_steps = 0;
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 0.4, 0, 100), 0.4);
  EXPECT_NEAR(learning_rate_at(s, 0.4, 50, 100), 0.2, 1e-12);
  EXPECT_NEAR(learning_rate_at(s, 0.4, 100, 100), 0.0, 1e-12);
}

TEST(MakeOptimizer, UnknownTypeNamesTheKnownOnes) {
  OptimizerConfig c;
  try {
    // An unknown name cannot reach make_optimizer: the config's enum rejects it.
    c.type = parse_enum<OptimizerType>("lbfgs", "train.optimizer.type");
    make_optimizer(c, {at::zeros({2}, at::requires_grad())});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("adam, sgd"), std::string::npos) << e.what();
  }
}

TEST(GaussianHeatmaps, PeakAtTheJointsHeatmapPixel) {
  // 64 px crop, 16 px heatmap: crop px 17.5 -> heatmap px (17.5 + 0.5) / 4 - 0.5 = 4.
  const at::Tensor joints = at::tensor({17.5, 33.5}, at::kDouble).view({1, 1, 1, 2});
  const at::Tensor h = gaussian_heatmaps(joints, 64, 16, 16, 1.0);  // [1, 1, 1, 16, 16]
  ASSERT_EQ(h.sizes(), (at::IntArrayRef{1, 1, 1, 16, 16}));
  const auto flat = h.flatten().argmax().item<int64_t>();
  EXPECT_EQ(flat % 16, 4);  // x
  EXPECT_EQ(flat / 16, 8);  // y = (33.5 + 0.5) / 4 - 0.5
  EXPECT_DOUBLE_EQ(h.max().item<double>(), 1.0);
  EXPECT_NEAR(h[0][0][0][8][5].item<double>(), std::exp(-0.5), 1e-12);
}

TEST(Losses, HandComputedL1AndMaskedMpjpe) {
  models::PoseOutput out;
  MultiviewBatch batch;
  // B = 1, V = 1, J = 2: 2D errors (1, 2) and (3, 0) px -> L1 = (1 + 2 + 3 + 0) / 4 = 1.5.
  batch.joints_2d_px = at::zeros({1, 1, 2, 2}, at::kDouble);
  out.joints2d_crop_px = at::tensor({1.f, 2.f, 3.f, 0.f}).view({1, 1, 2, 2});
  batch.images = at::zeros({1, 1, 3, 8, 8});
  // 3D errors 5 mm (3-4-0) on joint 0 and 100 mm on joint 1, which is not valid -> MPJPE 5.
  batch.joints_world_mm = at::zeros({1, 2, 3}, at::kDouble);
  out.joints3d_mm = at::tensor({3.f, 4.f, 0.f, 100.f, 0.f, 0.f}).view({1, 2, 3});
  out.joints3d_valid = at::tensor({1, 0}).to(at::kBool).view({1, 2});
  LossConfig c;
  c.loss_2d = Loss2d::kL1;
  c.loss_3d = Loss3d::kMpjpe;
  c.weight_2d = 2.0;
  c.weight_3d = 0.5;
  c.warmup_2d_steps = 10;
  LossTerms early = compute_losses(out, batch, c, 9);
  EXPECT_NEAR(early.terms.at("loss_2d").item<double>(), 1.5, 1e-6);
  EXPECT_EQ(early.terms.count("loss_3d"), 0u);  // 2D-only warm-up
  EXPECT_NEAR(early.total.item<double>(), 3.0, 1e-6);
  LossTerms later = compute_losses(out, batch, c, 10);
  EXPECT_NEAR(later.terms.at("loss_3d").item<double>(), 5.0, 1e-3);
  EXPECT_NEAR(later.total.item<double>(), 3.0 + 2.5, 1e-3);
  c.loss_3d = Loss3d::kL1;  // (3 + 4 + 0) / 3 on the valid joint
  EXPECT_NEAR(compute_losses(out, batch, c, 10).terms.at("loss_3d").item<double>(), 7.0 / 3, 1e-5);
  c.loss_3d = Loss3d::kNone;  // "no DLT": never a 3D term
  EXPECT_EQ(compute_losses(out, batch, c, 1000).terms.count("loss_3d"), 0u);
}

}  // namespace
}  // namespace mvpose3d::train
