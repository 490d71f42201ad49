// torch::nn::BatchNorm2d whose training-mode normalisation can be handed to another object: a
// data-parallel job uses it to normalise with the statistics of the global batch, as PyTorch's
// SyncBatchNorm (distributed/sync_batch_norm.h). Without one it is torch::nn::BatchNorm2d: the
// same parameters, buffers, state-dict names, evaluation and folding (models::BatchNorm folding
// and `as<torch::nn::BatchNorm2d>()` see it as one).
#pragma once

#include <cstdint>
#include <memory>

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/pimpl.h>

namespace mvpose3d::models {

// Training-mode BatchNorm of `bn` on `input` [N, C, H, W]: normalises and updates bn's running
// statistics.
class BatchNormStatistics {
 public:
  virtual ~BatchNormStatistics() = default;
  virtual at::Tensor forward(const at::Tensor& input, torch::nn::BatchNorm2dImpl& bn) = 0;
};

class SyncableBatchNorm2dImpl : public torch::nn::BatchNorm2dImpl {
 public:
  explicit SyncableBatchNorm2dImpl(int64_t channels) : torch::nn::BatchNorm2dImpl(channels) {}

  at::Tensor forward(const at::Tensor& input) {
    if (statistics_ && is_training()) return statistics_->forward(input, *this);
    return torch::nn::BatchNorm2dImpl::forward(input);
  }
  // Hands the training-mode normalisation to `statistics` (nullptr: back to this process's batch).
  void set_statistics(std::shared_ptr<BatchNormStatistics> statistics) {
    statistics_ = std::move(statistics);
  }

 private:
  std::shared_ptr<BatchNormStatistics> statistics_;
};
TORCH_MODULE(SyncableBatchNorm2d);

}  // namespace mvpose3d::models
