#include "mvpose3d/data/synthetic/synthetic_body25.h"

#include <cmath>

#include <Eigen/Geometry>

namespace mvpose3d::synthetic {

namespace {

// H36M-17 indices (geometry/skeleton.h, h36m17_skeleton()).
enum H36m : int {
  kPelvis,
  kRHip,
  kRKnee,
  kRAnkle,
  kLHip,
  kLKnee,
  kLAnkle,
  kSpine,
  kThorax,
  kNeckNose,
  kHeadTop,
  kLShoulder,
  kLElbow,
  kLWrist,
  kRShoulder,
  kRElbow,
  kRWrist
};

// A right-handed frame: forward, right, up (unit vectors, world).
struct Frame {
  Eigen::Vector3d forward, right, up;
};

// `up` as given (normalised); forward = the heading made orthogonal to it.
Frame frame_from(const Eigen::Vector3d& up_unnormalised, double heading_rad) {
  const Eigen::Vector3d heading(-std::sin(heading_rad), std::cos(heading_rad), 0.0);  // Rz·(0,1,0)
  Frame f;
  f.up = up_unnormalised.normalized();
  f.forward = (heading - heading.dot(f.up) * f.up).normalized();
  f.right = f.forward.cross(f.up);
  return f;
}

Eigen::Vector3d offset(const Eigen::Vector3d& origin,
                       const Frame& f,
                       double forward_mm,
                       double right_mm,
                       double up_mm) {
  return origin + forward_mm * f.forward + right_mm * f.right + up_mm * f.up;
}

}  // namespace

const std::vector<std::string>& body25_point_names() {
  static const std::vector<std::string> names{
      "Nose",   "Neck",    "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow",
      "LWrist", "MidHip",  "RHip",      "RKnee",  "RAnkle", "LHip",      "LKnee",
      "LAnkle", "REye",    "LEye",      "REar",   "LEar",   "LBigToe",   "LSmallToe",
      "LHeel",  "RBigToe", "RSmallToe", "RHeel"};
  return names;
}

Body25 body25_from_motion(const MotionFrame& frame) {
  const Joints& j = frame.joints_world_mm;
  const Frame head = frame_from(j[kHeadTop] - j[kNeckNose], frame.heading_rad);
  const Eigen::Vector3d head_centre = 0.5 * (j[kNeckNose] + j[kHeadTop]);
  // Feet stay level with the floor: their frame is the heading and the world's vertical.
  const Frame foot = frame_from(Eigen::Vector3d::UnitZ(), frame.heading_rad);
  // Right foot: its outside is +right; the left foot mirrors it.
  auto toe_big = [&](int ankle, double side) {
    return offset(j[ankle], foot, 150, -side * 25, -70);
  };
  auto toe_small = [&](int ankle, double side) {
    return offset(j[ankle], foot, 125, side * 40, -70);
  };
  auto heel = [&](int ankle) { return offset(j[ankle], foot, -55, 0, -65); };
  return Body25{offset(head_centre, head, 95, 0, -25),  // Nose
                j[kThorax],                             // Neck
                j[kRShoulder],
                j[kRElbow],
                j[kRWrist],
                j[kLShoulder],
                j[kLElbow],
                j[kLWrist],
                j[kPelvis],  // MidHip
                j[kRHip],
                j[kRKnee],
                j[kRAnkle],
                j[kLHip],
                j[kLKnee],
                j[kLAnkle],
                offset(head_centre, head, 80, 32, 10),   // REye
                offset(head_centre, head, 80, -32, 10),  // LEye
                offset(head_centre, head, -10, 75, 0),   // REar
                offset(head_centre, head, -10, -75, 0),  // LEar
                toe_big(kLAnkle, -1.0),
                toe_small(kLAnkle, -1.0),
                heel(kLAnkle),
                toe_big(kRAnkle, 1.0),
                toe_small(kRAnkle, 1.0),
                heel(kRAnkle)};
}

}  // namespace mvpose3d::synthetic
