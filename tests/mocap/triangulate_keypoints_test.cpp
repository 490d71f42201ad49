#include "mvpose3d/mocap/triangulate_keypoints.h"

#include <cmath>

#include <gtest/gtest.h>

namespace mvpose3d::mocap {
namespace {

// Four cameras with OpenCV lens distortion around a few points; the detections are the distorted
// projections, so the points come back only if each camera's model undistorts them first.
TEST(TriangulateKeypoints, UndistortsThenRecoversPointsAndReportsViews) {
  Rig rig("distorted");
  const Intrinsics intrinsics{1100, 1090, 640, 360, 1280, 720};
  for (int v = 0; v < 4; ++v) {
    const double angle = M_PI / 2 * v + 0.3;
    rig.add("cam" + std::to_string(v),
            Camera::look_at(intrinsics,
                            {3000 * std::cos(angle), 3000 * std::sin(angle), 1600},
                            {0, 0, 1000},
                            Eigen::Vector3d::UnitZ(),
                            Distortion::opencv(-0.2 + 0.05 * v, 0.08, 0.001, -0.0005, -0.01)));
  }
  const std::vector<Eigen::Vector3d> truth = {{0, 0, 1000}, {200, -150, 1400}, {-300, 100, 700}};
  Keypoints2d k;
  k.view_names = rig.camera_names();
  k.joint_names = {"a", "b", "c"};
  k.resize_missing(2);
  for (int64_t f = 0; f < 2; ++f) {
    for (int64_t v = 0; v < 4; ++v) {
      for (int64_t j = 0; j < 3; ++j) {
        const Eigen::Vector3d point =
            truth[static_cast<std::size_t>(j)] + Eigen::Vector3d(10.0 * f, 0, 0);
        const Eigen::Vector2d px = rig.camera(static_cast<std::size_t>(v)).project(point);
        const std::size_t i = k.at(f, v, j);
        k.xy_px[2 * i] = px.x();
        k.xy_px[2 * i + 1] = px.y();
        k.confidence[i] = 0.5 + 0.1 * static_cast<double>(v);
      }
    }
  }
  // Frame 1, joint 2: camera 1 is missing and camera 3 is 80 px off.
  k.confidence[k.at(1, 1, 2)] = 0.0;
  k.xy_px[2 * k.at(1, 3, 2)] += 80.0;
  ops::RobustTriangulateOptions options;
  options.max_reproj_px = 2.0;
  const KeypointTriangulation r = triangulate_keypoints(rig, k, options);
  const Tracks3d& t = r.tracks;
  ASSERT_EQ(t.frames, 2);
  for (int64_t f = 0; f < 2; ++f) {
    for (int64_t j = 0; j < 3; ++j) {
      const std::size_t i = t.at(f, j);
      ASSERT_TRUE(t.valid[i]) << f << " " << j;
      const Eigen::Vector3d expected =
          truth[static_cast<std::size_t>(j)] + Eigen::Vector3d(10.0 * f, 0, 0);
      for (int c = 0; c < 3; ++c)
        EXPECT_NEAR(t.points[3 * i + static_cast<std::size_t>(c)], expected[c], 1e-6);
      EXPECT_LT(t.reproj_error_px[i], 1e-6);
    }
  }
  const std::size_t odd = t.at(1, 2);
  EXPECT_EQ(t.cameras_used(1, 2), 2);
  EXPECT_TRUE(t.views_used[4 * odd] && t.views_used[4 * odd + 2]);
  EXPECT_DOUBLE_EQ(t.score[odd], 0.5);  // the lowest confidence of cameras 0 and 2
  EXPECT_EQ(t.cameras_used(0, 0), 4);
  EXPECT_EQ(r.flagged, 1);
}

}  // namespace
}  // namespace mvpose3d::mocap
