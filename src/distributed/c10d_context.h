// The DistributedContext of a job of several processes on c10d (compiled only with c10d, like
// every file that includes its headers): the TCPStore, the process group, and the bookkeeping in
// the store that lets a failed wait name the rank it waited for.
#pragma once

#include "mvpose3d/distributed/process_group.h"

#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

namespace mvpose3d::distributed {

class C10dContext : public DistributedContext {
 public:
  C10dContext(const LaunchEnvironment& launch, const DistributedConfig& config);
  ~C10dContext() override;

  int rank() const override { return launch_.rank; }
  int world_size() const override { return launch_.world_size; }
  std::string backend() const override { return backend_; }
  std::vector<std::string> hosts() const override { return hosts_; }
  at::Device device() const override { return device_; }

  void broadcast(std::vector<at::Tensor>& tensors, const std::string& what) override;
  void all_reduce_sum(at::Tensor& tensor, const std::string& what) override;
  std::vector<at::Tensor> all_gather(const at::Tensor& tensor, const std::string& what) override;
  std::string share_from_main(const std::string& key, const std::string& value) override;
  void set_phase(const std::string& phase) override;
  void report_failure(const std::string& message) noexcept override;

  // Throws Error for a wait on the others that failed with `cause`: names this rank, `what` it
  // waited for and, from the store, where every other rank was or why it failed.
  [[noreturn]] void throw_wait_failure(const std::string& what, const std::exception& cause) const;
  // Runs `collective` (it returns a started c10d::Work) and waits for it; any failure goes
  // through throw_wait_failure.
  template <class Start>
  void run(const std::string& what, Start&& start) {
    try {
      start()->wait();
    } catch (const std::exception& e) {
      throw_wait_failure(what, e);
    }
  }

  const c10::intrusive_ptr<c10d::ProcessGroup>& process_group() const { return group_; }
  std::chrono::milliseconds timeout() const { return timeout_; }

 private:
  void rendezvous();
  void create_process_group(const DistributedConfig& config);

  LaunchEnvironment launch_;
  std::chrono::milliseconds timeout_;
  at::Device device_;
  std::string backend_;
  std::vector<std::string> hosts_;
  std::string phase_ = "start-up";
  c10::intrusive_ptr<c10d::Store> store_;  // prefixed "mvpose3d/"
  c10::intrusive_ptr<c10d::ProcessGroup> group_;
};

// ProcessGroupNCCL for `context`'s rank on `device` (src/distributed/nccl_backend.cpp; throws in
// builds without NCCL).
c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store,
                                                    int rank,
                                                    int world_size,
                                                    const at::Device& device,
                                                    std::chrono::milliseconds timeout);

}  // namespace mvpose3d::distributed
