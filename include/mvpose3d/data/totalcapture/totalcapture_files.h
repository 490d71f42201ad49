// Total Capture's raw release files, read directly (docs/datasets.md, TotalCapture-Toolbox):
//
//   calibration.cal     "<num_cameras> <distortion_order>", then 7 lines per camera:
//                         min_row max_row min_col max_col    image bounds (ints)
//                         fx fy cx cy                         pixels
//                         k [k2 k3]                           distortion_order radial terms
//                         r11 r12 r13 / r21 r22 r23 / r31 r32 r33   R, world → camera
//                         tx ty tz                            t in METRES: p_cam = R·p + t
//                       World frame Y-up. Lines may carry trailing spaces.
//   gt_skel_gbl_pos.txt the 21 Vicon joint names (tab-separated), then one line per 60 Hz frame of
//                       21 tab-separated "x y z" fields in INCHES (world frame); the file may end
//                       with an empty line.
#pragma once

#include "mvpose3d/geometry/camera.h"

#include <cstdint>
#include <filesystem>
#include <vector>

#include <ATen/core/Tensor.h>

namespace mvpose3d {

// The cameras of calibration.cal in file order (camera c of the release is element c − 1): R and t
// (converted to mm), K, the image size from the bounds, and the radial terms as the H36M model's
// k (x_d = x·(1 + k1·r² + ...), as the toolbox applies them); with `distortion` false the cameras
// are pinhole. Throws Error naming the file and line, what was expected and what was found (too
// few lines, a line with too few numbers, a matrix that is not a rotation).
std::vector<Camera> read_totalcapture_calibration(const std::filesystem::path& file,
                                                  bool distortion = true);

// gt_skel_gbl_pos.txt as [N, 21, 3] float64 world mm (inches × 25.4), joints in the file's
// (vicon21) order. Throws Error naming the file and line when the header is not the 21 Vicon names
// or a line does not hold 63 numbers.
at::Tensor read_totalcapture_positions(const std::filesystem::path& file);

}  // namespace mvpose3d
