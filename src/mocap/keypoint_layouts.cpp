// Joint orders from the layouts' own documentation: OpenPose's output doc (BODY_25, COCO-18) and
// pose parameters (BODY_25B), the COCO keypoint annotations, Halpe's full-body 26.
#include "mvpose3d/mocap/keypoint_layouts.h"

#include "mvpose3d/core/error.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace mvpose3d::mocap {

namespace {

const std::vector<std::string> kCoco17 = {"nose",
                                          "left_eye",
                                          "right_eye",
                                          "left_ear",
                                          "right_ear",
                                          "left_shoulder",
                                          "right_shoulder",
                                          "left_elbow",
                                          "right_elbow",
                                          "left_wrist",
                                          "right_wrist",
                                          "left_hip",
                                          "right_hip",
                                          "left_knee",
                                          "right_knee",
                                          "left_ankle",
                                          "right_ankle"};

std::vector<std::string> halpe26() {
  std::vector<std::string> names = kCoco17;
  for (const char* extra : {"head",
                            "neck",
                            "hip",
                            "left_big_toe",
                            "right_big_toe",
                            "left_small_toe",
                            "right_small_toe",
                            "left_heel",
                            "right_heel"}) {
    names.emplace_back(extra);
  }
  return names;
}

const std::map<std::string, std::vector<std::string>>& layouts() {
  static const std::map<std::string, std::vector<std::string>> table = {
      {"body25", {"Nose",   "Neck",    "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow",
                  "LWrist", "MidHip",  "RHip",      "RKnee",  "RAnkle", "LHip",      "LKnee",
                  "LAnkle", "REye",    "LEye",      "REar",   "LEar",   "LBigToe",   "LSmallToe",
                  "LHeel",  "RBigToe", "RSmallToe", "RHeel"}},
      {"body25b",
       {"Nose",   "LEye",    "REye",      "LEar",      "REar",    "LShoulder", "RShoulder",
        "LElbow", "RElbow",  "LWrist",    "RWrist",    "LHip",    "RHip",      "LKnee",
        "RKnee",  "LAnkle",  "RAnkle",    "UpperNeck", "HeadTop", "LBigToe",   "LSmallToe",
        "LHeel",  "RBigToe", "RSmallToe", "RHeel"}},
      {"coco18",
       {"Nose",
        "Neck",
        "RShoulder",
        "RElbow",
        "RWrist",
        "LShoulder",
        "LElbow",
        "LWrist",
        "RHip",
        "RKnee",
        "RAnkle",
        "LHip",
        "LKnee",
        "LAnkle",
        "REye",
        "LEye",
        "REar",
        "LEar"}},
      {"coco17", kCoco17},
      {"halpe26", halpe26()},
  };
  return table;
}

}  // namespace

const std::vector<std::string>& layout_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& [name, joints] : layouts()) out.push_back(name);
    return out;
  }();
  return names;
}

std::vector<std::string> layout_joint_names(const std::string& name) {
  const auto it = layouts().find(name);
  if (it == layouts().end()) {
    throw UsageError(fmt::format(
        "unknown keypoint layout '{}' (known: {})", name, fmt::join(layout_names(), ", ")));
  }
  return it->second;
}

std::vector<std::string> joint_names_for(int64_t joints,
                                         const std::string& layout,
                                         const std::string& source) {
  if (!layout.empty()) {
    std::vector<std::string> names = layout_joint_names(layout);
    if (static_cast<int64_t>(names.size()) != joints) {
      throw UsageError(fmt::format(
          "{}: {} joints, but layout '{}' has {}", source, joints, layout, names.size()));
    }
    return names;
  }
  // BODY_25B also has 25 joints: it is chosen by name only.
  static const std::map<int64_t, std::string> usual = {
      {25, "body25"}, {18, "coco18"}, {17, "coco17"}, {26, "halpe26"}};
  if (const auto it = usual.find(joints); it != usual.end()) return layout_joint_names(it->second);
  std::vector<std::string> names;
  for (int64_t j = 0; j < joints; ++j) names.push_back(fmt::format("joint_{}", j));
  return names;
}

}  // namespace mvpose3d::mocap
