// `mvpose3d bench model`: parameters, size, latency at batch 1 and throughput per multi-view frame
// of every network variant and backbone, on the CPU and (when present) CUDA, in float32 and reduced
// precision, optionally with BatchNorm folded into the convolutions. Results: a CSV per device in
// --out and a table in the log (docs/models.md).
#include "tools/bench/bench_model.h"

#include "mvpose3d/config/run_config.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/limits.h"
#include "mvpose3d/geometry/camera.h"
#include "mvpose3d/models/pose_net.h"
#include "mvpose3d/models/precision.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <spdlog/spdlog.h>
#include <torch/cuda.h>

#include "tools/bench/bench_timing.h"

namespace mvpose3d::tools {

namespace {

namespace fs = std::filesystem;

struct BenchModelOptions {
  std::string device = "cpu";
  std::string out_dir = "runs/bench/model";
  std::string config_file;             // base config (its `model` section), "" = defaults
  std::vector<std::string> overrides;  // --set model.x=v
  std::vector<std::string> backbones{"resnet18", "resnet34", "resnet50", "resnet101", "resnet152"};
  std::vector<std::string> variants{
      "baseline", "fusion", "canonical", "canonical_mean", "canonical_equivariant"};
  std::vector<std::string> dtypes{"float32"};  // float32, float16, bfloat16
  std::string fold_batchnorm = "off";          // off, on, both (side by side)
  std::vector<int64_t> batches{1, 8};          // frames per call (each of `views` images)
  int views = 4;
  int joints = 17;
  int size = 256;
  int threads = 0;  // 0 = library default
  double min_seconds = 1.0;
  uint64_t seed = 0;
};

std::vector<std::string> known_variants() {
  return {"baseline",
          "fusion",
          "canonical",
          "canonical_rotation",
          "canonical_mean",
          "canonical_equivariant",
          "canonical_equivariant_shortcut",
          "baseline_light_decoder",
          "canonical_light_decoder"};
}

// The decoder head of configs/_base_/remelli_resnet152_light.yaml: 1×1 to 256 channels, then 3×3
// transposed convolutions (channels from the base config).
void use_light_decoder(ModelConfig& c) {
  c.decoder_reduce_channels = 256;
  c.deconv_kernel = 3;
}

// The paper's variants and ours as changes to the base model config.
ModelConfig variant_config(ModelConfig c, const std::string& variant, const std::string& backbone) {
  c.backbone = parse_enum<Backbone>(backbone, "backbone");
  c.pretrained.clear();
  if (variant == "baseline") {
    c.fusion = FusionMode::kNone;
  } else if (variant == "fusion") {
    c.fusion = FusionMode::kFusion;
  } else if (variant == "canonical") {
    c.fusion = FusionMode::kCanonical;
  } else if (variant == "canonical_rotation") {
    c.fusion = FusionMode::kCanonical;
    c.ftl_mode = FtlMode::kRotation;
    c.fused_channels = 3 * (c.fused_channels / 4);
  } else if (variant == "canonical_mean") {
    c.fusion = FusionMode::kCanonical;
    c.canonical_pooling = CanonicalPooling::kMean;
  } else if (variant == "canonical_equivariant") {
    c.fusion = FusionMode::kCanonical;
    c.canonical_pooling = CanonicalPooling::kMean;
    c.equivariant = true;
  } else if (variant == "canonical_equivariant_shortcut") {
    c.fusion = FusionMode::kCanonical;
    c.canonical_pooling = CanonicalPooling::kMean;
    c.equivariant = true;
    c.view_shortcut = true;
  } else if (variant == "baseline_light_decoder") {
    c.fusion = FusionMode::kNone;
    use_light_decoder(c);
  } else if (variant == "canonical_light_decoder") {
    c.fusion = FusionMode::kCanonical;
    use_light_decoder(c);
  } else {
    throw UsageError(fmt::format(
        "unknown variant '{}' (known: {})", variant, fmt::join(known_variants(), ", ")));
  }
  return c;
}

at::ScalarType dtype_from_string(const std::string& name) {
  return models::network_dtype(name, "--dtypes");
}

// A ring of cameras looking at a subject at the origin, calibrated for size × size crops.
std::vector<Camera> bench_cameras(int views, int size) {
  Intrinsics intr;
  intr.fx = intr.fy = 2.0 * size;
  intr.cx = intr.cy = (size - 1) / 2.0;
  intr.width = intr.height = size;
  std::vector<Camera> cams;
  for (int v = 0; v < views; ++v) {
    const double a = 2 * M_PI * (v + 0.25) / views;
    cams.push_back(
        Camera::look_at(intr, {4500 * std::cos(a), 4500 * std::sin(a), 1500}, {0, 0, 900}));
  }
  return cams;
}

// What identifies one network in the results.
struct NetworkLabel {
  std::string backbone, variant, batchnorm;
};

// Median seconds per forward call of `net` on `batch` frames of random images, in inference mode.
double time_forward(models::MultiViewPoseNet& net,
                    const BenchModelOptions& o,
                    const std::vector<Camera>& cams,
                    const at::Device& device,
                    at::ScalarType dtype,
                    int64_t batch) {
  const auto images = at::randn({batch, o.views, 3, o.size, o.size},  // [B, V, 3, S, S]
                                at::TensorOptions().device(device).dtype(dtype));
  const auto cameras = CameraBatch::from_cameras(cams, batch).to(device);
  c10::InferenceMode guard;
  return median_seconds(
      device,
      o.min_seconds,
      [&] {
        const auto out = net->forward(images, cameras);
        (void)out;
      },
      /*warmups=*/2,
      /*max_runs=*/50);
}

// Times `net` in every dtype and batch size of `o`: a CSV row and a log line each. A dtype the
// device cannot run is reported as "unsupported", and the others go on.
void bench_network(models::MultiViewPoseNet& net,
                   const NetworkLabel& label,
                   const BenchModelOptions& o,
                   const std::vector<Camera>& cams,
                   const at::Device& device,
                   std::ostringstream& csv) {
  const auto size = models::model_size(*net);
  for (const auto& dtype_name : o.dtypes) {
    const auto dtype = dtype_from_string(dtype_name);
    const int64_t bytes = dtype == at::kFloat ? 4 : 2;
    net->to(device, dtype);
    for (int64_t batch : o.batches) {
      std::string status = "ok";
      double seconds = std::nan("");
      try {
        seconds = time_forward(net, o, cams, device, dtype, batch);
      } catch (const std::exception& e) {
        status = "unsupported";
        spdlog::warn("bench model: {} {} {} batch {}: {}",
                     label.backbone,
                     label.variant,
                     dtype_name,
                     batch,
                     std::string(e.what()).substr(0, 200));
      }
      const double ms_frame = 1e3 * seconds / static_cast<double>(batch);
      csv << fmt::format("{},{},{},{},{},{},{},{},{},{},{:.2f},{:.2f},{},{:.3f},{:.3f},{:.2f},{}\n",
                         device.str(),
                         at::get_num_threads(),
                         label.backbone,
                         label.variant,
                         label.batchnorm,
                         dtype_name,
                         o.views,
                         o.joints,
                         o.size,
                         size.parameters,
                         size.megabytes(4),
                         size.megabytes(bytes),
                         batch,
                         1e3 * seconds,
                         ms_frame,
                         1e3 / ms_frame,
                         status);
      spdlog::info("{:<10} {:<30} {:<7} {:<9} {:>9.2f} {:>9.1f} {:>6} {:>11.2f} {:>10.1f}",
                   label.backbone,
                   label.variant,
                   label.batchnorm,
                   dtype_name,
                   size.parameters / 1e6,
                   size.megabytes(4),
                   batch,
                   ms_frame,
                   1e3 / ms_frame);
    }
  }
}

void run_bench_model(const BenchModelOptions& o) {
  MVPOSE3D_CHECK(
      o.device == "cpu" || o.device == "cuda", "--device must be cpu or cuda, got '{}'", o.device);
  if (o.device == "cuda" && !torch::cuda::is_available()) {
    throw Error("--device cuda: no CUDA device is available (or this build has no CUDA)");
  }
  if (o.threads > 0) at::set_num_threads(o.threads);
  const at::Device device(o.device == "cuda" ? at::kCUDA : at::kCPU);
  if (device.is_cuda()) at::globalContext().setBenchmarkCuDNN(true);
  for (const auto& v : o.variants) (void)variant_config({}, v, "resnet18");  // fail early
  for (const auto& d : o.dtypes) (void)dtype_from_string(d);
  std::vector<bool> fold_states;  // per variant, in this order
  if (o.fold_batchnorm == "off" || o.fold_batchnorm == "both") fold_states.push_back(false);
  if (o.fold_batchnorm == "on" || o.fold_batchnorm == "both") fold_states.push_back(true);

  std::vector<std::string> overrides;
  for (const auto& s : o.overrides) overrides.push_back(s);
  const RunConfig base = load_config(o.config_file, overrides);

  const fs::path out_dir(o.out_dir);
  fs::create_directories(out_dir);
  std::ostringstream csv;
  csv << "device,threads,backbone,variant,batchnorm,dtype,views,joints,size,params,weights_mb_fp32,"
         "weights_mb_dtype,batch_frames,ms_per_call,ms_per_frame,frames_per_s,status\n";
  spdlog::info("bench model: {} ({} threads), {} views of {}x{} px, {} joints",
               device.str(),
               at::get_num_threads(),
               o.views,
               o.size,
               o.size,
               o.joints);
  spdlog::info("{:<10} {:<30} {:<7} {:<9} {:>9} {:>9} {:>6} {:>11} {:>10}",
               "backbone",
               "variant",
               "BN",
               "dtype",
               "params(M)",
               "MB(fp32)",
               "batch",
               "ms/frame",
               "frames/s");
  const auto cams = bench_cameras(o.views, o.size);
  for (const auto& backbone : o.backbones) {
    for (const auto& variant : o.variants) {
      for (const bool folded : fold_states) {
        torch::manual_seed(o.seed);
        auto net =
            models::make_model(variant_config(base.model, variant, backbone), o.joints, o.views);
        net->eval();
        if (folded) {  // in float32 on the CPU, before the conversion
          spdlog::info(
              "{} {}: {} BatchNorm layers folded", backbone, variant, net->fold_batchnorm());
        }
        bench_network(net, {backbone, variant, folded ? "folded" : "kept"}, o, cams, device, csv);
      }
    }
  }
  const fs::path file = out_dir / ("model_" + o.device + ".csv");
  write_file_atomic(file, csv.str());
  spdlog::info("bench model: results in {}", file.string());
}

}  // namespace

void add_bench_model_command(CLI::App& bench) {
  auto o = std::make_shared<BenchModelOptions>();
  CLI::App* cmd = bench.add_subcommand(
      "model", "Networks: parameters, MB, latency at batch 1 and throughput per multi-view frame");
  cmd->add_option("--device", o->device, "cpu or cuda")->capture_default_str();
  cmd->add_option("--out", o->out_dir, "output directory for model_<device>.csv")
      ->capture_default_str();
  cmd->add_option("--config", o->config_file, "config whose model section is the base");
  cmd->add_option("--set", o->overrides, "override a config key, e.g. model.deconv_kernel=3");
  cmd->add_option("--backbones", o->backbones, "resnet18 ... resnet152")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--variants",
                  o->variants,
                  fmt::format("variants to time (known: {})", fmt::join(known_variants(), ", ")))
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--dtypes", o->dtypes, "float32, float16, bfloat16")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--fold-batchnorm",
                  o->fold_batchnorm,
                  "BatchNorm folded into the convolutions for inference: off, on, or both (each "
                  "variant timed with and without, side by side)")
      ->capture_default_str()
      ->check(CLI::IsMember({"off", "on", "both"}));
  cmd->add_option("--batches", o->batches, "frames per forward call (batch 1 = latency)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--views", o->views, "views per frame")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("--joints", o->joints, "joints")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_option("--size", o->size, "square crop side, px")
      ->capture_default_str()
      ->check(CLI::Range(32, 1024));
  cmd->add_option("--threads", o->threads, "CPU intra-op threads (0 = library default)")
      ->capture_default_str()
      ->check(CLI::Range(0, kMaxThreads));
  cmd->add_option("--min-seconds", o->min_seconds, "time per measurement (median reported)")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "random seed")->capture_default_str();
  cmd->callback([o] { run_bench_model(*o); });
}

}  // namespace mvpose3d::tools
