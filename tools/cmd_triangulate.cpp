// `mvpose3d triangulate`: lifts 2D detections from any detector to 3D with the DLT layer.
//
// Two inputs, exactly one of them:
//
// 1. Keypoint files of a calibrated rig (the mocap layer: importers, outlier rejection, filters,
//    exports; formats and matching rules in mocap/keypoint_import.h and mocap/track_export.h):
//   --cameras RIG --keypoints PATH --keypoints-format openpose|coco|dlc-csv|dlc-h5|npy
//   [--camera-names a,b,c] [--person INDEX|best] [--layout NAME] [--min-confidence C]
//   [--min-views N] [--max-reproj-px P] [--outlier-search worst-view-first|subsets]
//   [--filter butterworth --cutoff-hz HZ --fps FPS] [--interpolate-gaps N]
//   --out FILE [--format csv|json|trc|c3d|npy] [--units mm|cm|m]
//
// 2. Arrays of points:
//   --points2d FILE  [N, V, 2] pixels (.npy float32/float64, C order)
//   --proj FILE      [V, 3, 4] shared or [N, V, 3, 4] per point     } exactly one
//   --cameras RIG    rig YAML (configs/rigs/*.yaml); points are undistorted with each camera's
//   model first. --cameras-format F (and --cameras-units) reads another tool's calibration instead
//   (data/calibration/calibration_import.h; two-file formats take their folder)
//   --weights FILE   [N, V] confidences >= 0 (optional)
//   --out FILE       [N, 3] float64 world points (0 where invalid)
//   --mask-out FILE  [N] uint8, 1 where the point is valid (optional)
#include "mvpose3d/core/comma_list.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/limits.h"
#include "mvpose3d/core/tensor_npy.h"
#include "mvpose3d/data/calibration/calibration_import.h"
#include "mvpose3d/geometry/camera_batch.h"
#include "mvpose3d/geometry/rig.h"
#include "mvpose3d/mocap/keypoint_import.h"
#include "mvpose3d/mocap/keypoint_layouts.h"
#include "mvpose3d/mocap/track_export.h"
#include "mvpose3d/mocap/track_filters.h"
#include "mvpose3d/mocap/triangulate_keypoints.h"
#include "mvpose3d/ops/triangulate.h"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <spdlog/spdlog.h>

#include "tools/commands.h"

