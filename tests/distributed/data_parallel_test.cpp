// Jobs of two processes on Gloo over the loopback interface, forked by the test (each test runs
// in a process of its own that has not touched LibTorch's thread pools before it forks): a job of
// two processes against one process with the same global batch, exact resume, the faults.
#include "mvpose3d/distributed/data_parallel.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/tensor_npy.h"
#include "mvpose3d/distributed/process_group.h"
#include "mvpose3d/eval/run_evaluation.h"
#include "mvpose3d/run/run_dir.h"
#include "mvpose3d/train/checkpoint.h"
#include "mvpose3d/train/hooks.h"
#include "mvpose3d/train/run.h"
#include "mvpose3d/train/sweep.h"
#include "mvpose3d/train/trainer.h"

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <functional>
#include <map>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/sgd.h>

#include "train/train_test_util.h"

namespace mvpose3d::distributed {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// A port nobody listens on now (the kernel's choice for port 0).
int free_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(s, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(s);
  return ntohs(address.sin_port);
}

LaunchEnvironment rank_of(int rank, int world_size, int port) {
  LaunchEnvironment env;
  env.rank = rank;
  env.world_size = world_size;
  env.master_addr = "127.0.0.1";
  env.master_port = port;
  env.launcher = "test";
  return env;
}

// Forks one process per rank running body(rank); its stderr goes to <logs>/rank<N>.err. Returns
// the process ids.
std::vector<pid_t> start_ranks(int world_size,
                               const fs::path& logs,
                               const std::function<void(int rank)>& body) {
  fs::create_directories(logs);
  std::vector<pid_t> pids;
  for (int rank = 0; rank < world_size; ++rank) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      std::freopen((logs / fmt::format("rank{}.err", rank)).c_str(), "w", stderr);
      int status = 0;
      try {
        body(rank);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        status = 1;
      }
      std::fflush(stderr);
      std::_Exit(status);
    }
    pids.push_back(pid);
  }
  return pids;
}

