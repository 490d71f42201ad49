#include "mvpose3d/geometry/camera.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/geometry/distortion_limits.h"

#include <cmath>

#include <Eigen/Geometry>
#include <Eigen/LU>

namespace mvpose3d {

namespace {

void check_intrinsics(const Intrinsics& in, const char* where) {
  MVPOSE3D_CHECK(std::isfinite(in.fx) && in.fx > 0.0 && std::isfinite(in.fy) && in.fy > 0.0,
                 "{}: focal lengths must be positive and finite (fx = {}, fy = {})",
                 where,
                 in.fx,
                 in.fy);
  MVPOSE3D_CHECK(std::isfinite(in.cx) && std::isfinite(in.cy),
                 "{}: principal point must be finite (cx = {}, cy = {})",
                 where,
                 in.cx,
                 in.cy);
  MVPOSE3D_CHECK(in.width > 0 && in.height > 0,
                 "{}: image size must be positive (width = {}, height = {})",
                 where,
                 in.width,
                 in.height);
}

void check_distortion(const Distortion& d, const char* where) {
  // Also bounded as the rig parser bounds them (geometry/distortion_limits.h): a camera that an
  // importer builds must save as a rig file that loads.
  const auto check = [&](double c, const char* name) {
    MVPOSE3D_CHECK(std::isfinite(c) && std::abs(c) <= kMaxDistortionCoefficient,
                   "{}: distortion coefficient {} = {} is not finite or beyond +-{}",
                   where,
                   name,
                   c,
                   kMaxDistortionCoefficient);
  };
  for (double c : d.k) check(c, "k");
  for (double c : d.p) check(c, "p");
  check(d.k4, "k4");
}

}  // namespace

std::string rotation_defect(const Eigen::Matrix3d& rotation, double tolerance) {
  if (!rotation.allFinite()) {
    return "entries are not all finite";
  }
  const double orthogonality =
      (rotation.transpose() * rotation - Eigen::Matrix3d::Identity()).norm();
  const double det = rotation.determinant();
  if (det < 0.0) {
    return fmt::format("det = {:.3f}, a reflection", det);
  }
  if (orthogonality > tolerance) {
    return fmt::format("‖RᵀR − I‖ = {:.3g} > {:.0e}", orthogonality, tolerance);
  }
  if (std::abs(det - 1.0) > tolerance) {
    return fmt::format("det = {:.9f}, |det − 1| > {:.0e}", det, tolerance);
  }
  return "";
}

Camera::Camera(const Intrinsics& intrinsics,
               const Eigen::Matrix3d& rotation,
               const Eigen::Vector3d& translation_mm,
               const Distortion& distortion)
    : intrinsics_(intrinsics),
      distortion_(distortion),
      rotation_(rotation),
      translation_(translation_mm) {
  check_intrinsics(intrinsics_, "Camera");
  check_distortion(distortion_, "Camera");
  const std::string defect = rotation_defect(rotation_);
  MVPOSE3D_CHECK(defect.empty(), "Camera: R_cam_from_world is not a rotation ({})", defect);
  MVPOSE3D_CHECK(translation_.allFinite(), "Camera: translation is not finite");
}

Camera Camera::from_cam_from_world(const Intrinsics& intrinsics,
                                   const Eigen::Matrix3d& rotation,
                                   const Eigen::Vector3d& translation_mm,
                                   const Distortion& distortion) {
  return Camera(intrinsics, rotation, translation_mm, distortion);
}

Camera Camera::from_center(const Intrinsics& intrinsics,
                           const Eigen::Matrix3d& rotation,
                           const Eigen::Vector3d& center_world_mm,
                           const Distortion& distortion) {
  MVPOSE3D_CHECK(center_world_mm.allFinite(), "Camera: centre is not finite");
  return Camera(intrinsics, rotation, -rotation * center_world_mm, distortion);
}

Camera Camera::look_at(const Intrinsics& intrinsics,
                       const Eigen::Vector3d& eye_world_mm,
                       const Eigen::Vector3d& target_world_mm,
                       const Eigen::Vector3d& up_world,
                       const Distortion& distortion) {
  const Eigen::Vector3d forward = target_world_mm - eye_world_mm;
  MVPOSE3D_CHECK(forward.norm() > 0.0, "Camera::look_at: eye and target coincide");
  const Eigen::Vector3d z = forward.normalized();
  const Eigen::Vector3d x_unnormalized = z.cross(up_world);
  MVPOSE3D_CHECK(x_unnormalized.norm() > 1e-9 * up_world.norm(),
                 "Camera::look_at: viewing direction is parallel to up ({}, {}, {})",
                 up_world.x(),
                 up_world.y(),
                 up_world.z());
  const Eigen::Vector3d x = x_unnormalized.normalized();
  const Eigen::Vector3d y = z.cross(x);
  Eigen::Matrix3d rotation;
  rotation.row(0) = x.transpose();
  rotation.row(1) = y.transpose();
  rotation.row(2) = z.transpose();
  return from_center(intrinsics, rotation, eye_world_mm, distortion);
}

Eigen::Matrix3d Camera::calibration_matrix() const {
  Eigen::Matrix3d k = Eigen::Matrix3d::Identity();
  k(0, 0) = intrinsics_.fx;
  k(1, 1) = intrinsics_.fy;
  k(0, 2) = intrinsics_.cx;
  k(1, 2) = intrinsics_.cy;
  return k;
}

Eigen::Matrix<double, 3, 4> Camera::cam_from_world() const {
  Eigen::Matrix<double, 3, 4> rt;
  rt.leftCols<3>() = rotation_;
  rt.col(3) = translation_;
  return rt;
}

Eigen::Matrix<double, 3, 4> Camera::proj_from_world() const {
  return calibration_matrix() * cam_from_world();
}

Eigen::Vector3d Camera::center() const {
  return -rotation_.transpose() * translation_;
}

Eigen::Vector3d Camera::world_to_camera(const Eigen::Vector3d& point_world_mm) const {
  return rotation_ * point_world_mm + translation_;
}

Eigen::Vector3d Camera::camera_to_world(const Eigen::Vector3d& point_cam_mm) const {
  return rotation_.transpose() * (point_cam_mm - translation_);
}

Eigen::Vector2d Camera::normalized_to_pixel(const Eigen::Vector2d& xy) const {
  const Eigen::Vector2d d = distortion_.distort(xy);
  return {intrinsics_.fx * d.x() + intrinsics_.cx, intrinsics_.fy * d.y() + intrinsics_.cy};
}

Eigen::Vector2d Camera::project(const Eigen::Vector3d& point_world_mm) const {
  const Eigen::Vector3d p = world_to_camera(point_world_mm);
  return normalized_to_pixel(p.head<2>() / p.z());
}

Eigen::Vector2d Camera::project_undistorted(const Eigen::Vector3d& point_world_mm) const {
  const Eigen::Vector3d p = world_to_camera(point_world_mm);
  return {intrinsics_.fx * p.x() / p.z() + intrinsics_.cx,
          intrinsics_.fy * p.y() / p.z() + intrinsics_.cy};
}

Eigen::Vector2d Camera::pixel_to_normalized(const Eigen::Vector2d& pixel,
                                            const UndistortOptions& options) const {
  const Eigen::Vector2d distorted((pixel.x() - intrinsics_.cx) / intrinsics_.fx,
                                  (pixel.y() - intrinsics_.cy) / intrinsics_.fy);
  return distortion_.undistort(distorted, options);
}

Eigen::Vector2d Camera::undistort_pixel(const Eigen::Vector2d& pixel,
                                        const UndistortOptions& options) const {
  const Eigen::Vector2d xy = pixel_to_normalized(pixel, options);
  return {intrinsics_.fx * xy.x() + intrinsics_.cx, intrinsics_.fy * xy.y() + intrinsics_.cy};
}

Eigen::Vector2d Camera::distort_pixel(const Eigen::Vector2d& undistorted_pixel) const {
  const Eigen::Vector2d xy((undistorted_pixel.x() - intrinsics_.cx) / intrinsics_.fx,
                           (undistorted_pixel.y() - intrinsics_.cy) / intrinsics_.fy);
  return normalized_to_pixel(xy);
}

Eigen::Matrix2Xd Camera::undistort_points(const Eigen::Matrix2Xd& pixels,
                                          PointCoordinates output,
                                          const UndistortOptions& options) const {
  Eigen::Matrix2Xd out(2, pixels.cols());
  for (Eigen::Index i = 0; i < pixels.cols(); ++i) {
    out.col(i) = output == PointCoordinates::kNormalized
                     ? pixel_to_normalized(pixels.col(i), options)
                     : undistort_pixel(pixels.col(i), options);
  }
  return out;
}

Eigen::Vector3d Camera::unproject(const Eigen::Vector2d& pixel, double depth_mm) const {
  const Eigen::Vector2d xy = pixel_to_normalized(pixel);
  return camera_to_world(Eigen::Vector3d(xy.x() * depth_mm, xy.y() * depth_mm, depth_mm));
}

Eigen::Vector3d Camera::unproject_ray(const Eigen::Vector2d& pixel) const {
  const Eigen::Vector2d xy = pixel_to_normalized(pixel);
  return (rotation_.transpose() * Eigen::Vector3d(xy.x(), xy.y(), 1.0)).normalized();
}

Eigen::Matrix<double, 2, 3> Camera::crop_transform(double left, double top) {
  Eigen::Matrix<double, 2, 3> a;
  a << 1.0, 0.0, -left, 0.0, 1.0, -top;
  return a;
}

Eigen::Matrix<double, 2, 3> Camera::resize_transform(int width,
                                                     int height,
                                                     int new_width,
                                                     int new_height) {
  MVPOSE3D_CHECK(width > 0 && height > 0 && new_width > 0 && new_height > 0,
                 "resize_transform: sizes must be positive ({}x{} -> {}x{})",
                 width,
                 height,
                 new_width,
                 new_height);
  // Pixel centres at integers: the image extent [−0.5, w − 0.5] maps onto [−0.5, w' − 0.5].
  const double sx = static_cast<double>(new_width) / width;
  const double sy = static_cast<double>(new_height) / height;
  Eigen::Matrix<double, 2, 3> a;
  a << sx, 0.0, 0.5 * sx - 0.5, 0.0, sy, 0.5 * sy - 0.5;
  return a;
}

Camera Camera::apply_image_transform(const Eigen::Matrix<double, 2, 3>& image_from_image,
                                     int new_width,
                                     int new_height) const {
  const auto& a = image_from_image;
  MVPOSE3D_CHECK(a.allFinite(), "apply_image_transform: the affine has non-finite entries");
  MVPOSE3D_CHECK(a(0, 1) == 0.0 && a(1, 0) == 0.0 && a(0, 0) > 0.0 && a(1, 1) > 0.0,
                 "apply_image_transform: only axis-aligned positive scales plus translations are "
                 "supported (K has no skew); got A = [[{}, {}, {}], [{}, {}, {}]]",
                 a(0, 0),
                 a(0, 1),
                 a(0, 2),
                 a(1, 0),
                 a(1, 1),
                 a(1, 2));
  Intrinsics in = intrinsics_;
  in.fx = a(0, 0) * intrinsics_.fx;
  in.cx = a(0, 0) * intrinsics_.cx + a(0, 2);
  in.fy = a(1, 1) * intrinsics_.fy;
  in.cy = a(1, 1) * intrinsics_.cy + a(1, 2);
  in.width = new_width;
  in.height = new_height;
  return Camera(in, rotation_, translation_, distortion_);
}

Camera Camera::crop(double left, double top, int width, int height) const {
  return apply_image_transform(crop_transform(left, top), width, height);
}

Camera Camera::resize(int new_width, int new_height) const {
  return apply_image_transform(
      resize_transform(intrinsics_.width, intrinsics_.height, new_width, new_height),
      new_width,
      new_height);
}

}  // namespace mvpose3d
