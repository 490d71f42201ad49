// mvpose3d data render-session --config CFG --out DIR [--rig NAME | --cameras N] [--frames N]
//   [--fps F] [--image-px P] [--action NAME] [--subject S] [--format mp4|png] [--seed S]
//   [--test-sample I [--camera-set SET]]
//
// A synthetic capture session to try `mvpose3d infer` on (docs/infer.md): one test subject moving
// through the synthetic renderer of the training data, seen by a rig, written as a user's capture:
//   videos/<camera>.mp4         (--format mp4; or images/<camera>/frame_NNNNNN.png, lossless)
//   rig.yaml, rig.toml          the cameras in two importer formats: the rig YAML, and aniposelib's
//                               TOML (mm: read it with --cameras-format toml --cameras-units mm)
//   joints3d_gt.npy             [F, 17, 3] float64 world mm, H36M-17: the ground truth
//   boxes/<camera>.json         the projected joints' box per frame, infer's --boxes format
//   session.json                frames, fps, cameras, subject, action, rig
// The rig: --rig NAME (configs/rigs/NAME.yaml, or a file), or --cameras N, a random rig drawn
// with the config's data.synthetic.random_rig ranges from a stream of its own (a rig no training
// or test split of the config uses). The scene (light, floor, occluders, props) is fixed for the
// session; only the subject moves.
//
// --test-sample I writes sample I of the config's synthetic test split through --camera-set
// instead, as `mvpose3d eval` sees it: a one-frame session whose "images" are the sample's crops
// (PNG) and whose rig is their crop cameras, with a box covering each whole image. `infer` on it
// with that box crops nothing and must reproduce eval's 3D (tests/infer/infer_cli_test.sh).
#include "mvpose3d/config.h"
#include "mvpose3d/config/run_config.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/json.h"
#include "mvpose3d/core/tensor_npy.h"
#include "mvpose3d/data/calibration/calibration_import.h"
#include "mvpose3d/data/random.h"
#include "mvpose3d/data/synthetic/synthetic_dataset.h"
#include "mvpose3d/data/synthetic/synthetic_render.h"
#include "mvpose3d/data/synthetic/synthetic_rigs.h"
#include "mvpose3d/geometry/rig.h"
#if MVPOSE3D_OPENCV_ENABLED
#include "mvpose3d/infer/video_file_writer.h"
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "tools/commands.h"
#include "tools/data/data_commands.h"
#include "tools/data/render_session.h"

