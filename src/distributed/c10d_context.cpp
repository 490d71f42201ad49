#include "c10d_context.h"

#include "mvpose3d/config.h"
#include "mvpose3d/core/error.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unistd.h>

#include <c10/util/Exception.h>
#include <spdlog/spdlog.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/comm.hpp>
#include <torch/cuda.h>

namespace mvpose3d::distributed {

namespace {

using Clock = std::chrono::steady_clock;

// Rank 0's replies to the others' questions while it hangs would never come: diagnostics after a
// failure ask the store for at most this long.
constexpr auto kDiagnosisDeadline = std::chrono::seconds(3);
// Largest message of one coalesced broadcast (c10d's default for DDP's parameter broadcast).
constexpr std::size_t kBroadcastBucketBytes = 250u << 20;

// The message of an exception without c10's backtrace, on one line.
std::string one_line(const std::exception& e) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
  std::string text = c10_error ? c10_error->what_without_backtrace() : e.what();
  text = text.substr(0, text.find('\n'));
  return text;
}

std::vector<uint8_t> bytes(const std::string& text) {
  return {text.begin(), text.end()};
}
std::string text(const std::vector<uint8_t>& bytes) {
  return {bytes.begin(), bytes.end()};
}

std::string host_name() {
  char name[256] = {};
  return ::gethostname(name, sizeof(name) - 1) == 0 ? std::string(name) : std::string("unknown");
}

bool is_loopback(const std::string& address) {
  return address.rfind("127.", 0) == 0 || address == "localhost" || address == "::1";
}

// `query` on a thread of its own, for at most `deadline`: nullopt when it did not finish (the
// thread is left behind; the process is about to end with an error).
std::optional<std::string> ask_with_deadline(std::function<std::string()> query,
                                             std::chrono::seconds deadline) {
  struct Shared {
    std::mutex mutex;
    std::condition_variable done;
    std::optional<std::string> answer;
  };
  auto shared = std::make_shared<Shared>();
  std::thread([shared, query = std::move(query)] {
    std::string answer;
    try {
      answer = query();
    } catch (const std::exception& e) {
      answer = "the store is gone (" + one_line(e) + ")";  // its host ended
    }
    std::lock_guard<std::mutex> lock(shared->mutex);
    shared->answer = answer;
    shared->done.notify_all();
  }).detach();
  std::unique_lock<std::mutex> lock(shared->mutex);
  shared->done.wait_for(lock, deadline, [&] { return shared->answer.has_value(); });
  return shared->answer;
}

std::string key(const char* kind, int rank) {
  return fmt::format("{}/{}", kind, rank);
}

std::shared_ptr<::gloo::transport::Device> gloo_device(const LaunchEnvironment& launch) {
  // GLOO_SOCKET_IFNAME picks the interface, as in PyTorch; a job on one host stays on loopback.
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME")) {
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  }
  if (is_loopback(launch.master_addr)) {
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  }
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

C10dContext::C10dContext(const LaunchEnvironment& launch, const DistributedConfig& config)
    : launch_(launch), timeout_(std::chrono::seconds(config.timeout_s)), device_(at::kCPU) {
  const bool cuda = torch::cuda::is_available();
  if (cuda) {
    const auto gpus = static_cast<int>(torch::cuda::device_count());
    MVPOSE3D_CHECK(launch.local_rank < gpus,
                   "rank {}: LOCAL_RANK {} has no GPU ({} on this host): start at most {} "
                   "processes per host",
                   launch.rank,
                   launch.local_rank,
                   gpus,
                   gpus);
    device_ = at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(launch.local_rank));
  }
  switch (config.backend) {
    case DistributedBackend::kAuto:
      backend_ = cuda ? "nccl" : "gloo";
      break;
    case DistributedBackend::kNccl:
      if (!cuda) {
        throw UsageError(
            "train.distributed.backend: nccl needs a CUDA device and this machine has none; use "
            "gloo or auto");
      }
      backend_ = "nccl";
      break;
    case DistributedBackend::kGloo:
      backend_ = "gloo";
      break;
  }
  rendezvous();
  create_process_group(config);
  set_phase("start-up");
}

C10dContext::~C10dContext() = default;

