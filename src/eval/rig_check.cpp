#include "mvpose3d/eval/rig_check.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/geometry/camera_batch.h"
#include "mvpose3d/ops/triangulate.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <utility>

#include <ATen/ATen.h>
#include <Eigen/Eigenvalues>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace mvpose3d::eval {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPi = 3.14159265358979323846;
// What a human capture looks like, in mm: a body's bounding diagonal over a capture, and the
// distance of a camera from the subject. Only their order of magnitude is used (units_guess).
constexpr double kTypicalBodySizeMm = 1900;
constexpr double kTypicalCameraDistanceMm = 4000;
// Points sampled per camera for the image-bounds check (distorted projection, Eigen).
constexpr int64_t kBoundsSamples = 2000;

std::string shape_of(const at::Tensor& t) {
  return fmt::format("[{}]", fmt::join(t.sizes(), ", "));
}

// Quantile q in [0, 1] of `values` (nearest rank on a copy); NaN when empty.
double quantile(std::vector<double> values, double q) {
  if (values.empty()) return kNaN;
  const auto k = static_cast<size_t>(std::lround(q * static_cast<double>(values.size() - 1)));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
  return values[k];
}

std::vector<double> to_vector(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kDouble).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

void check_keypoints_shape(const Rig& rig, const at::Tensor& keypoints) {
  const auto views = static_cast<int64_t>(rig.size());
  if (keypoints.dim() != 4 || keypoints.size(1) != views || keypoints.size(3) != 3) {
    throw Error(
        fmt::format("keypoints: expected [F, V = {}, J, 3] (x_px, y_px, confidence), got {}",
                    views,
                    shape_of(keypoints)));
  }
}

// Keypoints [F, V, J, 3] as the DLT takes them: undistorted pixels [N = F·J, V, 2] and weights
// [N, V] (the confidence, 0 below min_confidence or where a coordinate is not finite).
struct Observations {
  at::Tensor points;   // [N, V, 2] undistorted px
  at::Tensor weights;  // [N, V]
  int64_t frames = 0, joints = 0;
};

Observations observations(const Rig& rig, const at::Tensor& keypoints, double min_confidence) {
  check_keypoints_shape(rig, keypoints);
  const at::Tensor kp = keypoints.to(at::kDouble);
  const int64_t frames = kp.size(0), views = kp.size(1), joints = kp.size(2);
  const int64_t n = frames * joints;
  // [N, V, 2] and [N, V]: point-major, as ops::triangulate takes them.
  at::Tensor points = kp.slice(3, 0, 2).permute({0, 2, 1, 3}).reshape({n, views, 2}).contiguous();
  const at::Tensor confidence = kp.select(3, 2).permute({0, 2, 1}).reshape({n, views});
  const at::Tensor usable =
      (confidence >= min_confidence) & at::isfinite(points).all(-1) & at::isfinite(confidence);
  points.masked_fill_(~usable.unsqueeze(-1), 0.0);
  auto acc = points.accessor<double, 3>();
  for (int64_t v = 0; v < views; ++v) {
    Eigen::Matrix2Xd px(2, n);
    for (int64_t i = 0; i < n; ++i) px.col(i) << acc[i][v][0], acc[i][v][1];
    const Eigen::Matrix2Xd undistorted = rig.camera(static_cast<size_t>(v)).undistort_points(px);
    for (int64_t i = 0; i < n; ++i) {
      acc[i][v][0] = undistorted(0, i);
      acc[i][v][1] = undistorted(1, i);
    }
  }
  return {points, at::where(usable, confidence, at::zeros_like(confidence)), frames, joints};
}

// Residuals [N, V] (px) of world points [N, 3] against undistorted points [N, V, 2]; +inf where
// the point is behind the camera.
at::Tensor residuals_px(const at::Tensor& points3d,
                        const at::Tensor& points2d,
                        const at::Tensor& proj) {
  const at::Tensor homogeneous =
      at::cat({points3d, at::ones({points3d.size(0), 1}, points3d.options())}, 1);  // [N, 4]
  const at::Tensor projected = at::einsum("vij,nj->nvi", {proj, homogeneous});      // [N, V, 3]
  const at::Tensor depth = projected.select(2, 2);                                  // [N, V]
  const at::Tensor pixels = projected.slice(2, 0, 2) / depth.unsqueeze(-1);         // [N, V, 2]
  const at::Tensor r = (pixels - points2d).norm(2, -1);
  return at::where(depth > 0, r, at::full_like(r, std::numeric_limits<double>::infinity()));
}

