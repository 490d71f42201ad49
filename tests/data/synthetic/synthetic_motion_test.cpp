// Procedural motion: kinematics, limits, floor contact, capture area, smoothness, determinism.
#include "mvpose3d/data/synthetic/synthetic_motion.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/data/random.h"
#include "mvpose3d/geometry/skeleton.h"

#include <cmath>

#include <Eigen/Geometry>
#include <gtest/gtest.h>

namespace mvpose3d::synthetic {
namespace {

double bone(const Joints& j, int a, int b) {
  return (j[a] - j[b]).norm();
}

TEST(SyntheticMotion, ForwardKinematicsKeepsBoneLengths) {
  const BodyShape body = body_shape_for_subject("S7");
  Rng rng(5);
  for (int trial = 0; trial < 50; ++trial) {
    PoseAngles p;
    for (int d = 0; d < kNumDofs; ++d) {
      const auto lim = dof_limits(d);
      p[d] = rng.uniform(lim[0], lim[1]);
    }
    const Joints j = forward_kinematics(body, p, rng.uniform(-3, 3), Eigen::Vector3d(1, 2, 3));
    EXPECT_NEAR(bone(j, 1, 2), body.thigh_mm, 1e-9);
    EXPECT_NEAR(bone(j, 5, 6), body.shin_mm, 1e-9);
    EXPECT_NEAR(bone(j, 0, 7), body.lumbar_mm, 1e-9);
    EXPECT_NEAR(bone(j, 7, 8), body.thorax_mm, 1e-9);
    EXPECT_NEAR(bone(j, 8, 9), body.neck_mm, 1e-6);
    EXPECT_NEAR(bone(j, 9, 10), body.head_mm, 1e-6);
    EXPECT_NEAR(bone(j, 11, 12), body.upper_arm_mm, 1e-9);
    EXPECT_NEAR(bone(j, 15, 16), body.forearm_mm, 1e-9);
    EXPECT_NEAR(bone(j, 0, 1), bone(j, 0, 4), 1e-9);
    EXPECT_EQ(j[0], Eigen::Vector3d(1, 2, 3));
  }
}

TEST(SyntheticMotion, StandingPoseFacesItsHeadingAndIsMirrorSymmetric) {
  const BodyShape body = body_shape_for_subject("S1");
  const double heading = 0.7;
  const Joints j = forward_kinematics(body, standing_pose(), heading, Eigen::Vector3d::Zero());
  const Eigen::Vector3d forward(-std::sin(heading), std::cos(heading), 0);
  const Eigen::Vector3d right = forward.cross(Eigen::Vector3d::UnitZ());
  EXPECT_GT((j[1] - j[4]).dot(right), 200);    // RHip is on the right
  EXPECT_GT((j[14] - j[11]).dot(right), 250);  // RShoulder too
  EXPECT_GT((j[9] - j[8]).dot(forward), 20);   // the nose is in front of the thorax
  EXPECT_GT(j[10].z(), j[9].z());              // head top above the nose
  // Mirror pairs are reflections through the sagittal plane.
  for (const auto& [l, r] : h36m17_skeleton().left_right) {
    const Eigen::Vector3d a = j[l], b = j[r];
    EXPECT_NEAR(a.dot(right), -b.dot(right), 1e-9);
    EXPECT_NEAR(a.dot(forward), b.dot(forward), 1e-9);
    EXPECT_NEAR(a.z(), b.z(), 1e-9);
  }
}

TEST(SyntheticMotion, ClampsToLimits) {
  PoseAngles p;
  for (int d = 0; d < kNumDofs; ++d) p[d] = 1000;
  const PoseAngles c = clamp_to_limits(p);
  for (int d = 0; d < kNumDofs; ++d) EXPECT_EQ(c[d], dof_limits(d)[1]);
}

TEST(SyntheticMotion, EveryActionStaysOnTheFloorInsideTheAreaAndWithinLimits) {
  MotionOptions o;
  o.area_radius_mm = 1200;
  for (const std::string subject : {"S1", "S9", "P3"}) {
    const BodyShape body = body_shape_for_subject(subject);
    for (const std::string& name : action_names()) {
      for (std::int64_t seq = 0; seq < 3; ++seq) {
        for (std::int64_t frame = 0; frame < 3000; frame += 97) {
          const MotionFrame f =
              procedural_motion({1, subject, action_from_name(name), seq, frame}, body, o);
          const auto& j = f.joints_world_mm;
          EXPECT_NEAR(std::min(j[3].z(), j[6].z()), body.ankle_height_mm, 1e-9);
          EXPECT_LT(j[0].head<2>().norm(), 1.25 * o.area_radius_mm) << name << " " << frame;
          EXPECT_GT(j[10].z(), j[0].z() - 200) << name;  // head not far below the pelvis
          for (int d = 0; d < kNumDofs; ++d) {
            EXPECT_GE(f.pose[d], dof_limits(d)[0]);
            EXPECT_LE(f.pose[d], dof_limits(d)[1]);
          }
          EXPECT_EQ(f.props.empty(), name != "sitting");
        }
      }
    }
  }
}

TEST(SyntheticMotion, IsSmoothInTime) {
  // At 50 fps no joint moves more than 120 mm between consecutive frames (6 m/s).
  const BodyShape body = body_shape_for_subject("S5");
  for (const std::string& name : action_names()) {
    MotionFrame prev = procedural_motion({2, "S5", action_from_name(name), 1, 0}, body);
    double worst = 0;
    for (std::int64_t frame = 1; frame < 1500; ++frame) {
      const MotionFrame f = procedural_motion({2, "S5", action_from_name(name), 1, frame}, body);
      for (int k = 0; k < kNumJoints; ++k) {
        worst = std::max(worst, (f.joints_world_mm[k] - prev.joints_world_mm[k]).norm());
      }
      prev = f;
    }
    EXPECT_LT(worst, 120.0) << name;
    EXPECT_GT(worst, 1.0) << name;  // it does move
  }
}

TEST(SyntheticMotion, IsAPureFunctionOfItsKey) {
  const BodyShape body = body_shape_for_subject("S8");
  const MotionKey key{42, "S8", Action::kGestures, 7, 321};
  const MotionFrame a = procedural_motion(key, body), b = procedural_motion(key, body);
  for (int k = 0; k < kNumJoints; ++k) EXPECT_EQ(a.joints_world_mm[k], b.joints_world_mm[k]);
  MotionKey other = key;
  other.seed = 43;
  EXPECT_NE(procedural_motion(other, body).joints_world_mm[16], a.joints_world_mm[16]);
  other = key;
  other.sequence = 8;
  EXPECT_NE(procedural_motion(other, body).joints_world_mm[16], a.joints_world_mm[16]);
}

TEST(SyntheticMotion, SubjectsDiffer) {
  const BodyShape a = body_shape_for_subject("S1"), b = body_shape_for_subject("S9");
  EXPECT_NE(a.thigh_mm, b.thigh_mm);
  EXPECT_EQ(a.thigh_mm, body_shape_for_subject("S1").thigh_mm);
  EXPECT_GT(a.thigh_mm, 350);
  EXPECT_LT(a.thigh_mm, 550);
}

TEST(SyntheticMotion, ActionNames) {
  EXPECT_EQ(static_cast<int>(action_names().size()), kNumActions);
  for (const std::string& n : action_names()) EXPECT_EQ(action_name(action_from_name(n)), n);
  try {
    action_from_name("dancing");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("walking"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mvpose3d::synthetic
