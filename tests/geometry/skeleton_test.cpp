// Skeleton tables: tree structure, bones, left/right pairs, and the published index tables.
#include "mvpose3d/geometry/skeleton.h"

#include "mvpose3d/core/error.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <gtest/gtest.h>

namespace mvpose3d {
namespace {

// "LHip" -> "Hip", "LeftArm" -> "Arm"; "" when the name has no side prefix.
std::string strip_side(const std::string& name, char side) {
  const std::string word = side == 'L' ? "Left" : "Right";
  if (name.rfind(word, 0) == 0 && name.size() > word.size()) {
    return name.substr(word.size());
  }
  if (name.size() > 1 && name[0] == side && std::isupper(static_cast<unsigned char>(name[1]))) {
    return name.substr(1);
  }
  return "";
}

bool has_side(const std::string& name) {
  return !strip_side(name, 'L').empty() || !strip_side(name, 'R').empty();
}

TEST(Skeleton, EveryTableIsAConsistentTree) {
  for (const auto& name : known_skeleton_names()) {
    const Skeleton& s = skeleton_by_name(name);
    SCOPED_TRACE(name);
    EXPECT_EQ(s.name, name);
    const int j = s.num_joints();
    ASSERT_EQ(static_cast<int>(s.parents.size()), j);
    ASSERT_GE(s.root, 0);
    EXPECT_EQ(s.parents[static_cast<std::size_t>(s.root)], -1);
    EXPECT_EQ(std::count(s.parents.begin(), s.parents.end(), -1), 1);
    for (int i = 0; i < j; ++i) {
      if (i != s.root) {
        EXPECT_GE(s.parents[static_cast<std::size_t>(i)], 0);
        EXPECT_LT(s.parents[static_cast<std::size_t>(i)], i) << "parents must precede children";
      }
    }
    // Bones: (child, parent) for every non-root joint, in child order.
    ASSERT_EQ(static_cast<int>(s.bones.size()), j - 1);
    for (const auto& [child, parent] : s.bones) {
      EXPECT_EQ(s.parents[static_cast<std::size_t>(child)], parent);
    }
    // Joint names are unique.
    EXPECT_EQ(std::set<std::string>(s.joint_names.begin(), s.joint_names.end()).size(),
              s.joint_names.size());
  }
}

TEST(Skeleton, LeftRightPairsAreMirrorImages) {
  for (const auto& name : known_skeleton_names()) {
    const Skeleton& s = skeleton_by_name(name);
    SCOPED_TRACE(name);
    std::set<int> paired;
    for (const auto& [left, right] : s.left_right) {
      const std::string& l = s.joint_names[static_cast<std::size_t>(left)];
      const std::string& r = s.joint_names[static_cast<std::size_t>(right)];
      EXPECT_FALSE(strip_side(l, 'L').empty()) << l << " is not a left joint";
      EXPECT_FALSE(strip_side(r, 'R').empty()) << r << " is not a right joint";
      EXPECT_EQ(strip_side(l, 'L'), strip_side(r, 'R'));
      EXPECT_TRUE(paired.insert(left).second && paired.insert(right).second)
          << "joint paired twice";
      // Mirror joints hang from mirror (or shared central) parents.
      const std::vector<int> flip = s.flip_permutation();
      EXPECT_EQ(flip[static_cast<std::size_t>(s.parents[static_cast<std::size_t>(left)])],
                s.parents[static_cast<std::size_t>(right)]);
    }
    // Every sided joint is paired; central joints are not.
    for (int i = 0; i < s.num_joints(); ++i) {
      EXPECT_EQ(has_side(s.joint_names[static_cast<std::size_t>(i)]), paired.count(i) == 1)
          << s.joint_names[static_cast<std::size_t>(i)];
    }
    // Flipping twice is the identity.
    const std::vector<int> flip = s.flip_permutation();
    for (int i = 0; i < s.num_joints(); ++i) {
      EXPECT_EQ(flip[static_cast<std::size_t>(flip[static_cast<std::size_t>(i)])], i);
    }
  }
}

TEST(Skeleton, TablesMatchDatasetsReference) {
  const Skeleton& h36m = h36m17_skeleton();
  EXPECT_EQ(h36m.parents,
            (std::vector<int>{-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15}));
  EXPECT_EQ(h36m.joint_names.front(), "Pelvis");
  EXPECT_EQ(h36m.joint_names.back(), "RWrist");
  EXPECT_EQ(h36m.joint_index("Thorax"), 8);
  EXPECT_EQ(h36m.root, 0);

  const Skeleton& vicon = vicon21_skeleton();
  EXPECT_EQ(vicon.num_joints(), 21);
  EXPECT_EQ(vicon.parents, (std::vector<int>{-1, 0,  1,  2,  3, 4,  5,  4, 7,  8, 9,
                                             4,  11, 12, 13, 0, 15, 16, 0, 18, 19}));
  EXPECT_EQ(vicon.joint_names[15], "RightUpLeg");

  // TC-16 is H36M-17 without the head top (datasets.md §2.2): removing joint 10 from H36M-17 and
  // re-indexing gives the TC-16 parents.
  const Skeleton& tc = tc16_skeleton();
  EXPECT_EQ(tc.parents, (std::vector<int>{-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 8, 10, 11, 8, 13, 14}));
  std::vector<int> without_head_top;
  for (int i = 0; i < 17; ++i) {
    if (i == 10) {
      continue;
    }
    const int p = h36m.parents[static_cast<std::size_t>(i)];
    without_head_top.push_back(p > 10 ? p - 1 : p);
  }
  EXPECT_EQ(without_head_top, tc.parents);
}

TEST(Skeleton, LearnableTriangulationPermutation) {
  // Learnable-triangulation's 17-joint order (datasets.md §1.2 (C)) and its parents.
  const std::vector<std::string> lt_names = {"RAnkle",
                                             "RKnee",
                                             "RHip",
                                             "LHip",
                                             "LKnee",
                                             "LAnkle",
                                             "Pelvis",
                                             "Spine",
                                             "Thorax",
                                             "HeadTop",
                                             "RWrist",
                                             "RElbow",
                                             "RShoulder",
                                             "LShoulder",
                                             "LElbow",
                                             "LWrist",
                                             "Neck/Nose"};
  const std::vector<int> lt_parents = {1, 2, 6, 6, 3, 4, -1, 6, 7, 16, 11, 12, 8, 8, 13, 14, 8};
  const auto& perm = kLearnableTriangulationToH36m17;
  EXPECT_EQ(std::set<int>(perm.begin(), perm.end()).size(), 17u);
  std::vector<int> inverse(17);
  for (int i = 0; i < 17; ++i) {
    inverse[static_cast<std::size_t>(perm[static_cast<std::size_t>(i)])] = i;
  }
  const Skeleton& h36m = h36m17_skeleton();
  for (int i = 0; i < 17; ++i) {
    const int lt = perm[static_cast<std::size_t>(i)];
    EXPECT_EQ(lt_names[static_cast<std::size_t>(lt)],
              h36m.joint_names[static_cast<std::size_t>(i)]);
    const int lt_parent = lt_parents[static_cast<std::size_t>(lt)];
    EXPECT_EQ(lt_parent < 0 ? -1 : inverse[static_cast<std::size_t>(lt_parent)],
              h36m.parents[static_cast<std::size_t>(i)]);
  }
}

TEST(Skeleton, UnknownNamesListTheKnownOnes) {
  try {
    skeleton_by_name("coco17");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("h36m17, tc16, vicon21"), std::string::npos) << e.what();
  }
  try {
    h36m17_skeleton().joint_index("Nose");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Neck/Nose"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mvpose3d