// The outcome of triangulating and classifying every view of every point.
struct Solved {
  at::Tensor points3d;   // [N, 3], NaN where not triangulated
  at::Tensor ok;         // [N] bool
  at::Tensor residuals;  // [N, V] px at the final points
  at::Tensor kept;       // [N, V] bool: used by a triangulated point
  at::Tensor rejected;   // [N, V] bool: rejected as an outlier
};

// Greedy rejection (header): batched rounds, each solving only the points still above threshold.
Solved solve_with_rejection(const Observations& obs,
                            const at::Tensor& proj,
                            const RigCheckOptions& options) {
  at::Tensor weights = obs.weights.clone();
  at::Tensor rejected = at::zeros_like(weights, at::kBool);
  const auto tri = ops::triangulate(obs.points, proj, weights);
  at::Tensor points3d = tri.points3d.clone();
  at::Tensor valid = tri.valid.clone();
  at::Tensor residuals = residuals_px(points3d, obs.points, proj);
  const int64_t views = proj.size(0);
  for (int64_t round = 0; round < views; ++round) {
    const at::Tensor used = weights > 0;
    const auto [worst, worst_view] =
        at::where(used, residuals, at::full_like(residuals, -1.0)).max(1);  // [N]
    const at::Tensor bad =
        valid & (worst > options.max_reproj_px) & (used.sum(1) > options.min_views);
    const at::Tensor idx = bad.nonzero().squeeze(1);
    if (idx.numel() == 0) break;
    const at::Tensor view = worst_view.index_select(0, idx);
    weights.index_put_({idx, view}, 0.0);
    rejected.index_put_({idx, view}, true);
    const at::Tensor sub_points = obs.points.index_select(0, idx);
    const auto again = ops::triangulate(sub_points, proj, weights.index_select(0, idx));
    points3d.index_copy_(0, idx, again.points3d);
    valid.index_copy_(0, idx, again.valid);
    residuals.index_copy_(0, idx, residuals_px(again.points3d, sub_points, proj));
  }
  const at::Tensor used = weights > 0;
  const at::Tensor worst =
      std::get<0>(at::where(used, residuals, at::full_like(residuals, -1.0)).max(1));
  const at::Tensor ok =
      valid & (worst <= options.max_reproj_px) & (used.sum(1) >= options.min_views);
  points3d.masked_fill_(~ok.unsqueeze(1), kNaN);
  return {points3d, ok, residuals, used & ok.unsqueeze(1), rejected};
}

// Points given: residuals only; a view above the threshold counts as rejected.
Solved classify_given(const Observations& obs,
                      const at::Tensor& points3d,
                      const at::Tensor& proj,
                      const RigCheckOptions& options) {
  const at::Tensor ok = at::isfinite(points3d).all(1);
  const at::Tensor filled = at::where(ok.unsqueeze(1), points3d, at::zeros_like(points3d));
  const at::Tensor residuals = residuals_px(filled, obs.points, proj);
  const at::Tensor used = (obs.weights > 0) & ok.unsqueeze(1);
  const at::Tensor rejected = used & (residuals > options.max_reproj_px);
  return {points3d, ok, residuals, used & ~rejected, rejected};
}

std::string nearest_axis(const Eigen::Vector3d& dir, double* angle_deg, Eigen::Vector3d* axis) {
  static const std::array<const char*, 3> names{"x", "y", "z"};
  int best = 0;
  for (int i = 1; i < 3; ++i) {
    if (std::abs(dir[i]) > std::abs(dir[best])) best = i;
  }
  *axis = Eigen::Vector3d::Unit(best) * (dir[best] >= 0 ? 1.0 : -1.0);
  *angle_deg = std::acos(std::clamp(axis->dot(dir.normalized()), -1.0, 1.0)) * 180.0 / kPi;
  return std::string(dir[best] >= 0 ? "+" : "-") + names[static_cast<size_t>(best)];
}

