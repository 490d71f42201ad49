// mvpose3d infer --checkpoint CKPT --config CFG --cameras RIG [--cameras-format F]
//   [--cameras-units U] (--videos FILE... | --images DIR...) --out DIR
//   [--boxes FILE... | --box X,Y,W,H | --initial-position X,Y,Z] [--no-track] [--refine]
//   [--box-scale S]
//   [--batch B] [--device cpu|cuda] [--precision float32|float16|bfloat16] [--fold-batchnorm]
//   [--frames N] [--formats csv,json,trc,c3d,npy] [--units mm|cm|m] [--fps FPS]
//   [--overlays none|png|mp4] [--plot-frames 0,10,20] [--ground-truth NPY]
//
// A trained checkpoint on your own synchronised, calibrated cameras (infer/infer_session.h): 2D
// joints per view, the DLT to world 3D, exports, pictures, and the time of every stage. Files in
// DIR (docs/infer.md):
//   joints3d.<fmt>     the 3D joints in each export format of `mvpose3d triangulate` (per joint:
//                      reprojection error, views used, lowest view confidence)
//   keypoints2d.npy    [F, V, J, 3] (x px, y px, confidence) in the original images; 0 confidence
//                      where the view was missing (`triangulate --keypoints-format npy` reads it)
//   summary.json       frames, missing frames and boxes per camera, seconds and frames/s per
//                      stage, MPJPE against --ground-truth
//   overlays/          per camera: PNG frames or a video (--overlays)
//   skeleton_3d.png    the 3D skeletons of --plot-frames
#include "tools/cmd_infer.h"

#include "mvpose3d/config/run_config.h"
#include "mvpose3d/core/comma_list.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/json.h"
#include "mvpose3d/core/npy.h"
#include "mvpose3d/core/tensor_npy.h"
#include "mvpose3d/data/calibration/calibration_import.h"
#include "mvpose3d/infer/infer_session.h"
#include "mvpose3d/infer/overlays.h"
#include "mvpose3d/mocap/track_export.h"
#include "mvpose3d/models/precision.h"

#include <chrono>
#include <cstring>
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

namespace fs = std::filesystem;

struct InferArgs {
  std::string checkpoint, config, cameras, cameras_format = "rig", cameras_units, out;
  std::vector<std::string> overrides, videos, images, box_files;
  std::string box, initial_position;
  bool no_track = false, refine = false;
  double box_scale = 1.25;
  int batch = 1;
  std::string device = "cpu", precision = "float32";
  bool fold_batchnorm = false;
  int threads = 0;
  std::int64_t frames = -1;
  std::string formats = "csv,json,npy", units = "mm";
  double fps = 0;
  std::string overlays = "mp4";
  std::string plot_frames;
  std::string ground_truth;
};

std::vector<std::int64_t> frame_list(const std::string& text, std::int64_t frames) {
  std::vector<std::int64_t> out;
  for (const std::string& item : split_comma_list(text)) {
    try {
      out.push_back(std::stoll(item));
    } catch (const std::exception&) {
      throw UsageError(fmt::format("--plot-frames {}: '{}' is not a frame number", text, item));
    }
  }
  if (out.empty()) {  // default: five frames spread over the session, each once
    const std::int64_t count = std::min<std::int64_t>(5, frames);
    for (std::int64_t k = 0; k < count; ++k) {
      out.push_back(count > 1 ? k * (frames - 1) / (count - 1) : 0);
    }
  }
  return out;
}

// keypoints2d.npy: [F, V, J, 3] float64 (x, y, confidence).
void write_keypoints_npy(const mocap::Keypoints2d& k, const fs::path& file) {
  at::Tensor out = at::zeros({k.frames, k.views(), k.joints(), 3}, at::kDouble);
  double* p = out.data_ptr<double>();
  for (std::size_t i = 0; i < k.confidence.size(); ++i) {
    const bool seen = k.confidence[i] > 0;
    p[3 * i] = seen ? k.xy_px[2 * i] : 0.0;
    p[3 * i + 1] = seen ? k.xy_px[2 * i + 1] : 0.0;
    p[3 * i + 2] = k.confidence[i];
  }
  save_npy_tensor(file, out);
}

