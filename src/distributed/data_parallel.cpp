#include "mvpose3d/distributed/data_parallel.h"

#include "mvpose3d/core/error.h"

#include <algorithm>
#include <cstdint>

#include <ATen/core/grad_mode.h>
#include <torch/csrc/distributed/c10d/reducer.hpp>
#include <torch/nn/module.h>

#include "c10d_context.h"
#include "sync_batch_norm.h"

namespace mvpose3d::distributed {

namespace {

// PyTorch DDP's bucket sizes: a small first bucket, so the first all-reduce starts early in the
// backward pass, then about 25 MB each.
constexpr std::int64_t kFirstBucketBytes = 1 << 20;
constexpr std::int64_t kBucketBytes = 25 << 20;

// FNV-1a of the names and shapes of every parameter and buffer: equal on every rank that built
// the same architecture.
std::int64_t architecture_fingerprint(const torch::nn::Module& model) {
  std::uint64_t hash = 1469598103934665603ull;
  const auto mix = [&](const std::string& text) {
    for (const unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  };
  for (const auto& p : model.named_parameters()) {
    mix(p.key());
    for (const auto size : p.value().sizes()) mix(std::to_string(size) + "x");
  }
  for (const auto& b : model.named_buffers()) {
    mix(b.key());
    for (const auto size : b.value().sizes()) mix(std::to_string(size) + "x");
  }
  return static_cast<std::int64_t>(hash);
}

}  // namespace

struct DataParallel::State {
  C10dContext* context = nullptr;
  std::vector<at::Tensor> parameters;
  std::unique_ptr<c10d::Reducer> reducer;
};

DataParallel::DataParallel(std::shared_ptr<DistributedContext> job,
                           torch::nn::Module& model,
                           bool sync_batchnorm)
    : job_(std::move(job)), model_(model), state_(std::make_unique<State>()) {
  state_->context = dynamic_cast<C10dContext*>(job_.get());
  MVPOSE3D_CHECK(state_->context != nullptr, "DataParallel: the job has no process group");

  // The same architecture everywhere: [parameter tensors, parameter elements, fingerprint].
  std::int64_t elements = 0;
  for (const auto& p : model.parameters()) elements += p.numel();
  const at::Tensor mine = at::tensor({static_cast<std::int64_t>(model.parameters().size()),
                                      elements,
                                      architecture_fingerprint(model)},
                                     at::kLong);
  const std::vector<at::Tensor> all = job_->all_gather(mine, "every rank's model description");
  for (int r = 1; r < job_->world_size(); ++r) {
    const auto theirs = all[r];
    MVPOSE3D_CHECK(at::equal(theirs, all[0]),
                   "rank {} built another model than rank 0: {} parameter tensors with {} values "
                   "against {} with {}{}; start every rank with the same config",
                   r,
                   theirs[0].item<std::int64_t>(),
                   theirs[1].item<std::int64_t>(),
                   all[0][0].item<std::int64_t>(),
                   all[0][1].item<std::int64_t>(),
                   at::equal(theirs.slice(0, 0, 2), all[0].slice(0, 0, 2))
                       ? " (same sizes, other names or shapes)"
                       : "");
  }

  // Rank 0's weights everywhere (a resumed or fine-tuned run loaded them on every rank already;
  // random initialisation may differ by rank).
  {
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> state = model.parameters();
    for (const auto& b : model.buffers()) state.push_back(b);
    job_->broadcast(state, "rank 0's initial parameters and buffers");
  }

  if (sync_batchnorm) synchronise_batchnorm(model, job_);

  for (const auto& p : model.parameters()) {
    if (p.requires_grad()) state_->parameters.push_back(p);
  }
  // The last parameters get their gradients first: the buckets follow the parameters backwards.
  auto [buckets, limits] = c10d::compute_bucket_assignment_by_size(
      state_->parameters,
      {static_cast<std::size_t>(kFirstBucketBytes), static_cast<std::size_t>(kBucketBytes)});
  std::reverse(buckets.begin(), buckets.end());
  std::vector<std::int64_t> bucket_limits(limits.rbegin(), limits.rend());
  std::unordered_map<std::size_t, std::string> names;
  std::size_t index = 0;
  for (const auto& p : model.named_parameters()) {
    if (p.value().requires_grad()) names[index++] = p.key();
  }
  state_->reducer =
      std::make_unique<c10d::Reducer>(state_->parameters,
                                      std::move(buckets),
                                      state_->context->process_group(),
                                      std::vector<bool>(state_->parameters.size(), false),
                                      kBucketBytes,
                                      /*find_unused_parameters=*/false,
                                      /*gradient_as_bucket_view=*/false,
                                      std::move(names),
                                      kFirstBucketBytes,
                                      /*skip_all_reduce_unused_params=*/false,
                                      /*use_python_reducer=*/false,
                                      std::move(bucket_limits));
}

DataParallel::~DataParallel() = default;

void DataParallel::before_forward() {
  try {
    // After the first backward pass, the buckets follow the order the gradients came in.
    state_->reducer->rebuild_buckets();
    state_->reducer->prepare_for_forward();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    state_->context->throw_wait_failure("the gradient buckets' order", e);
  }
}

void DataParallel::backward(const at::Tensor& loss, const std::string& step) {
  try {
    state_->reducer->prepare_for_backward({});
    loss.backward();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    state_->context->throw_wait_failure("the gradient all-reduce of " + step, e);
  }
}

void DataParallel::broadcast_buffers(const std::string& what) {
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> buffers = model_.buffers();
  if (!buffers.empty()) job_->broadcast(buffers, what);
}

std::unique_ptr<DataParallel> make_data_parallel(const std::shared_ptr<DistributedContext>& job,
                                                 torch::nn::Module& model,
                                                 const DistributedConfig& config) {
  if (!job || !job->distributed()) return nullptr;
  return std::make_unique<DataParallel>(job, model, config.sync_batchnorm);
}

}  // namespace mvpose3d::distributed
