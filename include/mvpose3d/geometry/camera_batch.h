// Batched camera maths on tensors (ATen only, any device, float or double, differentiable).
//
// Shape letters: B batch, V views, N points (or J joints). Leading dimensions "..." broadcast
// as in at::matmul, so points [B, 1, N, 3] with proj_from_world [V, 3, 4] give [B, V, N, 2].
// These are the pinhole parts only: lens distortion is handled by the Eigen Camera (camera.h),
// e.g. Camera::undistort_points on detected keypoints before they are triangulated.
#pragma once

#include "mvpose3d/geometry/camera.h"
#include "mvpose3d/geometry/rig.h"

#include <vector>

#include <ATen/ATen.h>

namespace mvpose3d {

// The cameras of a batch of multi-view crops, as the network takes them (models/pose_net.h).
struct CameraBatch {
  at::Tensor K;                // [B, V, 3, 3] calibration of the input crops, crop px
  at::Tensor cam_from_world;   // [B, V, 3, 4] [R | t], world mm → camera mm
  at::Tensor image_from_crop;  // [B, V, 2, 3] optional: crop px → original image px

  // K·[R | t]: [B, V, 3, 4], crop px per homogeneous world mm, float64.
  at::Tensor proj_from_world() const;
  // The same cameras for every batch item: cameras [V] (already cropped and resized to the input)
  // -> K [B, V, 3, 3], cam_from_world [B, V, 3, 4], float64, no image_from_crop.
  static CameraBatch from_cameras(const std::vector<Camera>& cameras, int64_t batch_size = 1);
  CameraBatch to(const at::Device& device) const;
  // Views in the order of `index` (a permutation or a subset): [B, V', ...].
  CameraBatch select_views(const at::Tensor& index) const;
};

// Per-view camera matrices as CPU double tensors, in rig order.
struct CameraTensors {
  at::Tensor K;                // [V, 3, 3] calibration matrices, px
  at::Tensor R;                // [V, 3, 3] cam_from_world rotations
  at::Tensor t;                // [V, 3]    cam_from_world translations, mm
  at::Tensor cam_from_world;   // [V, 3, 4] [R | t]
  at::Tensor proj_from_world;  // [V, 3, 4] K·[R | t], px per homogeneous world mm
};

CameraTensors cameras_to_tensors(const std::vector<Camera>& cameras);
CameraTensors cameras_to_tensors(const Rig& rig);

// Rigid transform of points: rotation·x + translation.
//   points [..., N, 3]; rotation [..., 3, 3]; translation [..., 3]  ->  [..., N, 3]
at::Tensor transform_points(const at::Tensor& points,
                            const at::Tensor& rotation,
                            const at::Tensor& translation);

// World → camera frame with a 3×4 [R | t]:
//   points_world [..., N, 3] mm; cam_from_world [..., 3, 4]  ->  points_cam [..., N, 3] mm
at::Tensor world_to_camera(const at::Tensor& points_world, const at::Tensor& cam_from_world);

// Pinhole projection: (P·[X; 1]) dehomogenised.
//   points_world [..., N, 3] mm; proj_from_world [..., 3, 4]  ->  pixels [..., N, 2]
// Both inputs must have the same floating dtype and device (convert P with .to(points.dtype())).
// No clamping: points with camera depth 0 give inf/NaN and points behind the camera project
// through the centre (mirrored); callers mask them using world_to_camera(...)[..., 2] > 0.
at::Tensor project_points(const at::Tensor& points_world, const at::Tensor& proj_from_world);

}  // namespace mvpose3d
