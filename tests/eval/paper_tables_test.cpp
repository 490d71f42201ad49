// The paper layouts put each number in its column.
#include "mvpose3d/eval/paper_tables.h"

#include "mvpose3d/eval/pose_evaluator.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "eval/eval_test_util.h"

namespace mvpose3d::eval {
namespace {

using testing::FakeFrame;
using testing::process_frames;

// The cell of `table` in the row whose first cell is `row` and the column named `column`.
std::string cell(const Table& table, const std::string& row, const std::string& column) {
  const auto c = std::find(table.header.begin(), table.header.end(), column);
  EXPECT_NE(c, table.header.end()) << "no column " << column;
  if (c == table.header.end()) return "";
  for (const auto& r : table.rows) {
    if (r.front() == row) return r[static_cast<std::size_t>(c - table.header.begin())];
  }
  ADD_FAILURE() << "no row " << row;
  return "";
}

TEST(PaperTables, Human3p6mActionNames) {
  EXPECT_EQ(h36m_columns().size(), 15u);
  EXPECT_EQ(h36m_columns().front(), "Dir");
  EXPECT_EQ(h36m_columns().back(), "WalkT");
  EXPECT_EQ(h36m_column("Directions-1"), "Dir");
  EXPECT_EQ(h36m_column("Directions 2"), "Dir");
  EXPECT_EQ(h36m_column("Discuss"), "Disc");
  EXPECT_EQ(h36m_column("TakingPhoto-2"), "Photo");
  EXPECT_EQ(h36m_column("Photo 1"), "Photo");
  EXPECT_EQ(h36m_column("WalkDog"), "WalkD");
  EXPECT_EQ(h36m_column("WalkingDog-1"), "WalkD");
  EXPECT_EQ(h36m_column("Walking-2"), "Walk");
  EXPECT_EQ(h36m_column("WalkTogether 1"), "WalkT");
  EXPECT_EQ(h36m_column("SittingDown"), "SitD");
  EXPECT_EQ(h36m_column("Sitting-1"), "Sit");
  EXPECT_EQ(h36m_column("Dancing"), "");
}

TEST(PaperTables, Human3p6mPoolsTrialsAndKeepsOthers) {
  EvaluatorOptions options;
  options.dataset = "h36m";
  PoseEvaluator evaluator(options);
  process_frames(evaluator,
                 {{"S9", "Directions-1", 1.0},
                  {"S9", "Directions-1", 1.0},
                  {"S11", "Directions-2", 4.0},
                  {"S9", "WalkDog", 10.0},
                  {"S11", "Dancing", 7.0}},
                 "seen");
  const EvalSummary s = evaluator.evaluate();
  EXPECT_EQ(paper_layout(s), PaperLayout::kHuman36m);
  const Table t = h36m_table(s, Metric::kMpjpe);
  EXPECT_EQ(t.header.size(), 1u + 15 + 1 + 2);  // camera set, actions, Other, two averages
  EXPECT_EQ(cell(t, "seen", "Dir"), "2.0");     // (1 + 1 + 4) / 3: trials pooled by frames
  EXPECT_EQ(cell(t, "seen", "WalkD"), "10.0");
  EXPECT_EQ(cell(t, "seen", "Walk"), "-");
  EXPECT_EQ(cell(t, "seen", "Other"), "7.0");
  EXPECT_EQ(cell(t, "seen", "Avg (frames)"), "4.6");   // 23 / 5
  EXPECT_EQ(cell(t, "seen", "Avg (actions)"), "6.3");  // (2 + 10 + 7) / 3
  // Root-relative: a rigid shift has no error.
  EXPECT_EQ(cell(h36m_table(s), "seen", "Dir"), "0.0");
  const auto tables = paper_tables(s);
  ASSERT_EQ(tables.size(), 3u);  // root-relative, absolute, PA
  EXPECT_NE(tables[0].title.find("root-relative"), std::string::npos);
}

TEST(PaperTables, TotalCaptureSubjectsSequencesAndCameras) {
  EvaluatorOptions options;
  options.dataset = "totalcapture";
  PoseEvaluator evaluator(options);
  const std::vector<FakeFrame> frames{{"S1", "walking2", 10.0},
                                      {"S3", "Walking2", 20.0},
                                      {"S4", "freestyle3", 30.0},
                                      {"S5", "acting3", 40.0},
                                      {"S2", "rom1", 50.0}};
  process_frames(evaluator, frames, "unseen");  // processed first, still the second row
  auto seen = frames;
  for (auto& f : seen) f.offset_mm /= 10;
  process_frames(evaluator, seen, "seen");
  const EvalSummary s = evaluator.evaluate();
  EXPECT_EQ(paper_layout(s), PaperLayout::kTotalCapture);
  const Table t = totalcapture_table(s);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0][0], "Seen cameras (1,3,5,7)");
  EXPECT_EQ(t.rows[1][0], "Unseen cameras (2,4,6,8)");
  const std::string unseen = "Unseen cameras (2,4,6,8)";
  EXPECT_EQ(cell(t, unseen, "S1-3 W2"), "15.0");
  EXPECT_EQ(cell(t, unseen, "S1-3 FS3"), "-");
  EXPECT_EQ(cell(t, unseen, "S4-5 FS3"), "30.0");
  EXPECT_EQ(cell(t, unseen, "S4-5 A3"), "40.0");
  EXPECT_EQ(cell(t, unseen, "Other"), "50.0");  // ROM1 is no test sequence
  EXPECT_EQ(cell(t, unseen, "Mean"), "30.0");
  EXPECT_EQ(cell(t, "Seen cameras (1,3,5,7)", "S1-3 W2"), "1.5");
  EXPECT_EQ(totalcapture_sequence("FS3"), "FS3");
  EXPECT_EQ(totalcapture_sequence("acting_3"), "A3");
  EXPECT_EQ(totalcapture_subject("s4"), 4);
  EXPECT_EQ(totalcapture_subject("S6"), 0);
}

