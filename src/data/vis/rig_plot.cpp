#include "mvpose3d/data/vis/rig_plot.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/geometry/camera.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

#include <Eigen/Geometry>
#include <fmt/format.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace mvpose3d {

namespace {

// BGR.
const cv::Scalar kInk(40, 40, 40);
const cv::Scalar kGrid(215, 215, 215);
const cv::Scalar kCamera(150, 90, 20);
const cv::Scalar kFlagged(30, 30, 220);
const cv::Scalar kWhite(255, 255, 255);
const std::array<cv::Scalar, 3> kAxes{
    cv::Scalar(40, 40, 230), cv::Scalar(40, 170, 40), cv::Scalar(230, 90, 40)};
const std::array<cv::Scalar, 6> kFramePalette{cv::Scalar(0, 140, 255),
                                              cv::Scalar(180, 60, 160),
                                              cv::Scalar(60, 160, 60),
                                              cv::Scalar(200, 120, 0),
                                              cv::Scalar(60, 60, 200),
                                              cv::Scalar(120, 120, 0)};

std::string encode_png(const cv::Mat& image) {
  std::vector<uchar> bytes;
  MVPOSE3D_CHECK(cv::imencode(".png", image, bytes), "rig plot: PNG encoding failed");
  return {bytes.begin(), bytes.end()};
}

// 1, 2 or 5 times a power of ten, near `x` (> 0).
double nice_step(double x) {
  const double p = std::pow(10.0, std::floor(std::log10(x)));
  const double m = x / p;
  return (m < 1.5 ? 1.0 : m < 3.5 ? 2.0 : m < 7.5 ? 5.0 : 10.0) * p;
}

// A unit vector perpendicular to `up`, along the world axis most perpendicular to it.
Eigen::Vector3d horizontal_axis(const Eigen::Vector3d& up) {
  Eigen::Index i = 0;
  up.cwiseAbs().minCoeff(&i);
  const Eigen::Vector3d a = Eigen::Vector3d::Unit(i);
  return (a - a.dot(up) * up).normalized();
}

// One panel: a virtual camera and a canvas, projecting and drawing world geometry.
class Panel {
 public:
  Panel(cv::Mat canvas, Camera view) : canvas_(std::move(canvas)), view_(std::move(view)) {}

  std::optional<cv::Point> to_px(const Eigen::Vector3d& p) const {
    if (!p.allFinite() || view_.world_to_camera(p).z() <= 1e-9) return std::nullopt;
    const Eigen::Vector2d px = view_.project_undistorted(p);
    if (!px.allFinite() || px.cwiseAbs().maxCoeff() > 1e6) return std::nullopt;
    return cv::Point(static_cast<int>(std::lround(px.x())), static_cast<int>(std::lround(px.y())));
  }
  void line(const Eigen::Vector3d& a, const Eigen::Vector3d& b, const cv::Scalar& c, int w = 1) {
    const auto pa = to_px(a), pb = to_px(b);
    if (pa && pb) cv::line(canvas_, *pa, *pb, c, w, cv::LINE_AA);
  }
  void dot(const Eigen::Vector3d& p, const cv::Scalar& c, int radius) {
    if (const auto q = to_px(p)) cv::circle(canvas_, *q, radius, c, cv::FILLED, cv::LINE_AA);
  }
  void text(const Eigen::Vector3d& p,
            const std::string& s,
            const cv::Scalar& c,
            double scale = 0.5) {
    if (const auto q = to_px(p)) {
      cv::putText(canvas_,
                  s,
                  *q + cv::Point(5, -5),
                  cv::FONT_HERSHEY_SIMPLEX,
                  scale,
                  kWhite,
                  3,
                  cv::LINE_AA);
      cv::putText(
          canvas_, s, *q + cv::Point(5, -5), cv::FONT_HERSHEY_SIMPLEX, scale, c, 1, cv::LINE_AA);
    }
  }
  void caption(int row, const std::string& s) {
    cv::putText(canvas_,
                s,
                cv::Point(12, 24 + 20 * row),
                cv::FONT_HERSHEY_SIMPLEX,
                0.5,
                kInk,
                1,
                cv::LINE_AA);
  }

