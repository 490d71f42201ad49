// A calibrated camera in Eigen (double): intrinsics, lens distortion and the world→camera pose.
//
// Frames and units (docs/geometry.md):
//   - World: millimetres (Human3.6M's world is z-up; nothing here depends on which axis is up).
//   - Camera: x right, y down, z forward (optical axis), millimetres. A point is in front of the
//     camera when its camera-frame z is positive.
//   - cam_from_world = [R | t]:  X_cam = R·X_world + t.  The camera centre is C = −Rᵀ·t, and
//     equivalently X_cam = R·(X_world − C) (Human3.6M's native form with C = its `T`).
//   - Pixels: OpenCV's convention. The centre of pixel (column i, row j) is at (u, v) = (i, j);
//     the image covers [−0.5, width − 0.5] × [−0.5, height − 0.5]. u grows to the right, v down.
//   - proj_from_world = K·[R | t] (3×4); K = [[fx, 0, cx], [0, fy, cy], [0, 0, 1]] (no skew).
//
// Projection with distortion: X_cam = R·X + t; (x, y) = (X_cam.x/X_cam.z, X_cam.y/X_cam.z);
// (x_d, y_d) = distortion.distort(x, y); (u, v) = (fx·x_d + cx, fy·y_d + cy).
//
// Image-plane transforms (crop, resize, apply_image_transform) return a new Camera whose
// projection equals the transformed projection of this camera (exactly, in double), because the
// transform acts after distortion: it only changes fx, fy, cx, cy and the image size.
#pragma once

#include "mvpose3d/geometry/distortion.h"

#include <string>

#include <Eigen/Core>

namespace mvpose3d {

// Pinhole intrinsics plus image size, all in pixels.
struct Intrinsics {
  double fx = 1.0;  // focal length along u, px (> 0)
  double fy = 1.0;  // focal length along v, px (> 0)
  double cx = 0.0;  // principal point u, px (pixel-centre convention, see above)
  double cy = 0.0;  // principal point v, px
  int width = 1;    // image width, px (> 0)
  int height = 1;   // image height, px (> 0)
};

// Output coordinates of Camera::undistort_points.
enum class PointCoordinates {
  kNormalized,  // undistorted normalised coordinates (x, y) = (X/Z, Y/Z)
  kPixels,      // undistorted pixels: K applied to the undistorted normalised coordinates
};

// Returns "" when `rotation` is a proper rotation within `tolerance` (‖RᵀR − I‖_F ≤ tolerance and
// |det R − 1| ≤ tolerance, every entry finite), otherwise what was found, e.g. "det = -1.000" or
// "‖RᵀR − I‖ = 0.3". Used by Camera and by the rig loader.
std::string rotation_defect(const Eigen::Matrix3d& rotation, double tolerance = 1e-6);

class Camera {
 public:
  // fx = fy = 1, cx = cy = 0, 1×1 image, identity pose, no distortion.
  Camera() = default;

  // From cam_from_world = [R | t]: X_cam = R·X_world + t (t in mm).
  // Throws Error when R is not a rotation (rotation_defect), a focal length is not positive and
  // finite, or the image size is not positive.
  static Camera from_cam_from_world(const Intrinsics& intrinsics,
                                    const Eigen::Matrix3d& rotation,
                                    const Eigen::Vector3d& translation_mm,
                                    const Distortion& distortion = {});

  // From the rotation R (world→camera) and the camera centre C in world mm: t = −R·C.
  static Camera from_center(const Intrinsics& intrinsics,
                            const Eigen::Matrix3d& rotation,
                            const Eigen::Vector3d& center_world_mm,
                            const Distortion& distortion = {});

  // A camera at `eye_world_mm` looking at `target_world_mm`, with the image's "up" (−y_cam) as
  // close to `up_world` as possible: z = normalise(target − eye), x = normalise(z × up), y = z × x.
  // Throws Error when eye == target or the viewing direction is parallel to `up_world`.
  static Camera look_at(const Intrinsics& intrinsics,
                        const Eigen::Vector3d& eye_world_mm,
                        const Eigen::Vector3d& target_world_mm,
                        const Eigen::Vector3d& up_world = Eigen::Vector3d::UnitZ(),
                        const Distortion& distortion = {});

  // --- Accessors -------------------------------------------------------------------------------
  double fx() const { return intrinsics_.fx; }
  double fy() const { return intrinsics_.fy; }
  double cx() const { return intrinsics_.cx; }
  double cy() const { return intrinsics_.cy; }
  int width() const { return intrinsics_.width; }
  int height() const { return intrinsics_.height; }
  const Intrinsics& intrinsics() const { return intrinsics_; }
  const Distortion& distortion() const { return distortion_; }

  // K (3×3).
  Eigen::Matrix3d calibration_matrix() const;
  // R of cam_from_world (3×3, world → camera).
  const Eigen::Matrix3d& rotation() const { return rotation_; }
  // t of cam_from_world, mm.
  const Eigen::Vector3d& translation() const { return translation_; }
  // [R | t] (3×4).
  Eigen::Matrix<double, 3, 4> cam_from_world() const;
  // K·[R | t] (3×4): pixel ~ P·[X; 1] for the pinhole part (distortion not included).
  Eigen::Matrix<double, 3, 4> proj_from_world() const;
  // Camera centre C = −Rᵀ·t in world mm.
  Eigen::Vector3d center() const;