// Waits for `pid` at most `limit`; kills it and returns -1 when it is still running then, else
// its exit status (128 + signal when a signal ended it).
int wait_for(pid_t pid, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::vector<int> run_ranks(int world_size,
                           const fs::path& logs,
                           const std::function<void(int rank)>& body) {
  std::vector<int> statuses;
  for (const pid_t pid : start_ranks(world_size, logs, body)) {
    statuses.push_back(wait_for(pid, std::chrono::seconds(300)));
  }
  return statuses;
}

std::string error_of(const fs::path& logs, int rank) {
  const fs::path file = logs / fmt::format("rank{}.err", rank);
  return fs::exists(file) ? read_text_file(file) : "";
}

// The tiny network of the trainer tests on a global batch of 4, evaluated at the end on two
// batches of 4 (so that both ranks compute one), checkpointed every step.
RunConfig job_config(bool sync_batchnorm) {
  RunConfig c = testing::tiny_run_config();
  c.train.steps = 5;
  c.train.batch_size = 4;
  c.train.checkpoint_every = 1;
  c.train.distributed.sync_batchnorm = sync_batchnorm;
  c.train.distributed.timeout_s = 60;
  c.data.synthetic.test_samples = 8;
  c.eval.samples = 8;
  c.eval.camera_sets = {"seen", "permuted"};
  return c;
}

// Trains `config` in `dir` as one rank of a job (world_size 1: in this process, no c10d).
void train_rank(const RunConfig& config,
                const fs::path& dir,
                const LaunchEnvironment& env,
                bool resume = false) {
  const auto job = join_job(env, config.train.distributed);
  if (job->is_main() && !resume) prepare_run_dir(config, dir, {"test"});
  job->share_from_main("run directory", dir.string());
  train::RunOptions options;
  options.job = job;
  options.resume = resume;
  train::run_training(config, dir, options, train::make_run_model(config));
}

models::MultiViewPoseNet load(const RunConfig& config, const fs::path& checkpoint) {
  models::MultiViewPoseNet net = models::make_model(config);
  train::load_training_checkpoint(checkpoint, net, nullptr);
  return net;
}

// ||a - b|| / ||b|| over all parameters (or buffers) of two networks at once, and the tensor of
// the largest difference. Per tensor the ratio means nothing where the gradient is zero
// analytically (the last bias before the soft-argmax, which ignores constant shifts): such a
// tensor holds only the rounding of both runs.
std::pair<double, std::string> relative_difference(const models::MultiViewPoseNet& a,
                                                   const models::MultiViewPoseNet& b,
                                                   bool buffers) {
  const auto pa = buffers ? a->named_buffers() : a->named_parameters();
  const auto pb = buffers ? b->named_buffers() : b->named_parameters();
  double difference = 0, norm = 0, largest = 0;
  std::string where;
  for (const auto& item : pa) {
    const at::Tensor x = item.value().to(at::kDouble), y = pb[item.key()].to(at::kDouble);
    const double d = (x - y).norm().item<double>();
    difference += d * d;
    norm += y.square().sum().item<double>();
    if (d > largest) largest = d, where = item.key();
  }
  return {std::sqrt(difference / std::max(norm, 1e-24)),
          fmt::format("largest difference {} in {}", largest, where)};
}

TEST(DataParallel, ModelWithoutBatchNormMatchesOneProcessOnTheGlobalBatch) {
  TempDir tmp;
  const int port = free_port();
  // Five SGD steps of a two-layer perceptron on a global batch of 8; each rank takes its half.
  const auto train = [](DistributedContext& job, int rank, int world_size) {
    at::manual_seed(1);
    torch::nn::Sequential net(
        torch::nn::Linear(6, 16), torch::nn::Tanh(), torch::nn::Linear(16, 3));
    const at::Tensor inputs = at::randn({5, 8, 6}), targets = at::randn({5, 8, 3});
    if (rank > 0) {  // another initialisation: DataParallel must bring rank 0's
      at::NoGradGuard no_grad;
      for (auto& p : net->parameters()) p.uniform_();
    }
    const auto parallel = make_data_parallel(
        std::shared_ptr<DistributedContext>(&job, [](DistributedContext*) {}), *net, {});
    torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
    const int64_t share = 8 / world_size;
    for (int step = 0; step < 5; ++step) {
      sgd.zero_grad();
      if (parallel) parallel->before_forward();
      const at::Tensor x = inputs[step].narrow(0, rank * share, share);
      const at::Tensor y = targets[step].narrow(0, rank * share, share);
      const at::Tensor loss = (net->forward(x) - y).square().mean();
      parallel ? parallel->backward(loss, fmt::format("step {}", step)) : loss.backward();
      sgd.step();
    }
    return at::cat({net->parameters()[0].flatten(),
                    net->parameters()[1].flatten(),
                    net->parameters()[2].flatten(),
                    net->parameters()[3].flatten()});
  };
  const auto statuses = run_ranks(2, tmp / "logs", [&](int rank) {
    const auto job = join_job(rank_of(rank, 2, port), DistributedConfig{});
    const at::Tensor weights = train(*job, rank, 2);
    if (rank == 0) save_npy_tensor(tmp / "two.npy", weights);
  });
  ASSERT_EQ(statuses, (std::vector<int>{0, 0}))
      << error_of(tmp / "logs", 0) << error_of(tmp / "logs", 1);
  const auto one = single_process_context(at::kCPU);
  const at::Tensor expected = train(*one, 0, 1);
  const at::Tensor two = load_npy_tensor(tmp / "two.npy");
  EXPECT_LE((two - expected).abs().max().item<double>(),
            1e-6 * expected.abs().max().item<double>());
}

TEST(DataParallel, EvaluationOfTwoProcessesEqualsOneProcessEvaluatingTheCheckpoint) {
  TempDir tmp;
  const int port = free_port();
  const RunConfig config = job_config(/*sync_batchnorm=*/false);
  const auto statuses = run_ranks(
      2, tmp / "logs", [&](int rank) { train_rank(config, tmp / "two", rank_of(rank, 2, port)); });
  ASSERT_EQ(statuses, (std::vector<int>{0, 0}))
      << error_of(tmp / "logs", 0) << error_of(tmp / "logs", 1);
  // Rank 0 alone wrote the run's files; rank 1 its log.
  EXPECT_TRUE(fs::exists(tmp / "two" / "rank1.log"));
  EXPECT_NE(read_text_file(tmp / "two" / "env.txt").find("world_size: 2"), std::string::npos);

  models::MultiViewPoseNet net = load(config, tmp / "two" / "checkpoints" / "last.pt");
  const auto summary = eval::evaluate_model(
      net, config, at::kCPU, eval::make_eval_datasets(config), /*keep_predictions=*/false);
  summary.write(tmp / "one", "results");
  EXPECT_EQ(read_text_file(tmp / "two" / "results.csv"),
            read_text_file(tmp / "one" / "results.csv"));
  EXPECT_EQ(read_text_file(tmp / "two" / "results.md"), read_text_file(tmp / "one" / "results.md"));
}

TEST(DataParallel, SyncBatchNormJobOfTwoEqualsOneProcessOnTheGlobalBatch) {
  TempDir tmp;
  const int port = free_port();
  RunConfig config = job_config(/*sync_batchnorm=*/true);
  // SGD: Adam's first updates are about lr·sign(gradient), which turns the rounding of gradients
  // near zero (another summation order on two processes) into whole steps of lr. Measured with
  // Adam (lr 1e-3): after 1 step the parameters differ by 4.4e-5 relative (7.9e-6 without the
  // final bias, whose gradient is zero analytically) and the tables, PA-MPJPE included, are
  // identical; after 5 steps by 3.7e-3, the losses by 5.6e-5 and PA-MPJPE by 0.26 mm. One process
  // with 2 threads instead of 1 (only the summation order changes) drifts as far (losses 2.3e-4
  // and PA-MPJPE 1.6 mm apart after 5 Adam steps; docs/training.md): it is Adam's, in float32.
  config.train.optimizer.type = OptimizerType::kSgd;
  config.train.optimizer.lr = 0.01;
  // PA-MPJPE is ill-conditioned for the nearly collapsed poses of a network trained 5 steps
  // (weights 1e-6 apart move it by up to 0.7 mm); MPJPE and root-relative MPJPE are not.
  config.eval.procrustes = false;
  const auto statuses = run_ranks(
      2, tmp / "logs", [&](int rank) { train_rank(config, tmp / "two", rank_of(rank, 2, port)); });
  ASSERT_EQ(statuses, (std::vector<int>{0, 0}))
      << error_of(tmp / "logs", 0) << error_of(tmp / "logs", 1);
  train_rank(config, tmp / "one", rank_of(0, 1, 0));  // one process, no c10d

  const auto two = load(config, tmp / "two" / "checkpoints" / "last.pt");
  const auto one = load(config, tmp / "one" / "checkpoints" / "last.pt");
  const auto parameters = relative_difference(two, one, /*buffers=*/false);
  EXPECT_LE(parameters.first, 1e-5) << parameters.second;
  const auto buffers = relative_difference(two, one, /*buffers=*/true);
  EXPECT_LE(buffers.first, 1e-5) << buffers.second;
  EXPECT_EQ(read_text_file(tmp / "two" / "results.md"), read_text_file(tmp / "one" / "results.md"));
}

// The metrics.jsonl lines of training steps, by step.
std::map<std::string, std::string> train_lines(const fs::path& file) {
  std::map<std::string, std::string> lines;
  std::istringstream in(read_text_file(file));
  for (std::string line; std::getline(in, line);) {
    if (line.find("\"kind\": \"train\"") == std::string::npos) continue;
    const auto loss = line.find("\"loss\"");
    lines[line.substr(0, line.find(','))] =
        line.substr(loss, line.find(", \"samples_per_s") - loss);
  }
  return lines;
}

TEST(DataParallel, ResumeUnderTwoProcessesContinuesExactly) {
  TempDir tmp;
  RunConfig config = job_config(/*sync_batchnorm=*/false);
  config.train.steps = 6;
  config.eval.camera_sets = {"seen"};
  RunConfig first_half = config;
  first_half.train.steps = 3;
  const auto job = [&](const RunConfig& c, const std::string& run, bool resume) {
    const int port = free_port();
    return run_ranks(2, tmp / ("logs_" + run), [&](int rank) {
      train_rank(c, tmp / run, rank_of(rank, 2, port), resume);
    });
  };
  const std::vector<int> ok{0, 0};
  ASSERT_EQ(job(config, "whole", false), ok) << error_of(tmp / "logs_whole", 0);
  ASSERT_EQ(job(first_half, "halves", false), ok) << error_of(tmp / "logs_halves", 0);
  ASSERT_EQ(job(config, "halves", true), ok) << error_of(tmp / "logs_halves", 0);

  // Every step's losses and the final weights are those of the uninterrupted run.
  const auto whole = train_lines(tmp / "whole" / "metrics.jsonl");
  EXPECT_EQ(whole.size(), 6u);
  EXPECT_EQ(train_lines(tmp / "halves" / "metrics.jsonl"), whole);
  const auto a = load(config, tmp / "whole" / "checkpoints" / "last.pt");
  const auto b = load(config, tmp / "halves" / "checkpoints" / "last.pt");
  EXPECT_EQ(relative_difference(a, b, false).first, 0.0);
}

// Starts a long job of two processes; once rank 1 has logged step 2, does `fault` to it. Returns
// rank 0's exit status (-1: still running after the timeout and a minute) and its error.
std::pair<int, std::string> fault_in_rank_1(const TempDir& tmp, int signal) {
  RunConfig config = job_config(/*sync_batchnorm=*/false);
  config.train.steps = 100000;
  config.train.checkpoint_every = 0;
  config.train.distributed.timeout_s = 10;
  const int port = free_port();
  const fs::path run = tmp / "run";
  const auto pids = start_ranks(
      2, tmp / "logs", [&](int rank) { train_rank(config, run, rank_of(rank, 2, port)); });
  const auto started = std::chrono::steady_clock::now();
  while (!(fs::exists(run / "rank1.log") &&
           read_text_file(run / "rank1.log").find("step 2/") != std::string::npos) &&
         std::chrono::steady_clock::now() - started < std::chrono::seconds(120)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pids[1], signal);
  const int status =
      wait_for(pids[0], std::chrono::seconds(config.train.distributed.timeout_s + 60));
  ::kill(pids[1], SIGKILL);
  wait_for(pids[1], std::chrono::seconds(10));
  return {status, error_of(tmp / "logs", 0)};
}

TEST(DataParallel, AKilledRankEndsTheOthersWithAnErrorNamingIt) {
  TempDir tmp;
  const auto [status, error] = fault_in_rank_1(tmp, SIGKILL);
  EXPECT_EQ(status, 1) << error;
  EXPECT_NE(error.find("rank 0 (step"), std::string::npos) << error;
  EXPECT_NE(error.find("rank 1 was last at step"), std::string::npos) << error;
  // A failed job saves nothing at its end (checkpoints only come whole from completed steps).
  EXPECT_FALSE(fs::exists(tmp / "run" / "checkpoints" / "last.pt"));
}

TEST(DataParallel, AHangingRankEndsTheOthersWithinTheTimeout) {
  TempDir tmp;
  const auto [status, error] = fault_in_rank_1(tmp, SIGSTOP);
  EXPECT_EQ(status, 1) << error;
  EXPECT_NE(error.find("rank 1 was last at step"), std::string::npos) << error;
}

TEST(DataParallel, AWorldSizeMismatchIsReported) {
  TempDir tmp;
  const int port = free_port();
  DistributedConfig config;
  config.timeout_s = 20;
  const auto statuses = run_ranks(
      2, tmp / "logs", [&](int rank) { join_job(rank_of(rank, rank == 0 ? 2 : 3, port), config); });
  EXPECT_EQ(statuses[0], 1);
  EXPECT_EQ(statuses[1], 1);
  EXPECT_NE(
      error_of(tmp / "logs", 0).find("world-size mismatch: rank 1 was started with WORLD_SIZE 3"),
      std::string::npos)
      << error_of(tmp / "logs", 0);
}

TEST(DataParallel, ATakenPortIsOneClearLine) {
  const int port = free_port();
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  address.sin_port = htons(static_cast<uint16_t>(port));
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(s, 1), 0);
  DistributedConfig config;
  config.timeout_s = 5;
  try {
    join_job(rank_of(0, 2, port), config);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fmt::format("cannot host the store on port {}", port)),
              std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
  ::close(s);
}