 private:
  cv::Mat canvas_;
  Camera view_;
};

// Everything a panel draws, in world units.
struct Scene {
  Eigen::Vector3d up, east, north;  // right-handed: east × north = up
  Eigen::Vector3d centre;           // middle of the cameras, on the floor
  double radius = 1;                // cameras' largest distance from `centre`
  double floor = 0;
  double grid_step = 1;
};

void draw_scene(Panel& panel,
                const Scene& s,
                const Rig& rig,
                const std::vector<std::vector<Eigen::Vector3d>>& frames,
                const RigViewOptions& options) {
  // Floor grid around the cameras, in the floor plane.
  const double half = std::ceil(1.15 * s.radius / s.grid_step) * s.grid_step;
  const Eigen::Vector3d origin_on_floor = s.centre -
                                          s.east * std::fmod(s.centre.dot(s.east), s.grid_step) -
                                          s.north * std::fmod(s.centre.dot(s.north), s.grid_step);
  for (double a = -half; a <= half + 1e-9; a += s.grid_step) {
    panel.line(origin_on_floor + a * s.east - half * s.north,
               origin_on_floor + a * s.east + half * s.north,
               kGrid);
    panel.line(origin_on_floor - half * s.east + a * s.north,
               origin_on_floor + half * s.east + a * s.north,
               kGrid);
  }
  // World axes at the origin.
  static const std::array<const char*, 3> names{"x", "y", "z"};
  for (int i = 0; i < 3; ++i) {
    const Eigen::Vector3d tip = Eigen::Vector3d::Unit(i) * s.grid_step;
    panel.line(Eigen::Vector3d::Zero(), tip, kAxes[static_cast<size_t>(i)], 3);
    panel.text(tip, names[static_cast<size_t>(i)], kAxes[static_cast<size_t>(i)], 0.6);
  }
  // Points, one colour per frame, joined by the bones when given.
  for (size_t f = 0; f < frames.size(); ++f) {
    const cv::Scalar colour = kFramePalette[f % kFramePalette.size()];
    for (const auto& [a, b] : options.bones) {
      if (a >= 0 && b >= 0 && static_cast<size_t>(std::max(a, b)) < frames[f].size())
        panel.line(frames[f][static_cast<size_t>(a)], frames[f][static_cast<size_t>(b)], colour, 2);
    }
    for (const Eigen::Vector3d& p : frames[f]) panel.dot(p, colour, 3);
  }
  // Cameras as frusta with an up marker and their names.
  const double depth = 0.11 * s.radius;
  for (size_t v = 0; v < rig.size(); ++v) {
    const Camera& cam = rig.camera(v);
    const bool flagged = v < options.flagged.size() && options.flagged[v];
    const cv::Scalar colour = flagged ? kFlagged : kCamera;
    const double w = cam.width() - 0.5, h = cam.height() - 0.5;
    // Every frustum reaches the same depth along its camera's axis.
    std::array<Eigen::Vector3d, 4> corners;
    const std::array<Eigen::Vector2d, 4> px{Eigen::Vector2d(-0.5, -0.5),
                                            Eigen::Vector2d(w, -0.5),
                                            Eigen::Vector2d(w, h),
                                            Eigen::Vector2d(-0.5, h)};
    for (size_t k = 0; k < 4; ++k) {
      const Eigen::Vector2d xy = cam.pixel_to_normalized(px[k]);
      corners[k] = cam.camera_to_world(Eigen::Vector3d(xy.x(), xy.y(), 1.0) * depth);
    }
    const Eigen::Vector3d c = cam.center();
    for (size_t k = 0; k < 4; ++k) {
      panel.line(c, corners[k], colour, flagged ? 2 : 1);
      panel.line(corners[k], corners[(k + 1) % 4], colour, 2);
    }
    // The image's up: a triangle on the top edge (corners 0 and 1).
    const Eigen::Vector3d top_mid = 0.5 * (corners[0] + corners[1]);
    const Eigen::Vector3d up_tip = top_mid + 0.35 * (top_mid - 0.5 * (corners[2] + corners[3]));
    panel.line(corners[0] + 0.3 * (corners[1] - corners[0]), up_tip, colour, 2);
    panel.line(corners[1] + 0.3 * (corners[0] - corners[1]), up_tip, colour, 2);
    panel.dot(c, colour, 4);
    panel.text(c, rig.camera_name(v), colour, 0.55);
  }
}

}  // namespace

