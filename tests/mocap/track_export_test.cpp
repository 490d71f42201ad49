#include "mvpose3d/mocap/track_export.h"

#include "mvpose3d/core/error.h"

#include <cmath>
#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace mvpose3d::mocap {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Two frames, two joints, three cameras: joint "b" is invalid in frame 1 and interpolated in 0.
Tracks3d small_tracks() {
  Tracks3d t;
  t.joint_names = {"a", "b"};
  t.view_names = {"c0", "c1", "c2"};
  t.fps = 25;
  t.resize_invalid(2);
  for (int64_t f = 0; f < 2; ++f) {
    const std::size_t k = t.at(f, 0);
    t.valid[k] = 1;
    t.points[3 * k] = 1.5 + f;
    t.points[3 * k + 1] = -2;
    t.points[3 * k + 2] = 3;
    t.reproj_error_px[k] = 0.25;
    t.score[k] = 0.5;
    t.views_used[3 * k] = t.views_used[3 * k + 2] = 1;
  }
  const std::size_t k = t.at(0, 1);
  t.valid[k] = 1;
  t.interpolated[k] = 1;
  t.points[3 * k] = t.points[3 * k + 1] = t.points[3 * k + 2] = 7;
  return t;
}

TEST(TrackExport, FormatFromExtensionOrFlag) {
  EXPECT_EQ(track_format_for("x/out.CSV", ""), TrackFormat::kCsv);
  EXPECT_EQ(track_format_for("out.trc", ""), TrackFormat::kTrc);
  EXPECT_EQ(track_format_for("out.data", "json"), TrackFormat::kJson);
  EXPECT_THROW(track_format_for("out.data", ""), UsageError);
}

TEST(TrackExport, AniposeCsvColumns) {
  const std::string csv = tracks_to_csv(small_tracks());
  EXPECT_THAT(csv,
              StartsWith("# unit: mm\na_x,a_y,a_z,a_error,a_ncams,a_score,b_x,b_y,b_z,b_error,"
                         "b_ncams,b_score,M_00,M_01,M_02,M_10,M_11,M_12,M_20,M_21,M_22,"
                         "center_0,center_1,center_2,fnum\n"));
  EXPECT_THAT(csv,
              HasSubstr("\n1.5,-2,3,0.25,2,0.5,7,7,7,,0,,1.0,0.0,0.0,0.0,1.0,0.0,0.0,0.0,1.0,"
                        "0.0,0.0,0.0,0\n"));
  EXPECT_THAT(csv, HasSubstr("\n2.5,-2,3,0.25,2,0.5,,,,,,,1.0"));
}

TEST(TrackExport, JsonPerFramePerJoint) {
  const nlohmann::json doc = nlohmann::json::parse(tracks_to_json(small_tracks()));
  EXPECT_EQ(doc["unit"], "mm");
  EXPECT_EQ(doc["joint_names"], (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(doc["frames"].size(), 2u);
  const auto& a = doc["frames"][1]["joints"]["a"];
  EXPECT_EQ(a["x"], 2.5);
  EXPECT_EQ(a["ncams"], 2);
  EXPECT_EQ(a["cameras"], (std::vector<std::string>{"c0", "c2"}));
  EXPECT_TRUE(doc["frames"][1]["joints"]["b"].is_null());
  EXPECT_EQ(doc["frames"][0]["joints"]["b"]["interpolated"], true);
}

TEST(TrackExport, TrcNeedsARate) {
  Tracks3d t = small_tracks();
  const std::string trc = tracks_to_trc(t, "walk.trc");
  EXPECT_THAT(trc,
              StartsWith("PathFileType\t4\t(X/Y/Z)\twalk.trc\nDataRate\tCameraRate\tNumFrames\t"
                         "NumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames\n"
                         "25\t25\t2\t2\tmm\t25\t1\t2\nFrame#\tTime\ta\t\t\tb\t\t\n"
                         "\t\tX1\tY1\tZ1\tX2\tY2\tZ2\n\n1\t0\t1.5\t-2\t3\t7\t7\t7\n"));
  t.fps = 0;
  EXPECT_THROW(tracks_to_trc(t, "walk.trc"), UsageError);
}

}  // namespace
}  // namespace mvpose3d::mocap
