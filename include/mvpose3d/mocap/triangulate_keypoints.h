// Keypoints of a calibrated rig to 3D tracks: each camera's model undistorts its detections, then
// robust triangulation (confidence threshold, minimum views, outlier-view rejection) solves every
// frame and joint: with the fused float64 solve (the default) block by block, gathered from the
// keypoints and stored into the tracks in parallel (ops::RobustBlockSolver, no [F*J, V] arrays);
// otherwise all at once with ops::robust_triangulate. Both give the same tracks.
#pragma once

#include "mvpose3d/geometry/rig.h"
#include "mvpose3d/mocap/keypoints2d.h"
#include "mvpose3d/mocap/tracks3d.h"
#include "mvpose3d/ops/robust_triangulate.h"

#include <cstdint>

namespace mvpose3d::mocap {

struct KeypointTriangulation {
  Tracks3d tracks;  // in the rig's unit (mm)
  int64_t solves = 0;
  int64_t flagged = 0;
  int64_t unresolved = 0;
  int64_t fell_back = 0;  // worst-view-first points that needed the subset search
};

// keypoints.view_names must be the rig's cameras in rig order (import_keypoints does that).
KeypointTriangulation triangulate_keypoints(const Rig& rig,
                                            const Keypoints2d& keypoints,
                                            const ops::RobustTriangulateOptions& options);

}  // namespace mvpose3d::mocap