std::string rig_view_png(const Rig& rig,
                         const std::vector<std::vector<Eigen::Vector3d>>& frames,
                         const RigViewOptions& options) {
  MVPOSE3D_CHECK(!rig.empty(), "rig view: the rig has no camera");
  MVPOSE3D_CHECK(options.panel_px >= 200, "rig view: panel_px must be >= 200");
  Scene s;
  s.up = options.up.normalized();
  s.east = horizontal_axis(s.up);
  s.north = s.up.cross(s.east);
  s.floor = options.floor;
  Eigen::Vector3d mean = Eigen::Vector3d::Zero();
  for (const Camera& cam : rig.cameras()) mean += cam.center();
  mean /= static_cast<double>(rig.size());
  s.centre = mean - (mean.dot(s.up) - s.floor) * s.up;
  for (const Camera& cam : rig.cameras())
    s.radius = std::max(s.radius, (cam.center() - s.centre).norm());
  // Where the perspective view looks: the middle of the cameras on the floor, or of the points.
  Eigen::Vector3d view_target = s.centre;
  if (options.fit_points) {
    // Centre and size from the finite points instead of the cameras.
    Eigen::Vector3d sum = Eigen::Vector3d::Zero();
    int n = 0;
    for (const auto& frame : frames) {
      for (const Eigen::Vector3d& p : frame) {
        if (p.allFinite()) sum += p, ++n;
      }
    }
    if (n > 0) {
      const Eigen::Vector3d m = sum / n;
      s.centre = m - (m.dot(s.up) - s.floor) * s.up;
      // Aimed at the points' middle, not the floor below it, so that standing skeletons stay in
      // the middle of the panel, clear of the caption at its top.
      view_target = m;
      s.radius = 1;
      for (const auto& frame : frames) {
        for (const Eigen::Vector3d& p : frame) {
          if (p.allFinite()) s.radius = std::max(s.radius, (p - s.centre).norm());
        }
      }
    }
  }
  s.grid_step = nice_step(s.radius / 4.0);

  const int side = options.panel_px;
  cv::Mat image(side, 2 * side, CV_8UC3, kWhite);
  Intrinsics intr;
  intr.width = intr.height = side;
  intr.cx = intr.cy = 0.5 * side - 0.5;
  // Perspective: from 2.6 radii away, 30 degrees above the floor, between east and south.
  {
    const double distance = 2.6 * s.radius;
    const Eigen::Vector3d dir =
        (std::cos(0.52) * (0.8 * s.east - 0.6 * s.north) + std::sin(0.52) * s.up).normalized();
    intr.fx = intr.fy = 0.5 * side * distance / (1.2 * s.radius);
    Panel panel(image(cv::Rect(0, 0, side, side)),
                Camera::look_at(intr, view_target + distance * dir, view_target, s.up));
    draw_scene(panel, s, rig, frames, options);
    panel.caption(0, "perspective view");
    panel.caption(1,
                  fmt::format("up: {}   floor grid: {:g} per cell", options.up_label, s.grid_step));
    panel.caption(2,
                  options.fit_points ? "framed on the points: cameras may lie outside the view"
                                     : "cameras: frusta, triangle = image up; red = flagged");
  }
  // Top view: far away and narrow, so nearly orthographic; north points up in the picture.
  {
    const double distance = 40.0 * s.radius;
    intr.fx = intr.fy = 0.5 * side * distance / (1.25 * s.radius);
    Panel panel(image(cv::Rect(side, 0, side, side)),
                Camera::look_at(intr, s.centre + distance * s.up, s.centre, s.north));
    draw_scene(panel, s, rig, frames, options);
    panel.caption(0, fmt::format("top view, looking down {}", options.up_label));
    panel.caption(
        1, fmt::format("{} frame(s) of triangulated points, one colour each", frames.size()));
  }
  cv::line(image, cv::Point(side, 0), cv::Point(side, side - 1), kGrid, 1);
  return encode_png(image);
}