// The mean long axis of each frame's points (sign free), or zero when no frame has 3 points.
Eigen::Vector3d body_axis(const at::Tensor& points3d /* [F, J, 3] */) {
  Eigen::Matrix3d sum = Eigen::Matrix3d::Zero();
  const auto acc = points3d.accessor<double, 3>();
  for (int64_t f = 0; f < points3d.size(0); ++f) {
    std::vector<Eigen::Vector3d> pts;
    for (int64_t j = 0; j < points3d.size(1); ++j) {
      const Eigen::Vector3d p(acc[f][j][0], acc[f][j][1], acc[f][j][2]);
      if (p.allFinite()) pts.push_back(p);
    }
    if (pts.size() < 3) continue;
    Eigen::Vector3d mean = Eigen::Vector3d::Zero();
    for (const auto& p : pts) mean += p;
    mean /= static_cast<double>(pts.size());
    Eigen::Matrix3d cov = Eigen::Matrix3d::Zero();
    for (const auto& p : pts) cov += (p - mean) * (p - mean).transpose();
    Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> eig(cov);
    const Eigen::Vector3d axis = eig.eigenvectors().col(2);
    sum += axis * axis.transpose();
  }
  if (sum.isZero()) return Eigen::Vector3d::Zero();
  Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> eig(sum);
  return eig.eigenvectors().col(2);
}

// The unit (of mm, cm, m) whose typical size is nearest `value`, within a factor of 4; else
// "unknown".
std::string guess_units(double value, double typical_mm) {
  if (!(value > 0) || !std::isfinite(value)) return "unknown";
  const double decades = std::log10(value / typical_mm);
  const std::array<std::pair<const char*, double>, 3> units{
      {{"mm", 0.0}, {"cm", -1.0}, {"m", -3.0}}};
  std::string best = "unknown";
  double best_gap = 0.6;
  for (const auto& [name, d] : units) {
    if (std::abs(decades - d) < best_gap) {
      best_gap = std::abs(decades - d);
      best = name;
    }
  }
  return best;
}

std::string percent(double fraction) {
  return fmt::format("{:.0f} %", 100.0 * fraction);
}

