// mvpose3d rig check --cameras RIG [--cameras-format F] [--cameras-units U]
//                    (--keypoints PATH | --points3d FILE [--keypoints PATH])
//                    [--keypoints-format openpose|coco|dlc-csv|dlc-h5|npy] [--min-confidence C]
//                    [--min-views N]
//                    [--max-reproj-px P] [--draw-frames K] --out DIR
//       Writes DIR/report.txt (also printed), DIR/report.json, DIR/rig.png (the cameras as
//       frusta with their names, world axes, floor and K frames of points; perspective and top
//       view) and, with keypoints, DIR/errors.png (per-camera reprojection error and rejection
//       rate). What is measured and how outlier views are defined: eval/rig_check.h.
//
//   --keypoints PATH  npy: [F, V, J, 3] float x_px, y_px, confidence, views in rig order; other
//                     formats as `triangulate --keypoints` reads them (mocap/keypoint_import.h)
//   --points3d FILE   [F, J, 3] (or [N, 3]) world points, e.g. `mvpose3d triangulate --out`;
//                     NaN or exactly 0 where missing
#include "mvpose3d/config.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/tensor_npy.h"
#include "mvpose3d/data/calibration/calibration_import.h"
#include "mvpose3d/eval/rig_check.h"
#include "mvpose3d/geometry/rig.h"
#include "mvpose3d/mocap/keypoint_import.h"
#if MVPOSE3D_OPENCV_ENABLED
#include "mvpose3d/data/vis/rig_plot.h"
#endif

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include "tools/rig/rig_commands.h"

