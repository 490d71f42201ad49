// The numbers of `mvpose3d rig check`: how well a calibrated rig explains its keypoints, which
// views are outliers, and whether its units and axes look like a human capture
// (docs/own_cameras.md, "Checking a rig").
//
// Outlier views (one definition, used everywhere): each point (frame, joint) is triangulated from
// its views with confidence >= min_confidence (ops::triangulate, confidence-weighted DLT). While
// the largest reprojection residual of the point's views exceeds max_reproj_px and more than
// min_views views remain, the view with that largest residual is REJECTED and the point solved
// again (one batched solve per round for all points still above the threshold). A point still
// above the threshold with min_views views left is not triangulated. A camera is "often rejected"
// when its rejection rate (rejected / detections it contributed) exceeds both
// often_rejected_rate and twice the rig's median rate.
//
// Per camera, the reprojection error is the residual (px, after undistortion) of its kept views at
// the triangulated points: median and 90th percentile. Residuals are measured in undistorted
// pixels, which differ from observed pixels by the lens distortion's local scale only.
//
// Units and axes: the world's up is estimated from the cameras (the mean of their image-up
// directions, -y of each camera in the world; people mount cameras upright) and, when there are
// points, from the bodies (the mean long axis of each frame's points). The floor is the 1st
// percentile of the points along up (the feet), or the world origin without points. Camera
// heights are measured above that floor. Rig files are in mm: a median camera-to-subject distance
// or a body size that is 10x or 1000x off a human capture suggests centimetres or metres.
#pragma once

#include "mvpose3d/geometry/rig.h"

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <Eigen/Core>

namespace mvpose3d::eval {

struct RigCheckOptions {
  double min_confidence = 0.3;        // detections below this are not used
  int min_views = 2;                  // views a point needs
  double max_reproj_px = 15.0;        // residual above which the worst view is rejected
  double often_rejected_rate = 0.25;  // and > 2x the rig median: "often rejected"
};

struct CameraCheck {
  std::string name;
  int64_t detections = 0;  // views with confidence >= min_confidence
  int64_t kept = 0;        // of those, used by a triangulated point
  int64_t rejected = 0;    // rejected as outliers (see above)
  double rejected_rate = 0;
  double median_px = 0;      // residual of the kept views: median
  double p90_px = 0;         //   and 90th percentile (NaN without kept views)
  double median_all_px = 0;  // median residual of all its detections at the triangulated points
                             // that are in front of it
  Eigen::Vector3d center_world = Eigen::Vector3d::Zero();  // world units (mm by the rig format)
  double height = 0;               // above the floor, along the estimated up
  double distance_to_subject = 0;  // from the centre of the points (or the rig's centre)
  double in_front_fraction = 1;    // triangulated points with positive depth
  double in_image_fraction = 1;    // triangulated points projecting inside the image
  double axis_to_subject_deg = 0;  // angle between the optical axis and the subject
  std::vector<std::string> warnings;
};

struct RigCheck {
  std::vector<CameraCheck> cameras;
  // Up: the cameras' estimate, the bodies' (zero without points) and the world axis nearest the
  // cameras' one ("+z", "-y", ...) with the angle to it.
  Eigen::Vector3d up_from_cameras = Eigen::Vector3d::Zero();
  Eigen::Vector3d up_from_points = Eigen::Vector3d::Zero();
  std::string up_axis;
  double up_axis_angle_deg = 0;
  Eigen::Vector3d up = Eigen::Vector3d::UnitZ();  // the one used (the nearest axis within 20 deg)
  double floor = 0;                               // along `up`, world units
  Eigen::Vector3d subject_center = Eigen::Vector3d::Zero();
  double median_camera_distance = 0;  // world units
  double body_size = 0;               // 90th percentile over frames of a frame's bounding diagonal
  std::string units_guess;            // "mm", "cm", "m" or "unknown"
  int64_t points = 0;                 // frames × joints
  int64_t triangulated = 0;
  double median_px = 0, p90_px = 0;   // all kept views
  std::vector<std::string> warnings;  // rig-wide, then each camera's prefixed with its name
  at::Tensor points3d;                // [F, J, 3] world, float64 (NaN where not triangulated)
};

// From keypoints [F, V, J, 3] (x_px, y_px, confidence; observed, distorted pixels; V = rig size,
// cameras in rig order): undistorts, triangulates with outlier rejection and checks.
RigCheck check_rig_with_keypoints(const Rig& rig,
                                  const at::Tensor& keypoints,
                                  const RigCheckOptions& options = {});

// From points [F, J, 3] already triangulated (NaN or non-finite where missing); with keypoints
// [F, V, J, 3] also the residuals (a view is counted as rejected when its residual exceeds
// max_reproj_px; nothing is solved again). Without keypoints only geometry is checked.
RigCheck check_rig_with_points(const Rig& rig,
                               const at::Tensor& points3d,
                               const at::Tensor& keypoints = {},
                               const RigCheckOptions& options = {});

// Plain-text report: one line per camera, then the rig-wide numbers and every warning.
std::string rig_check_text(const RigCheck& check, const RigCheckOptions& options);

}  // namespace mvpose3d::eval