RigCheck analyse(const Rig& rig,
                 const at::Tensor& points3d /* [F, J, 3] */,
                 const Solved* solved,
                 const at::Tensor& proj,
                 const RigCheckOptions& options) {
  RigCheck out;
  out.points3d = points3d;
  const int64_t views = static_cast<int64_t>(rig.size());
  const at::Tensor flat = points3d.reshape({-1, 3});
  const at::Tensor ok = at::isfinite(flat).all(1);
  out.points = flat.size(0);
  out.triangulated = ok.sum().item<int64_t>();
  const at::Tensor good = flat.index({ok});  // [M, 3]

  // Up and floor.
  Eigen::Vector3d up_sum = Eigen::Vector3d::Zero();
  for (const Camera& cam : rig.cameras()) up_sum -= cam.rotation().row(1).transpose();
  out.up_from_cameras = up_sum.normalized();
  Eigen::Vector3d axis;
  out.up_axis = nearest_axis(out.up_from_cameras, &out.up_axis_angle_deg, &axis);
  out.up = out.up_axis_angle_deg <= 20.0 ? axis : out.up_from_cameras;
  out.up_from_points = body_axis(points3d);
  if (out.up_from_points.dot(out.up) < 0) out.up_from_points = -out.up_from_points;

  if (good.size(0) > 0) {
    const at::Tensor up = at::tensor({out.up.x(), out.up.y(), out.up.z()}, at::kDouble);
    out.floor = quantile(to_vector(at::matmul(good, up)), 0.01);
    const at::Tensor centre = std::get<0>(good.median(0));
    out.subject_center = {
        centre[0].item<double>(), centre[1].item<double>(), centre[2].item<double>()};
    // A frame's bounding diagonal, over frames with at least 3 points.
    std::vector<double> sizes;
    const auto acc = points3d.accessor<double, 3>();
    for (int64_t f = 0; f < points3d.size(0); ++f) {
      Eigen::Vector3d lo = Eigen::Vector3d::Constant(INFINITY), hi = -lo;
      int count = 0;
      for (int64_t j = 0; j < points3d.size(1); ++j) {
        const Eigen::Vector3d p(acc[f][j][0], acc[f][j][1], acc[f][j][2]);
        if (!p.allFinite()) continue;
        lo = lo.cwiseMin(p);
        hi = hi.cwiseMax(p);
        ++count;
      }
      if (count >= 3) sizes.push_back((hi - lo).norm());
    }
    out.body_size = quantile(sizes, 0.9);
  } else {
    const at::Tensor centre = ops::normalize_rig(proj.unsqueeze(0)).centre[0];
    out.subject_center = {
        centre[0].item<double>(), centre[1].item<double>(), centre[2].item<double>()};
  }

  // Per camera.
  std::vector<double> distances, all_kept;
  const int64_t stride = std::max<int64_t>(1, good.size(0) / kBoundsSamples);
  for (int64_t v = 0; v < views; ++v) {
    const Camera& cam = rig.camera(static_cast<size_t>(v));
    CameraCheck c;
    c.name = rig.camera_name(static_cast<size_t>(v));
    c.center_world = cam.center();
    c.height = c.center_world.dot(out.up) - out.floor;
    c.distance_to_subject = (out.subject_center - c.center_world).norm();
    const Eigen::Vector3d optical_axis = cam.rotation().row(2).transpose();
    c.axis_to_subject_deg =
        std::acos(std::clamp(
            optical_axis.dot((out.subject_center - c.center_world).normalized()), -1.0, 1.0)) *
        180.0 / kPi;
    if (solved != nullptr) {
      c.kept = solved->kept.select(1, v).sum().item<int64_t>();
      c.rejected = solved->rejected.select(1, v).sum().item<int64_t>();
      const std::vector<double> r =
          to_vector(solved->residuals.select(1, v).index({solved->kept.select(1, v)}));
      c.median_px = quantile(r, 0.5);
      c.p90_px = quantile(r, 0.9);
      const at::Tensor detected =
          (solved->kept.select(1, v) | solved->rejected.select(1, v)) & solved->ok;
      // Points behind the camera (infinite residual) are counted in in_front_fraction instead.
      const at::Tensor all = solved->residuals.select(1, v).index({detected});
      c.median_all_px = quantile(to_vector(all.index({at::isfinite(all)})), 0.5);
      all_kept.insert(all_kept.end(), r.begin(), r.end());
    }
    // In front of the camera and inside its image: sampled points, with distortion.
    int64_t front = 0, inside = 0, sampled = 0;
    const auto acc = good.accessor<double, 2>();
    for (int64_t i = 0; i < good.size(0); i += stride) {
      const Eigen::Vector3d p(acc[i][0], acc[i][1], acc[i][2]);
      ++sampled;
      if (cam.world_to_camera(p).z() <= 0) continue;
      ++front;
      const Eigen::Vector2d px = cam.project(p);
      if (px.allFinite() && px.x() >= -0.5 && px.y() >= -0.5 && px.x() <= cam.width() - 0.5 &&
          px.y() <= cam.height() - 0.5) {
        ++inside;
      }
    }
    if (sampled > 0)
      c.in_front_fraction = static_cast<double>(front) / static_cast<double>(sampled);
    if (front > 0) c.in_image_fraction = static_cast<double>(inside) / static_cast<double>(front);
    distances.push_back(c.distance_to_subject);
    out.cameras.push_back(std::move(c));
  }
  out.median_px = quantile(all_kept, 0.5);
  out.p90_px = quantile(all_kept, 0.9);
  out.median_camera_distance = quantile(distances, 0.5);
  return out;
}