void C10dContext::rendezvous() {
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(launch_.master_port);
  options.isServer = launch_.rank == 0 && !launch_.agent_hosts_store;
  options.numWorkers = launch_.world_size;
  options.waitWorkers = false;  // the joining below names who is missing
  options.timeout = timeout_;
  c10::intrusive_ptr<c10d::Store> tcp;
  try {
    tcp = c10::make_intrusive<c10d::TCPStore>(launch_.master_addr, options);
  } catch (const std::exception& e) {
    if (options.isServer) {
      throw Error(fmt::format(
          "rendezvous: rank 0 cannot host the store on port {} (MASTER_PORT): {}; another job may "
          "be using the port: choose another MASTER_PORT",
          launch_.master_port,
          one_line(e)));
    }
    throw Error(fmt::format(
        "rendezvous: rank {} cannot reach the master at {}:{} (MASTER_ADDR:MASTER_PORT) within "
        "{} s: {}",
        launch_.rank,
        launch_.master_addr,
        launch_.master_port,
        timeout_.count() / 1000,
        one_line(e)));
  }
  store_ = c10::make_intrusive<c10d::PrefixStore>("mvpose3d", tcp);
  const std::string me = fmt::format("{} {}", launch_.world_size, host_name());
  const auto deadline = Clock::now() + timeout_;
  hosts_.assign(static_cast<std::size_t>(launch_.world_size), "");
  try {
    store_->set(key("join", launch_.rank), bytes(me));
    // Poll, so that a rank started with another WORLD_SIZE is named as soon as it joins.
    while (true) {
      std::vector<int> missing;
      for (int r = 0; r < launch_.world_size; ++r) {
        if (!hosts_[r].empty()) continue;
        if (!store_->check({key("join", r)})) {
          missing.push_back(r);
          continue;
        }
        const std::string joined = text(store_->get(key("join", r)));
        const int their_world = std::stoi(joined.substr(0, joined.find(' ')));
        if (their_world != launch_.world_size) {
          throw UsageError(fmt::format(
              "rendezvous: world-size mismatch: rank {} was started with WORLD_SIZE {}, rank {} "
              "(this process) with {}",
              r,
              their_world,
              launch_.rank,
              launch_.world_size));
        }
        hosts_[r] = joined.substr(joined.find(' ') + 1);
      }
      if (missing.empty()) break;
      if (Clock::now() > deadline) {
        throw Error(fmt::format(
            "rendezvous: after {} s (train.distributed.timeout_s), rank(s) {} of WORLD_SIZE {} "
            "have not joined at {}:{}; were all processes started, with the same WORLD_SIZE?",
            timeout_.count() / 1000,
            fmt::join(missing, ", "),
            launch_.world_size,
            launch_.master_addr,
            launch_.master_port));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(fmt::format("rendezvous: rank {} lost the store at {}:{} (rank 0 ended?): {}",
                            launch_.rank,
                            launch_.master_addr,
                            launch_.master_port,
                            one_line(e)));
  }
}

void C10dContext::create_process_group(const DistributedConfig& config) {
  const auto group_store = c10::make_intrusive<c10d::PrefixStore>("group", store_);
  group_ = c10::make_intrusive<c10d::ProcessGroup>(group_store, rank(), world_size());
  try {
    // Gloo serves CPU tensors in every job (the evaluation's gathers), NCCL the CUDA ones.
    auto gloo_options = c10d::ProcessGroupGloo::Options::create(timeout_);
    gloo_options->devices.push_back(gloo_device(launch_));
    const auto gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(
        c10::make_intrusive<c10d::PrefixStore>("gloo", group_store),
        rank(),
        world_size(),
        gloo_options);
    group_->setBackend(c10::DeviceType::CPU, c10d::ProcessGroup::GLOO, gloo);
    if (backend_ == "nccl") {
      const auto nccl =
          make_nccl_backend(c10::make_intrusive<c10d::PrefixStore>("nccl", group_store),
                            rank(),
                            world_size(),
                            device_,
                            timeout_);
      group_->setBackend(c10::DeviceType::CUDA, c10d::ProcessGroup::NCCL, nccl);
      group_->setDefaultBackend(c10d::ProcessGroup::NCCL);
    } else {
      if (device_.is_cuda())
        group_->setBackend(c10::DeviceType::CUDA, c10d::ProcessGroup::GLOO, gloo);
      group_->setDefaultBackend(c10d::ProcessGroup::GLOO);
    }
    group_->setGroupName("mvpose3d");
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw_wait_failure(fmt::format("the {} connections to the other ranks", backend_), e);
  }
}

void C10dContext::broadcast(std::vector<at::Tensor>& tensors, const std::string& what) {
  try {
    c10d::broadcast_coalesced(group_, tensors, kBroadcastBucketBytes, 0);
  } catch (const std::exception& e) {
    throw_wait_failure(what, e);
  }
}

void C10dContext::all_reduce_sum(at::Tensor& tensor, const std::string& what) {
  std::vector<at::Tensor> tensors{tensor};
  run(what, [&] { return group_->allreduce(tensors); });
}

std::vector<at::Tensor> C10dContext::all_gather(const at::Tensor& tensor, const std::string& what) {
  std::vector<at::Tensor> input{tensor.contiguous()};
  std::vector<std::vector<at::Tensor>> output(1);
  for (int r = 0; r < world_size(); ++r) output[0].push_back(at::empty_like(input[0]));
  run(what, [&] { return group_->allgather(output, input); });
  return output[0];
}

std::string C10dContext::share_from_main(const std::string& name, const std::string& value) {
  const std::string shared_key = "share/" + name;
  try {
    if (is_main()) {
      store_->set(shared_key, bytes(value));
      return value;
    }
    store_->wait({shared_key}, timeout_);
    return text(store_->get(shared_key));
  } catch (const std::exception& e) {
    throw_wait_failure(fmt::format("rank 0's {}", name), e);
  }
}

void C10dContext::set_phase(const std::string& phase) {
  phase_ = phase;
  try {
    store_->set(key("phase", rank()), bytes(phase));
  } catch (const std::exception& e) {
    throw_wait_failure("the store (to record this rank's progress)", e);
  }
}

void C10dContext::report_failure(const std::string& message) noexcept {
  const auto store = store_;
  const std::string failed_key = key("failed", rank());
  ask_with_deadline(
      [store, failed_key, message] {
        store->set(failed_key, bytes(message));
        return std::string();
      },
      kDiagnosisDeadline);
}

void C10dContext::throw_wait_failure(const std::string& what, const std::exception& cause) const {
  const auto store = store_;
  const int me = rank(), world = world_size();
  const std::optional<std::string> others = ask_with_deadline(
      [store, me, world] {
        std::vector<std::string> lines;
        for (int r = 0; r < world; ++r) {
          if (r == me) continue;
          if (store->check({key("failed", r)})) {
            lines.push_back(
                fmt::format("rank {} failed: {}", r, text(store->get(key("failed", r)))));
          } else if (store->check({key("phase", r)})) {
            lines.push_back(fmt::format("rank {} was last at {} and stopped answering",
                                        r,
                                        text(store->get(key("phase", r)))));
          } else {
            lines.push_back(fmt::format("rank {} never started", r));
          }
        }
        return fmt::format("{}", fmt::join(lines, "; "));
      },
      kDiagnosisDeadline);
  const std::string store_host = launch_.agent_hosts_store ? "torchrun's agent" : "rank 0";
  std::string others_text =
      others.value_or(fmt::format("the store did not answer within {} s: {}, which hosts it, hangs",
                                  kDiagnosisDeadline.count(),
                                  store_host));
  if (others_text.rfind("the store is gone", 0) == 0) {
    others_text = fmt::format("{} (which hosts the store) has ended: {}", store_host, others_text);
  }
  throw Error(fmt::format("rank {} ({}) gave up waiting for {}: {} [{}]",
                          me,
                          phase_,
                          what,
                          others_text,
                          one_line(cause)));
}

#if !MVPOSE3D_NCCL_ENABLED
c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>&,
                                                    int,
                                                    int,
                                                    const at::Device&,
                                                    std::chrono::milliseconds) {
  throw UsageError(
      "train.distributed.backend: this build of mvpose3d has no NCCL (built without CUDA or "
      "without nccl.h); use gloo");
}
#endif

}  // namespace mvpose3d::distributed
