// The rig check on a synthetic ring rig watching the procedural motion: a clean rig passes, and a
// mis-scaled camera, a camera facing away, a world in metres and a y-up world are each named.
#include "mvpose3d/eval/rig_check.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/data/synthetic/synthetic_motion.h"
#include "mvpose3d/data/synthetic/synthetic_rigs.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include <ATen/ATen.h>
#include <Eigen/Geometry>
#include <gtest/gtest.h>

namespace mvpose3d::eval {
namespace {

constexpr int kFrames = 12;

// [F, J, 3] world mm: walking, one frame in five.
at::Tensor motion_points() {
  const synthetic::BodyShape body = synthetic::body_shape_for_subject("S9");
  at::Tensor out = at::empty({kFrames, synthetic::kNumJoints, 3}, at::kDouble);
  auto acc = out.accessor<double, 3>();
  for (int f = 0; f < kFrames; ++f) {
    const auto frame =
        synthetic::procedural_motion({3, "S9", synthetic::Action::kWalking, 0, 5 * f}, body, {});
    for (int j = 0; j < synthetic::kNumJoints; ++j) {
      for (int c = 0; c < 3; ++c) acc[f][j][c] = frame.joints_world_mm[static_cast<size_t>(j)][c];
    }
  }
  return out;
}

// [F, V, J, 3]: each point projected into each camera of `rig`, 0.5 px noise, confidence 1.
at::Tensor keypoints_of(const Rig& rig, const at::Tensor& points) {
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0.0, 0.5);
  const int64_t frames = points.size(0), joints = points.size(1);
  const auto views = static_cast<int64_t>(rig.size());
  at::Tensor out = at::empty({frames, views, joints, 3}, at::kDouble);
  auto acc = out.accessor<double, 4>();
  const auto p = points.accessor<double, 3>();
  for (int64_t f = 0; f < frames; ++f) {
    for (int64_t v = 0; v < views; ++v) {
      for (int64_t j = 0; j < joints; ++j) {
        const Eigen::Vector2d px =
            rig.camera(static_cast<size_t>(v)).project({p[f][j][0], p[f][j][1], p[f][j][2]});
        acc[f][v][j][0] = px.x() + noise(rng);
        acc[f][v][j][1] = px.y() + noise(rng);
        acc[f][v][j][2] = 1.0;
      }
    }
  }
  return out;
}

// The rig with camera `index` replaced by `camera`.
Rig with_camera(const Rig& rig, size_t index, const Camera& camera) {
  Rig out(rig.name());
  for (size_t v = 0; v < rig.size(); ++v) {
    out.add(rig.camera_name(v), v == index ? camera : rig.camera(v));
  }
  return out;
}

// The whole scene moved by a rigid transform and scaled: X' = s·Q·X.
Rig transformed(const Rig& rig, const Eigen::Matrix3d& q, double scale) {
  Rig out(rig.name());
  for (size_t v = 0; v < rig.size(); ++v) {
    const Camera& c = rig.camera(v);
    out.add(
        rig.camera_name(v),
        Camera::from_center(c.intrinsics(), c.rotation() * q.transpose(), scale * q * c.center()));
  }
  return out;
}

bool has_warning(const CameraCheck& c, const std::string& text) {
  return std::any_of(c.warnings.begin(), c.warnings.end(), [&](const std::string& w) {
    return w.find(text) != std::string::npos;
  });
}

std::string all_warnings(const RigCheck& check) {
  std::string s;
  for (const auto& w : check.warnings) s += w + "\n";
  return s;
}

TEST(RigCheck, CleanRingRigPasses) {
  const Rig rig = synthetic::ring_rig();
  const at::Tensor points = motion_points();
  const RigCheck check = check_rig_with_keypoints(rig, keypoints_of(rig, points));
  EXPECT_TRUE(check.warnings.empty()) << all_warnings(check);
  EXPECT_EQ(check.triangulated, check.points);
  EXPECT_EQ(check.up_axis, "+z");
  EXPECT_LT(check.up_axis_angle_deg, 1e-6);  // ring cameras are level
  EXPECT_GT(check.up_from_points.z(), 0.9);  // walking bodies are upright
  EXPECT_EQ(check.units_guess, "mm");
  EXPECT_NEAR(check.floor, 0.0, 120.0);  // the feet (ankles) are near z = 0
  for (const CameraCheck& c : check.cameras) {
    EXPECT_LT(c.median_px, 1.0) << c.name;
    EXPECT_EQ(c.rejected, 0) << c.name;
    EXPECT_EQ(c.detections, kFrames * synthetic::kNumJoints) << c.name;
    EXPECT_NEAR(c.height, c.center_world.z() - check.floor, 1e-9);
  }
  // The triangulated points are the truth within the noise.
  const at::Tensor error = (check.points3d - points).norm(2, -1);
  EXPECT_LT(error.max().item<double>(), 5.0);
}

TEST(RigCheck, MisScaledCameraIsFlaggedAndRejected) {
  const Rig truth = synthetic::ring_rig();
  const at::Tensor points = motion_points();
  // Camera 3's translation given in metres while the rest are in mm.
  const Camera& c3 = truth.camera(3);
  const Rig rig = with_camera(
      truth,
      3,
      Camera::from_cam_from_world(c3.intrinsics(), c3.rotation(), 1e-3 * c3.translation()));
  const RigCheck check = check_rig_with_keypoints(rig, keypoints_of(truth, points));
  const CameraCheck& bad = check.cameras[3];
  // The camera sits inside the capture area, which a camera may do; the residuals tell.
  EXPECT_TRUE(has_warning(bad, "with its translation x1000")) << all_warnings(check);
  EXPECT_TRUE(has_warning(bad, "often rejected")) << all_warnings(check);
  EXPECT_GT(bad.rejected_rate, 0.9);
  for (size_t v = 0; v < check.cameras.size(); ++v) {
    if (v == 3) continue;
    EXPECT_TRUE(check.cameras[v].warnings.empty()) << all_warnings(check);
    EXPECT_LT(check.cameras[v].median_px, 1.5) << check.cameras[v].name;
  }
  // With the bad view rejected the points are still right.
  const at::Tensor error = (check.points3d - points).norm(2, -1);
  EXPECT_LT(error.nanmedian().item<double>(), 3.0);
}

TEST(RigCheck, CameraFacingAwayIsFlagged) {
  const Rig truth = synthetic::ring_rig();
  const at::Tensor points = motion_points();
  // Camera 5 turned 180 degrees about its x axis: same centre, looking away and upside down.
  const Camera& c5 = truth.camera(5);
  const Eigen::Matrix3d flip = Eigen::Vector3d(1, -1, -1).asDiagonal();
  const Rig rig = with_camera(
      truth, 5, Camera::from_center(c5.intrinsics(), flip * c5.rotation(), c5.center()));
  const RigCheck check = check_rig_with_keypoints(rig, keypoints_of(truth, points));
  EXPECT_TRUE(has_warning(check.cameras[5], "behind it")) << all_warnings(check);
  EXPECT_TRUE(has_warning(check.cameras[5], "away from the subject")) << all_warnings(check);
  EXPECT_TRUE(has_warning(check.cameras[5], "often rejected")) << all_warnings(check);
  EXPECT_EQ(check.up_axis, "+z");  // 7 upright cameras outvote the flipped one
}

TEST(RigCheck, InvertedPoseIsDiagnosed) {
  const Rig truth = synthetic::ring_rig();
  const at::Tensor points = motion_points();
  // Camera 2's pose written camera-to-world: R' = Rᵀ, t' = C.
  const Camera& c2 = truth.camera(2);
  const Rig rig = with_camera(
      truth,
      2,
      Camera::from_cam_from_world(c2.intrinsics(), c2.rotation().transpose(), c2.center()));
  const RigCheck check = check_rig_with_keypoints(rig, keypoints_of(truth, points));
  EXPECT_TRUE(has_warning(check.cameras[2], "with its pose inverted")) << all_warnings(check);
  EXPECT_TRUE(has_warning(check.cameras[2], "often rejected")) << all_warnings(check);
}

TEST(RigCheck, WorldInMetresIsNamed) {
  const Rig mm = synthetic::ring_rig();
  const at::Tensor points = motion_points();
  const Rig rig = transformed(mm, Eigen::Matrix3d::Identity(), 1e-3);
  const RigCheck check = check_rig_with_keypoints(rig, keypoints_of(mm, points));
  EXPECT_EQ(check.units_guess, "m");
  EXPECT_NE(all_warnings(check).find("--units m"), std::string::npos) << all_warnings(check);
  EXPECT_NEAR(check.body_size,
              1e-3 * check_rig_with_keypoints(mm, keypoints_of(mm, points)).body_size,
              1e-3);
}

TEST(RigCheck, YUpWorldIsFound) {
  const Rig zup = synthetic::ring_rig();
  const at::Tensor points = motion_points();
  // z -> y, y -> -z: a proper rotation taking +z up to +y up.
  Eigen::Matrix3d q;
  q << 1, 0, 0, 0, 0, 1, 0, -1, 0;
  const Rig rig = transformed(zup, q, 1.0);
  const RigCheck check = check_rig_with_keypoints(rig, keypoints_of(zup, points));
  EXPECT_EQ(check.up_axis, "+y");
  EXPECT_GT(check.up_from_points.y(), 0.9);
  EXPECT_TRUE(check.warnings.empty()) << all_warnings(check);
  EXPECT_NEAR(check.cameras[0].height, zup.camera(0).center().z() - check.floor, 150.0);
}

TEST(RigCheck, OutlierViewsAreRejectedAndCounted) {
  const Rig rig = synthetic::ring_rig();
  const at::Tensor points = motion_points();
  at::Tensor keypoints = keypoints_of(rig, points);
  // Views 1 and 4 of every point of frame 2 moved by 80 px: 2 of 8 views corrupted.
  keypoints.index({2, 1, at::indexing::Slice(), 0}) += 80.0;
  keypoints.index({2, 4, at::indexing::Slice(), 1}) -= 80.0;
  const RigCheck check = check_rig_with_keypoints(rig, keypoints);
  EXPECT_EQ(check.cameras[1].rejected, synthetic::kNumJoints);
  EXPECT_EQ(check.cameras[4].rejected, synthetic::kNumJoints);
  EXPECT_EQ(check.cameras[0].rejected, 0);
  const at::Tensor error = (check.points3d[2] - points[2]).norm(2, -1);
  EXPECT_LT(error.max().item<double>(), 5.0);
}

TEST(RigCheck, GivenPointsWithoutKeypointsCheckGeometryOnly) {
  const Rig rig = synthetic::ring_rig();
  at::Tensor points = motion_points();
  points[0][0].fill_(0.0);  // how `mvpose3d triangulate` writes a missing point
  const RigCheck check = check_rig_with_points(rig, points);
  EXPECT_EQ(check.triangulated, check.points - 1);
  EXPECT_EQ(check.units_guess, "mm");
  EXPECT_TRUE(check.warnings.empty()) << all_warnings(check);
  EXPECT_EQ(check.cameras[0].detections, 0);
}

TEST(RigCheck, WrongShapesAreErrors) {
  const Rig rig = synthetic::ring_rig();
  EXPECT_THROW(check_rig_with_keypoints(rig, at::zeros({2, 3, 17, 3}, at::kDouble)), Error);
  EXPECT_THROW(check_rig_with_points(rig, at::zeros({2, 17}, at::kDouble)), Error);
}

}  // namespace
}  // namespace mvpose3d::eval
