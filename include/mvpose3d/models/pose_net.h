// The whole multi-view network (Remelli et al., CVPR 2020, Fig. 2): a shared ResNet encoder per
// view, a fusion block (none = Baseline, fusion, canonical and its symmetric / equivariant /
// shortcut variants), a shared Simple-Baselines decoder, soft-argmax, and the differentiable DLT
// (ops::triangulate) to 3D. "Canonical Fusion (no DLT)" is the same network trained without a loss
// through the DLT (a training option, not a model). Built from the `model` config by make_model.
//
//   auto net = make_model(config.model, /*num_joints=*/17, /*num_views=*/4);
//   const PoseOutput out = net->forward(images, cameras);  // out.joints3d_mm [B, J, 3]
//
// Frames and units: images are the crops the network sees, S_h × S_w pixels; cameras.K is the
// crop's calibration (Camera::crop then resize), cam_from_world maps world mm to camera mm, and
// image_from_crop (optional) maps crop pixels back to the original image. 3D is in world mm.
#pragma once

#include "mvpose3d/config/model_config.h"
#include "mvpose3d/geometry/camera.h"
#include "mvpose3d/geometry/camera_batch.h"
#include "mvpose3d/models/feature_transform.h"
#include "mvpose3d/models/fusion.h"
#include "mvpose3d/models/heatmap_decoder.h"
#include "mvpose3d/models/resnet.h"
#include "mvpose3d/models/state_dict.h"
#include "mvpose3d/ops/triangulate.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace mvpose3d {
struct RunConfig;
}

namespace mvpose3d::models {

struct PoseOutput {
  at::Tensor heatmaps;           // [B, V, J, h, w] decoder logits (model dtype)
  at::Tensor joints2d_heatmap;   // [B, V, J, 2] soft-argmax in heatmap px
  at::Tensor joints2d_crop_px;   // [B, V, J, 2] in input-crop px
  at::Tensor joints2d_image_px;  // [B, V, J, 2] in image px (= crop px without image_from_crop)
  at::Tensor confidences;        // [B, V, J] in (0, 1], see soft_argmax
  at::Tensor joints3d_mm;        // [B, J, 3] world mm (undefined when not triangulated)
  at::Tensor joints3d_valid;     // [B, J] bool (see ops::triangulate)
};

// Everything make_model needs besides the config: the joints and the views.
struct PoseNetOptions {
  ModelConfig config;
  int64_t num_joints = 17;
  int64_t num_views = 4;  // used by the concatenating blocks (fusion, canonical + concat)
};

class MultiViewPoseNetImpl : public torch::nn::Module {
 public:
  // Throws Error for an unknown name (listing the known ones) or inconsistent widths.
  explicit MultiViewPoseNetImpl(const PoseNetOptions& options);

  // images [B, V, 3, S_h, S_w] normalised as the encoder expects; cameras as CameraBatch.
  // With triangulate = false (or V < 2) joints3d_mm stays undefined.
  PoseOutput forward(const at::Tensor& images, const CameraBatch& cameras, bool triangulate = true);

  // Encoder features → decoder inputs (the fusion block, or the identity for the Baseline).
  //   features [B, V, C, h, w] -> [B, V, C, h, w]
  at::Tensor fuse(const at::Tensor& features,
                  const CameraBatch& cameras,
                  int64_t crop_height,
                  int64_t crop_width);

  // Every BatchNorm layer folded into the convolution before it, for inference
  // (batchnorm_folding.h): the same outputs up to rounding with about a third fewer kernels per
  // forward. Uses the running statistics, so the network must be in eval mode (throws Error
  // otherwise); afterwards it can neither train (train(true) throws) nor be saved (save_model
  // throws). Returns the number of layers folded; 0 when called again.
  int64_t fold_batchnorm();
  bool batchnorm_folded() const { return batchnorm_folded_; }
  void train(bool on = true) override;

  const PoseNetOptions& options() const { return options_; }
  // One line that identifies the architecture (checkpoints compare it):
  // "resnet18(width=8,stages=4) fusion=canonical ftl=projection/interleaved pooling=mean ..."
  std::string architecture() const;

  ResNetEncoder encoder{nullptr};
  std::shared_ptr<FusionBlockImpl> fusion;  // nullptr for the Baseline
  HeatmapDecoder decoder{nullptr};

 private:
  PoseNetOptions options_;
  ops::TriangulateOptions triangulate_options_;
  bool batchnorm_folded_ = false;
};
TORCH_MODULE(MultiViewPoseNet);

// The factory. Checks the config's rules between model keys (config/rules.h) and throws Error
// naming the broken one; loads config.pretrained (torchvision weights, load_torchvision_resnet)
// into the encoder when set.
MultiViewPoseNet make_model(const ModelConfig& config,
                            int64_t num_joints = 17,
                            int64_t num_views = 4);
// J from config.data.joints (the skeleton), V from config.data.num_views.
MultiViewPoseNet make_model(const RunConfig& config);

// Checkpoints of the whole network (state_dict.h format, architecture = net->architecture()). A
// network with folded BatchNorm is refused: its keys are not the architecture's.
void save_model(const MultiViewPoseNet& net,
                const std::filesystem::path& file,
                const std::map<std::string, std::string>& metadata = {});
CheckpointInfo load_model(MultiViewPoseNet& net, const std::filesystem::path& file);

// Parameters and size of the weights (parameters and floating-point buffers, i.e. BN statistics)
// at `bytes_per_value`.
struct ModelSize {
  int64_t parameters = 0;
  int64_t buffers = 0;  // floating-point buffer elements
  double megabytes(int64_t bytes_per_value = 4) const {
    return static_cast<double>((parameters + buffers) * bytes_per_value) / 1e6;
  }
};
ModelSize model_size(const torch::nn::Module& module);

}  // namespace mvpose3d::models