std::string camera_error_chart_png(const std::vector<std::string>& names,
                                   const std::vector<double>& median_px,
                                   const std::vector<double>& p90_px,
                                   const std::vector<double>& median_all_px,
                                   const std::vector<double>& rejected_rate,
                                   const std::vector<bool>& flagged,
                                   double threshold_px) {
  const size_t n = names.size();
  MVPOSE3D_CHECK(n > 0 && median_px.size() == n && p90_px.size() == n &&
                     rejected_rate.size() == n && flagged.size() == n,
                 "error chart: one value per camera expected");
  // The top of the chart: the tallest bar that is not far above the others, and the threshold.
  std::vector<double> tops;
  for (const auto* series : {&p90_px, &median_all_px}) {
    for (double v : *series) {
      if (std::isfinite(v)) tops.push_back(v);
    }
  }
  std::sort(tops.begin(), tops.end());
  const double typical = tops.empty() ? 1.0 : tops[tops.size() / 2];
  double top = threshold_px;
  for (double v : tops) {
    if (v <= 5.0 * std::max(typical, 1e-9)) top = std::max(top, v);
  }
  top = 1.15 * std::max(top, 1e-6);

  const int group = 110, left = 70, right = 30, upper = 64, lower = 80, plot_h = 320;
  const int width = left + right + static_cast<int>(n) * group;
  cv::Mat image(upper + plot_h + lower, std::max(width, 560), CV_8UC3, kWhite);
  auto y_of = [&](double v) {
    return upper + plot_h - static_cast<int>(std::lround(std::min(v, top) / top * plot_h));
  };
  auto label = [&](const std::string& text, cv::Point at, double scale, const cv::Scalar& colour) {
    cv::putText(image, text, at, cv::FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv::LINE_AA);
  };
  label("reprojection error per camera (px); rej: share of its detections rejected",
        cv::Point(12, 20),
        0.55,
        kInk);
  // Axis and ticks.
  const double step = nice_step(top / 5.0);
  for (double t = 0; t <= top + 1e-9; t += step) {
    const int y = y_of(t);
    cv::line(image, cv::Point(left, y), cv::Point(width - right, y), kGrid, 1);
    label(fmt::format("{:g}", t), cv::Point(8, y + 5), 0.45, kInk);
  }
  cv::line(image, cv::Point(left, upper), cv::Point(left, upper + plot_h), kInk, 1);
  cv::line(
      image, cv::Point(left, upper + plot_h), cv::Point(width - right, upper + plot_h), kInk, 1);
  const cv::Scalar grey(170, 170, 170);
  for (size_t v = 0; v < n; ++v) {
    const int x0 = left + static_cast<int>(v) * group + 14;
    const cv::Scalar dark = flagged[v] ? kFlagged : kCamera;
    const cv::Scalar light = flagged[v] ? cv::Scalar(150, 150, 245) : cv::Scalar(225, 185, 140);
    const std::array<std::pair<double, cv::Scalar>, 3> bars{
        {{median_px[v], dark}, {p90_px[v], light}, {median_all_px[v], grey}}};
    for (size_t b = 0; b < bars.size(); ++b) {
      const double value = bars[b].first;
      const int x = x0 + static_cast<int>(b) * 28;
      if (!std::isfinite(value)) {
        label("n/a", cv::Point(x, upper + plot_h - 6), 0.38, kInk);
        continue;
      }
      cv::rectangle(image,
                    cv::Point(x, y_of(value)),
                    cv::Point(x + 24, upper + plot_h),
                    bars[b].second,
                    cv::FILLED);
      // The value of a bar that is cut at the top; the axis gives the others.
      if (value > top) {
        label(fmt::format(value >= 1e4 ? "{:.0e}^" : "{:.0f}^", value),
              cv::Point(x - 4, upper - 6 - 14 * static_cast<int>(b % 2)),
              0.38,
              kInk);
      }
    }
    label(names[v], cv::Point(x0, upper + plot_h + 20), 0.45, dark);
    label(fmt::format("rej {:.0f}%", 100.0 * rejected_rate[v]),
          cv::Point(x0, upper + plot_h + 40),
          0.42,
          dark);
  }
  // The rejection threshold, dashed.
  const int yt = y_of(threshold_px);
  for (int x = left; x < width - right; x += 12) {
    cv::line(image, cv::Point(x, yt), cv::Point(std::min(x + 6, width - right), yt), kFlagged, 1);
  }
  label(fmt::format("rejection threshold {:g} px", threshold_px),
        cv::Point(left + 4, yt - 5),
        0.4,
        kFlagged);
  label("kept views: median (dark), p90 (light); grey: median of all its detections; ^: cut off",
        cv::Point(10, upper + plot_h + 68),
        0.4,
        kInk);
  return encode_png(image);
}

}  // namespace mvpose3d
