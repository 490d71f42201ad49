#include "mvpose3d/geometry/skeleton.h"

#include "mvpose3d/core/error.h"

namespace mvpose3d {

namespace {

// Fills root and bones from the parents and checks the table: one root, parents precede
// children, every mirror pair is two distinct joints used once.
Skeleton make_skeleton(std::string name,
                       std::vector<std::string> joint_names,
                       std::vector<int> parents,
                       std::vector<std::pair<int, int>> left_right) {
  Skeleton s;
  s.name = std::move(name);
  s.joint_names = std::move(joint_names);
  s.parents = std::move(parents);
  s.left_right = std::move(left_right);
  MVPOSE3D_CHECK(s.parents.size() == s.joint_names.size(),
                 "skeleton '{}': {} parents for {} joints",
                 s.name,
                 s.parents.size(),
                 s.joint_names.size());
  s.root = -1;
  for (int j = 0; j < s.num_joints(); ++j) {
    const int parent = s.parents[static_cast<std::size_t>(j)];
    if (parent < 0) {
      MVPOSE3D_CHECK(s.root < 0, "skeleton '{}': more than one root", s.name);
      s.root = j;
    } else {
      MVPOSE3D_CHECK(parent < j, "skeleton '{}': parent of joint {} comes after it", s.name, j);
      s.bones.emplace_back(j, parent);
    }
  }
  MVPOSE3D_CHECK(s.root >= 0, "skeleton '{}': no root", s.name);
  return s;
}

}  // namespace

int Skeleton::joint_index(const std::string& joint_name) const {
  for (int j = 0; j < num_joints(); ++j) {
    if (joint_names[static_cast<std::size_t>(j)] == joint_name) {
      return j;
    }
  }
  throw Error(fmt::format("skeleton '{}' has no joint '{}' (joints: {})",
                          name,
                          joint_name,
                          fmt::join(joint_names, ", ")));
}

std::vector<int> Skeleton::flip_permutation() const {
  std::vector<int> perm(static_cast<std::size_t>(num_joints()));
  for (int j = 0; j < num_joints(); ++j) {
    perm[static_cast<std::size_t>(j)] = j;
  }
  for (const auto& [left, right] : left_right) {
    perm[static_cast<std::size_t>(left)] = right;
    perm[static_cast<std::size_t>(right)] = left;
  }
  return perm;
}

const Skeleton& h36m17_skeleton() {
  // datasets.md §1.2 (A): VideoPose3D's 17 of the 32 raw joints, shoulders rewired to the thorax.
  static const Skeleton skeleton =
      make_skeleton("h36m17",
                    {"Pelvis",
                     "RHip",
                     "RKnee",
                     "RAnkle",
                     "LHip",
                     "LKnee",
                     "LAnkle",
                     "Spine",
                     "Thorax",
                     "Neck/Nose",
                     "HeadTop",
                     "LShoulder",
                     "LElbow",
                     "LWrist",
                     "RShoulder",
                     "RElbow",
                     "RWrist"},
                    {-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15},
                    {{4, 1}, {5, 2}, {6, 3}, {11, 14}, {12, 15}, {13, 16}});
  return skeleton;
}

const Skeleton& tc16_skeleton() {
  // datasets.md §2.2: TotalCapture-Toolbox gendata/config.yaml joints_filter (Qiu, Zhang).
  static const Skeleton skeleton =
      make_skeleton("tc16",
                    {"Hips",
                     "RightUpLeg",
                     "RightLeg",
                     "RightFoot",
                     "LeftUpLeg",
                     "LeftLeg",
                     "LeftFoot",
                     "Spine",
                     "Neck",
                     "Head",
                     "LeftArm",
                     "LeftForeArm",
                     "LeftHand",
                     "RightArm",
                     "RightForeArm",
                     "RightHand"},
                    {-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 8, 10, 11, 8, 13, 14},
                    {{4, 1}, {5, 2}, {6, 3}, {10, 13}, {11, 14}, {12, 15}});
  return skeleton;
}

const Skeleton& vicon21_skeleton() {
  // datasets.md §2.1: gt_skel_gbl_pos.txt header order and the Vicon parents.
  static const Skeleton skeleton = make_skeleton(
      "vicon21",
      {"Hips",      "Spine",         "Spine1",   "Spine2",       "Spine3",    "Neck",
       "Head",      "RightShoulder", "RightArm", "RightForeArm", "RightHand", "LeftShoulder",
       "LeftArm",   "LeftForeArm",   "LeftHand", "RightUpLeg",   "RightLeg",  "RightFoot",
       "LeftUpLeg", "LeftLeg",       "LeftFoot"},
      {-1, 0, 1, 2, 3, 4, 5, 4, 7, 8, 9, 4, 11, 12, 13, 0, 15, 16, 0, 18, 19},
      {{11, 7}, {12, 8}, {13, 9}, {14, 10}, {18, 15}, {19, 16}, {20, 17}});
  return skeleton;
}

std::vector<std::string> known_skeleton_names() {
  return {"h36m17", "tc16", "vicon21"};
}

const Skeleton& skeleton_by_name(const std::string& name) {
  if (name == "h36m17") {
    return h36m17_skeleton();
  }
  if (name == "tc16") {
    return tc16_skeleton();
  }
  if (name == "vicon21") {
    return vicon21_skeleton();
  }
  throw Error(fmt::format(
      "unknown skeleton '{}' (known: {})", name, fmt::join(known_skeleton_names(), ", ")));
}

}  // namespace mvpose3d