// Detections, rejection rates and every warning, once the numbers are in.
void add_counts_and_warnings(RigCheck& out,
                             const at::Tensor& weights /* [N, V] or undefined */,
                             const RigCheckOptions& options) {
  std::vector<double> rates, medians;
  for (size_t v = 0; v < out.cameras.size(); ++v) {
    CameraCheck& c = out.cameras[v];
    if (weights.defined()) {
      c.detections = (weights.select(1, static_cast<int64_t>(v)) > 0).sum().item<int64_t>();
      c.rejected_rate = c.detections > 0
                            ? static_cast<double>(c.rejected) / static_cast<double>(c.detections)
                            : 0;
      rates.push_back(c.rejected_rate);
      if (std::isfinite(c.median_px)) medians.push_back(c.median_px);
    }
  }
  const double median_rate = quantile(rates, 0.5);
  const double median_px = quantile(medians, 0.5);
  const double median_distance = out.median_camera_distance;

  // Rig-wide.
  if (out.up_axis_angle_deg > 20.0) {
    out.warnings.push_back(fmt::format(
        "no world axis is up: the cameras' up is ({:.2f}, {:.2f}, {:.2f}), {:.0f} deg from {}",
        out.up_from_cameras.x(),
        out.up_from_cameras.y(),
        out.up_from_cameras.z(),
        out.up_axis_angle_deg,
        out.up_axis));
  }
  if (!out.up_from_points.isZero()) {
    const double angle =
        std::acos(std::clamp(std::abs(out.up_from_points.dot(out.up)), 0.0, 1.0)) * 180.0 / kPi;
    if (angle > 30.0) {
      out.warnings.push_back(fmt::format(
          "the bodies' long axis is {:.0f} deg from the cameras' up ({}): is the world's up axis "
          "another one, or are the subjects lying down?",
          angle,
          out.up_axis));
    }
  }
  const bool have_points = out.triangulated > 0;
  out.units_guess = have_points ? guess_units(out.body_size, kTypicalBodySizeMm)
                                : guess_units(median_distance, kTypicalCameraDistanceMm);
  if (out.units_guess != "mm") {
    out.warnings.push_back(fmt::format(
        "{} {:.4g} world units: a human capture in {} (rig files are in mm){}",
        have_points ? "the bodies measure" : "the cameras stand at a median distance of",
        have_points ? out.body_size : median_distance,
        out.units_guess == "unknown" ? "no usual unit" : out.units_guess,
        out.units_guess == "unknown" ? "" : ": convert with --units " + out.units_guess));
  }
  if (have_points && (median_distance < 1000.0 || median_distance > 30000.0) &&
      out.units_guess == "mm") {
    out.warnings.push_back(fmt::format(
        "the cameras stand {:.0f} mm from the subject (median): unusual for a human capture",
        median_distance));
  }
  if (out.points > 0 && have_points &&
      static_cast<double>(out.triangulated) < 0.5 * static_cast<double>(out.points)) {
    out.warnings.push_back(fmt::format(
        "only {} of the points triangulate",
        percent(static_cast<double>(out.triangulated) / static_cast<double>(out.points))));
  }
  if (weights.defined() && !have_points) {
    out.warnings.push_back("no point triangulates: check the camera order, units and axes below");
  }

  // Per camera.
  for (CameraCheck& c : out.cameras) {
    auto warn = [&](const std::string& text) { c.warnings.push_back(text); };
    if (have_points && c.height < 0) {
      warn(fmt::format("{:.0f} below the floor: up axis flipped, or the camera's pose mirrored?",
                       -c.height));
    }
    const double ratio = c.distance_to_subject / median_distance;
    if (median_distance > 0 && (ratio < 1.0 / 3.0 || ratio > 3.0)) {
      warn(
          fmt::format("{:.3g}x the rig's median distance from the subject: translation in other "
                      "units (m vs mm) or mis-scaled?",
                      ratio));
    }
    if (have_points && c.in_front_fraction < 0.5) {
      warn(
          fmt::format("{} of the points are behind it: rotation flipped, or camera-to-world given "
                      "where world-to-camera is expected?",
                      percent(1.0 - c.in_front_fraction)));
    } else if (have_points && c.in_image_fraction < 0.5) {
      warn(fmt::format("{} of the points project outside its image: intrinsics or image size?",
                       percent(1.0 - c.in_image_fraction)));
    }
    if (c.axis_to_subject_deg > 60.0) {
      warn(fmt::format("looks {:.0f} deg away from the subject", c.axis_to_subject_deg));
    }
    if (weights.defined() && c.detections > 0 && c.rejected_rate > options.often_rejected_rate &&
        c.rejected_rate > 2.0 * median_rate) {
      warn(fmt::format("often rejected: {} of its detections are outliers (rig median {})",
                       percent(c.rejected_rate),
                       percent(median_rate)));
    }
    if (std::isfinite(c.median_px) && std::isfinite(median_px) && c.median_px > 3.0 * median_px &&
        c.median_px > options.max_reproj_px / 3.0) {
      warn(fmt::format("reprojection error {:.1f} px, {:.1f}x the rig's median",
                       c.median_px,
                       c.median_px / median_px));
    }
    for (const std::string& w : c.warnings) out.warnings.push_back(c.name + ": " + w);
  }
}

