// Procedural human motion on the H36M-17 skeleton (datasets.md §1.2 (A)), for the synthetic
// dataset.
//
// A pose is a set of joint angles (PoseAngles, degrees, clamped to anatomical limits) plus a root
// placement; forward kinematics with a subject's bone lengths (BodyShape) gives the 17 joints in
// world millimetres, z up, the lower ankle kept at the subject's ankle height above the floor
// z = 0. Motion is a pure function of (seed, subject, action, sequence, frame):
//
//   const BodyShape body = body_shape_for_subject("S9");
//   const MotionFrame f = procedural_motion({seed, "S9", Action::kWalking, 3, 120}, body, {});
//   f.joints_world_mm  // [J = 17] world mm
//
// Each action family interpolates random key poses (drawn per sequence and key index) with smooth
// steps and holds, adds cyclic parts (gait) and slow noise, and places the body inside the capture
// area (walking follows an ellipse; other families keep the feet at an anchor point).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace mvpose3d::synthetic {

inline constexpr int kNumJoints = 17;  // H36M-17
using Joints = std::array<Eigen::Vector3d, kNumJoints>;

// Action families. Names (action_names()) are the config's data.synthetic.actions values.
enum class Action {
  kWalking,
  kTurning,
  kSitting,
  kBending,
  kGestures,
  kReaching,
  kSquatting,
  kIdle
};
inline constexpr int kNumActions = 8;

// "walking", "turning", "sitting", "bending", "gestures", "reaching", "squatting", "idle".
const std::vector<std::string>& action_names();
const std::string& action_name(Action action);
// Throws Error listing the known names when `name` is not one.
Action action_from_name(const std::string& name);

// One subject's proportions. Bone lengths in mm; derived from the subject's name only, so "S9" is
// the same synthetic person in every run.
struct BodyShape {
  double hip_half_width_mm = 125;       // pelvis → hip, lateral
  double hip_drop_mm = 25;              // pelvis → hip, downwards
  double thigh_mm = 450;                // hip → knee
  double shin_mm = 440;                 // knee → ankle
  double ankle_height_mm = 85;          // ankle above the floor when standing
  double lumbar_mm = 235;               // pelvis → spine
  double thorax_mm = 255;               // spine → thorax
  double neck_mm = 120;                 // thorax → neck/nose
  double head_mm = 115;                 // neck/nose → head top
  double shoulder_half_width_mm = 145;  // thorax → shoulder, lateral
  double upper_arm_mm = 280;            // shoulder → elbow
  double forearm_mm = 250;              // elbow → wrist
  double girth = 1.0;                   // scale of limb and torso radii (rendering)
};

BodyShape body_shape_for_subject(const std::string& subject);

// Degrees of freedom of PoseAngles, all in degrees. Sides: index 0 right, 1 left (mirrored, so the
// same value means the same anatomical motion on both sides).
enum Dof : int {
  kPelvisPitch,  // forward tilt of the pelvis (and everything above it)
  kPelvisRoll,   // sideways tilt, positive = right side down
  kLumbarFlex,   // pelvis → spine: forward bend
  kLumbarLateral,
  kLumbarTwist,
  kThoraxFlex,  // spine → thorax
  kThoraxLateral,
  kThoraxTwist,
  kNeckFlex,  // thorax → head: nod forward
  kNeckLateral,
  kNeckTwist,
  kHipFlexR,  // thigh forward of vertical in the heading frame (pelvis pitch compensated)
  kHipFlexL,
  kHipAbductR,  // thigh outwards
  kHipAbductL,
  kHipRotateR,  // thigh about its axis
  kHipRotateL,
  kKneeR,  // knee flexion, 0 = straight
  kKneeL,
  kShoulderFlexR,  // upper arm forward/up relative to the thorax
  kShoulderFlexL,
  kShoulderAbductR,  // upper arm sideways/up
  kShoulderAbductL,
  kShoulderRotateR,  // upper arm about its axis (turns the elbow's bending plane)
  kShoulderRotateL,
  kElbowR,  // elbow flexion, 0 = straight
  kElbowL,
  kNumDofs
};

struct PoseAngles {
  std::array<double, kNumDofs> deg{};  // every DOF in degrees
  double& operator[](int dof) { return deg[static_cast<std::size_t>(dof)]; }
  double operator[](int dof) const { return deg[static_cast<std::size_t>(dof)]; }
};

// [lower, upper] limit of a DOF, degrees.
std::array<double, 2> dof_limits(int dof);
// Every DOF clamped to its limits.
PoseAngles clamp_to_limits(const PoseAngles& pose);
// A relaxed standing pose (arms slightly away from the body, elbows and knees a little bent).
PoseAngles standing_pose();

// Forward kinematics: joints in world mm for the pose, with the root (pelvis) at `root_mm` and the
// body facing Rz(heading)·(0, 1, 0) (heading about +z, radians). No floor contact is applied.
Joints forward_kinematics(const BodyShape& body,
                          const PoseAngles& pose,
                          double heading_rad,
                          const Eigen::Vector3d& root_mm);

// A box prop in the world (the chair of the sitting family), mm.
struct Prop {
  Eigen::Vector3d center_mm = Eigen::Vector3d::Zero();
  Eigen::Vector3d half_size_mm = Eigen::Vector3d::Ones();  // in the prop's frame
  double yaw_rad = 0;                                      // rotation about +z
};

struct MotionOptions {
  double fps = 50;               // frame rate of `frame`
  double area_radius_mm = 1500;  // the pelvis stays within this distance of the world origin
};

struct MotionKey {
  std::uint64_t seed = 0;
  std::string subject;
  Action action = Action::kIdle;
  std::int64_t sequence = 0;
  std::int64_t frame = 0;
};

struct MotionFrame {
  Joints joints_world_mm;   // [J] world mm, z up, feet on z = 0
  PoseAngles pose;          // the (clamped) joint angles
  double heading_rad = 0;   // facing direction Rz(heading)·(0, 1, 0)
  std::vector<Prop> props;  // objects the motion interacts with (a chair)
};

MotionFrame procedural_motion(const MotionKey& key,
                              const BodyShape& body,
                              const MotionOptions& options = {});

}  // namespace mvpose3d::synthetic