JsonObject stage_json(const infer::StageSeconds& s, std::int64_t frames) {
  JsonObject o = JsonObject::object();
  const auto put = [&](const char* name, double seconds) {
    o[std::string(name) + "_s"] = json_number(seconds);
    o[std::string(name) + "_fps"] = json_number(seconds > 0 ? frames / seconds : NAN);
  };
  put("decode", s.decode);
  put("crop", s.crop);
  put("network", s.network);
  put("dlt", s.dlt);
  put("write", s.write);
  put("total", s.total());
  return o;
}

void run(const InferArgs& a) {
  using Clock = std::chrono::steady_clock;
  if (a.videos.empty() == a.images.empty()) {
    throw UsageError("give the frames as --videos FILE... or --images DIR... (one per camera)");
  }
  if (a.threads > 0) at::set_num_threads(a.threads);
  std::vector<mocap::TrackFormat> formats;
  for (const std::string& f : split_comma_list(a.formats)) {
    formats.push_back(parse_enum<mocap::TrackFormat>(f, "--formats"));
  }
  const double to_unit = mocap::millimetres_to(a.units, "--units");
  const auto overlay_mode = parse_enum<infer::OverlayMode>(a.overlays, "--overlays");

  infer::InferOptions o;
  o.checkpoint = a.checkpoint;
  o.config = load_config(a.config, a.overrides);
  o.rig = load_cameras(a.cameras, a.cameras_format, a.cameras_units);
  o.input = a.videos.empty() ? infer::FrameInput::kImageFolders : infer::FrameInput::kVideos;
  for (const auto& s : a.videos.empty() ? a.images : a.videos) o.sources.emplace_back(s);
  for (const auto& f : a.box_files) o.boxes.box_files.emplace_back(f);
  if (!a.box.empty()) o.boxes.fixed_box = infer::parse_box(a.box, "--box");
  if (!a.initial_position.empty()) {
    // In the calibration's unit: --cameras-units, else the format's own, else mm.
    const auto format = parse_enum<CalibrationFormat>(a.cameras_format, "--cameras-format");
    const LengthUnit unit = !a.cameras_units.empty()
                                ? parse_enum<LengthUnit>(a.cameras_units, "--cameras-units")
                                : format_length_unit(format).value_or(LengthUnit::kMillimetre);
    o.boxes.initial_position_mm =
        infer::parse_position(a.initial_position, "--initial-position") * millimetres_per(unit);
  }
  o.boxes.track = !a.no_track;
  o.refine = a.refine;
  o.box_scale = a.box_scale;
  o.batch = a.batch;
  o.max_frames = a.frames;
  o.network.device = a.device;
  o.network.precision = a.precision;
  o.network.fold_batchnorm = a.fold_batchnorm;
  std::vector<double> truth;
  std::int64_t truth_frames = 0;
  if (!a.ground_truth.empty()) {
    const at::Tensor t = load_npy_tensor(a.ground_truth).to(at::kDouble).contiguous();
    MVPOSE3D_CHECK(t.dim() == 3 && t.size(2) == 3,
                   "--ground-truth {}: expected [F, J, 3] world mm, got {} dimensions",
                   a.ground_truth,
                   t.dim());
    truth.assign(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
    truth_frames = t.size(0);
  }

  const fs::path out(a.out);
  fs::create_directories(out);
  // The overlays need the frame rate before the first batch: the videos' own, or --fps.
  double fps = a.fps;
  std::unique_ptr<infer::OverlayWriter> overlays;
  infer::BatchSink sink;
  if (overlay_mode != infer::OverlayMode::kNone) {
    sink = [&](const infer::InferResult& r, const infer::BatchView& batch) {
      if (!overlays) {
        if (fps <= 0) fps = r.fps > 0 ? r.fps : 25.0;
        overlays =
            std::make_unique<infer::OverlayWriter>(o.rig, overlay_mode, out / "overlays", fps);
      }
      overlays->add(r, batch);
    };
  }
  infer::InferResult r = infer::run_inference(o, sink);
  if (fps <= 0) fps = r.fps;

  // Exports.
  auto t = Clock::now();
  std::vector<std::string> written;
  if (overlays) {
    for (const auto& f : overlays->close()) written.push_back(f.string());
  }
  mocap::Tracks3d tracks = r.tracks;
  tracks.fps = fps;
  if (to_unit != 1.0) tracks.rescale(to_unit, a.units);
  for (const mocap::TrackFormat f : formats) {
    if ((f == mocap::TrackFormat::kTrc || f == mocap::TrackFormat::kC3d) && tracks.fps <= 0) {
      spdlog::warn("--formats {}: needs a frame rate (image folders: give --fps); not written",
                   to_string(f));
      continue;
    }
    const fs::path file = out / ("joints3d." + to_string(f));
    mocap::write_tracks(tracks, file, f);
    written.push_back(file.string());
  }
  write_keypoints_npy(r.keypoints, out / "keypoints2d.npy");
  written.push_back((out / "keypoints2d.npy").string());
  const std::string plot = infer::skeleton_plot_png(o.rig, r, frame_list(a.plot_frames, r.frames));
  write_file_atomic(out / "skeleton_3d.png", plot);
  written.push_back((out / "skeleton_3d.png").string());
  r.seconds.write += std::chrono::duration<double>(Clock::now() - t).count();

  // The report: missing views, time per stage, MPJPE.
  JsonObject summary = JsonObject::object();
  summary["checkpoint"] = a.checkpoint;
  summary["architecture"] = r.architecture;
  summary["frames"] = r.frames;
  summary["cameras"] = o.rig.camera_names();
  summary["missing_frames"] = r.missing_frames;
  summary["missing_boxes"] = r.missing_boxes;
  summary["batch"] = a.batch;
  summary["device"] = a.device;
  summary["precision"] = a.precision;
  summary["fold_batchnorm"] = a.fold_batchnorm;
  summary["threads"] = at::get_num_threads();
  summary["seconds"] = stage_json(r.seconds, r.frames);
  std::int64_t valid = 0;
  for (std::uint8_t v : r.tracks.valid) valid += v;
  summary["valid_joints"] = valid;
  for (std::size_t v = 0; v < o.rig.size(); ++v) {
    if (r.missing_frames[v] > 0 || r.missing_boxes[v] > 0) {
      spdlog::warn("camera {}: {} missing frames, {} frames without a person box (weight 0 there)",
                   o.rig.camera_name(v),
                   r.missing_frames[v],
                   r.missing_boxes[v]);
    }
  }
  spdlog::info("{}", infer::stage_report(r.seconds, r.frames));
  if (!truth.empty()) {
    // With --frames, the first frames of the ground truth.
    if (truth_frames > r.frames) truth.resize(truth.size() / truth_frames * r.frames);
    std::int64_t counted = 0;
    const double mpjpe = infer::track_mpjpe_mm(r.tracks, truth, &counted);
    summary["mpjpe_mm"] = json_number(mpjpe);
    summary["mpjpe_joints"] = counted;
    std::printf("MPJPE %.2f mm over %lld joints of %lld frames (ground truth %s)\n",
                mpjpe,
                static_cast<long long>(counted),
                static_cast<long long>(r.frames),
                a.ground_truth.c_str());
  }
  summary["files"] = written;
  write_file_atomic(out / "summary.json", json_line(summary) + "\n");
  spdlog::info("wrote {} and {}", fmt::join(written, ", "), (out / "summary.json").string());
}

}  // namespace