  // --- Points ----------------------------------------------------------------------------------
  // X_cam = R·X_world + t (mm). Its z is the depth along the optical axis.
  Eigen::Vector3d world_to_camera(const Eigen::Vector3d& point_world_mm) const;
  // X_world = Rᵀ·(X_cam − t).
  Eigen::Vector3d camera_to_world(const Eigen::Vector3d& point_cam_mm) const;

  // World mm → pixel, with distortion. Points with camera-frame z ≤ 0 (behind or on the camera
  // plane) give meaningless or non-finite pixels; check world_to_camera(X).z() first.
  Eigen::Vector2d project(const Eigen::Vector3d& point_world_mm) const;
  // World mm → pixel through K·[R | t] only (distortion ignored).
  Eigen::Vector2d project_undistorted(const Eigen::Vector3d& point_world_mm) const;

  // Observed (distorted) pixel + depth (camera-frame z, mm; not the distance along the ray) →
  // world point. Inverse of project() for points in front of the camera.
  Eigen::Vector3d unproject(const Eigen::Vector2d& pixel, double depth_mm) const;
  // Observed (distorted) pixel → unit direction, in the world frame, of the ray from center()
  // through that pixel (pointing forward, i.e. towards positive camera z).
  Eigen::Vector3d unproject_ray(const Eigen::Vector2d& pixel) const;

  // Observed pixel → undistorted normalised coordinates (x, y) (iterative, see Distortion).
  Eigen::Vector2d pixel_to_normalized(const Eigen::Vector2d& pixel,
                                      const UndistortOptions& options = {}) const;
  // Undistorted normalised coordinates → observed pixel (applies distortion, then K).
  Eigen::Vector2d normalized_to_pixel(const Eigen::Vector2d& xy) const;
  // Observed pixel → the pixel a distortion-free camera with the same K would have seen.
  Eigen::Vector2d undistort_pixel(const Eigen::Vector2d& pixel,
                                  const UndistortOptions& options = {}) const;
  // Distortion-free pixel → observed pixel (inverse of undistort_pixel).
  Eigen::Vector2d distort_pixel(const Eigen::Vector2d& undistorted_pixel) const;
  // Column-wise undistort_pixel / pixel_to_normalized for a 2×N block of observed pixels.
  Eigen::Matrix2Xd undistort_points(const Eigen::Matrix2Xd& pixels,
                                    PointCoordinates output = PointCoordinates::kPixels,
                                    const UndistortOptions& options = {}) const;

  // --- Image-plane transforms (return a new camera; this one is unchanged) --------------------
  // Crop to the window whose top-left pixel is (left, top) in this image: u' = u − left,
  // v' = v − top, so cx −= left, cy −= top; the new image is width × height. Any window is
  // accepted (it may extend past the image, as crops around a bounding box do).
  Camera crop(double left, double top, int width, int height) const;

  // Resize the image to new_width × new_height the way cv::resize and
  // torch interpolate(align_corners=False) do, which is exact for the pixel-centre convention:
  // u' = s_x·(u + 0.5) − 0.5 with s_x = new_width / width (same for v), so
  // fx' = s_x·fx, cx' = s_x·(cx + 0.5) − 0.5 (and fy, cy with s_y = new_height / height).
  // Note: learnable-triangulation's Camera.update_after_resize uses cx' = s_x·cx, which is exact
  // for a pixel-corner convention and differs from this by 0.5·(s_x − 1) px.
  Camera resize(int new_width, int new_height) const;

  // General form: the new pixel is A·[u; v; 1] for the 2×3 affine A, and the new image is
  // new_width × new_height. Only axis-aligned positive scales plus translations are supported
  // (A(0,1) = A(1,0) = 0, A(0,0) > 0, A(1,1) > 0) because K has no skew; anything else (rotation,
  // shear, flips) throws Error. K' = [A; 0 0 1]·K.
  Camera apply_image_transform(const Eigen::Matrix<double, 2, 3>& image_from_image,
                               int new_width,
                               int new_height) const;

  // The affine maps used by crop() and resize(), for warping the image itself consistently
  // (e.g. cv::warpAffine(src, dst, A, size), which uses the same pixel-centre convention).
  static Eigen::Matrix<double, 2, 3> crop_transform(double left, double top);
  static Eigen::Matrix<double, 2, 3> resize_transform(int width,
                                                      int height,
                                                      int new_width,
                                                      int new_height);

 private:
  Camera(const Intrinsics& intrinsics,
         const Eigen::Matrix3d& rotation,
         const Eigen::Vector3d& translation_mm,
         const Distortion& distortion);

  Intrinsics intrinsics_;
  Distortion distortion_;
  Eigen::Matrix3d rotation_ = Eigen::Matrix3d::Identity();  // R of cam_from_world
  Eigen::Vector3d translation_ = Eigen::Vector3d::Zero();   // t of cam_from_world, mm
};

}  // namespace mvpose3d
