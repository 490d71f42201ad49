// Skeleton definitions: joint names, kinematic tree, left/right symmetry.
//
// Three joint sets (tables in docs/geometry.md, sources in datasets.md):
//   "h36m17"  Human3.6M 17 joints in the standard order (VideoPose3D / Qiu; datasets.md §1.2 (A)).
//   "tc16"    Total Capture 16 joints of the Qiu/Zhang toolbox (datasets.md §2.2).
//   "vicon21" Total Capture raw Vicon skeleton, gt_skel_gbl_pos.txt order (datasets.md §2.1).
// Joints of every set are indexed so that a parent always precedes its children.
#pragma once

#include <array>
#include <string>
#include <utility>
#include <vector>

namespace mvpose3d {

struct Skeleton {
  std::string name;                             // "h36m17", "tc16", "vicon21"
  std::vector<std::string> joint_names;         // [J]
  std::vector<int> parents;                     // [J], −1 for the root
  int root = 0;                                 // index of the root joint
  std::vector<std::pair<int, int>> left_right;  // (left joint, right joint) mirror pairs
  std::vector<std::pair<int, int>> bones;       // (child, parent), J − 1 of them, child order

  int num_joints() const { return static_cast<int>(joint_names.size()); }
  // Index of a joint name; throws Error listing the joint names when absent.
  int joint_index(const std::string& joint_name) const;
  // perm[i] = the mirror of joint i (i itself for central joints): what a horizontal image flip
  // does to joint labels. joints_flipped = joints[perm].
  std::vector<int> flip_permutation() const;
};

const Skeleton& h36m17_skeleton();
const Skeleton& tc16_skeleton();
const Skeleton& vicon21_skeleton();

// "h36m17" | "tc16" | "vicon21"; throws Error listing the known names otherwise.
const Skeleton& skeleton_by_name(const std::string& name);
std::vector<std::string> known_skeleton_names();

// Joint order of learnable-triangulation (Iskakov et al.) labels → H36M-17 (datasets.md §1.2):
// joints_h36m17[i] = joints_lt[kLearnableTriangulationToH36m17[i]], e.g. with
// at::index_select(joints_lt, /*dim=*/-2, indices). LT's root (pelvis) is LT joint 6.
inline constexpr std::array<int, 17> kLearnableTriangulationToH36m17 = {
    6, 2, 1, 0, 3, 4, 5, 7, 8, 16, 9, 13, 14, 15, 12, 11, 10};

}  // namespace mvpose3d
