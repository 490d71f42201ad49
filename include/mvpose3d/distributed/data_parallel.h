// Data-parallel training of one model over the processes of a job, on c10d's Reducer (the engine
// of PyTorch's DistributedDataParallel): at construction every rank checks it built the same
// architecture as rank 0 and takes rank 0's parameters and buffers; during backward the gradients
// are all-reduced in buckets of about 25 MB, each started by the autograd hooks as soon as its
// gradients are ready (overlapping the rest of the backward pass), and averaged over the world.
//
//   auto job = distributed::join_job(read_launch_environment(), config.train.distributed);
//   auto parallel = distributed::make_data_parallel(job, *model, config.train.distributed);
//   for (...) {
//     if (parallel) parallel->before_forward();
//     const at::Tensor loss = ...;                   // on this rank's share of the global batch
//     parallel ? parallel->backward(loss, "step 3")  // the world's mean gradient in every .grad()
//              : loss.backward();
//     optimizer.step();
//   }
#pragma once

#include "mvpose3d/config/train_config.h"
#include "mvpose3d/distributed/process_group.h"

#include <memory>
#include <string>

#include <ATen/core/Tensor.h>

namespace torch::nn {
class Module;
}

namespace mvpose3d::distributed {

class DataParallel {
 public:
  // `model` is on job->device(). With sync_batchnorm, its BatchNorm layers
  // (models::SyncableBatchNorm2d) normalise training batches with the statistics of the global
  // batch.
  DataParallel(std::shared_ptr<DistributedContext> job,
               torch::nn::Module& model,
               bool sync_batchnorm);
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  // Before each training forward pass.
  void before_forward();
  // loss.backward() with the gradients all-reduced and averaged over the world; `step` names the
  // wait in error messages.
  void backward(const at::Tensor& loss, const std::string& step);
  // Rank 0's buffers (BatchNorm running statistics) to every rank: before an evaluation, so that
  // every rank evaluates the weights rank 0 saves.
  void broadcast_buffers(const std::string& what);

  const std::shared_ptr<DistributedContext>& job() const { return job_; }

 private:
  struct State;
  std::shared_ptr<DistributedContext> job_;
  torch::nn::Module& model_;
  std::unique_ptr<State> state_;
};

// A DataParallel for `model` in a job of several processes, nullptr for one process.
std::unique_ptr<DataParallel> make_data_parallel(const std::shared_ptr<DistributedContext>& job,
                                                 torch::nn::Module& model,
                                                 const DistributedConfig& config);

}  // namespace mvpose3d::distributed
