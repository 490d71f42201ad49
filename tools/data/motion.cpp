// mvpose3d data motion --frames N [--fps F] [--subject S] [--seed S] [--segment-s T]
//                      [--layout h36m17|body25] --out FILE.npy [--rig RIG --keypoints-out FILE.npy]
//       Writes the procedural motion's joints, [F, J, 3] float64 world mm (z up), for tools outside
//       the dataset (the triangulation benchmark against peers,
//       scripts/bench_triangulation_peers.py). Consecutive segments of --segment-s seconds cycle
//       through the action families (walking, turning, ...), each a new sequence; the joints of a
//       segment start where its motion starts.
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/tensor_npy.h"
#include "mvpose3d/data/synthetic/synthetic_body25.h"
#include "mvpose3d/data/synthetic/synthetic_motion.h"
#include "mvpose3d/geometry/rig.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>

#include <ATen/ATen.h>
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "tools/data/data_commands.h"

namespace mvpose3d::tools {

void add_data_motion_command(CLI::App& data) {
  struct Args {
    std::int64_t frames = 0;
    double fps = 30;
    std::string subject = "S9";
    std::int64_t seed = 0;
    double segment_s = 30;
    std::string layout = "body25";
    std::string out, rig, keypoints_out;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = data.add_subcommand(
      "motion", "Write the synthetic motion's joints [F, J, 3] (world mm, z up) as .npy");
  cmd->add_option("--frames", a->frames, "number of frames F")
      ->required()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--fps", a->fps, "frame rate")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--subject", a->subject, "subject whose body shape is used")
      ->capture_default_str();
  cmd->add_option("--seed", a->seed, "motion seed")->capture_default_str();
  cmd->add_option("--segment-s", a->segment_s, "seconds per action segment")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--layout", a->layout, "h36m17 (the motion's joints) | body25 (OpenPose order)")
      ->capture_default_str()
      ->check(CLI::IsMember({"h36m17", "body25"}));
  cmd->add_option("--out", a->out, "joints .npy to write")->required();
  auto* rig = cmd->add_option("--rig", a->rig, "rig YAML whose cameras see the joints")
                  ->check(CLI::ExistingFile);
  auto* kp = cmd->add_option(
      "--keypoints-out", a->keypoints_out, "[F, V, J, 3] projected joints .npy to write");
  rig->needs(kp);
  kp->needs(rig);
  cmd->callback([a] {
    const synthetic::BodyShape body = synthetic::body_shape_for_subject(a->subject);
    synthetic::MotionOptions options;
    options.fps = a->fps;
    const bool body25 = a->layout == "body25";
    const int64_t joints = body25 ? synthetic::kNumBody25Points : synthetic::kNumJoints;
    const auto segment_frames =
        std::max<int64_t>(1, static_cast<int64_t>(std::llround(a->segment_s * a->fps)));
    at::Tensor out = at::empty({a->frames, joints, 3}, at::kDouble);  // [F, J, 3] world mm
    auto acc = out.accessor<double, 3>();
    for (int64_t f = 0; f < a->frames; ++f) {
      const int64_t segment = f / segment_frames;
      synthetic::MotionKey key;
      key.seed = static_cast<std::uint64_t>(a->seed);
      key.subject = a->subject;
      key.action = static_cast<synthetic::Action>(segment % synthetic::kNumActions);
      key.sequence = segment / synthetic::kNumActions;
      key.frame = f % segment_frames;
      const synthetic::MotionFrame frame = synthetic::procedural_motion(key, body, options);
      auto write = [&](int64_t j, const Eigen::Vector3d& p) {
        for (int c = 0; c < 3; ++c) acc[f][j][c] = p[c];
      };
      if (body25) {
        const synthetic::Body25 points = synthetic::body25_from_motion(frame);
        for (int64_t j = 0; j < joints; ++j) write(j, points[static_cast<size_t>(j)]);
      } else {
        for (int64_t j = 0; j < joints; ++j)
          write(j, frame.joints_world_mm[static_cast<size_t>(j)]);
      }
    }
    save_npy_tensor(a->out, out);
    if (!a->rig.empty()) {
      const Rig cameras = load_rig(a->rig);
      const auto views = static_cast<int64_t>(cameras.size());
      at::Tensor keypoints = at::ones({a->frames, views, joints, 3}, at::kDouble);  // [F, V, J, 3]
      auto kp_acc = keypoints.accessor<double, 4>();
      for (int64_t f = 0; f < a->frames; ++f) {
        for (int64_t v = 0; v < views; ++v) {
          const Camera& cam = cameras.camera(static_cast<size_t>(v));
          for (int64_t j = 0; j < joints; ++j) {
            const Eigen::Vector2d px = cam.project({acc[f][j][0], acc[f][j][1], acc[f][j][2]});
            kp_acc[f][v][j][0] = px.x();
            kp_acc[f][v][j][1] = px.y();
          }
        }
      }
      save_npy_tensor(a->keypoints_out, keypoints);
    }
    spdlog::info("wrote {} frames of {} joints ({}, {} fps, subject {}) to {}",
                 a->frames,
                 joints,
                 a->layout,
                 a->fps,
                 a->subject,
                 a->out);
  });
}

}  // namespace mvpose3d::tools