namespace mvpose3d::tools {

namespace {

using eval::CameraCheck;
using eval::RigCheck;
using eval::RigCheckOptions;

struct RigCheckArgs {
  std::string cameras, cameras_format = "rig", cameras_units;
  std::string keypoints, keypoints_format = "npy", points3d, out;
  RigCheckOptions options;
  int draw_frames = 3;
};

at::Tensor load_array(const std::string& path, const std::string& flag) {
  try {
    return load_npy_tensor(path).to(at::kDouble);
  } catch (const Error& e) {
    throw UsageError(fmt::format("{} {}: {}", flag, path, e.what()));
  }
}

nlohmann::ordered_json vec3(const Eigen::Vector3d& v) {
  return nlohmann::ordered_json::array({v.x(), v.y(), v.z()});
}

nlohmann::ordered_json to_json(const RigCheck& c, const RigCheckOptions& o) {
  using json = nlohmann::ordered_json;
  json cams = json::array();
  for (const CameraCheck& cam : c.cameras) {
    cams.push_back({{"name", cam.name},
                    {"detections", cam.detections},
                    {"kept", cam.kept},
                    {"rejected", cam.rejected},
                    {"rejected_rate", cam.rejected_rate},
                    {"median_px", cam.median_px},
                    {"p90_px", cam.p90_px},
                    {"median_all_px", cam.median_all_px},
                    {"center_world", vec3(cam.center_world)},
                    {"height", cam.height},
                    {"distance_to_subject", cam.distance_to_subject},
                    {"in_front_fraction", cam.in_front_fraction},
                    {"in_image_fraction", cam.in_image_fraction},
                    {"axis_to_subject_deg", cam.axis_to_subject_deg},
                    {"warnings", cam.warnings}});
  }
  return {{"options",
           {{"min_confidence", o.min_confidence},
            {"min_views", o.min_views},
            {"max_reproj_px", o.max_reproj_px},
            {"often_rejected_rate", o.often_rejected_rate}}},
          {"cameras", cams},
          {"points", c.points},
          {"triangulated", c.triangulated},
          {"median_px", c.median_px},
          {"p90_px", c.p90_px},
          {"up_axis", c.up_axis},
          {"up_axis_angle_deg", c.up_axis_angle_deg},
          {"up_from_cameras", vec3(c.up_from_cameras)},
          {"up_from_points", vec3(c.up_from_points)},
          {"up", vec3(c.up)},
          {"floor", c.floor},
          {"subject_center", vec3(c.subject_center)},
          {"median_camera_distance", c.median_camera_distance},
          {"body_size", c.body_size},
          {"units_guess", c.units_guess},
          {"warnings", c.warnings}};
}

#if MVPOSE3D_OPENCV_ENABLED
// Up to `count` frames, evenly spaced among those with the most triangulated points.
std::vector<std::vector<Eigen::Vector3d>> frames_to_draw(const at::Tensor& points3d, int count) {
  const at::Tensor valid = at::isfinite(points3d).all(-1);  // [F, J]
  const at::Tensor per_frame = valid.sum(1);                // [F]
  std::vector<std::vector<Eigen::Vector3d>> out;
  if (points3d.size(0) == 0 || count <= 0) return out;
  const int64_t best = per_frame.max().item<int64_t>();
  if (best == 0) return out;
  const at::Tensor candidates = (per_frame == best).nonzero().squeeze(1);
  const int64_t n = candidates.size(0);
  const auto acc = points3d.accessor<double, 3>();
  for (int k = 0; k < count && k < n; ++k) {
    const int64_t f =
        candidates[(2 * k + 1) * n / (2 * std::min<int64_t>(count, n))].item<int64_t>();
    std::vector<Eigen::Vector3d> frame;
    for (int64_t j = 0; j < points3d.size(1); ++j) {
      const Eigen::Vector3d p(acc[f][j][0], acc[f][j][1], acc[f][j][2]);
      if (p.allFinite()) frame.push_back(p);
    }
    out.push_back(std::move(frame));
  }
  return out;
}

void write_pictures(const Rig& rig, const RigCheck& check, const RigCheckArgs& a, bool errors) {
  const std::filesystem::path dir(a.out);
  std::vector<bool> flagged;
  std::vector<std::string> names;
  std::vector<double> median, p90, median_all, rate;
  for (const CameraCheck& c : check.cameras) {
    flagged.push_back(!c.warnings.empty());
    names.push_back(c.name);
    median.push_back(c.median_px);
    p90.push_back(c.p90_px);
    median_all.push_back(c.median_all_px);
    rate.push_back(c.rejected_rate);
  }
  RigViewOptions view;
  view.up = check.up;
  view.up_label =
      check.up_axis_angle_deg <= 20.0
          ? check.up_axis
          : fmt::format("({:.2f}, {:.2f}, {:.2f})", check.up.x(), check.up.y(), check.up.z());
  view.floor = check.floor;
  view.flagged = flagged;
  write_file_atomic(dir / "rig.png",
                    rig_view_png(rig, frames_to_draw(check.points3d, a.draw_frames), view));
  if (errors) {
    write_file_atomic(dir / "errors.png",
                      camera_error_chart_png(
                          names, median, p90, median_all, rate, flagged, a.options.max_reproj_px));
  }
}
#endif

// --keypoints in --keypoints-format as [F, V, J, 3] (x_px, y_px, confidence; views in rig order).
at::Tensor load_keypoints(const RigCheckArgs& a, const Rig& rig) {
  const auto format = parse_enum<mocap::KeypointFormat>(a.keypoints_format, "--keypoints-format");
  if (format == mocap::KeypointFormat::kNpy) return load_array(a.keypoints, "--keypoints");
  mocap::KeypointImportOptions import;
  import.format = format;
  mocap::Keypoints2d k = mocap::import_keypoints(a.keypoints, rig.camera_names(), import);
  const at::Tensor xy =
      at::from_blob(k.xy_px.data(), {k.frames, k.views(), k.joints(), 2}, at::kDouble);
  const at::Tensor confidence =
      at::from_blob(k.confidence.data(), {k.frames, k.views(), k.joints(), 1}, at::kDouble);
  return at::cat({xy, confidence}, 3);  // a copy: k's buffers end here
}

void run(const RigCheckArgs& a) {
  const Rig rig = load_cameras(a.cameras, a.cameras_format, a.cameras_units);
  at::Tensor keypoints, points;
  if (!a.keypoints.empty()) keypoints = load_keypoints(a, rig);
  if (!a.points3d.empty()) {
    points = load_array(a.points3d, "--points3d");
    if (points.dim() == 2 && points.size(1) == 3) points = points.unsqueeze(1);  // [N, 1, 3]
  }
  RigCheck check;
  try {
    check = points.defined() ? eval::check_rig_with_points(rig, points, keypoints, a.options)
                             : eval::check_rig_with_keypoints(rig, keypoints, a.options);
  } catch (const Error& e) {
    throw UsageError(fmt::format("rig check ({}{}): {}",
                                 a.keypoints.empty() ? a.points3d : a.keypoints,
                                 a.keypoints.empty() || a.points3d.empty() ? "" : ", " + a.points3d,
                                 e.what()));
  }
  std::filesystem::create_directories(a.out);
  const std::string text = eval::rig_check_text(check, a.options);
  write_file_atomic(std::filesystem::path(a.out) / "report.txt", text);
  write_file_atomic(std::filesystem::path(a.out) / "report.json",
                    to_json(check, a.options).dump(2) + "\n");
#if MVPOSE3D_OPENCV_ENABLED
  write_pictures(rig, check, a, keypoints.defined());
#else
  spdlog::warn("rig check: this build has no OpenCV (MVPOSE3D_WITH_OPENCV): no pictures");
#endif
  fmt::print("{}", text);
  spdlog::info("rig check of {} ({} cameras): {} warning(s); report and pictures in {}",
               a.cameras,
               rig.size(),
               check.warnings.size(),
               a.out);
}

}  // namespace

void add_rig_check_command(CLI::App& rig) {
  auto a = std::make_shared<RigCheckArgs>();
  CLI::App* cmd = rig.add_subcommand(
      "check", "Reprojection errors, outlier views, units and axes of a rig, with pictures");
  cmd->add_option(
         "--cameras", a->cameras, "rig YAML, or another tool's calibration with --cameras-format")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--cameras-format", a->cameras_format, calibration_format_help())
      ->capture_default_str()
      ->check(CLI::IsMember(enum_names<CalibrationFormat>()));
  cmd->add_option("--cameras-units",
                  a->cameras_units,
                  "unit of the calibration's lengths: mm | cm | m (default: the format's)")
      ->check(CLI::IsMember(enum_names<LengthUnit>()));
  auto* kp =
      cmd->add_option(
             "--keypoints",
             a->keypoints,
             "npy: [F, V, J, 3] x_px, y_px, confidence; other formats: as triangulate reads them")
          ->check(CLI::ExistingPath);
  cmd->add_option(
         "--keypoints-format", a->keypoints_format, "openpose | coco | dlc-csv | dlc-h5 | npy")
      ->capture_default_str()
      ->check(CLI::IsMember(enum_names<mocap::KeypointFormat>()));
  auto* p3 =
      cmd->add_option("--points3d", a->points3d, "[F, J, 3] triangulated world points (.npy)")
          ->check(CLI::ExistingFile);
  cmd->add_option("--min-confidence", a->options.min_confidence, "detections below are not used")
      ->capture_default_str();
  cmd->add_option("--min-views", a->options.min_views, "views a point needs")
      ->capture_default_str()
      ->check(CLI::Range(2, 1000));
  cmd->add_option("--max-reproj-px",
                  a->options.max_reproj_px,
                  "residual above which a point's worst view is rejected")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--draw-frames", a->draw_frames, "frames of points drawn in rig.png")
      ->capture_default_str()
      ->check(CLI::Range(0, 12));
  cmd->add_option("--out", a->out, "directory for report.txt, report.json and the PNGs")
      ->required();
  cmd->callback([a, kp, p3] {
    if (kp->count() + p3->count() == 0) {
      throw UsageError("rig check: give --keypoints, --points3d or both");
    }
    run(*a);
  });
}

}  // namespace mvpose3d::tools