namespace mvpose3d::tools {

namespace {

struct TriangulateArgs {
  std::string points2d, proj, cameras, weights, out, mask_out;
  std::string cameras_format = "rig", cameras_units;
  std::string method = "fused";
  bool no_normalize = false;
  bool strict = false;
  int threads = 0;
  // The keypoint-file input.
  std::string keypoints, keypoints_format, camera_names, person = "0", layout;
  double min_confidence = 0.0;
  int min_views = 2;
  double max_reproj_px = 0.0;
  int max_exhaustive_views = 8;
  std::string outlier_search = "worst-view-first";
  std::string filter = "none";
  double cutoff_hz = 0.0, fps = 0.0;
  int filter_order = 4;
  int interpolate_gaps = 0;
  std::string format, units = "mm";
};

// The rig of --cameras: the one place the command reads it.
// The rig of --cameras in --cameras-format (data/calibration/calibration_import.h), in mm.
Rig load_cameras(const TriangulateArgs& a) {
  return mvpose3d::load_cameras(a.cameras, a.cameras_format, a.cameras_units);
}

ops::TriangulateOptions solve_options(const TriangulateArgs& a) {
  ops::TriangulateOptions options;
  options.method = ops::triangulation_method_from_string(a.method);
  options.normalize = !a.no_normalize;
  return options;
}

void run_keypoints(const TriangulateArgs& a) {
  using Clock = std::chrono::steady_clock;
  if (a.threads > 0) at::set_num_threads(a.threads);
  if (a.cameras.empty()) throw UsageError("--keypoints needs --cameras RIG");
  if (a.keypoints_format.empty()) {
    throw UsageError(fmt::format("--keypoints needs --keypoints-format ({})",
                                 fmt::join(enum_names<mocap::KeypointFormat>(), ", ")));
  }
  const mocap::TrackFormat format = mocap::track_format_for(a.out, a.format);
  const double scale = mocap::millimetres_to(a.units, "--units");
  if ((format == mocap::TrackFormat::kTrc || format == mocap::TrackFormat::kC3d) && a.fps <= 0) {
    throw UsageError(
        fmt::format("--format {}: the file needs a frame rate: give --fps", to_string(format)));
  }
  if (a.filter != "none" && (a.cutoff_hz <= 0 || a.fps <= 0)) {
    throw UsageError("--filter butterworth needs --cutoff-hz and --fps");
  }
  const Rig rig = load_cameras(a);
  mocap::KeypointImportOptions import;
  import.format = parse_enum<mocap::KeypointFormat>(a.keypoints_format, "--keypoints-format");
  import.camera_names = split_comma_list(a.camera_names);
  import.person = mocap::parse_person_choice(a.person, "--person");
  import.layout = a.layout;
  const auto start = Clock::now();
  const mocap::Keypoints2d keypoints =
      mocap::import_keypoints(a.keypoints, rig.camera_names(), import);
  const auto imported = Clock::now();
  const std::clock_t imported_cpu = std::clock();  // CPU time of all threads (Linux)
  spdlog::info("read {} frames x {} views x {} joints from {}",
               keypoints.frames,
               keypoints.views(),
               keypoints.joints(),
               a.keypoints);

  ops::RobustTriangulateOptions robust;
  robust.solve = solve_options(a);
  robust.min_confidence = a.min_confidence;
  robust.min_views = a.min_views;
  robust.max_reproj_px = a.max_reproj_px;
  robust.max_exhaustive_views = a.max_exhaustive_views;
  robust.search = ops::outlier_search_from_string(a.outlier_search);
  mocap::KeypointTriangulation result = mocap::triangulate_keypoints(rig, keypoints, robust);
  const auto solved = Clock::now();
  const double solve_cpu_s = static_cast<double>(std::clock() - imported_cpu) / CLOCKS_PER_SEC;
  mocap::Tracks3d& tracks = result.tracks;
  tracks.fps = a.fps;
  int64_t valid = 0;
  for (uint8_t v : tracks.valid) valid += v;
  const std::string rejection =
      a.max_reproj_px > 0
          ? fmt::format("{} flagged above {} px, {} without an agreeing subset; search {}{}",
                        result.flagged,
                        a.max_reproj_px,
                        result.unresolved,
                        a.outlier_search,
                        robust.search == ops::OutlierSearch::kWorstViewFirst
                            ? fmt::format(", {} fell back to the subsets", result.fell_back)
                            : std::string())
          : std::string("outlier rejection off");
  spdlog::info(
      "triangulated {} joint-frames: {} valid; {} solves ({}) in {:.4f} s ({:.4f} s of CPU)",
      tracks.valid.size(),
      valid,
      result.solves,
      rejection,
      std::chrono::duration<double>(solved - imported).count(),
      solve_cpu_s);
  if (a.interpolate_gaps > 0) {
    spdlog::info("interpolated {} joint-frames (gaps of at most {} frames, linear)",
                 mocap::interpolate_gaps(tracks, a.interpolate_gaps),
                 a.interpolate_gaps);
  }
  if (a.filter == "butterworth") {
    const mocap::IirFilter filter = mocap::butterworth_lowpass(a.filter_order, a.cutoff_hz, a.fps);
    spdlog::info(
        "filtered {} runs of valid frames (Butterworth order {}, {} Hz at {} fps, zero phase)",
        mocap::filter_tracks(tracks, filter),
        a.filter_order,
        a.cutoff_hz,
        a.fps);
  }
  tracks.rescale(scale, a.units);
  mocap::write_tracks(tracks, a.out, format);
  spdlog::info("wrote {} ({}, {}) in {:.3f} s in all",
               a.out,
               to_string(format),
               a.units,
               std::chrono::duration<double>(Clock::now() - start).count());
}

at::Tensor load_floating(const std::string& path, const std::string& flag) {
  at::Tensor t;
  try {
    t = load_npy_tensor(path);
  } catch (const Error& e) {
    throw UsageError(fmt::format("{}: {}", flag, e.what()));
  }
  if (t.scalar_type() != at::kFloat && t.scalar_type() != at::kDouble) {
    throw UsageError(fmt::format(
        "{} {}: expected float32 or float64, got {}", flag, path, c10::toString(t.scalar_type())));
  }
  return t.to(at::kDouble);
}

std::string shape_of(const at::Tensor& t) {
  return fmt::format("[{}]", fmt::join(t.sizes(), ", "));
}

// Both outputs naming one file wrote the mask over the points.
void check_outputs_differ(const TriangulateArgs& a) {
  if (a.mask_out.empty()) return;
  const std::filesystem::path out = std::filesystem::absolute(a.out).lexically_normal();
  const std::filesystem::path mask = std::filesystem::absolute(a.mask_out).lexically_normal();
  std::error_code ec;
  if (out == mask || std::filesystem::equivalent(out, mask, ec)) {
    throw UsageError(fmt::format(
        "triangulate: --out and --mask-out name the same file ({}); the mask would overwrite the "
        "points",
        a.out));
  }
}

void run(const TriangulateArgs& a) {
  check_outputs_differ(a);
  if (a.threads > 0) at::set_num_threads(a.threads);
  at::Tensor points = load_floating(a.points2d, "--points2d");
  if (points.dim() != 3 || points.size(2) != 2) {
    throw UsageError(fmt::format(
        "--points2d {}: expected shape [N, V, 2], got {}", a.points2d, shape_of(points)));
  }
  const int64_t n = points.size(0), views = points.size(1);
  at::Tensor proj;
  if (!a.proj.empty()) {
    proj = load_floating(a.proj, "--proj");
    const bool shared = proj.dim() == 3 && proj.size(0) == views;
    const bool per_point = proj.dim() == 4 && proj.size(0) == n && proj.size(1) == views;
    if (!(shared || per_point) || proj.size(-2) != 3 || proj.size(-1) != 4) {
      throw UsageError(
          fmt::format("--proj {}: expected [V, 3, 4] or [N, V, 3, 4] with N = {}, V = {}, got {}",
                      a.proj,
                      n,
                      views,
                      shape_of(proj)));
    }
  } else {
    const Rig rig = load_cameras(a);
    if (static_cast<int64_t>(rig.size()) != views) {
      throw UsageError(
          fmt::format("--cameras {}: the rig has {} cameras but --points2d has V = {} views",
                      a.cameras,
                      rig.size(),
                      views));
    }
    // Detections are in observed (distorted) pixels; the DLT needs pinhole ones.
    auto acc = points.accessor<double, 3>();
    for (int64_t v = 0; v < views; ++v) {
      Eigen::Matrix2Xd px(2, n);
      for (int64_t i = 0; i < n; ++i) px.col(i) << acc[i][v][0], acc[i][v][1];
      const Eigen::Matrix2Xd und = rig.camera(static_cast<size_t>(v)).undistort_points(px);
      for (int64_t i = 0; i < n; ++i) {
        acc[i][v][0] = und(0, i);
        acc[i][v][1] = und(1, i);
      }
    }
    proj = cameras_to_tensors(rig).proj_from_world;
  }
  at::Tensor weights;
  if (!a.weights.empty()) {
    weights = load_floating(a.weights, "--weights");
    if (weights.dim() != 2 || weights.size(0) != n || weights.size(1) != views) {
      throw UsageError(fmt::format(
          "--weights {}: expected shape [{}, {}], got {}", a.weights, n, views, shape_of(weights)));
    }
  }
  ops::TriangulateOptions options = solve_options(a);
  options.strict = a.strict;
  const auto result = ops::triangulate(points, proj, weights, options);
  save_npy_tensor(a.out, result.points3d.to(at::kDouble));
  if (!a.mask_out.empty()) save_npy_tensor(a.mask_out, result.valid.to(at::kByte));
  const int64_t valid = result.valid.sum().item<int64_t>();
  spdlog::info("triangulated {} points from {} views with {}: {} valid, {} invalid -> {}",
               n,
               views,
               a.method,
               valid,
               n - valid,
               a.out);
}

}  // namespace

void add_triangulate_command(CLI::App& app) {
  auto args = std::make_shared<TriangulateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "triangulate",
      "Triangulate 2D keypoints of V calibrated cameras (files of OpenPose, MMPose, DeepLabCut, "
      "...) or 2D points [N, V, 2] to 3D");
  auto* points2d =
      cmd->add_option("--points2d", args->points2d, "[N, V, 2] pixel coordinates (.npy)")
          ->check(CLI::ExistingFile);
  auto* proj =
      cmd->add_option("--proj", args->proj, "[V, 3, 4] or [N, V, 3, 4] projection matrices (.npy)")
          ->check(CLI::ExistingFile);
  auto* cams =
      cmd->add_option(
             "--cameras", args->cameras, "rig YAML; points are undistorted with its models")
          ->check(CLI::ExistingPath);
  cmd->add_option("--cameras-format", args->cameras_format, calibration_format_help())
      ->capture_default_str()
      ->check(CLI::IsMember(enum_names<CalibrationFormat>()));
  cmd->add_option("--cameras-units",
                  args->cameras_units,
                  "unit of the calibration's lengths: mm | cm | m (default: the format's)")
      ->check(CLI::IsMember(enum_names<LengthUnit>()));
  proj->excludes(cams);
  auto* weights =
      cmd->add_option("--weights", args->weights, "[N, V] per-view confidences >= 0 (.npy)")
          ->check(CLI::ExistingFile);
  cmd->add_option("--method", args->method, "fused | svd | sii")
      ->capture_default_str()
      ->check(CLI::IsMember({"fused", "svd", "sii"}));
  cmd->add_option("--out",
                  args->out,
                  "output file: with --points2d [N, 3] float64 world points (.npy); with "
                  "--keypoints the tracks, format by extension or --format")
      ->required();
  auto* mask_out = cmd->add_option("--mask-out", args->mask_out, "[N] uint8 validity mask (.npy)");
  cmd->add_flag("--no-normalize", args->no_normalize, "solve the raw (unconditioned) system");
  cmd->add_flag("--strict", args->strict, "fail on the first invalid point instead of masking it");
  cmd->add_option("--threads", args->threads, "intra-op threads (0 = library default)")
      ->check(CLI::Range(0, kMaxThreads));
  auto* keypoints = cmd->add_option("--keypoints",
                                    args->keypoints,
                                    "keypoint file (npy) or directory with one source per camera")
                        ->check(CLI::ExistingPath)
                        ->excludes(points2d)
                        ->excludes(proj)
                        ->excludes(weights)
                        ->excludes(mask_out);
  cmd->add_option(
         "--keypoints-format", args->keypoints_format, "openpose | coco | dlc-csv | dlc-h5 | npy")
      ->check(CLI::IsMember(enum_names<mocap::KeypointFormat>()));
  cmd->add_option("--camera-names",
                  args->camera_names,
                  "a,b,c: the rig camera of each source (directory entries sorted by name, or the "
                  "views of an npy)");
  cmd->add_option(
         "--person", args->person, "which person of a frame: an index or 'best' (highest score)")
      ->capture_default_str();
  cmd->add_option("--layout",
                  args->layout,
                  fmt::format("joint names: {} (default: by joint count)",
                              fmt::join(mocap::layout_names(), " | ")))
      ->check(CLI::IsMember(mocap::layout_names()));
  cmd->add_option(
         "--min-confidence", args->min_confidence, "detections below this confidence are dropped")
      ->capture_default_str();
  cmd->add_option("--min-views", args->min_views, "fewer views: the joint is invalid")
      ->capture_default_str()
      ->check(CLI::Range(2, 64));
  cmd->add_option("--max-reproj-px",
                  args->max_reproj_px,
                  "reject outlier views: a joint with a view farther than this from its detection "
                  "is solved again from the best subset of views (0 = off)")
      ->capture_default_str();
  cmd->add_option("--outlier-search",
                  args->outlier_search,
                  "how outlier views are found: worst-view-first (leave out the view with the "
                  "largest error, solve again, repeat; the subset search where that fails) | "
                  "subsets (every subset of one view fewer, round by round)")
      ->capture_default_str()
      ->check(CLI::IsMember(ops::outlier_search_names()));
  cmd->add_option("--max-exhaustive-views",
                  args->max_exhaustive_views,
                  "above this many views the subset search is greedy")
      ->capture_default_str()
      ->check(CLI::Range(2, 20));
  cmd->add_option(
         "--filter", args->filter, "none | butterworth (zero-phase low-pass on the 3D tracks)")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "butterworth"}));
  cmd->add_option("--cutoff-hz", args->cutoff_hz, "Butterworth cutoff frequency (Hz)");
  cmd->add_option("--fps", args->fps, "frames per second of the keypoints (filter, TRC, C3D)");
  cmd->add_option("--filter-order",
                  args->filter_order,
                  "Butterworth design order (doubled by the zero-phase pass)")
      ->capture_default_str();
  cmd->add_option("--interpolate-gaps",
                  args->interpolate_gaps,
                  "fill gaps of up to N invalid frames linearly (0 = off)")
      ->capture_default_str();
  cmd->add_option(
         "--format", args->format, "csv | json | trc | c3d | npy (default: --out's extension)")
      ->check(CLI::IsMember(enum_names<mocap::TrackFormat>()));
  cmd->add_option("--units", args->units, "length unit of the output: mm | cm | m")
      ->capture_default_str()
      ->check(CLI::IsMember(mocap::length_unit_names()));
  cmd->callback([args, proj, cams, points2d, keypoints] {
    if (points2d->count() + keypoints->count() != 1)
      throw UsageError("triangulate: give exactly one of --points2d and --keypoints");
    if (keypoints->count() == 1) {
      run_keypoints(*args);
      return;
    }
    if (proj->count() + cams->count() != 1)
      throw UsageError("triangulate: give exactly one of --proj and --cameras");
    run(*args);
  });
}

}  // namespace mvpose3d::tools
