#include "mvpose3d/infer/infer_network.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/data/camera_batch_from.h"
#include "mvpose3d/models/pose_net.h"
#include "mvpose3d/models/precision.h"
#include "mvpose3d/models/resnet.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <spdlog/spdlog.h>
#include <torch/cuda.h>

namespace mvpose3d::infer {

at::Device inference_device(const std::string& name, const std::string& flag) {
  if (name == "cpu") return at::kCPU;
  if (name != "cuda") throw UsageError(fmt::format("{} must be cpu or cuda, got '{}'", flag, name));
  if (!torch::cuda::is_available()) {
    throw Error(
        fmt::format("{} cuda: no CUDA device is available (or this build has no CUDA)", flag));
  }
  return at::Device(at::kCUDA, 0);
}

struct InferNetwork::Impl {
  models::MultiViewPoseNet net{nullptr};
  at::ScalarType dtype = at::kFloat;
  int crop_size_px = 0;
  std::int64_t joints = 0;
};

InferNetwork::InferNetwork(const RunConfig& config,
                           const std::filesystem::path& checkpoint,
                           const InferNetworkOptions& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->dtype = models::network_dtype(options.precision, "--precision");
  device_ = inference_device(options.device);
  impl_->net = models::make_model(config);
  models::load_model(impl_->net, checkpoint);
  impl_->net->eval();
  if (options.fold_batchnorm) {
    // In float32 on the CPU, before any conversion (as `mvpose3d bench model` does).
    spdlog::info("folded {} BatchNorm layers into their convolutions",
                 impl_->net->fold_batchnorm());
  }
  impl_->net->to(device_, impl_->dtype);
  impl_->crop_size_px = config.data.crop_size_px;
  impl_->joints = impl_->net->options().num_joints;
}

InferNetwork::~InferNetwork() = default;

NetworkOutput InferNetwork::run(const std::vector<MultiviewSample>& samples) {
  const MultiviewBatch batch = collate(samples);
  c10::InferenceMode guard;
  // The evaluator's inputs (eval/run_evaluation.cpp): normalised images and the batch's cameras.
  const at::Tensor images =
      models::imagenet_normalize(batch.images.to(device_)).to(impl_->dtype);  // [B, V, 3, S, S]
  const models::PoseOutput out =
      impl_->net->forward(images, camera_batch_from(batch).to(device_), /*triangulate=*/false);
  NetworkOutput result;
  // Copying to the host waits for the device, so a timer around run() covers the forward pass.
  result.joints2d_crop_px = out.joints2d_crop_px.to(at::kCPU, at::kDouble);  // [B, V, J, 2]
  result.confidences = out.confidences.to(at::kCPU, at::kDouble);            // [B, V, J]
  return result;
}

int InferNetwork::crop_size_px() const {
  return impl_->crop_size_px;
}

std::int64_t InferNetwork::num_joints() const {
  return impl_->joints;
}

std::string InferNetwork::architecture() const {
  return impl_->net->architecture();
}

}  // namespace mvpose3d::infer
