// The processes of a data-parallel job, joined through PyTorch's c10d: a TCPStore for the
// rendezvous, ProcessGroupNCCL on CUDA or ProcessGroupGloo on the CPU for the collectives.
//
//   const auto job = distributed::join_job(read_launch_environment(), config.train.distributed);
//   if (job->is_main()) { ... write files ... }
//   job->all_reduce_sum(losses, "the loss of step 12");
//
// Every wait on the other processes ends within train.distributed.timeout_s; a failed wait throws
// Error naming this rank, what it waited for and where each other rank was, so a job whose rank
// crashed, was killed or hangs ends instead of hanging. A job of one process (no launcher) needs
// no c10d: every collective is then a no-op.
#pragma once

#include "mvpose3d/config/train_config.h"
#include "mvpose3d/distributed/launch_environment.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

namespace mvpose3d::distributed {

// One process of the job. A job of one process has no c10d: every collective is a no-op.
class DistributedContext {
 public:
  virtual ~DistributedContext() = default;

  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  bool is_main() const { return rank() == 0; }  // the one process that writes the run's files
  bool distributed() const { return world_size() > 1; }
  virtual std::string backend() const = 0;             // "gloo", "nccl", or "none"
  virtual std::vector<std::string> hosts() const = 0;  // the host of each rank, in rank order
  virtual at::Device device() const = 0;               // where this rank trains

  // Collectives. `what` names the wait in error messages ("the gradient all-reduce of step 12").
  // Tensors on device() (CPU tensors also work with Gloo).
  virtual void broadcast(std::vector<at::Tensor>& tensors,
                         const std::string& what) = 0;  // rank 0's
  virtual void all_reduce_sum(at::Tensor& tensor, const std::string& what) = 0;
  // Every rank's `tensor` (the same shape and dtype everywhere), in rank order.
  virtual std::vector<at::Tensor> all_gather(const at::Tensor& tensor, const std::string& what) = 0;
  // Rank 0's `value` on every rank, through the store (the run directory's path).
  virtual std::string share_from_main(const std::string& key, const std::string& value) = 0;

  // What this rank is doing now ("step 12", "evaluation at step 20"): the others' error messages
  // name it when this rank stops answering.
  virtual void set_phase(const std::string& phase) = 0;
  // Records that this rank fails with `message` (best effort, never throws), so that the others
  // name the cause instead of a lost connection.
  virtual void report_failure(const std::string& message) noexcept = 0;
};

// The context of a job of one process on `device`.
std::shared_ptr<DistributedContext> single_process_context(const at::Device& device);

// Joins the job `launch` describes with the backend `config` asks for: rank 0 (or torchrun's
// agent) hosts the TCPStore at MASTER_ADDR:MASTER_PORT, every rank waits for all the others and
// checks they were started with the same world size, then the process group is created. A job of
// one process returns a context without c10d. One clear line (Error) for a taken port, an
// unreachable master, a world-size mismatch, a backend this build or machine lacks, or a build
// without c10d.
std::shared_ptr<DistributedContext> join_job(const LaunchEnvironment& launch,
                                             const DistributedConfig& config);

}  // namespace mvpose3d::distributed