// For a camera whose detections disagree with the points, the usual calibration mistakes tried
// one by one: its translation in another unit (x1000 ... x0.001) or its pose given
// camera-to-world. A variant that brings its median residual under the threshold (and to a
// quarter of what it is) is named in a warning.
void diagnose_cameras(RigCheck& out,
                      const Rig& rig,
                      const Observations& obs,
                      const Solved& solved,
                      const RigCheckOptions& options) {
  const at::Tensor points =
      at::where(solved.ok.unsqueeze(1), solved.points3d, at::zeros_like(solved.points3d));
  for (size_t v = 0; v < out.cameras.size(); ++v) {
    CameraCheck& c = out.cameras[v];
    if (c.detections == 0 || (c.rejected_rate <= options.often_rejected_rate &&
                              !(c.median_all_px > options.max_reproj_px))) {
      continue;
    }
    const Camera& cam = rig.camera(v);
    const auto i = static_cast<int64_t>(v);
    const at::Tensor detected = (obs.weights.select(1, i) > 0) & solved.ok;  // [N]
    if (detected.sum().item<int64_t>() == 0) continue;
    const at::Tensor seen = points.index({detected});                                  // [M, 3]
    const at::Tensor pixels = obs.points.select(1, i).index({detected}).unsqueeze(1);  // [M, 1, 2]
    auto median_residual = [&](const Eigen::Matrix3d& r, const Eigen::Vector3d& t) {
      Eigen::Matrix<double, 3, 4> rt;
      rt << r, t;
      const Eigen::Matrix<double, 3, 4, Eigen::RowMajor> p = cam.calibration_matrix() * rt;
      const at::Tensor proj =
          at::from_blob(const_cast<double*>(p.data()), {1, 3, 4}, at::kDouble).clone();
      const at::Tensor res = residuals_px(seen, pixels, proj).squeeze(1);
      return quantile(to_vector(res.index({at::isfinite(res)})), 0.5);
    };
    const double now = median_residual(cam.rotation(), cam.translation());
    std::string best;
    double best_px = std::min(options.max_reproj_px, 0.25 * (std::isfinite(now) ? now : INFINITY));
    for (const double scale : {1000.0, 100.0, 10.0, 0.1, 0.01, 0.001}) {
      const double px = median_residual(cam.rotation(), scale * cam.translation());
      if (px < best_px) {
        best_px = px;
        best = fmt::format(
            "with its translation x{:g} its median error would be {:.1f} px: given in "
            "other units than the rig?",
            scale,
            px);
      }
    }
    const Eigen::Matrix3d r_inv = cam.rotation().transpose();
    const double px = median_residual(r_inv, -r_inv * cam.translation());
    if (px < best_px) {
      best = fmt::format(
          "with its pose inverted its median error would be {:.1f} px: camera-to-world "
          "given where world-to-camera is expected?",
          px);
    }
    if (!best.empty()) {
      c.warnings.push_back(best);
      out.warnings.push_back(c.name + ": " + best);
    }
  }
}

at::Tensor rig_projections(const Rig& rig) {
  return cameras_to_tensors(rig).proj_from_world.to(at::kDouble);  // [V, 3, 4]
}

}  // namespace

RigCheck check_rig_with_keypoints(const Rig& rig,
                                  const at::Tensor& keypoints,
                                  const RigCheckOptions& options) {
  const Observations obs = observations(rig, keypoints, options.min_confidence);
  const at::Tensor proj = rig_projections(rig);
  const Solved solved = solve_with_rejection(obs, proj, options);
  RigCheck out =
      analyse(rig, solved.points3d.reshape({obs.frames, obs.joints, 3}), &solved, proj, options);
  add_counts_and_warnings(out, obs.weights, options);
  diagnose_cameras(out, rig, obs, solved, options);
  return out;
}

