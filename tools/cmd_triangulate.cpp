// `mvpose3d triangulate`: lifts 2D detections from any detector to 3D with the DLT layer.
//
//   --points2d FILE  [N, V, 2] pixels (.npy float32/float64, C order)
//   --proj FILE      [V, 3, 4] shared or [N, V, 3, 4] per point     } exactly one
//   --cameras RIG    rig YAML (configs/rigs/*.yaml); points are undistorted with each camera's
//   model first
//   --weights FILE   [N, V] confidences >= 0 (optional)
//   --out FILE       [N, 3] float64 world points (0 where invalid)
//   --mask-out FILE  [N] uint8, 1 where the point is valid (optional)
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/limits.h"
#include "mvpose3d/core/tensor_npy.h"
#include "mvpose3d/geometry/camera_batch.h"
#include "mvpose3d/geometry/rig.h"
#include "mvpose3d/ops/triangulate.h"

#include <filesystem>
#include <memory>
#include <string>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <spdlog/spdlog.h>

#include "tools/commands.h"

namespace mvpose3d::tools {

namespace {

struct TriangulateArgs {
  std::string points2d, proj, cameras, weights, out, mask_out;
  std::string method = "fused";
  bool no_normalize = false;
  bool strict = false;
  int threads = 0;
};

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
    const Rig rig = load_rig(a.cameras);
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
  ops::TriangulateOptions options;
  options.method = ops::triangulation_method_from_string(a.method);
  options.normalize = !a.no_normalize;
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
      "triangulate", "Triangulate 2D points [N, V, 2] from V calibrated views to 3D");
  add_input_file_option(cmd, "--points2d", args->points2d, "[N, V, 2] pixel coordinates (.npy)");
  auto* proj =
      cmd->add_option("--proj", args->proj, "[V, 3, 4] or [N, V, 3, 4] projection matrices (.npy)")
          ->check(CLI::ExistingFile);
  auto* cams =
      cmd->add_option(
             "--cameras", args->cameras, "rig YAML; points are undistorted with its models")
          ->check(CLI::ExistingFile);
  proj->excludes(cams);
  cmd->add_option("--weights", args->weights, "[N, V] per-view confidences >= 0 (.npy)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--method", args->method, "fused | svd | sii")
      ->capture_default_str()
      ->check(CLI::IsMember({"fused", "svd", "sii"}));
  cmd->add_option("--out", args->out, "[N, 3] float64 world points (.npy)")->required();
  cmd->add_option("--mask-out", args->mask_out, "[N] uint8 validity mask (.npy)");
  cmd->add_flag("--no-normalize", args->no_normalize, "solve the raw (unconditioned) system");
  cmd->add_flag("--strict", args->strict, "fail on the first invalid point instead of masking it");
  cmd->add_option("--threads", args->threads, "intra-op threads (0 = library default)")
      ->check(CLI::Range(0, kMaxThreads));
  cmd->callback([args, proj, cams] {
    if (proj->count() + cams->count() != 1)
      throw UsageError("triangulate: give exactly one of --proj and --cameras");
    run(*args);
  });
}

}  // namespace mvpose3d::tools