TEST(DataParallel, AnUnreachableMasterIsOneClearLine) {
  DistributedConfig config;
  config.timeout_s = 2;
  const int port = free_port();
  try {
    join_job(rank_of(1, 2, port), config);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(
        std::string(e.what()).find(fmt::format("cannot reach the master at 127.0.0.1:{}", port)),
        std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
}

// A sweep of three runs for a job of two processes, the second of which cannot start, with its
// runs under <dir>/runs.
train::SweepSpec three_run_sweep(const fs::path& dir) {
  RunConfig config = job_config(/*sync_batchnorm=*/false);
  config.train.steps = 1;
  config.train.checkpoint_every = 0;
  config.eval.camera_sets = {"seen"};
  config.output_root = (dir / "runs").string();
  return train::load_sweep(testing::write_sweep_with_a_broken_run(dir, config));
}

TEST(DataParallel, ASweepJobReportsARunThatCannotStartOnEveryRankAndGoesOn) {
  TempDir tmp;
  const train::SweepSpec spec = three_run_sweep(tmp.path());
  const int port = free_port();
  const auto statuses = run_ranks(2, tmp / "logs", [&](int rank) {
    train::SweepOptions options;
    options.launch = rank_of(rank, 2, port);
    const train::SweepResult result = train::run_sweep(spec, options);
    std::string line = result.has_table ? "table" : "no table";
    for (const auto& run : result.runs) line += ", " + run.name + ": " + run.status;
    write_file_atomic(tmp / fmt::format("rank{}.txt", rank), line);
  });
  ASSERT_EQ(statuses, (std::vector<int>{0, 0}))
      << error_of(tmp / "logs", 0) << error_of(tmp / "logs", 1);
  EXPECT_EQ(read_text_file(tmp / "rank0.txt"),
            "table, baseline: trained, broken: failed, fusion: trained");
  EXPECT_EQ(read_text_file(tmp / "rank1.txt"),
            "no table, baseline: trained, broken: failed, fusion: trained");
  for (const char* run : {"baseline", "fusion"}) {
    EXPECT_TRUE(fs::exists(tmp / "runs" / "tiny" / run / "rank1.log")) << run;
    EXPECT_NE(read_text_file(tmp / "runs" / "tiny" / run / "env.txt").find("world_size: 2"),
              std::string::npos)
        << run;
  }
  const std::string table = read_text_file(tmp / "runs" / "tiny" / "sweep_results.md");
  EXPECT_NE(table.find("| broken "), std::string::npos) << table;
  EXPECT_NE(table.find("failed"), std::string::npos) << table;
}

TEST(DataParallel, ASweepRankGivenOtherRunsThanRankZeroIsRefused) {
  TempDir tmp;
  train::SweepSpec spec = three_run_sweep(tmp.path());
  const int port = free_port();
  const auto statuses = run_ranks(2, tmp / "logs", [&](int rank) {
    train::SweepOptions options;
    options.launch = rank_of(rank, 2, port);
    options.extra_overrides = {"train.distributed.timeout_s=10"};
    options.worker_count = 2;
    options.worker_index = rank;  // a mistake: each rank of the job a worker of its own
    train::run_sweep(spec, options);
  });
  EXPECT_EQ(statuses, (std::vector<int>{1, 1}));
  EXPECT_NE(
      error_of(tmp / "logs", 1)
          .find("rank 1 would train the runs [broken], rank 0 the runs [baseline, fusion]: give "
                "every process of the job the same"),
      std::string::npos)
      << error_of(tmp / "logs", 1);
  // Rank 0 ends too, naming the cause.
  EXPECT_NE(error_of(tmp / "logs", 0).find("rank 1 failed: sweep tiny: rank 1 would train"),
            std::string::npos)
      << error_of(tmp / "logs", 0);
}

}  // namespace
}  // namespace mvpose3d::distributed
