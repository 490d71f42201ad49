// Joint names of the keypoint layouts the importers know, so the output names its columns.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mvpose3d::mocap {

// The layouts by name: "body25" (OpenPose BODY_25), "body25b" (OpenPose's BODY_25B), "coco18"
// (OpenPose COCO), "coco17" (COCO keypoints, MMPose and detectron2), "halpe26" (Halpe, as
// AlphaPose and RTMPose write it).
const std::vector<std::string>& layout_names();

// The joint names of layout `name`; throws UsageError listing the layouts when unknown.
std::vector<std::string> layout_joint_names(const std::string& name);

// The names for a source with `joints` joints: the named layout when `layout` is not empty (its
// joint count must match), else the usual one for that count (25: body25, 18: coco18, 17: coco17,
// 26: halpe26), else "joint_0", "joint_1", ... `source` names the file in errors.
std::vector<std::string> joint_names_for(int64_t joints,
                                         const std::string& layout,
                                         const std::string& source);

}  // namespace mvpose3d::mocap
