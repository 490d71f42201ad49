// The evaluator's grouping and averages on made-up batches with known per-frame errors.
#include "mvpose3d/eval/pose_evaluator.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/geometry/skeleton.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "eval/eval_test_util.h"

namespace mvpose3d::eval {
namespace {

using testing::fake_batch;
using testing::FakeFrame;
using testing::process_frames;
using testing::shifted_prediction;

// Action "A": three frames with error 1 mm; action "B": one frame with error 5 mm. Subject S1 has
// two A frames and the B frame, S2 one A frame.
const std::vector<FakeFrame> kFrames{
    {"S1", "A", 1.0}, {"S1", "A", 1.0}, {"S2", "A", 1.0}, {"S1", "B", 5.0}};

TEST(PoseEvaluator, FrameWeightedAndMeanOfActions) {
  PoseEvaluator evaluator({});
  process_frames(evaluator, kFrames, "seen");
  const EvalSummary s = evaluator.evaluate();
  const MetricRow all = s.overall("seen");
  EXPECT_EQ(all.frames, 4);
  EXPECT_DOUBLE_EQ(all.mpjpe_mm, (3 * 1.0 + 5.0) / 4);                           // 2
  EXPECT_DOUBLE_EQ(s.mean_of_actions("seen", Metric::kMpjpe), (1.0 + 5.0) / 2);  // 3
  EXPECT_DOUBLE_EQ(s.action("seen", "A").mpjpe_mm, 1.0);
  EXPECT_EQ(s.action("seen", "A").frames, 3);
  EXPECT_DOUBLE_EQ(s.action("seen", "B").mpjpe_mm, 5.0);
  // A rigid shift: nothing left after removing the root or aligning.
  EXPECT_NEAR(all.mpjpe_rel_mm, 0.0, 1e-9);
  EXPECT_NEAR(all.pa_mpjpe_mm, 0.0, 1e-6);
  EXPECT_EQ(s.actions("seen"), (std::vector<std::string>{"A", "B"}));
}

TEST(PoseEvaluator, PerSubjectAndPerCameraSet) {
  PoseEvaluator evaluator({});
  process_frames(evaluator, kFrames, "seen");
  auto doubled = kFrames;
  for (auto& f : doubled) f.offset_mm *= 2;
  process_frames(evaluator, doubled, "unseen");
  const EvalSummary s = evaluator.evaluate();
  EXPECT_EQ(s.camera_sets(), (std::vector<std::string>{"seen", "unseen"}));
  EXPECT_DOUBLE_EQ(s.subject("seen", "S1").mpjpe_mm, (1.0 + 1.0 + 5.0) / 3);
  EXPECT_DOUBLE_EQ(s.subject("seen", "S2").mpjpe_mm, 1.0);
  EXPECT_DOUBLE_EQ(s.subject("unseen", "S1").mpjpe_mm, 2 * (1.0 + 1.0 + 5.0) / 3);
  EXPECT_DOUBLE_EQ(s.overall("unseen").mpjpe_mm, 4.0);
  EXPECT_DOUBLE_EQ(s.subject_action("seen", "S1", "A").mpjpe_mm, 1.0);
  EXPECT_EQ(s.subject_action("seen", "S2", "B").frames, 0);
  EXPECT_TRUE(std::isnan(s.subject_action("seen", "S2", "B").mpjpe_mm));
  EXPECT_EQ(s.overall("other").frames, 0);
  // Per joint: every joint of every frame has the frame's offset.
  const auto joints = s.per_joint("unseen");
  ASSERT_EQ(joints.size(), 4u);
  for (const auto& j : joints) EXPECT_DOUBLE_EQ(j.mpjpe_mm, 4.0);
  // The brief report: one line per camera set.
  const std::string brief = s.brief_report();
  EXPECT_NE(brief.find("seen: MPJPE 2.0 mm"), std::string::npos) << brief;
  EXPECT_NE(brief.find("unseen: MPJPE 4.0 mm"), std::string::npos) << brief;
  EXPECT_EQ(std::count(brief.begin(), brief.end(), '\n'), 2);
}

TEST(PoseEvaluator, RootRelativeUsesTheRoot) {
  // Only joint 2 is off, by (0, 6, 0): absolute errors 0, 0, 6, 0 -> 1.5 mm per frame. Relative
  // to root 0 the same; relative to root 2 every other joint is off by 6 -> 4.5 mm.
  for (const auto& [root, expected] : std::vector<std::pair<int64_t, double>>{{0, 1.5}, {2, 4.5}}) {
    EvaluatorOptions options;
    options.root_joint = root;
    PoseEvaluator evaluator(options);
    const auto batch = fake_batch({{"S1", "A", 0.0}});
    auto pred = batch.joints_world_mm.clone();
    pred[0][2][1] += 6.0;
    evaluator.process(batch, pred, at::Tensor(), "seen");
    const auto row = evaluator.evaluate().overall("seen");
    EXPECT_DOUBLE_EQ(row.mpjpe_mm, 1.5);
    EXPECT_DOUBLE_EQ(row.mpjpe_rel_mm, expected) << "root " << root;
  }
}

TEST(PoseEvaluator, CountsInvalidJointsAndKeepsTheirErrors) {
  PoseEvaluator evaluator({});
  const auto batch = fake_batch(kFrames);
  auto valid = at::ones({4, 4}, at::kBool);
  valid[1][3] = false;
  valid[3][0] = false;
  evaluator.process(batch, shifted_prediction(batch, kFrames), valid, "seen");
  const EvalSummary s = evaluator.evaluate();
  EXPECT_EQ(s.overall("seen").invalid_joints, 2);
  EXPECT_EQ(s.action("seen", "B").invalid_joints, 1);
  EXPECT_EQ(s.per_joint("seen")[3].invalid_joints, 1);
  EXPECT_EQ(s.per_joint("seen")[1].invalid_joints, 0);
  EXPECT_DOUBLE_EQ(s.overall("seen").mpjpe_mm, 2.0);  // invalid joints stay in the mean

  // A non-finite prediction is invalid too, and shows as NaN instead of vanishing.
  PoseEvaluator nan_evaluator({});
  auto pred = shifted_prediction(batch, kFrames);
  pred[2][1][0] = std::numeric_limits<double>::quiet_NaN();
  nan_evaluator.process(batch, pred, at::Tensor(), "seen");
  const EvalSummary n = nan_evaluator.evaluate();
  EXPECT_EQ(n.overall("seen").invalid_joints, 1);
  EXPECT_TRUE(std::isnan(n.overall("seen").mpjpe_mm));
  EXPECT_DOUBLE_EQ(n.action("seen", "B").mpjpe_mm, 5.0);  // other groups unaffected
}

TEST(PoseEvaluator, ResetKeepAndOptions) {
  EvaluatorOptions options;
  options.keep_predictions = true;
  options.procrustes = false;
  options.action_names = {"B", "A", "C"};
  PoseEvaluator evaluator(options);
  process_frames(evaluator, kFrames, "seen");
  EXPECT_EQ(evaluator.frames(), 4);
  EvalSummary s = evaluator.evaluate();
  EXPECT_EQ(s.predictions.size(), 4);
  EXPECT_EQ(s.predictions.joints3d_mm.sizes(), (std::vector<int64_t>{4, 4, 3}));
  EXPECT_EQ(s.predictions.action[3], "B");
  EXPECT_TRUE(std::isnan(s.overall("seen").pa_mpjpe_mm));              // Procrustes off
  EXPECT_EQ(s.actions("seen"), (std::vector<std::string>{"B", "A"}));  // the options' order
  EXPECT_EQ(s.action_names, (std::vector<std::string>{"B", "A", "C"}));
  evaluator.reset();
  s = evaluator.evaluate();
  EXPECT_TRUE(s.camera_sets().empty());
  EXPECT_EQ(s.predictions.size(), 0);
  EXPECT_EQ(evaluator.frames(), 0);
}

TEST(PoseEvaluator, RejectsMismatches) {
  PoseEvaluator evaluator({});
  const auto batch = fake_batch(kFrames);
  try {
    evaluator.process(batch, at::zeros({4, 5, 3}), at::Tensor(), "seen");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("joints3d_mm must be [4, 4, 3]"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(evaluator.process(batch, batch.joints_world_mm, at::ones({4, 3}, at::kBool), "s"),
               Error);
  EXPECT_THROW(evaluator.process(batch, batch.joints_world_mm, at::Tensor(), ""), Error);
  EvaluatorOptions named;
  named.joint_names = {"a", "b", "c"};
  PoseEvaluator three(named);
  EXPECT_THROW(three.process(batch, batch.joints_world_mm, at::Tensor(), "seen"), Error);
  named.root_joint = 3;
  EXPECT_THROW(PoseEvaluator{named}, Error);
}

TEST(PoseEvaluator, JsonIsFlatWithExactNumbers) {
  PoseEvaluator evaluator({});
  process_frames(evaluator, kFrames, "seen");
  const std::string json = evaluator.evaluate().to_json();
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.back(), '}');
  EXPECT_NE(json.find("\"seen/mpjpe_mm\": 2,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"seen/mpjpe_mm_mean_of_actions\": 3,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"seen/frames\": 4"), std::string::npos) << json;
  EXPECT_NE(json.find("\"seen/pa_mpjpe_mm\": "), std::string::npos) << json;
  EXPECT_EQ(json.find("nan"), std::string::npos) << json;
  // No frames -> NaN means -> null, still valid JSON.
  PoseEvaluator empty_nan({});
  const auto batch = fake_batch(kFrames);
  auto pred = batch.joints_world_mm.clone();
  pred[0][0][0] = std::numeric_limits<double>::quiet_NaN();
  empty_nan.process(batch, pred, at::Tensor(), "seen");
  EXPECT_NE(empty_nan.evaluate().to_json().find("\"seen/mpjpe_mm\": null"), std::string::npos);
}

TEST(PoseEvaluator, OptionsForADatasetUseTheSkeletonRoot) {
  // A minimal dataset: only the metadata evaluator_options_for reads.
  struct Meta : MultiviewDataset {
    int64_t size() const override { return 0; }
    MultiviewSample get(int64_t) const override { return {}; }
    const Skeleton& skeleton() const override { return tc16_skeleton(); }
    int num_views() const override { return 4; }
    int image_size_px() const override { return 64; }
    std::vector<std::string> subject_names() const override { return {"S1"}; }
    std::vector<std::string> action_names() const override { return {"walking2"}; }
  } meta;
  const auto options = evaluator_options_for(meta, DatasetType::kTotalCapture);
  EXPECT_EQ(options.root_joint, tc16_skeleton().root);
  EXPECT_EQ(options.joint_names, tc16_skeleton().joint_names);
  EXPECT_EQ(options.action_names, (std::vector<std::string>{"walking2"}));
  EXPECT_EQ(options.dataset, "totalcapture");
  EXPECT_EQ(h36m17_skeleton().joint_names[static_cast<std::size_t>(h36m17_skeleton().root)],
            "Pelvis");
}

}  // namespace
}  // namespace mvpose3d::eval
