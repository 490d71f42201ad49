// Rig generators, jitter, rotation about the vertical axis, and rig name resolution.
#include "mvpose3d/data/synthetic/synthetic_rigs.h"

#include "mvpose3d/core/error.h"

#include <cmath>

#include <Eigen/Geometry>
#include <gtest/gtest.h>

#include "data/synthetic/test_util.h"

namespace mvpose3d::synthetic {
namespace {

TEST(SyntheticRigs, RingLooksAtItsTarget) {
  RingRigOptions o;
  const Rig rig = ring_rig(o);
  ASSERT_EQ(rig.size(), 8u);
  for (std::size_t i = 0; i < rig.size(); ++i) {
    const Camera& c = rig.camera(i);
    const Eigen::Vector2d p = c.project(o.target_mm);
    EXPECT_NEAR(p.x(), c.cx(), 1e-6);
    EXPECT_NEAR(p.y(), c.cy(), 1e-6);
    EXPECT_NEAR((c.center() - o.target_mm).head<2>().norm(), o.radius_mm, 1e-6);
    EXPECT_NEAR(c.center().z(), o.height_mm[i % 2], 1e-6);
    // The world's up is the image's up: a point above the target projects higher (smaller v).
    EXPECT_LT(c.project(o.target_mm + Eigen::Vector3d(0, 0, 100)).y(), p.y());
  }
}

TEST(SyntheticRigs, RandomRigIsDeterministicAndInRange) {
  RandomRigOptions o;
  o.num_cameras = 5;
  Rng a(9), b(9);
  const Rig ra = random_rig(o, a), rb = random_rig(o, b);
  ASSERT_EQ(ra.size(), 5u);
  for (std::size_t i = 0; i < ra.size(); ++i) {
    EXPECT_EQ(ra.camera(i).rotation(), rb.camera(i).rotation());
    const Eigen::Vector3d c = ra.camera(i).center();
    EXPECT_GE(c.z(), o.height_mm[0]);
    EXPECT_LE(c.z(), o.height_mm[1]);
    const double d = (c - o.target_mm).head<2>().norm();
    EXPECT_GE(d, o.distance_mm[0] - 1e-6);
    EXPECT_LE(d, o.distance_mm[1] + 1e-6);
    EXPECT_GE(ra.camera(i).fx(), o.focal_px[0]);
    EXPECT_LE(ra.camera(i).fx(), o.focal_px[1]);
    // The target is in the image.
    const Eigen::Vector2d p = ra.camera(i).project(o.target_mm);
    EXPECT_GT(p.x(), 0);
    EXPECT_LT(p.x(), o.image_px);
  }
}

TEST(SyntheticRigs, RotationAboutTheVerticalKeepsProjectionsOfRotatedPoints) {
  const Rig rig = pinhole_rig(resolve_rig("h36m"));
  const double angle = 37.0;
  const Eigen::Vector3d pivot(100, -200, 0);
  const Rig turned = rotate_rig_about_vertical(rig, angle, pivot);
  const Eigen::Matrix3d rz =
      Eigen::AngleAxisd(angle * M_PI / 180, Eigen::Vector3d::UnitZ()).toRotationMatrix();
  for (std::size_t i = 0; i < rig.size(); ++i) {
    for (const Eigen::Vector3d& x :
         {Eigen::Vector3d(0, 0, 900), Eigen::Vector3d(300, -500, 1700)}) {
      const Eigen::Vector3d xt = pivot + rz * (x - pivot);
      EXPECT_LT((turned.camera(i).project(xt) - rig.camera(i).project(x)).norm(), 1e-8);
    }
    EXPECT_NEAR(turned.camera(i).center().z(), rig.camera(i).center().z(), 1e-3);
  }
}

TEST(SyntheticRigs, JitterStaysNearTheRig) {
  const Rig rig = pinhole_rig(resolve_rig("h36m"));
  RigJitterOptions o;
  Rng rng(1);
  const Rig j = jitter_rig(rig, o, rng);
  ASSERT_EQ(j.size(), rig.size());
  for (std::size_t i = 0; i < rig.size(); ++i) {
    EXPECT_LT((j.camera(i).center() - rig.camera(i).center()).norm(), 2500);
    EXPECT_NEAR(j.camera(i).fx() / rig.camera(i).fx(), 1.0, o.focal_rel + 1e-12);
    EXPECT_EQ(j.camera_name(i), rig.camera_name(i));
    // Still aimed near the capture centre.
    const Eigen::Vector2d p = j.camera(i).project(o.target_mm);
    EXPECT_GT(p.x(), 0);
    EXPECT_LT(p.x(), j.camera(i).width());
  }
}

TEST(SyntheticRigs, ResolvesNamesAndReportsWhatItTried) {
  EXPECT_EQ(resolve_rig("h36m").size(), 4u);
  EXPECT_EQ(
      resolve_rig((mvpose3d::testing::source_dir() / "configs/rigs/h36m.yaml").string()).size(),
      4u);
  EXPECT_EQ(resolve_rig("tc_ring8").size(), 8u);
  try {
    resolve_rig("no_such_rig");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("configs/rigs/no_such_rig.yaml"), std::string::npos)
        << e.what();
  }
}

TEST(SyntheticRigs, PinholeDropsDistortion) {
  const Rig rig = resolve_rig("h36m");
  ASSERT_NE(rig.camera(0).distortion().model, DistortionModel::kNone);
  const Rig p = pinhole_rig(rig);
  EXPECT_EQ(p.camera(0).distortion().model, DistortionModel::kNone);
  EXPECT_EQ(p.camera(0).rotation(), rig.camera(0).rotation());
}

}  // namespace
}  // namespace mvpose3d::synthetic
