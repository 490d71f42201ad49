// Pictures of a camera rig for `mvpose3d rig check` (OpenCV; target mvpose3d::data_vis, built
// only when MVPOSE3D_OPENCV_ENABLED): the rig in 3D and a per-camera error chart, as PNG bytes.
//
// Drawn in C++ with OpenCV rather than with matplotlib so that the command needs no Python
// environment: the pictures are simple projections of lines and dots through a virtual Camera.
#pragma once

#include "mvpose3d/geometry/rig.h"

#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

namespace mvpose3d {

struct RigViewOptions {
  Eigen::Vector3d up = Eigen::Vector3d::UnitZ();  // the world's up (unit)
  std::string up_label = "+z";                    // how the legend names it
  double floor = 0;                               // floor height along `up`, world units
  std::vector<bool> flagged;                      // per camera: drawn in red (empty: none)
  int panel_px = 800;                             // each of the two panels is square
  // Drawn as lines between the points of every frame (a skeleton's (child, parent) joint pairs).
  std::vector<std::pair<int, int>> bones;
  // Frame the points rather than the cameras (a close-up of skeletons; cameras may fall outside).
  bool fit_points = false;
};

// Two panels side by side: a perspective view from above and to the side, and a top view looking
// down `up`. Each shows the cameras as frusta (a small triangle on the side of the image's up)
// with their names, the world axes at the origin (x red, y green, z blue), a floor grid around the
// cameras (its cell size in the legend) and `frames` of points (world units, one colour a frame;
// non-finite points skipped).
std::string rig_view_png(const Rig& rig,
                         const std::vector<std::vector<Eigen::Vector3d>>& frames,
                         const RigViewOptions& options = {});

// One group per camera: the median and 90th percentile of the reprojection error (px) of its kept
// views and the median over all its detections as bars, its rejection rate under its name,
// flagged cameras in red, and the rejection threshold as a line. Bars far above the others are
// cut at the top of the chart and labelled with their value.
std::string camera_error_chart_png(const std::vector<std::string>& names,
                                   const std::vector<double>& median_px,
                                   const std::vector<double>& p90_px,
                                   const std::vector<double>& median_all_px,
                                   const std::vector<double>& rejected_rate,
                                   const std::vector<bool>& flagged,
                                   double threshold_px);

}  // namespace mvpose3d
