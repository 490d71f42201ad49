#include "mvpose3d/geometry/distortion.h"

#include "mvpose3d/core/error.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/LU>

namespace mvpose3d {

namespace {

// cv::fisheye: x_d = s(r)·x with s(r) = θ_d(θ(r)) / r, θ = atan(r). The Jacobian is
// s·I + (s'(r) / r)·[x; y]·[x, y], with s'(r) = (θ_d'(θ)·θ'(r)·r − θ_d) / r² and θ'(r) = 1 / (1 +
// r²).
Eigen::Vector2d distort_fisheye(const Distortion& d,
                                const Eigen::Vector2d& xy,
                                Eigen::Matrix2d* jacobian) {
  const std::array<double, 3>& k = d.k;
  const double k4 = d.k4;
  const double r2 = xy.squaredNorm();
  // Below r ~ 1e-8 the rounding of θ_d / r exceeds its deviation from 1 (s = 1 + (k1 − 1/3)·r²).
  if (r2 < 1e-16) {
    if (jacobian != nullptr) {
      jacobian->setIdentity();
    }
    return xy;
  }
  const double r = std::sqrt(r2);
  const double theta = std::atan(r);
  const double t2 = theta * theta;
  const double poly = 1.0 + t2 * (k[0] + t2 * (k[1] + t2 * (k[2] + t2 * k4)));
  const double theta_d = theta * poly;
  const double s = theta_d / r;
  if (jacobian != nullptr) {
    // d(θ_d)/dθ = 1 + 3k1·θ² + 5k2·θ⁴ + 7k3·θ⁶ + 9k4·θ⁸.
    const double dtheta_d =
        1.0 + t2 * (3.0 * k[0] + t2 * (5.0 * k[1] + t2 * (7.0 * k[2] + t2 * 9.0 * k4)));
    const double ds_dr = (dtheta_d / (1.0 + r2) * r - theta_d) / r2;
    *jacobian = s * Eigen::Matrix2d::Identity() + (ds_dr / r) * xy * xy.transpose();
  }
  return s * xy;
}

}  // namespace

std::string to_string(DistortionModel model) {
  switch (model) {
    case DistortionModel::kNone:
      return "none";
    case DistortionModel::kH36m:
      return "h36m";
    case DistortionModel::kOpenCv:
      return "opencv";
    case DistortionModel::kOpenCvFisheye:
      return "opencv_fisheye";
  }
  return "unknown";
}

std::vector<std::string> known_distortion_models() {
  return {"none", "h36m", "opencv", "opencv_fisheye"};
}

DistortionModel distortion_model_from_string(const std::string& name) {
  if (name == "none") {
    return DistortionModel::kNone;
  }
  if (name == "h36m") {
    return DistortionModel::kH36m;
  }
  if (name == "opencv") {
    return DistortionModel::kOpenCv;
  }
  if (name == "opencv_fisheye") {
    return DistortionModel::kOpenCvFisheye;
  }
  // The perspective models are listed first and apart from the fisheye one, so that a user who
  // wrote "fisheye" reads which name that model has.
  std::vector<std::string> perspective = known_distortion_models();
  perspective.pop_back();
  throw Error(fmt::format("unknown distortion model '{}' (known: {}) and, for fisheye lenses, {}",
                          name,
                          fmt::join(perspective, ", "),
                          to_string(DistortionModel::kOpenCvFisheye)));
}

Distortion Distortion::h36m(double k1, double k2, double k3, double p0, double p1) {
  Distortion d;
  d.model = DistortionModel::kH36m;
  d.k = {k1, k2, k3};
  d.p = {p0, p1};
  return d;
}

Distortion Distortion::opencv(double k1, double k2, double p1, double p2, double k3) {
  Distortion d;
  d.model = DistortionModel::kOpenCv;
  d.k = {k1, k2, k3};
  d.p = {p1, p2};
  return d;
}

Distortion Distortion::fisheye(double k1, double k2, double k3, double k4) {
  Distortion d;
  d.model = DistortionModel::kOpenCvFisheye;
  d.k = {k1, k2, k3};
  d.k4 = k4;
  return d;
}

bool Distortion::is_identity() const {
  if (model == DistortionModel::kNone) {
    return true;
  }
  if (model == DistortionModel::kOpenCvFisheye) {
    return false;  // θ = atan(r) bends rays even with zero coefficients
  }
  return k[0] == 0.0 && k[1] == 0.0 && k[2] == 0.0 && p[0] == 0.0 && p[1] == 0.0;
}

Eigen::Vector2d Distortion::distort(const Eigen::Vector2d& xy, Eigen::Matrix2d* jacobian) const {
  const double x = xy.x();
  const double y = xy.y();
  if (model == DistortionModel::kNone) {
    if (jacobian != nullptr) {
      jacobian->setIdentity();
    }
    return xy;
  }
  if (model == DistortionModel::kOpenCvFisheye) {
    return distort_fisheye(*this, xy, jacobian);
  }
  const double r2 = x * x + y * y;
  const double radial = 1.0 + r2 * (k[0] + r2 * (k[1] + r2 * k[2]));
  // d(radial)/d(r²); d(radial)/dx = 2x·g, d(radial)/dy = 2y·g.
  const double g = k[0] + r2 * (2.0 * k[1] + 3.0 * r2 * k[2]);
  Eigen::Vector2d out;
  if (model == DistortionModel::kH36m) {
    // 3d-pose-baseline project_point_radial: tan = p0·y + p1·x; x_d = x·(radial + tan) + p1·r²,
    // y_d = y·(radial + tan) + p0·r².
    const double p0 = p[0];
    const double p1 = p[1];
    const double tan = p0 * y + p1 * x;
    out << x * (radial + tan) + p1 * r2, y * (radial + tan) + p0 * r2;
    if (jacobian != nullptr) {
      (*jacobian)(0, 0) = radial + tan + x * (2.0 * x * g + p1) + 2.0 * p1 * x;
      (*jacobian)(0, 1) = x * (2.0 * y * g + p0) + 2.0 * p1 * y;
      (*jacobian)(1, 0) = y * (2.0 * x * g + p1) + 2.0 * p0 * x;
      (*jacobian)(1, 1) = radial + tan + y * (2.0 * y * g + p0) + 2.0 * p0 * y;
    }
  } else {
    // OpenCV: x_d = x·radial + 2·p1·x·y + p2·(r² + 2x²); y_d = y·radial + p1·(r² + 2y²) + 2·p2·x·y.
    const double p1 = p[0];
    const double p2 = p[1];
    out << x * radial + 2.0 * p1 * x * y + p2 * (r2 + 2.0 * x * x),
        y * radial + p1 * (r2 + 2.0 * y * y) + 2.0 * p2 * x * y;
    if (jacobian != nullptr) {
      const double off_diagonal = 2.0 * x * y * g + 2.0 * p1 * x + 2.0 * p2 * y;
      (*jacobian)(0, 0) = radial + 2.0 * x * x * g + 2.0 * p1 * y + 6.0 * p2 * x;
      (*jacobian)(0, 1) = off_diagonal;
      (*jacobian)(1, 0) = off_diagonal;
      (*jacobian)(1, 1) = radial + 2.0 * y * y * g + 6.0 * p1 * y + 2.0 * p2 * x;
    }
  }
  return out;
}

Eigen::Vector2d Distortion::undistort(const Eigen::Vector2d& xy_distorted,
                                      const UndistortOptions& options,
                                      bool* converged) const {
  if (converged != nullptr) {
    *converged = true;
  }
  if (is_identity()) {
    return xy_distorted;
  }
  // Newton's method on F(x) = distort(x) − x_d, started at x = x_d. The distortion of real lenses
  // is a small perturbation of the identity inside the image, so Newton converges quadratically
  // (to machine precision in a handful of steps), unlike OpenCV's fixed-point iteration, which
  // converges linearly and slowly near the image corners of strongly distorted lenses.
  Eigen::Vector2d x = xy_distorted;
  Eigen::Vector2d best = x;
  double best_residual = std::numeric_limits<double>::infinity();
  for (int iteration = 0; iteration <= options.max_iterations; ++iteration) {
    Eigen::Matrix2d jacobian;
    const Eigen::Vector2d residual = distort(x, &jacobian) - xy_distorted;
    const double norm = residual.cwiseAbs().maxCoeff();
    if (!std::isfinite(norm)) {
      break;
    }
    if (norm < best_residual) {
      best_residual = norm;
      best = x;
    }
    if (norm <= options.tolerance || iteration == options.max_iterations) {
      break;
    }
    const double det = jacobian.determinant();
    if (!std::isfinite(det) || std::abs(det) < 1e-12) {
      break;  // fold of the distortion polynomial: no local inverse here
    }
    const Eigen::Vector2d step = jacobian.inverse() * residual;
    x -= step;
    if (step.cwiseAbs().maxCoeff() <= std::numeric_limits<double>::epsilon() * (1.0 + x.norm())) {
      // Converged to rounding level; evaluate once more to record the final residual.
      const double final_norm = (distort(x) - xy_distorted).cwiseAbs().maxCoeff();
      if (final_norm < best_residual) {
        best_residual = final_norm;
        best = x;
      }
      break;
    }
  }
  // Distortion is evaluated in double, so the residual cannot always get below ~1e-16·|x|.
  const double floor = 8.0 * std::numeric_limits<double>::epsilon() * (1.0 + best.norm());
  if (converged != nullptr) {
    *converged = best_residual <= std::max(options.tolerance, floor);
  }
  return best;
}

}  // namespace mvpose3d
