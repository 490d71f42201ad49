// The synthetic motion as a 25-point body in OpenPose's BODY_25 order, the layout that OpenPose
// users and Pose2Sim triangulate (docs/own_cameras.md; benchmark of docs/benchmarks.md,
// "Triangulation of own cameras vs peers").
//
// 17 of the 25 points are H36M-17 joints of procedural_motion (MidHip = Pelvis, Neck = Thorax,
// ...); the other 8 (eyes, ears, big and small toes, heels) are fixed offsets in a head frame
// (from the neck/nose joint to the head top, facing the body's heading) and in a foot frame (the
// ankle, the heading and the vertical). They are plausible marker positions for triangulation
// tests, not an anatomical model.
#pragma once

#include "mvpose3d/data/synthetic/synthetic_motion.h"

#include <array>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace mvpose3d::synthetic {

inline constexpr int kNumBody25Points = 25;
using Body25 = std::array<Eigen::Vector3d, kNumBody25Points>;  // world mm, z up

// "Nose", "Neck", "RShoulder", ... "RHeel" (OpenPose's BODY_25 names and order).
const std::vector<std::string>& body25_point_names();

// The 25 points of one motion frame, world mm.
Body25 body25_from_motion(const MotionFrame& frame);

}  // namespace mvpose3d::synthetic
