// `mvpose3d bench train`: steps/s and samples/s of real training steps (Trainer::run_step: forward,
// losses, backward, gradient norm, optimiser step) for a config, with the batches coming from the
// config's dataset through the threaded loader (as `mvpose3d train` gets them) and, separately,
// from batches preloaded in memory (the network's own speed). --export writes the initial weights,
// the preloaded batches and the step's settings for scripts/bench_train_pytorch.py, the same
// network in PyTorch from Python, which is timed on the same inputs (docs/benchmarks.md).
#include "tools/bench/bench_train.h"

#include "mvpose3d/config/run_config.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/json.h"
#include "mvpose3d/data/dataset_factory.h"
#include "mvpose3d/data/loader.h"
#include "mvpose3d/distributed/launch_environment.h"
#include "mvpose3d/distributed/process_group.h"
#include "mvpose3d/models/state_dict.h"
#include "mvpose3d/train/losses.h"
#include "mvpose3d/train/optimizer_factory.h"
#include "mvpose3d/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <spdlog/spdlog.h>
#include <torch/csrc/autograd/profiler_kineto.h>
#include <torch/serialize.h>
#include <torch/version.h>

#include "tools/bench/bench_timing.h"

namespace mvpose3d::tools {

namespace {

namespace fs = std::filesystem;

struct BenchTrainOptions {
  std::string config_file;             // "" = the defaults
  std::vector<std::string> overrides;  // --set
  std::string data = "both";           // synthetic, preloaded, both
  int steps = 20;                      // timed steps per data source
  int warmup = 3;                      // untimed steps first
  int preload_batches = 4;             // distinct batches cycled through by the preloaded run
  int threads = -1;                    // -1 = the config's `threads`
  std::int64_t schedule_step = -1;     // -1 = the first step with every loss term
  std::string out_dir = "runs/bench/train";
  std::string json_file;     // "" = none
  std::string export_dir;    // "" = none
  std::string profile_file;  // "" = none: a Chrome trace of the preloaded run's timed steps
};

// Where this process stands in a job: a job of one process, or the torchrun/SLURM job it was
// launched in (distributed/process_group.h), joined once here; the trainers share it.
struct BenchWorld {
  std::shared_ptr<distributed::DistributedContext> job;
  int rank() const { return job->rank(); }
  int world_size() const { return job->world_size(); }
};

BenchWorld join_bench_world(const RunConfig& config) {
  return BenchWorld{
      distributed::join_job(distributed::read_launch_environment(), config.train.distributed)};
}

// The training stream's loader, this rank's share of every global batch.
LoaderOptions bench_loader_options(const RunConfig& config, const BenchWorld& world) {
  LoaderOptions lo = train::training_loader_options(config);
  lo.shard = world.rank();
  lo.shards = world.world_size();
  return lo;
}

// CPU time of this process so far: on a shared machine, where other jobs take turns on the cores,
// a steadier measure of the work a step costs than its wall time.
double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

struct TimedRun {
  std::string data;
  int steps = 0;
  double seconds = 0;          // wall time of the timed steps
  double cpu_seconds = 0;      // CPU time of this process (all its threads) in them
  double median_step_s = 0;    // median wall time of one step
  std::vector<double> losses;  // total loss of every step, warm-up included
};

// A trainer of a fresh model (the config's seed, as `mvpose3d train` starts), whose steps all use
// the learning rate and the losses of `schedule_step`.
std::unique_ptr<train::Trainer> make_bench_trainer(const RunConfig& config,
                                                   const fs::path& run_dir,
                                                   const BenchWorld& world) {
  train::TrainerOptions options;
  options.run_dir = run_dir;
  options.job = world.job;
  return std::make_unique<train::Trainer>(config, train::make_run_model(config), options);
}

// `warmup` + `steps` steps of `trainer` on the batches `next_batch` gives; only the last `steps`
// are timed.
TimedRun time_steps(train::Trainer& trainer,
                    const BenchTrainOptions& o,
                    std::int64_t schedule_step,
                    const std::function<MultiviewBatch()>& next_batch) {
  TimedRun run;
  run.steps = o.steps;
  std::vector<double> step_seconds;
  const auto device = trainer.device();
  for (int i = 0; i < o.warmup + o.steps; ++i) {
    if (i == o.warmup) run.cpu_seconds = -process_cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    trainer.progress().step = schedule_step;
    const train::StepResult result = trainer.run_step(next_batch());
    synchronize(device);
    const double dt =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    run.losses.push_back(result.total_loss);
    if (i >= o.warmup) step_seconds.push_back(dt);
  }
  run.cpu_seconds += process_cpu_seconds();
  for (double s : step_seconds) run.seconds += s;
  std::sort(step_seconds.begin(), step_seconds.end());
  run.median_step_s = step_seconds.empty() ? 0.0 : step_seconds[step_seconds.size() / 2];
  return run;
}

// PyTorch's profiler (CPU operators) while alive; the trace goes to `file` (Chrome's format, as
// torch.profiler's export_chrome_trace writes it), or nothing happens when `file` is empty.
class ProfileScope {
 public:
  explicit ProfileScope(std::string file) : file_(std::move(file)) {
    if (file_.empty()) return;
    namespace prof = torch::profiler::impl;
    const prof::ProfilerConfig config(prof::ProfilerState::KINETO);
    const std::set<prof::ActivityType> activities{prof::ActivityType::CPU};
    torch::autograd::profiler::prepareProfiler(config, activities);
    torch::autograd::profiler::enableProfiler(config, activities);
  }
  ~ProfileScope() {
    if (file_.empty()) return;
    torch::autograd::profiler::disableProfiler()->save(file_);
    spdlog::info("bench train: profile of the preloaded steps in {}", file_);
  }
  ProfileScope(const ProfileScope&) = delete;
  ProfileScope& operator=(const ProfileScope&) = delete;