namespace mvpose3d::tools {

namespace {

namespace fs = std::filesystem;

struct RenderSessionArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::string out, rig, subject, action = "walking", format = "mp4";
  int cameras = 0;
  std::int64_t frames = 60;
  double fps = 25;
  int image_px = 640;
  std::int64_t seed = -1;
  std::int64_t test_sample = -1;
  std::string camera_set = "unseen";
};

#if MVPOSE3D_OPENCV_ENABLED

constexpr std::uint64_t kStreamSession = 0x5e55;  // "sess"

// [3, H, W] RGB planes → H rows of W·3 bytes, BGR.
std::vector<std::uint8_t> planes_to_bgr(const std::uint8_t* chw, int width, int height) {
  const std::size_t plane = static_cast<std::size_t>(width) * height;
  std::vector<std::uint8_t> bgr(3 * plane);
  for (std::size_t i = 0; i < plane; ++i) {
    bgr[3 * i] = chw[2 * plane + i];
    bgr[3 * i + 1] = chw[plane + i];
    bgr[3 * i + 2] = chw[i];
  }
  return bgr;
}

// A box file entry list (infer's --boxes format) for one camera.
JsonObject box_entry(std::int64_t frame, const Eigen::Vector4d& ltrb) {
  JsonObject e = JsonObject::object();
  e["frame"] = frame;
  // ltrb in pixel centres → COCO x, y, w, h in pixel edges.
  e["bbox"] = {json_number(ltrb(0) + 0.5),
               json_number(ltrb(1) + 0.5),
               json_number(ltrb(2) - ltrb(0)),
               json_number(ltrb(3) - ltrb(1))};
  return e;
}

Eigen::Vector4d joints_box(const Camera& camera, const synthetic::Joints& joints) {
  double u0 = 1e300, v0 = 1e300, u1 = -1e300, v1 = -1e300;
  for (const auto& x : joints) {
    const Eigen::Vector2d p = camera.project(x);
    u0 = std::min(u0, p.x()), u1 = std::max(u1, p.x());
    v0 = std::min(v0, p.y()), v1 = std::max(v1, p.y());
  }
  return {u0, v0, u1, v1};
}

void write_rig_files(const Rig& rig, const fs::path& out) {
  save_rig(rig, out / "rig.yaml");
  write_file_atomic(out / "rig.toml", rig_to_toml(rig));
}

void write_boxes(const Rig& rig,
                 const std::vector<std::vector<JsonObject>>& boxes,
                 const fs::path& out) {
  for (std::size_t v = 0; v < rig.size(); ++v) {
    JsonObject list = JsonObject::array();
    for (const auto& e : boxes[v]) list.push_back(e);
    write_file_atomic(out / "boxes" / (rig.camera_name(v) + ".json"), list.dump() + "\n");
  }
}

// --test-sample: one test sample's crops as a session.
void write_test_sample(const RenderSessionArgs& a, const RunConfig& config, const fs::path& out) {
  const SyntheticDataset test(
      config.data, config.seed, synthetic_test_split(config.data, a.camera_set));
  MVPOSE3D_CHECK(a.test_sample < test.size(),
                 "--test-sample {}: the test split has {} samples (data.synthetic.test_samples)",
                 a.test_sample,
                 test.size());
  const MultiviewSample s = test.get(a.test_sample);
  Rig rig(fmt::format("test-sample-{}-{}", a.test_sample, a.camera_set));
  std::vector<std::vector<JsonObject>> boxes(s.cameras.size());
  for (std::size_t v = 0; v < s.cameras.size(); ++v) {
    const std::string name = fmt::format("cam{}", v);
    rig.add(name, s.cameras[v]);
    const int size = s.cameras[v].width();
    const std::vector<std::uint8_t> bgr = planes_to_bgr(
        s.images[static_cast<std::int64_t>(v)].contiguous().data_ptr<std::uint8_t>(), size, size);
    write_file_atomic(out / "images" / name / "frame_000000.png",
                      infer::encode_png_bgr(bgr.data(), size, size));
    boxes[v].push_back(box_entry(0, Eigen::Vector4d(-0.5, -0.5, size - 0.5, size - 0.5)));
  }
  write_rig_files(rig, out);
  write_boxes(rig, boxes, out);
  save_npy_tensor(out / "joints3d_gt.npy", s.joints_world_mm.unsqueeze(0));
  JsonObject session = JsonObject::object();
  session["frames"] = 1;
  session["test_sample"] = a.test_sample;
  session["camera_set"] = a.camera_set;
  session["cameras"] = rig.camera_names();
  session["crop_size_px"] = config.data.crop_size_px;
  write_file_atomic(out / "session.json", json_line(session) + "\n");
  spdlog::info("wrote test sample {} ({} views of {} px crops) to {}",
               a.test_sample,
               rig.size(),
               config.data.crop_size_px,
               out.string());
}

Rig session_rig(const RenderSessionArgs& a, const RunConfig& config, std::uint64_t seed) {
  if (!a.rig.empty()) return synthetic::pinhole_rig(synthetic::resolve_rig(a.rig));
  const RandomRigConfig& c = config.data.synthetic.random_rig;
  synthetic::RandomRigOptions o;
  o.num_cameras = a.cameras;
  o.distance_mm = {c.distance_mm[0], c.distance_mm[1]};
  o.height_mm = {c.height_mm[0], c.height_mm[1]};
  // The config's focal lengths are for 1000 px images.
  const double scale = a.image_px / 1000.0;
  o.focal_px = {c.focal_px[0] * scale, c.focal_px[1] * scale};
  o.azimuth_jitter_deg = c.azimuth_jitter_deg;
  o.look_at_jitter_mm = c.look_at_jitter_mm;
  o.image_px = a.image_px;
  Rng rng(hash_values({seed, kStreamSession, hash_string("rig")}));
  Rig rig = synthetic::random_rig(o, rng);
  return rig;
}

void render_session(const RenderSessionArgs& a, const RunConfig& config, const fs::path& out) {
  using Clock = std::chrono::steady_clock;
  const SyntheticDataConfig& syn = config.data.synthetic;
  const std::uint64_t seed = static_cast<std::uint64_t>(a.seed >= 0 ? a.seed : config.seed);
  const Rig rig = session_rig(a, config, seed);
  const std::string subject = a.subject.empty() ? config.data.test_subjects.front() : a.subject;
  const synthetic::Action action = synthetic::action_from_name(a.action);
  const synthetic::BodyShape body = synthetic::body_shape_for_subject(subject);
  const synthetic::Appearance appearance = synthetic::appearance_for_subject(subject);
  synthetic::MotionOptions motion_options;
  motion_options.fps = a.fps;
  motion_options.area_radius_mm = syn.area_radius_mm;
  const auto motion_at = [&](std::int64_t f) {
    synthetic::MotionKey key;
    key.seed = seed;
    key.subject = subject;
    key.action = action;
    key.frame = f;
    return synthetic::procedural_motion(key, body, motion_options);
  };
  const Eigen::Vector3d first_pelvis = motion_at(0).joints_world_mm[0];

  const bool video = a.format == "mp4";
  std::vector<std::unique_ptr<infer::VideoFileWriter>> writers;
  std::vector<synthetic::ViewStyle> styles;
  for (std::size_t v = 0; v < rig.size(); ++v) {
    const Camera& c = rig.camera(v);
    if (video) {
      writers.push_back(std::make_unique<infer::VideoFileWriter>(
          out / "videos" / (rig.camera_name(v) + ".mp4"), a.fps, c.width(), c.height()));
    }
    synthetic::ViewStyle style;
    style.seed = hash_values({seed, kStreamSession, v});
    style.clutter_shapes = syn.background_shapes;
    style.noise_std = static_cast<float>(syn.noise_std);
    styles.push_back(style);
  }
  at::Tensor truth = at::empty({a.frames, synthetic::kNumJoints, 3}, at::kDouble);  // [F, J, 3]
  auto gt = truth.accessor<double, 3>();
  std::vector<std::vector<JsonObject>> boxes(rig.size());
  synthetic::RenderBuffers buffers;
  const auto start = Clock::now();
  for (std::int64_t f = 0; f < a.frames; ++f) {
    const synthetic::MotionFrame motion = motion_at(f);
    synthetic::Scene scene;
    add_body(motion.joints_world_mm, body, appearance, !syn.symmetric_appearance, &scene);
    // The same draws every frame: props, occluders, light and floor stay where they are.
    Rng props_rng(hash_values({seed, kStreamSession, hash_string("props")}));
    add_props(motion.props, props_rng, &scene);
    Rng scene_rng(hash_values({seed, kStreamSession, hash_string("scene")}));
    add_environment(syn, first_pelvis, rig, scene_rng, &scene);
    for (int j = 0; j < synthetic::kNumJoints; ++j) {
      for (int c = 0; c < 3; ++c)
        gt[f][j][c] = motion.joints_world_mm[static_cast<std::size_t>(j)](c);
    }
    for (std::size_t v = 0; v < rig.size(); ++v) {
      const Camera& camera = rig.camera(v);
      std::vector<std::uint8_t> chw(3 * static_cast<std::size_t>(camera.width()) * camera.height());
      synthetic::render_view(scene, camera, styles[v], buffers, chw.data());
      const std::vector<std::uint8_t> bgr =
          planes_to_bgr(chw.data(), camera.width(), camera.height());
      if (video) {
        writers[v]->write(bgr.data());
      } else {
        write_file_atomic(out / "images" / rig.camera_name(v) / fmt::format("frame_{:06d}.png", f),
                          infer::encode_png_bgr(bgr.data(), camera.width(), camera.height()));
      }
      boxes[v].push_back(box_entry(f, joints_box(camera, motion.joints_world_mm)));
    }
  }
  for (auto& w : writers) w->close();
  write_rig_files(rig, out);
  write_boxes(rig, boxes, out);
  save_npy_tensor(out / "joints3d_gt.npy", truth);
  JsonObject session = JsonObject::object();
  session["frames"] = a.frames;
  session["fps"] = json_number(a.fps);
  session["cameras"] = rig.camera_names();
  session["rig"] =
      a.rig.empty() ? fmt::format("random, {} cameras, seed {}", a.cameras, seed) : a.rig;
  session["subject"] = subject;
  session["action"] = a.action;
  session["format"] = a.format;
  JsonObject files = JsonObject::array();
  for (const auto& w : writers) files.push_back(w->path().string());
  session["videos"] = files;
  write_file_atomic(out / "session.json", json_line(session) + "\n");
  spdlog::info("rendered {} frames x {} cameras ({} x {} px) in {:.1f} s to {}",
               a.frames,
               rig.size(),
               rig.camera(0).width(),
               rig.camera(0).height(),
               std::chrono::duration<double>(Clock::now() - start).count(),
               out.string());
}

#endif  // MVPOSE3D_OPENCV_ENABLED

void run(const RenderSessionArgs& a) {
#if MVPOSE3D_OPENCV_ENABLED
  const RunConfig config = load_config(a.config, a.overrides);
  MVPOSE3D_CHECK(config.data.type == DatasetType::kSynthetic,
                 "data render-session: {} is not a synthetic-data config (data.type: {})",
                 a.config,
                 to_string(config.data.type));
  if (a.test_sample < 0 && a.rig.empty() == (a.cameras <= 0)) {
    throw UsageError("data render-session: give the rig as --rig NAME or --cameras N");
  }
  const fs::path out(a.out);
  fs::create_directories(out);
  if (a.test_sample >= 0) {
    write_test_sample(a, config, out);
  } else {
    render_session(a, config, out);
  }
#else
  (void)a;
  throw UsageError("data render-session: this build has no OpenCV (MVPOSE3D_WITH_OPENCV)");
#endif
}

}  // namespace

