// Lens distortion models, applied to normalised image coordinates.
//
// Normalised coordinates are x = X/Z, y = Y/Z of a point (X, Y, Z) in the camera frame (before
// the calibration matrix K). A distortion model maps undistorted (x, y) to distorted (x_d, y_d);
// the pixel is then u = fx·x_d + cx, v = fy·y_d + cy. See docs/geometry.md for the derivations.
//
// Two models share the coefficient storage k = (k1, k2, k3) (radial, on r², r⁴, r⁶) and
// p = (p[0], p[1]) (tangential), with r² = x² + y² and radial = 1 + k1·r² + k2·r⁴ + k3·r⁶:
//
//   kH36m  (Human3.6M native model; 3d-pose-baseline `project_point_radial`, datasets.md §1.3):
//            tan = p[0]·y + p[1]·x
//            x_d = x·(radial + tan) + p[1]·r²
//            y_d = y·(radial + tan) + p[0]·r²
//          p[0] and p[1] are H36M's own p (metadata.xml, cameras.h5, camera_data.pkl order), NOT
//          VideoPose3D's `tangential_distortion`, which stores them swapped as [p[1], p[0]].
//
//   kOpenCv (OpenCV's 5-coefficient model; p[0] = OpenCV p1, p[1] = OpenCV p2):
//            x_d = x·radial + 2·p1·x·y + p2·(r² + 2x²)
//            y_d = y·radial + p1·(r² + 2y²) + 2·p2·x·y
//
// Expanding kH36m gives x_d = x·radial + p[0]·x·y + p[1]·(r² + x²), i.e. H36M's p[0] plays the role
// of OpenCV's p1 and p[1] of p2, but without OpenCV's factor-2 terms: the same numbers give
// different images under the two models, so rig files always name the model.
//
// kOpenCvFisheye (OpenCV's cv::fisheye equidistant model, also aniposelib's FisheyeCamera and
// COLMAP's OPENCV_FISHEYE; coefficients k1..k4 in k[0], k[1], k[2] and k4, p unused):
//            r = √(x² + y²),  θ = atan(r),  θ_d = θ·(1 + k1·θ² + k2·θ⁴ + k3·θ⁶ + k4·θ⁸)
//            x_d = (θ_d / r)·x,  y_d = (θ_d / r)·y        (x_d = x at r = 0)
//          Even with every coefficient zero this is not the identity (θ = atan r ≠ r).
#pragma once

#include <array>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace mvpose3d {

enum class DistortionModel {
  kNone,           // pinhole, x_d = x
  kH36m,           // Human3.6M native radial-tangential model (above)
  kOpenCv,         // OpenCV k1, k2, p1, p2, k3 (above)
  kOpenCvFisheye,  // OpenCV cv::fisheye k1, k2, k3, k4 (above)
};

// "none", "h36m", "opencv", "opencv_fisheye".
std::string to_string(DistortionModel model);

// Parses "none" | "h36m" | "opencv" | "opencv_fisheye"; throws Error listing the known names
// otherwise.
DistortionModel distortion_model_from_string(const std::string& name);

// Names accepted by distortion_model_from_string, in enum order (opencv_fisheye last).
std::vector<std::string> known_distortion_models();

// Options of the iterative inverse (Newton's method on the 2×2 system, started at x = x_d).
struct UndistortOptions {
  int max_iterations = 30;  // Newton steps; 4-6 suffice inside any real image
  double tolerance = 1e-15;  // stop when ‖distort(x) − x_d‖∞ falls below this (normalised units)
};

struct Distortion {
  DistortionModel model = DistortionModel::kNone;
  std::array<double, 3> k{};  // radial k1, k2, k3 (coefficients of r², r⁴, r⁶)
  std::array<double, 2> p{};  // tangential: kH36m (p[0], p[1]) = H36M p; kOpenCv (p1, p2)
  double k4 = 0.0;            // kOpenCvFisheye only: the coefficient of θ⁸ (k holds k1, k2, k3)

  static Distortion none() { return {}; }
  // H36M native model; p0, p1 in H36M's own order (see the header comment).
  static Distortion h36m(double k1, double k2, double k3, double p0, double p1);
  // OpenCV model; arguments in OpenCV's distCoeffs order (k1, k2, p1, p2, k3).
  static Distortion opencv(double k1, double k2, double p1, double p2, double k3);
  // OpenCV fisheye model; arguments in cv::fisheye's D order (k1, k2, k3, k4).
  static Distortion fisheye(double k1, double k2, double k3, double k4);

  // True for kNone, or kH36m / kOpenCv with every coefficient exactly zero (distort is then the
  // identity). Never for kOpenCvFisheye.
  bool is_identity() const;

  // Distorts normalised coordinates. When `jacobian` is given it receives ∂(x_d, y_d)/∂(x, y).
  Eigen::Vector2d distort(const Eigen::Vector2d& xy, Eigen::Matrix2d* jacobian = nullptr) const;

  // Inverts distort() by Newton's method: returns x with distort(x) ≈ xy_distorted.
  // When the iteration does not reach options.tolerance (only far outside the image, where the
  // polynomial can fold over) the best iterate is returned and `*converged` (if given) is false.
  Eigen::Vector2d undistort(const Eigen::Vector2d& xy_distorted,
                            const UndistortOptions& options = {},
                            bool* converged = nullptr) const;
};

}  // namespace mvpose3d
