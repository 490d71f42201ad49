// BatchNorm over the global batch of a data-parallel job (PyTorch's SyncBatchNorm): each rank's
// per-channel sums are all-reduced, so every rank normalises with the mean and variance of the
// whole batch, and the backward pass all-reduces the two per-channel sums the input gradient
// needs; N processes then compute what one process computes on the global batch.
#pragma once

#include "mvpose3d/distributed/process_group.h"
#include "mvpose3d/models/syncable_batch_norm.h"

#include <memory>

namespace mvpose3d::distributed {

class GlobalBatchStatistics : public models::BatchNormStatistics {
 public:
  explicit GlobalBatchStatistics(std::shared_ptr<DistributedContext> job) : job_(std::move(job)) {}
  at::Tensor forward(const at::Tensor& input, torch::nn::BatchNorm2dImpl& bn) override;

 private:
  std::shared_ptr<DistributedContext> job_;
};

// Hands every models::SyncableBatchNorm2d of `model` to GlobalBatchStatistics; throws Error when
// the model has BatchNorm layers of another kind, which would stay per process. Returns the
// number of layers synchronised.
int synchronise_batchnorm(torch::nn::Module& model, const std::shared_ptr<DistributedContext>& job);

}  // namespace mvpose3d::distributed