 private:
  std::string file_;
};

// The first `n` batches of the training stream (this rank's share), in the trainer's order, on
// `device`.
std::vector<MultiviewBatch> preload_batches(const RunConfig& config,
                                            const BenchWorld& world,
                                            int n,
                                            const at::Device& device) {
  LoaderOptions lo = bench_loader_options(config, world);
  lo.workers = 0;
  MultiviewLoader loader(make_dataset(config.data, config.seed, "train"), lo);
  std::vector<MultiviewBatch> batches;
  for (int i = 0; i < n; ++i) batches.push_back(loader.next()->to(device));
  return batches;
}

void write_pickle(const fs::path& file, const c10::IValue& value) {
  const std::vector<char> bytes = torch::pickle_save(value);
  write_file_atomic(file, std::string(bytes.begin(), bytes.end()));
}

// For scripts/bench_train_pytorch.py: weights.pt (the model's state dict), batches.pt (the
// preloaded batches stacked, [N, B, ...]) and twin.json (what the Python side builds and runs).
void export_for_twin(const fs::path& dir,
                     train::Trainer& trainer,
                     const std::vector<MultiviewBatch>& batches,
                     double learning_rate,
                     bool with_3d_loss) {
  fs::create_directories(dir);
  c10::Dict<std::string, at::Tensor> weights;
  for (const auto& [name, tensor] : models::state_dict(*trainer.model())) {
    weights.insert(name, tensor.detach().to(at::kCPU).clone());
  }
  write_pickle(dir / "weights.pt", weights);
  c10::Dict<std::string, at::Tensor> stacked;
  auto stack = [&](const char* name, const std::function<at::Tensor(const MultiviewBatch&)>& get) {
    std::vector<at::Tensor> parts;
    for (const auto& b : batches) parts.push_back(get(b).to(at::kCPU));
    stacked.insert(name, at::stack(parts));
  };
  stack("images", [](const MultiviewBatch& b) { return b.images; });  // [N, B, V, 3, S, S]
  stack("K", [](const MultiviewBatch& b) { return b.K; });            // [N, B, V, 3, 3]
  stack("R", [](const MultiviewBatch& b) { return b.R; });
  stack("t", [](const MultiviewBatch& b) { return b.t; });
  stack("crop_from_original", [](const MultiviewBatch& b) { return b.crop_from_original; });
  stack("joints_2d_px", [](const MultiviewBatch& b) { return b.joints_2d_px; });
  stack("joints_world_mm", [](const MultiviewBatch& b) { return b.joints_world_mm; });
  write_pickle(dir / "batches.pt", stacked);

  const RunConfig& c = trainer.config();
  const ModelConfig& m = c.model;
  const models::PoseNetOptions& net = trainer.model()->options();
  const auto& enc = trainer.model()->encoder->options();
  const std::string json = fmt::format(
      R"({{"architecture": "{}", "fusion": "{}", "block": "{}", "layers": [{}], "width": {}, )"
      R"("stages": {}, "joints": {}, "views": {}, "decoder_reduce_channels": {}, )"
      R"("deconv_layers": {}, "deconv_channels": {}, "deconv_kernel": {}, )"
      R"("softargmax_beta": {}, "triangulation": "{}", "loss_2d": "{}", "weight_2d": {}, )"
      R"("loss_3d": "{}", "weight_3d": {}, "with_3d_loss": {}, "optimizer": "{}", )"
      R"("learning_rate": {}, "momentum": {}, "weight_decay": {}, "grad_clip_norm": {}, )"
      R"("threads": {}, "batch_size": {}}})",
      trainer.model()->architecture(),
      to_string(m.fusion),
      enc.block() == models::ResNetBlock::kBottleneck ? "bottleneck" : "basic",
      fmt::join(enc.layers(), ", "),
      enc.width(),
      enc.stages(),
      net.num_joints,
      net.num_views,
      m.decoder_reduce_channels,
      m.deconv_layers,
      m.deconv_channels,
      m.deconv_kernel,
      m.softargmax_beta,
      to_string(m.triangulation),
      to_string(c.train.loss.loss_2d),
      c.train.loss.weight_2d,
      to_string(c.train.loss.loss_3d),
      c.train.loss.weight_3d,
      with_3d_loss ? "true" : "false",
      to_string(c.train.optimizer.type),
      learning_rate,
      c.train.optimizer.momentum,
      c.train.optimizer.weight_decay,
      c.train.grad_clip_norm,
      at::get_num_threads(),
      c.train.batch_size);
  write_file_atomic(dir / "twin.json", json + "\n");
  spdlog::info(
      "bench train: weights, {} batches and twin.json in {}", batches.size(), dir.string());
}

// train.batch_size is the global batch (of all processes together), so samples/s is steps/s times
// it at any world size; samples per CPU second count this process's share (batch / world size).
JsonObject run_json(const TimedRun& r, int batch_size, int world_size) {
  const double steps_per_s = r.steps / r.seconds;
  JsonObject losses = JsonObject::array();
  for (double loss : r.losses) losses.push_back(json_number(loss));
  return JsonObject{
      {"data", r.data},
      {"steps", r.steps},
      {"seconds", json_number(r.seconds)},
      {"cpu_seconds", json_number(r.cpu_seconds)},
      {"median_step_ms", json_number(1e3 * r.median_step_s)},
      {"steps_per_s", json_number(steps_per_s)},
      {"samples_per_s", json_number(steps_per_s * batch_size)},
      {"samples_per_cpu_s",
       json_number(static_cast<double>(r.steps) * batch_size / world_size / r.cpu_seconds)},
      {"losses", losses}};
}

void run_bench_train(const BenchTrainOptions& o) {
  MVPOSE3D_CHECK(o.data == "synthetic" || o.data == "preloaded" || o.data == "both",
                 "--data must be synthetic, preloaded or both, got '{}'",
                 o.data);
  MVPOSE3D_CHECK(o.steps >= 1 && o.warmup >= 0 && o.preload_batches >= 1,
                 "--steps >= 1, --warmup >= 0 and --preload-batches >= 1 needed");
  RunConfig config = load_config(o.config_file, o.overrides);
  if (o.threads >= 0) config.threads = o.threads;
  const BenchWorld world = join_bench_world(config);
  // Every step trains as step `schedule_step` of a run: by default the first one with the 3D loss
  // through the DLT, so the whole network is timed.
  const std::int64_t schedule_step =
      o.schedule_step >= 0 ? o.schedule_step : config.train.loss.warmup_2d_steps;
  const bool with_3d = train::uses_3d_loss(config.train.loss, schedule_step);
  const double lr = train::learning_rate_at(
      config.train.schedule, config.train.optimizer.lr, schedule_step, config.train.steps);
  const fs::path out_dir(o.out_dir);
  fs::create_directories(out_dir);

  std::vector<TimedRun> runs;
  std::string architecture;
  std::int64_t parameters = 0;
  if (o.data == "synthetic" || o.data == "both") {
    auto trainer = make_bench_trainer(config, out_dir, world);
    MultiviewLoader loader(make_dataset(config.data, config.seed, "train"),
                           bench_loader_options(config, world));
    const auto device = trainer->device();
    TimedRun run =
        time_steps(*trainer, o, schedule_step, [&] { return loader.next()->to(device); });
    run.data = "synthetic";
    runs.push_back(run);
  }
  if (o.data == "preloaded" || o.data == "both") {
    auto trainer = make_bench_trainer(config, out_dir, world);
    const auto batches = preload_batches(config, world, o.preload_batches, trainer->device());
    if (!o.export_dir.empty()) export_for_twin(o.export_dir, *trainer, batches, lr, with_3d);
    std::size_t next = 0;
    auto next_batch = [&] { return batches[next++ % batches.size()]; };
    if (!o.profile_file.empty()) {  // warm up outside the trace
      BenchTrainOptions warmup_only = o;
      warmup_only.steps = 0;
      time_steps(*trainer, warmup_only, schedule_step, next_batch);
    }
    BenchTrainOptions timed = o;
    if (!o.profile_file.empty()) timed.warmup = 0;
    const ProfileScope profile(o.profile_file);
    TimedRun run = time_steps(*trainer, timed, schedule_step, next_batch);
    run.data = "preloaded";
    runs.push_back(run);
    architecture = trainer->model()->architecture();
    parameters = models::model_size(*trainer->model()).parameters;
  }
  if (architecture.empty()) {
    const auto model = models::make_model(config);
    architecture = model->architecture();
    parameters = models::model_size(*model).parameters;
  }

  const int batch = config.train.batch_size;
  spdlog::info(
      "bench train: {} ({:.2f} M parameters), batch {}, {} thread(s), world size {}, "
      "schedule step {} (lr {:.3g}, 3D loss {}), torch {}",
      architecture,
      parameters / 1e6,
      batch,
      at::get_num_threads(),
      world.world_size(),
      schedule_step,
      lr,
      with_3d ? "on" : "off",
      TORCH_VERSION);
  JsonObject run_objects = JsonObject::array();
  for (const auto& r : runs) {
    spdlog::info(
        "bench train: {:<9} {} steps in {:.2f} s: {:.3f} steps/s, {:.2f} samples/s "
        "(median step {:.1f} ms; {:.2f} samples per CPU second)",
        r.data,
        r.steps,
        r.seconds,
        r.steps / r.seconds,
        r.steps / r.seconds * batch,
        1e3 * r.median_step_s,
        static_cast<double>(r.steps) * batch / world.world_size() / r.cpu_seconds);
    run_objects.push_back(run_json(r, batch, world.world_size()));
  }
  if (!o.json_file.empty() && world.rank() == 0) {
    const JsonObject json{{"torch_version", TORCH_VERSION},
                          {"architecture", architecture},
                          {"parameters", parameters},
                          {"batch_size", batch},
                          {"threads", at::get_num_threads()},
                          {"world_size", world.world_size()},
                          {"schedule_step", schedule_step},
                          {"learning_rate", json_number(lr)},
                          {"warmup_steps", o.warmup},
                          {"runs", run_objects}};
    write_file_atomic(o.json_file, json_line(json) + "\n");
    spdlog::info("bench train: results in {}", o.json_file);
  }
}

}  // namespace

void add_bench_train_command(CLI::App& bench) {
  auto o = std::make_shared<BenchTrainOptions>();
  CLI::App* cmd = bench.add_subcommand(
      "train", "Training steps/s and samples/s of a config, data from its dataset and preloaded");
  cmd->add_option("--config", o->config_file, "run config (default: the built-in defaults)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--set", o->overrides, "override a config key, e.g. train.batch_size=4")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--data",
                  o->data,
                  "where batches come from: synthetic (the config's dataset through the loader), "
                  "preloaded (batches held in memory), or both")
      ->capture_default_str()
      ->check(CLI::IsMember({"synthetic", "preloaded", "both"}));
  cmd->add_option("--steps", o->steps, "timed steps per data source")->capture_default_str();
  cmd->add_option("--warmup", o->warmup, "untimed steps before them")->capture_default_str();
  cmd->add_option("--preload-batches", o->preload_batches, "distinct batches held in memory")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "CPU intra-op threads (default: the config's)");
  cmd->add_option("--schedule-step",
                  o->schedule_step,
                  "every step trains as this step of the run (learning rate, losses); default: "
                  "train.loss.warmup_2d_steps, the first step through the DLT");
  cmd->add_option("--out", o->out_dir, "directory the trainer may write to")->capture_default_str();
  cmd->add_option("--json", o->json_file, "write the results as JSON to this file");
  cmd->add_option("--export",
                  o->export_dir,
                  "write the initial weights, the preloaded batches and twin.json here, for "
                  "scripts/bench_train_pytorch.py");
  cmd->add_option("--profile",
                  o->profile_file,
                  "write a Chrome trace (PyTorch's profiler) of the preloaded run's timed steps "
                  "here; compare with the twin's: scripts/bench_train_pytorch.py profile-compare");
  cmd->callback([o] { run_bench_train(*o); });
}

}  // namespace mvpose3d::tools