void add_infer_command(CLI::App& app) {
  auto a = std::make_shared<InferArgs>();
  CLI::App* cmd = app.add_subcommand(
      "infer",
      "Run a trained checkpoint on your own calibrated cameras' videos or images: 3D joints, "
      "exports, overlays (docs/infer.md)");
  add_input_file_option(cmd, "--checkpoint", a->checkpoint, "checkpoint (checkpoints/best.pt)");
  add_input_file_option(
      cmd,
      "--config",
      a->config,
      "the run config the checkpoint was trained with (its config.resolved.yaml)");
  add_set_option(cmd, a->overrides, "override a config key");
  cmd->add_option("--cameras", a->cameras, "the cameras: a rig YAML or another tool's calibration")
      ->required();
  cmd->add_option("--cameras-format", a->cameras_format, calibration_format_help())
      ->check(CLI::IsMember(enum_names<CalibrationFormat>()))
      ->capture_default_str();
  cmd->add_option("--cameras-units", a->cameras_units, "unit of the calibration's lengths")
      ->check(CLI::IsMember(enum_names<LengthUnit>()));
  cmd->add_option("--videos", a->videos, "one video file per camera, in rig order")
      ->check(CLI::ExistingFile);
  cmd->add_option("--images", a->images, "one image folder per camera, in rig order")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--out", a->out, "output directory")->required();
  cmd->add_option("--boxes",
                  a->box_files,
                  "one box file per camera: a JSON list of {\"frame\", \"bbox\": [x, y, w, h]} "
                  "(COCO detection results; docs/infer.md)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--box", a->box, "one box for every view and frame: X,Y,W,H pixels");
  cmd->add_option("--initial-position",
                  a->initial_position,
                  "the person's rough position X,Y,Z in world units (the calibration's): the first "
                  "boxes, then tracking");
  cmd->add_flag("--no-track", a->no_track, "do not take boxes from the previous frames' 3D pose");
  cmd->add_flag("--refine",
                a->refine,
                "tracking: run every batch twice, the second time with boxes from each frame's own "
                "pose (twice the network time; worth it with --batch > 1)");
  cmd->add_option("--box-scale", a->box_scale, "crop side / the box's longer side")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--batch", a->batch, "frames per forward pass")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_option("--device", a->device, "cpu or cuda")->capture_default_str();
  cmd->add_option(
         "--precision", a->precision, "float32, float16 or bfloat16 (as bench model --dtypes)")
      ->check(CLI::IsMember(models::network_precision_names()))
      ->capture_default_str();
  cmd->add_flag("--fold-batchnorm", a->fold_batchnorm, "fold BatchNorm into the convolutions");
  cmd->add_option("--threads", a->threads, "CPU intra-op threads (0 = library default)");
  cmd->add_option("--frames", a->frames, "only the first N frames");
  cmd->add_option("--formats", a->formats, "3D exports, comma-separated: csv, json, trc, c3d, npy")
      ->capture_default_str();
  cmd->add_option("--units", a->units, "length unit of the 3D exports: mm, cm or m")
      ->capture_default_str();
  cmd->add_option("--fps", a->fps, "frame rate (default: the videos'); TRC, C3D and overlays");
  cmd->add_option("--overlays", a->overlays, "pictures of every view: none, png (per frame) or mp4")
      ->check(CLI::IsMember(enum_names<infer::OverlayMode>()))
      ->capture_default_str();
  cmd->add_option("--plot-frames", a->plot_frames, "frames of skeleton_3d.png (default: 5 spread)");
  cmd->add_option("--ground-truth", a->ground_truth, "[F, J, 3] world mm .npy: print the MPJPE")
      ->check(CLI::ExistingFile);
  cmd->callback([a] { run(*a); });
}

}  // namespace mvpose3d::tools