void add_data_render_session_command(CLI::App& data) {
  auto a = std::make_shared<RenderSessionArgs>();
  CLI::App* cmd = data.add_subcommand(
      "render-session",
      "Render a synthetic capture session (videos, rig files, ground truth) to try `infer` on");
  add_input_file_option(cmd, "--config", a->config, "a synthetic-data run config");
  add_set_option(cmd, a->overrides, "override a config key");
  cmd->add_option("--out", a->out, "output directory")->required();
  cmd->add_option("--rig", a->rig, "a rig name (configs/rigs/NAME.yaml) or rig YAML file");
  cmd->add_option("--cameras", a->cameras, "a random rig of N cameras instead")
      ->check(CLI::Range(2, 64));
  cmd->add_option("--frames", a->frames, "frames")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--fps", a->fps, "frame rate")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--image-px", a->image_px, "image side of the random rig's cameras")
      ->check(CLI::Range(64, 4096))
      ->capture_default_str();
  cmd->add_option("--subject", a->subject, "subject (default: the first of data.test_subjects)");
  cmd->add_option("--action", a->action, "motion family (walking, turning, ...)")
      ->capture_default_str();
  cmd->add_option("--format", a->format, "mp4 (a video per camera) or png (image folders)")
      ->check(CLI::IsMember({"mp4", "png"}))
      ->capture_default_str();
  cmd->add_option("--seed", a->seed, "seed of the rig, scene and motion (default: the config's)");
  cmd->add_option(
         "--test-sample", a->test_sample, "write test sample I's crops instead (see above)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--camera-set", a->camera_set, "camera set of --test-sample")
      ->capture_default_str();
  cmd->callback([a] { run(*a); });
}

}  // namespace mvpose3d::tools
