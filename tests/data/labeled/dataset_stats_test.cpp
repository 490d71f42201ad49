// compute_stats / `mvpose3d data stats` on the miniature Human3.6M: the counts, and a consistency
// check that is near zero when the conventions are right and not when one is wrong.
#include "mvpose3d/data/labeled/dataset_stats.h"

#include "mvpose3d/data/h36m/h36m_dataset.h"

#include <fstream>
#include <gmock/gmock.h>

#include <gtest/gtest.h>

#include "data/h36m/h36m_fixture.h"

namespace mvpose3d {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

TEST(DatasetStats, CountsAndConsistency) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  DataConfig d = testing::h36m_fixture_config("qiu.h5");
  d.h36m.missing_views = MissingViews::kKeep;
  const H36mDataset test(d, 0, "test");
  const DatasetStats st = compute_stats(test, 1000);
  EXPECT_EQ(st.frames, 130);
  EXPECT_EQ(st.checked_frames, 130);
  EXPECT_EQ(st.per_subject.at("S9"), 50);
  EXPECT_EQ(st.per_subject.at("S11"), 80);
  EXPECT_EQ(st.per_action.at("Directions"), 40);
  EXPECT_EQ(st.per_action.at("Photo"), 20);
  EXPECT_EQ(st.per_camera.at("54138969"), 120);  // S11 Directions-2 misses this view
  EXPECT_EQ(st.per_camera.at("60457274"), 130);
  EXPECT_TRUE(st.has_2d_labels);
  EXPECT_LT(st.label_distance_px, 1e-6);
  EXPECT_DOUBLE_EQ(st.in_front_fraction, 1.0);
  const std::string report = format_stats(st, test, "h36m test");
  EXPECT_THAT(report, HasSubstr("h36m test: 130 frames, 130 samples, 4 views, 17 joints (h36m17)"));
  EXPECT_THAT(report, HasSubstr("subjects: S9 50 S11 80"));
  EXPECT_THAT(report, HasSubstr("cameras: 54138969 120 55011271 130"));
  EXPECT_THAT(report, HasSubstr("projected 3D joints to 2D labels 0.000 px"));

  // Reading the distorted images as undistorted ones is a wrong camera model: the check sees it.
  d.h36m.undistorted_images = true;
  EXPECT_GT(compute_stats(H36mDataset(d, 0, "test"), 1000).label_distance_px, 0.2);
  // learnable-triangulation's boxes are centred on the projected joints (within rounding).
  d = testing::h36m_fixture_config("lt.h5");
  d.h36m.undistorted_images = false;
  const DatasetStats lt = compute_stats(H36mDataset(d, 0, "test"), 10);
  EXPECT_FALSE(lt.has_2d_labels);
  EXPECT_EQ(lt.checked_frames, 10);
  EXPECT_LT(lt.box_centre_distance_px, 1.0);
}

TEST(DatasetStats, CommandLine) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
#ifndef MVPOSE3D_TOOL_PATH
  GTEST_SKIP() << "built without the mvpose3d command";
#else
  if (!fs::exists(MVPOSE3D_TOOL_PATH)) GTEST_SKIP() << MVPOSE3D_TOOL_PATH << " is not built";
  const fs::path config =
      fs::temp_directory_path() / ("stats_" + std::to_string(getpid()) + ".yaml");
  std::ofstream(config) << "base: "
                        << (testing::source_root() / "configs/h36m/baseline.yaml").string()
                        << "\ndata:\n  root: " << testing::h36m_fixture().string()
                        << "\n  train_subjects: [S1, S5]\n  h36m:\n    labels: lt.h5\n";
  const std::string tool =
      std::string("'") + MVPOSE3D_TOOL_PATH + "' data stats --config " + testing::quoted(config);
  testing::CommandResult r = testing::run_command(tool);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("h36m train (seen cameras): 32 frames, 32 samples, 4 views"));
  EXPECT_THAT(r.output, HasSubstr("h36m test (seen cameras): 12 frames"));
  EXPECT_THAT(r.output, HasSubstr("subjects: S9 5 S11 7"));
  r = testing::run_command(tool + " --set 'data.test_subjects=[S9, S3]' --split test");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("data.test_subjects: unknown subject 'S3'"));
  fs::remove(config);
#endif
}

}  // namespace
}  // namespace mvpose3d
