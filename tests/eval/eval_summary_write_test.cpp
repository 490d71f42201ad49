// EvalSummary::write: the files it promises and nothing else; the reports' content.
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/tensor_npy.h"
#include "mvpose3d/eval/eval_summary.h"
#include "mvpose3d/eval/pose_evaluator.h"

#include <set>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "eval/eval_test_util.h"
#include "models/model_test_util.h"

namespace mvpose3d::eval {
namespace {

using testing::FakeFrame;
using testing::process_frames;
using testing::TempDir;

const std::vector<FakeFrame> kFrames{{"S1", "walking", 1.0}, {"S2", "sitting", 3.0}};

std::set<std::string> files_in(const std::filesystem::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

EvalSummary summary(bool keep) {
  EvaluatorOptions options;
  options.keep_predictions = keep;
  options.joint_names = {"Pelvis", "RHip", "RKnee", "RFoot"};
  PoseEvaluator evaluator(options);
  process_frames(evaluator, kFrames, "seen");
  process_frames(evaluator, kFrames, "unseen");
  return evaluator.evaluate();
}

TEST(EvalSummaryWrite, ReportsOnlyWithoutPredictions) {
  TempDir dir;
  summary(false).write(dir.path() / "out", "eval");
  EXPECT_EQ(files_in(dir.path() / "out"),
            (std::set<std::string>{"eval.md", "eval.csv", "eval.tex"}));
  const std::string csv = read_text_file(dir.path() / "out" / "eval.csv");
  EXPECT_EQ(csv.rfind("camera_set,scope,subject,action,joint,frames,mpjpe_mm,mpjpe_rel_mm,"
                      "pa_mpjpe_mm,invalid_joints\r\n",
                      0),
            0u)
      << csv;
  EXPECT_NE(csv.find("seen,all,,,,2,2,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("unseen,action,,sitting,,1,3,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("seen,joint,,,RKnee,2,2,"), std::string::npos) << csv;
  const std::string md = read_text_file(dir.path() / "out" / "eval.md");
  EXPECT_NE(md.find("### Summary (mm)"), std::string::npos);
  EXPECT_NE(md.find("### Synthetic, MPJPE (mm) per action"), std::string::npos) << md;
  EXPECT_NE(md.find("| RKnee |"), std::string::npos);
  EXPECT_NE(md.find("root joint (Pelvis)"), std::string::npos);
  const std::string tex = read_text_file(dir.path() / "out" / "eval.tex");
  EXPECT_NE(tex.find("\\toprule"), std::string::npos);
  EXPECT_NE(tex.find("Per action, camera set seen"), std::string::npos);
}

TEST(EvalSummaryWrite, PredictionsAndTheirIndex) {
  TempDir dir;
  const EvalSummary s = summary(true);
  s.write(dir.path(), "test_eval");
  EXPECT_EQ(files_in(dir.path()),
            (std::set<std::string>{"test_eval.md",
                                   "test_eval.csv",
                                   "test_eval.tex",
                                   "test_eval_predictions.npy",
                                   "test_eval_predictions_index.csv"}));
  const auto pred = load_npy_tensor(dir.path() / "test_eval_predictions.npy");
  EXPECT_EQ(pred.sizes(), (std::vector<int64_t>{4, 4, 3}));
  EXPECT_EQ(pred.scalar_type(), at::kDouble);
  EXPECT_TRUE(at::equal(pred, s.predictions.joints3d_mm));
  const std::string index = read_text_file(dir.path() / "test_eval_predictions_index.csv");
  EXPECT_EQ(index,
            "row,camera_set,index,subject,action,sequence,frame,invalid_joints\r\n"
            "0,seen,0,S1,walking,0,0,0\r\n"
            "1,seen,1,S2,sitting,0,10,0\r\n"
            "2,unseen,0,S1,walking,0,0,0\r\n"
            "3,unseen,1,S2,sitting,0,10,0\r\n");
  // Writing again replaces the files and leaves no temporaries.
  s.write(dir.path(), "test_eval");
  EXPECT_EQ(files_in(dir.path()).size(), 5u);
}

TEST(EvalSummaryWrite, EmptySummaryStillWrites) {
  TempDir dir;
  PoseEvaluator evaluator({});
  const EvalSummary s = evaluator.evaluate();
  EXPECT_EQ(s.brief_report(), "");
  EXPECT_EQ(s.to_json(), "{}");
  s.write(dir.path(), "eval");
  EXPECT_EQ(files_in(dir.path()).size(), 3u);
  EXPECT_NE(read_text_file(dir.path() / "eval.md").find("No frames"), std::string::npos);
}

}  // namespace
}  // namespace mvpose3d::eval