TEST(PaperTables, SyntheticColumnsFollowTheDatasetOrder) {
  EvaluatorOptions options;
  options.action_names = {"walking", "sitting", "idle"};
  options.dataset = "synthetic";
  PoseEvaluator evaluator(options);
  process_frames(
      evaluator, {{"A", "sitting", 2.0}, {"A", "walking", 4.0}, {"B", "walking", 6.0}}, "seen");
  process_frames(evaluator, {{"A", "walking", 8.0}}, "rotated");
  const EvalSummary s = evaluator.evaluate();
  EXPECT_EQ(paper_layout(s), PaperLayout::kSynthetic);
  const Table t = synthetic_table(s);
  EXPECT_EQ(t.header,
            (std::vector<std::string>{
                "Camera set", "walking", "sitting", "Avg (frames)", "Avg (actions)"}));
  EXPECT_EQ(cell(t, "seen", "walking"), "5.0");
  EXPECT_EQ(cell(t, "seen", "Avg (frames)"), "4.0");
  EXPECT_EQ(cell(t, "seen", "Avg (actions)"), "3.5");
  EXPECT_EQ(cell(t, "rotated", "sitting"), "-");
  EXPECT_EQ(cell(t, "rotated", "Avg (actions)"), "8.0");
}

TEST(PaperTables, GuessesTheLayoutFromNames) {
  PoseEvaluator synthetic({});
  process_frames(synthetic, {{"A", "walking", 1.0}, {"A", "sitting", 1.0}}, "seen");
  EXPECT_EQ(paper_layout(synthetic.evaluate()), PaperLayout::kSynthetic);
  PoseEvaluator tc({});
  process_frames(tc, {{"S1", "walking2", 1.0}, {"S5", "acting3", 1.0}}, "seen");
  EXPECT_EQ(paper_layout(tc.evaluate()), PaperLayout::kTotalCapture);
  PoseEvaluator h36m({});
  std::vector<FakeFrame> frames;
  for (const char* a : {"Directions-1",
                        "Discussion-1",
                        "Eating-1",
                        "Greeting-1",
                        "Phoning-1",
                        "TakingPhoto-1",
                        "Posing-1",
                        "Purchases-1"}) {
    frames.push_back({"S9", a, 1.0});
  }
  process_frames(h36m, frames, "seen");
  EXPECT_EQ(paper_layout(h36m.evaluate()), PaperLayout::kHuman36m);
}

}  // namespace
}  // namespace mvpose3d::eval
