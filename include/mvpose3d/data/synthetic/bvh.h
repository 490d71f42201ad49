// BVH motion capture: parsing, forward kinematics, and retargeting to H36M-17 in world mm, z up.
//
// Format (Biovision hierarchy; CMU's library and Total Capture's ground truth use it):
//
//   HIERARCHY
//   ROOT Hips
//   {
//     OFFSET 0 0 0
//     CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
//     JOINT Spine
//     {
//       OFFSET 0 10 0
//       CHANNELS 3 Zrotation Xrotation Yrotation
//       End Site
//       {
//         OFFSET 0 5 0
//       }
//     }
//   }
//   MOTION
//   Frames: 2
//   Frame Time: 0.0333333
//   <one line per frame: every joint's channel values, in hierarchy order>
//
// Semantics (the common reading, as in CMU's and Blender's importers): a joint's local transform
// is the translation OFFSET (+ its position channels, if any) followed by its rotation channels
// applied in the order listed, in degrees: CHANNELS ... Zrotation Xrotation Yrotation means
// R = Rz·Rx·Ry. So x_joint = x_parent + G_parent·(offset + t) and G_joint = G_parent·R. An End Site
// becomes a joint named "<parent>_End" with no channels.
//
// Errors are mvpose3d::Error naming the file and line and what was expected, e.g.
//   "walk.bvh:12: expected '{' after 'JOINT LeftLeg', got 'OFFSET'"
//   "walk.bvh:40: frame 3 has 62 values, the hierarchy has 63 channels"
//   "walk.bvh:7: unknown channel 'Wrotation' (known: Xposition, ..., Zrotation)"
#pragma once

#include "mvpose3d/data/synthetic/synthetic_motion.h"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace mvpose3d {

enum class BvhChannel { kXposition, kYposition, kZposition, kXrotation, kYrotation, kZrotation };

struct BvhJoint {
  std::string name;
  int parent = -1;                                   // index in BvhMotion::joints, -1 for the root
  Eigen::Vector3d offset = Eigen::Vector3d::Zero();  // BVH units, in the parent's frame
  std::vector<BvhChannel> channels;                  // in file order
  int first_channel = 0;  // index of this joint's first value in a frame line
  bool end_site = false;
};

struct BvhMotion {
  std::string source;            // file name, for messages
  std::vector<BvhJoint> joints;  // hierarchy order: a parent precedes its children
  int num_channels = 0;          // values per frame
  double frame_time_s = 0;       // seconds per frame
  std::vector<double> values;    // [frames × num_channels], row-major

  int num_frames() const {
    return num_channels > 0 ? static_cast<int>(values.size()) / num_channels : 0;
  }
  // Index of a joint (End Sites: "<parent>_End"), or -1.
  int find(const std::string& name) const;
  // Forward kinematics: every joint's position at `frame`, BVH units and axes ([joints.size()]).
  std::vector<Eigen::Vector3d> positions(int frame) const;
};

// Parses BVH text; `source` names it in error messages. Throws Error (file:line: what).
BvhMotion parse_bvh(const std::string& text, const std::string& source = "<bvh>");
// Reads and parses a file.
BvhMotion load_bvh(const std::filesystem::path& path);

// How BVH joints become H36M-17 joints in world mm, z up.
struct BvhRetargetOptions {
  // H36M-17 joint name (h36m17_skeleton().joint_names) → a BVH joint name, or several joined by
  // '+' whose mean is taken (e.g. "Spine+Spine1"). Every H36M-17 joint must be mapped.
  std::map<std::string, std::string> joint_map;
  double scale_to_mm = 10.0;  // BVH length unit in mm (10 for centimetres)
  std::string up_axis = "y";  // the BVH's up axis: "y" (most files) or "z"
  // Move the clip so that its mean pelvis position is over the world origin.
  bool recenter = true;
  // Shift each frame vertically so that its lower ankle is `ankle_height_mm` above z = 0.
  bool floor_contact = true;
  double ankle_height_mm = 85;
};

// The joint map for CMU-style names (Hips, LeftUpLeg, LeftLeg, LeftFoot, Spine, Spine1, Neck,
// Head, Head_End, LeftArm, LeftForeArm, LeftHand, ...).
std::map<std::string, std::string> cmu_joint_map();

// A BVH clip as H36M-17 joints: frames() × 17 positions in world mm, z up.
class RetargetedClip {
 public:
  // Throws Error naming `motion.source` and the map key for an unknown H36M-17 joint name, an
  // unmapped H36M-17 joint, or a BVH joint that the file does not have (listing its joints).
  RetargetedClip(const BvhMotion& motion, const BvhRetargetOptions& options);

  int frames() const { return static_cast<int>(joints_.size()); }
  double frame_time_s() const { return frame_time_s_; }
  const std::string& source() const { return source_; }
  const synthetic::Joints& frame(int f) const { return joints_[static_cast<std::size_t>(f)]; }

 private:
  std::string source_;
  double frame_time_s_ = 0;
  std::vector<synthetic::Joints> joints_;
};

// The *.bvh files of a list of files and folders (folders searched recursively), sorted; throws
// Error naming a path that does not exist or a list that yields no file.
std::vector<std::filesystem::path> find_bvh_files(const std::vector<std::string>& files_or_folders);

}  // namespace mvpose3d
