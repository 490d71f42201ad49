// Evaluation camera sets of other camera counts than training (eval.view_counts): a symmetric
// network built for 4 views evaluated on unseen rigs of 2 and 8 cameras, the 4-camera set being
// the "unseen" set itself, and the refusal for a concatenating fusion.
#include "mvpose3d/config/run_config.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/data/dataset_factory.h"
#include "mvpose3d/eval/run_evaluation.h"
#include "mvpose3d/models/pose_net.h"

#include <cmath>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/utils.h>

#include "models/model_test_util.h"

namespace mvpose3d::eval {
namespace {

// The demo's kind of run at test size: synthetic data, 4 training views, a tiny canonical fusion
// with `pooling`, evaluated on the unseen rig and on unseen rigs of 2 and 8 cameras.
RunConfig tiny_config(CanonicalPooling pooling) {
  RunConfig config = default_config();
  config.data.type = DatasetType::kSynthetic;
  config.data.crop_size_px = 64;
  config.data.num_views = 4;
  config.data.workers = 0;
  config.data.synthetic.test_samples = 4;
  config.model = testing::tiny_model_config("canonical");
  config.model.canonical_pooling = pooling;
  config.eval.camera_sets = {"unseen"};
  config.eval.view_counts = {2, 8};
  config.eval.samples = 3;
  config.train.batch_size = 3;
  return config;
}

TEST(EvalViewCounts, SymmetricNetworkRunsOnUnseenRigsOfTwoAndEightCameras) {
  const int threads = at::get_num_threads();
  at::set_num_threads(1);  // a busy 2-core machine: no OpenMP contention in a tiny pass
  const RunConfig config = tiny_config(CanonicalPooling::kMean);
  EXPECT_EQ(validate(config), std::vector<std::string>{});
  const auto sets = make_eval_datasets(config);
  ASSERT_EQ(sets.size(), 3u);
  const std::vector<std::string> names{"unseen", "unseen_2views", "unseen_8views"};
  const std::vector<int> views{4, 2, 8};
  for (std::size_t i = 0; i < sets.size(); ++i) {
    EXPECT_EQ(sets[i].name, names[i]);
    EXPECT_EQ(sets[i].dataset->num_views(), views[i]);
    EXPECT_EQ(sets[i].dataset->get(0).images.size(0), views[i]);
  }

  torch::manual_seed(0);
  auto net = models::make_model(config);  // built for data.num_views = 4
  {
    // Heatmaps that vary between joints and views (the decoder's initialisation is nearly flat).
    torch::NoGradGuard no_grad;
    net->decoder->final_layer->weight.normal_(0, 0.5);
  }
  const EvalSummary summary = evaluate_model(net, config, at::kCPU, sets, false);
  at::set_num_threads(threads);
  EXPECT_EQ(summary.camera_sets(), names);
  for (const std::string& name : names) {
    const MetricRow row = summary.overall(name);
    EXPECT_EQ(row.frames, 3) << name;
    EXPECT_TRUE(std::isfinite(row.mpjpe_mm)) << name;
    EXPECT_GT(row.mpjpe_mm, 0) << name;
  }
}

TEST(EvalViewCounts, TheTrainingCountIsTheUnseenSetItself) {
  const RunConfig config = tiny_config(CanonicalPooling::kMean);
  const auto unseen = make_dataset(config.data, config.seed, "test", "unseen");
  const auto four = make_unseen_rig_test_set(config.data, config.seed, 4);
  const auto eight = make_unseen_rig_test_set(config.data, config.seed, 8);
  const MultiviewSample a = unseen->get(1), b = four->get(1), c = eight->get(1);
  EXPECT_TRUE(at::equal(a.images, b.images));
  for (int v = 0; v < 4; ++v) {
    EXPECT_TRUE(a.cameras[v].calibration_matrix().isApprox(b.cameras[v].calibration_matrix()));
  }
  EXPECT_TRUE(at::equal(a.joints_world_mm, b.joints_world_mm));
  // Another count: the same subject and pose, other cameras.
  EXPECT_TRUE(at::equal(a.joints_world_mm, c.joints_world_mm));
  EXPECT_EQ(c.images.size(0), 8);
}

TEST(EvalViewCounts, ConcatenatingFusionIsRefusedNamingTheKey) {
  const RunConfig config = tiny_config(CanonicalPooling::kConcat);
  try {
    make_eval_datasets(config);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("eval.view_counts[0] gives 2 cameras"), std::string::npos) << message;
    EXPECT_NE(message.find("model.canonical_pooling = concat"), std::string::npos) << message;
  }
  // check-config says the same.
  const auto messages = validate(config);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_NE(messages[1].find("eval.view_counts[1] gives 8 cameras"), std::string::npos);
}

TEST(EvalViewCounts, OnlyTheSyntheticDataDrawsRigsOfAnyCount) {
  DataConfig data;
  data.type = DatasetType::kH36m;
  try {
    make_unseen_rig_test_set(data, 0, 2);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs data.type = synthetic (it is 'h36m')"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace mvpose3d::eval
