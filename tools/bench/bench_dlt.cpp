// `mvpose3d bench dlt`: accuracy versus 2D noise and time versus batch size for the triangulation
// methods, following the DiffDLT protocol (4 cameras on a ring, f = 280 px, 256 px images, points
// in a unit cube; docs/triangulation.md). Every method is measured in the same process and run.
#include "tools/bench/bench_dlt.h"

#include "mvpose3d/config.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/limits.h"
#include "mvpose3d/core/logging.h"
#include "mvpose3d/geometry/synthetic_scenes.h"
#include "mvpose3d/ops/triangulate.h"
#include "mvpose3d/run/run_dir.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <spdlog/spdlog.h>
#include <torch/autograd.h>
#include <torch/cuda.h>

#include "tools/bench/bench_timing.h"
#include "tools/commands.h"

namespace mvpose3d::tools {

namespace {

namespace fs = std::filesystem;
using ops::TriangulateOptions;
using ops::TriangulationMethod;

struct BenchDltOptions {
  std::string device = "cpu";
  std::string out_dir;  // "" = a new run directory runs/bench_dlt/<timestamp>/
  int threads = 1;
  int64_t max_points = 1000000;
  int64_t svd_max_points = 100000;
  int views = 4;
  double min_seconds = 0.3;
  uint64_t seed = 0;
};

struct Method {
  std::string name;
  TriangulateOptions options;
  bool prebuilt_svd = false;   // time torch::linalg_svd alone on a prebuilt A [N, 2V, 4]
  bool prebuilt_eigh = false;  // time torch::linalg_eigh alone on a prebuilt A^T A [N, 4, 4]
};

std::vector<Method> methods() {
  std::vector<Method> list;
  TriangulateOptions fused;
  list.push_back({"fused", fused});
  TriangulateOptions fused_raw = fused;
  fused_raw.normalize = false;  // no rig normalisation ops around the kernel
  list.push_back({"fused_unnormalized", fused_raw});
  TriangulateOptions fused_f32 = fused;
  fused_f32.accumulate = at::kFloat;
  list.push_back({"fused_acc32", fused_f32});
  TriangulateOptions svd;
  svd.method = TriangulationMethod::kSvd;
  list.push_back({"svd", svd});
  list.push_back({"linalg_svd_only", svd, true});
  list.push_back({"linalg_eigh_only", svd, false, true});
  for (int t : {1, 2, 3}) {
    TriangulateOptions sii;
    sii.method = TriangulationMethod::kSii;
    sii.sii_official = true;
    sii.iterations = t;
    list.push_back({"sii_official_T" + std::to_string(t), sii});
  }
  return list;
}

struct Scene {
  at::Tensor proj, points3d, points2d;
};

// CPU seconds of the process (all threads). On a shared machine wall time also counts the time
// other jobs hold the CPU, which inflates long calls more than short ones; CPU time does not.
double process_cpu_seconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

struct Timed {
  double wall = 0;  // median wall seconds (median_seconds)
  double cpu = 0;   // median process CPU seconds of the same calls
};

template <typename Fn>
Timed time_calls(const at::Device& device, double min_seconds, Fn&& fn) {
  std::vector<double> cpu;
  Timed t;
  t.wall = median_seconds(device, min_seconds, [&] {
    const double start = process_cpu_seconds();
    fn();
    cpu.push_back(process_cpu_seconds() - start);
  });
  cpu.erase(cpu.begin());  // the warm-up call
  std::sort(cpu.begin(), cpu.end());
  t.cpu = cpu[cpu.size() / 2];
  return t;
}

Scene make_scene(int64_t n, int views, double noise_px, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  Scene s;
  s.proj = scenes::random_rig(views, gen);
  s.points3d = at::rand({n, 3}, gen, at::kDouble) - 0.5;
  s.points2d =
      scenes::project(s.points3d, s.proj) + noise_px * at::randn({n, views, 2}, gen, at::kDouble);
  return s;
}

void run_accuracy(const BenchDltOptions& o, std::ofstream& csv) {
  csv << "experiment,method,views,noise_px,dtype,points,mean_err,median_err,p99_err,invalid,max_"
         "rel_vs_svd64\n";
  const int64_t n = 256 * 17;  // DiffDLT: batch of 256 poses x 17 joints
  std::vector<double> noises;
  for (int i = 0; i < 10; ++i) noises.push_back(10.0 * i / 9.0);  // np.linspace(0, 10, 10)
  noises.push_back(15.0);
  noises.push_back(20.0);
  for (int views : {2, 4, 8, 16}) {
    for (double noise : noises) {
      if (views != o.views && noise != 0.0 && noise != 10.0 && noise != 20.0) continue;
      const Scene s =
          make_scene(n, views, noise, o.seed + 1000 * views + static_cast<uint64_t>(noise * 10));
      TriangulateOptions svd64;
      svd64.method = TriangulationMethod::kSvd;
      const auto ref = ops::triangulate(s.points2d, s.proj, {}, svd64);
      for (const auto& m : methods()) {
        if (m.prebuilt_svd || m.prebuilt_eigh) continue;
        for (auto dtype : {at::kFloat, at::kDouble}) {
          if (m.options.sii_official && dtype == at::kDouble) continue;  // official code is float32
          TriangulateOptions options = m.options;
          if (options.sii_official) options.generator = at::detail::createCPUGenerator(o.seed);
          const auto out = ops::triangulate(s.points2d.to(dtype), s.proj.to(dtype), {}, options);
          const auto err =
              (out.points3d.to(at::kDouble) - s.points3d).norm(2, -1).masked_select(out.valid);
          const int64_t invalid = (~out.valid).sum().item<int64_t>();
          double max_rel = -1;
          if (!m.options.sii_official) {
            const auto both = out.valid & ref.valid;
            const auto rel = (out.points3d.to(at::kDouble) - ref.points3d).norm(2, -1) /
                             ref.points3d.norm(2, -1).clamp_min(1e-12);
            max_rel = rel.masked_select(both).max().item<double>();
          }
          const auto q = err.numel() ? at::quantile(err, at::tensor({0.5, 0.99}, at::kDouble))
                                     : at::zeros({2}, at::kDouble);
          csv << fmt::format("accuracy,{},{},{:.4f},{},{},{:.6g},{:.6g},{:.6g},{},{:.3g}\n",
                             m.name,
                             views,
                             noise,
                             dtype == at::kFloat ? "float32" : "float64",
                             n,
                             err.numel() ? err.mean().item<double>() : 0.0,
                             q[0].item<double>(),
                             q[1].item<double>(),
                             invalid,
                             max_rel);
        }
      }
    }
    spdlog::info("bench dlt: accuracy with {} views done", views);
  }
}

void run_timing(const BenchDltOptions& o, const at::Device& device, std::ofstream& csv) {
  // cpu_us_per_point: process CPU time per point (CPU device only; 0 on CUDA, where it would count
  // the host waiting for the device).
  csv << "experiment,method,device,threads,views,points,pass,seconds,us_per_point,bytes_per_point,"
         "gb_per_s,cpu_us_per_point\n";
  // Minimum traffic of a fused forward pass in float32 (inputs read once, outputs written once,
  // shared matrices negligible): 8 V bytes of pixels, 12 of points and 1 status byte.
  const double fused_bytes = 8.0 * o.views + 12.0 + 1.0;
  for (int64_t n = 100; n <= o.max_points; n *= 10) {
    const Scene s = make_scene(n, o.views, 2.0, o.seed + static_cast<uint64_t>(n));
    const auto x = s.points2d.to(at::kFloat).to(device);
    const auto p = s.proj.to(at::kFloat).to(device);
    for (const auto& m : methods()) {
      const bool is_svd = m.options.method == TriangulationMethod::kSvd;
      if (is_svd && n > o.svd_max_points) continue;
      // The official SII builds A and solves per point with batched torch ops: memory grows with N.
      if (m.options.sii_official && n > std::max<int64_t>(o.svd_max_points, 1000000)) continue;
      // forward_backward: gradients for the 2D points with fixed cameras (training);
      // forward_backward_cameras: the cameras need gradients too (differentiable normalisation).
      for (const std::string pass : {"forward", "forward_backward", "forward_backward_cameras"}) {
        if ((m.prebuilt_svd || m.prebuilt_eigh) && pass != "forward") continue;
        if (pass == "forward_backward_cameras" && m.options.method != TriangulationMethod::kFused)
          continue;
        Timed timed;
        if (m.prebuilt_svd) {
          const auto a = at::randn({n, 2 * o.views, 4}, x.options());
          timed = time_calls(device, o.min_seconds, [&] { (void)at::linalg_svd(a, false); });
        } else if (m.prebuilt_eigh) {
          const auto a = at::randn({n, 2 * o.views, 4}, x.options());
          const auto ata = at::matmul(a.transpose(1, 2), a);
          // cuSOLVER's batched eigh fails above about 32K matrices (kornia PR #3660): chunks of
          // 16K.
          timed = time_calls(device, o.min_seconds, [&] {
            for (int64_t start = 0; start < n; start += 16384) {
              (void)at::linalg_eigh(ata.narrow(0, start, std::min<int64_t>(16384, n - start)));
            }
          });
        } else if (pass == "forward") {
          at::NoGradGuard no_grad;
          timed = time_calls(device, o.min_seconds, [&] {
            TriangulateOptions options = m.options;
            if (options.sii_official) options.generator = at::detail::createCPUGenerator(o.seed);
            (void)ops::triangulate(x, p, {}, options);
          });
        } else {
          const auto xg = x.clone().requires_grad_(true);
          const auto pg = p.clone().requires_grad_(pass == "forward_backward_cameras");
          timed = time_calls(device, o.min_seconds, [&] {
            TriangulateOptions options = m.options;
            if (options.sii_official) options.generator = at::detail::createCPUGenerator(o.seed);
            const auto out = ops::triangulate(xg, pg, {}, options);
            out.points3d.sum().backward();
          });
        }
        const double seconds = timed.wall;
        const double cpu_us = device.is_cuda() ? 0.0 : 1e6 * timed.cpu / static_cast<double>(n);
        const bool fused_fwd = m.options.method == TriangulationMethod::kFused && pass == "forward";
        csv << fmt::format("timing,{},{},{},{},{},{},{:.6g},{:.6g},{},{:.4g},{:.6g}\n",
                           m.name,
                           device.str(),
                           at::get_num_threads(),
                           o.views,
                           n,
                           pass,
                           seconds,
                           1e6 * seconds / static_cast<double>(n),
                           fused_fwd ? fused_bytes : 0.0,
                           fused_fwd ? fused_bytes * static_cast<double>(n) / seconds / 1e9 : 0.0,
                           cpu_us);
        csv.flush();
      }
    }
    spdlog::info("bench dlt: timing at {} points done", n);
  }
}

// Device memory bandwidth from a large device-to-device copy (bytes read + written per second).
double measure_bandwidth_gbs(const at::Device& device, double min_seconds) {
  const int64_t elements = device.is_cuda() ? (int64_t{1} << 28) : (int64_t{1} << 25);
  const auto src = at::rand({elements}, at::TensorOptions().device(device));
  auto dst = at::empty_like(src);
  const double seconds = median_seconds(device, min_seconds, [&] { dst.copy_(src); });
  return 2.0 * 4.0 * static_cast<double>(elements) / seconds / 1e9;
}

void run_bench_dlt(const BenchDltOptions& o) {
  MVPOSE3D_CHECK(
      o.device == "cpu" || o.device == "cuda", "--device must be cpu or cuda, got '{}'", o.device);
  if (o.device == "cuda" && !torch::cuda::is_available()) {
    throw Error("--device cuda: no CUDA device is available (or this build has no CUDA)");
  }
  at::set_num_threads(std::max(1, o.threads));
  const at::Device device(o.device == "cuda" ? at::kCUDA : at::kCPU);
  fs::path out_dir(o.out_dir);
  if (out_dir.empty()) {
    // A run directory of its own: env.txt records the build and machine, log.txt the log.
    out_dir = create_run_dir("runs", "bench_dlt", collect_environment(command_line()));
    add_log_file(out_dir / "log.txt");
  }
  fs::create_directories(out_dir);
  // Results go to temporary files renamed at the end, so an interrupted run leaves no partial CSV.
  const fs::path acc_tmp = out_dir / ("accuracy.csv.tmp-" + o.device);
  const fs::path time_tmp = out_dir / ("timing_" + o.device + ".csv.tmp");
  {
    std::ofstream csv(acc_tmp);
    if (o.device == "cpu") run_accuracy(o, csv);
  }
  {
    std::ofstream csv(time_tmp);
    run_timing(o, device, csv);
  }
  const double bandwidth = measure_bandwidth_gbs(device, o.min_seconds);
  spdlog::info("bench dlt: {} copy bandwidth {:.1f} GB/s (read + write)", device.str(), bandwidth);
  write_file_atomic(out_dir / ("bandwidth_" + o.device + ".csv"),
                    fmt::format("device,copy_gb_per_s\n{},{:.2f}\n", device.str(), bandwidth));
  if (o.device == "cpu")
    fs::rename(acc_tmp, out_dir / "accuracy.csv");
  else
    fs::remove(acc_tmp);
  fs::rename(time_tmp, out_dir / ("timing_" + o.device + ".csv"));
  spdlog::info("bench dlt: results in {}; plot with scripts/plot_dlt_bench.py {}",
               out_dir.string(),
               out_dir.string());
}

}  // namespace

void add_bench_dlt_command(CLI::App& bench) {
  auto options = std::make_shared<BenchDltOptions>();
  CLI::App* cmd =
      bench.add_subcommand("dlt", "DLT triangulation: accuracy vs 2D noise, time vs batch size");
  cmd->add_option("--device", options->device, "cpu or cuda")->capture_default_str();
  cmd->add_option("--out",
                  options->out_dir,
                  "output directory for the CSV files (default: a new runs/bench_dlt/<time>/)")
      ->capture_default_str();
  cmd->add_option("--threads", options->threads, "intra-op threads (1 compares per core)")
      ->capture_default_str()
      ->check(CLI::Range(1, kMaxThreads));
  cmd->add_option(
         "--max-points", options->max_points, "largest batch, in points (powers of ten from 100)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{100}, int64_t{100000000}));
  cmd->add_option(
         "--svd-max-points", options->svd_max_points, "largest batch timed for the SVD methods")
      ->capture_default_str();
  cmd->add_option("--views", options->views, "views per point for timing")
      ->capture_default_str()
      ->check(CLI::Range(2, 32));
  cmd->add_option(
         "--min-seconds", options->min_seconds, "time spent per measurement (median reported)")
      ->capture_default_str();
  cmd->add_option("--seed", options->seed, "random seed")->capture_default_str();
  cmd->callback([options] { run_bench_dlt(*options); });
}

}  // namespace mvpose3d::tools