RigCheck check_rig_with_points(const Rig& rig,
                               const at::Tensor& points3d,
                               const at::Tensor& keypoints,
                               const RigCheckOptions& options) {
  if (points3d.dim() != 3 || points3d.size(2) != 3) {
    throw Error(fmt::format("points3d: expected [F, J, 3], got {}", shape_of(points3d)));
  }
  at::Tensor points = points3d.to(at::kDouble).clone();
  // Exactly (0, 0, 0) is how `mvpose3d triangulate` writes a point it could not triangulate.
  points.masked_fill_((points == 0).all(-1, true), kNaN);
  const at::Tensor proj = rig_projections(rig);
  if (!keypoints.defined()) {
    RigCheck out = analyse(rig, points, nullptr, proj, options);
    add_counts_and_warnings(out, {}, options);
    return out;
  }
  const Observations obs = observations(rig, keypoints, options.min_confidence);
  if (obs.frames != points.size(0) || obs.joints != points.size(1)) {
    throw Error(fmt::format("points3d {} and keypoints {} disagree on frames or joints",
                            shape_of(points3d),
                            shape_of(keypoints)));
  }
  const Solved solved = classify_given(obs, points.reshape({-1, 3}), proj, options);
  RigCheck out = analyse(rig, points, &solved, proj, options);
  add_counts_and_warnings(out, obs.weights, options);
  diagnose_cameras(out, rig, obs, solved, options);
  return out;
}

std::string rig_check_text(const RigCheck& check, const RigCheckOptions& options) {
  std::string s = fmt::format("{:<14} {:>10} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8} {:>9}\n",
                              "camera",
                              "detections",
                              "rejected",
                              "median px",
                              "p90 px",
                              "all: med",
                              "height",
                              "distance",
                              "in image");
  for (const CameraCheck& c : check.cameras) {
    s += fmt::format("{:<14} {:>10} {:>9} {:>9.2f} {:>9.2f} {:>9.1f} {:>8.0f} {:>8.0f} {:>9}\n",
                     c.name,
                     c.detections,
                     percent(c.rejected_rate),
                     c.median_px,
                     c.p90_px,
                     c.median_all_px,
                     c.height,
                     c.distance_to_subject,
                     percent(c.in_image_fraction));
  }
  s += "(median px, p90 px: residuals of the views kept; all: med: median residual of all its "
       "detections; height above the floor and distance to the subject in world units)\n";
  s += fmt::format(
      "\npoints: {} of {} triangulated (confidence >= {}, >= {} views, residuals <= {} px after "
      "rejecting the worst views)\n",
      check.triangulated,
      check.points,
      options.min_confidence,
      options.min_views,
      options.max_reproj_px);
  s += fmt::format("reprojection error of kept views: median {:.2f} px, p90 {:.2f} px\n",
                   check.median_px,
                   check.p90_px);
  s += fmt::format("up: {} ({:.1f} deg from the cameras' mean image-up ({:.3f}, {:.3f}, {:.3f}))",
                   check.up_axis,
                   check.up_axis_angle_deg,
                   check.up_from_cameras.x(),
                   check.up_from_cameras.y(),
                   check.up_from_cameras.z());
  if (!check.up_from_points.isZero()) {
    s += fmt::format("; bodies' long axis ({:.3f}, {:.3f}, {:.3f})",
                     check.up_from_points.x(),
                     check.up_from_points.y(),
                     check.up_from_points.z());
  }
  s += fmt::format(
      "\nfloor at {:.0f} along up; cameras {:.0f} from the subject (median); body "
      "size {:.0f}; units look like: {}\n",
      check.floor,
      check.median_camera_distance,
      check.body_size,
      check.units_guess);
  if (check.warnings.empty()) {
    s += "no warnings\n";
  } else {
    s += fmt::format("{} warning(s):\n", check.warnings.size());
    for (const std::string& w : check.warnings) s += "  - " + w + "\n";
  }
  return s;
}

}  // namespace mvpose3d::eval
