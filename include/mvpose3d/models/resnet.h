// ResNet encoders (He et al., CVPR 2016) with torchvision's module and parameter names, so that
// torchvision's pretrained weights load key for key (scripts/export_torchvision_resnet.py writes
// them in a file this side reads without Python; docs/models.md).
//
// The encoder is torchvision's ResNet without its classifier: conv1 → bn1 → relu → maxpool →
// layer1 … layer4, returning the last stage's feature map (stride 32 for four stages). Names match
// torchvision's state_dict keys exactly: "conv1.weight", "bn1.running_mean",
// "layer2.0.downsample.0.weight", "layer3.5.bn3.num_batches_tracked", ...
//
// Beyond torchvision, the width of the stem (64 there) and the number of stages kept are options,
// for the tiny models of the tests and of CPU experiments; with the defaults the network is
// torchvision's.
#pragma once

#include "mvpose3d/config/model_config.h"
#include "mvpose3d/models/syncable_batch_norm.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/pooling.h>
#include <torch/nn/pimpl.h>

namespace mvpose3d::models {

// Which blocks a stage is made of.
enum class ResNetBlock {
  kBasic,       // two 3×3 convolutions (ResNet-18/34), expansion 1
  kBottleneck,  // 1×1, 3×3 (strided, torchvision's "v1.5"), 1×1 (ResNet-50/101/152), expansion 4
};

struct ResNetOptions {
  // The torchvision network of this depth: 18, 34, 50, 101 or 152 (throws Error otherwise).
  /* implicit */ ResNetOptions(int64_t depth = 50);
  // Any block type and blocks per stage (e.g. {1, 1, 1, 1}), with torchvision's naming.
  ResNetOptions(ResNetBlock block, std::vector<int64_t> layers);

  // Blocks per stage; its size is the number of stages built (1..4).
  TORCH_ARG(std::vector<int64_t>, layers);
  TORCH_ARG(ResNetBlock, block) = ResNetBlock::kBottleneck;
  // Channels of the stem and of the first stage's 3×3 convolutions; stage s has width·2^s.
  TORCH_ARG(int64_t, width) = 64;
  // Stages kept, from the first (1..layers.size()): fewer stages give a finer, narrower output.
  TORCH_ARG(int64_t, stages) = 4;

 public:  // (TORCH_ARG leaves the access at private)
  // Channels of the output feature map: width·2^(stages−1)·expansion (2048 for ResNet-50..152).
  int64_t out_channels() const;
  // Input pixels per output pixel: 4·2^(stages−1) (32 with four stages).
  int64_t stride() const;
  // "resnet50", or e.g. "resnet(bottleneck,[1,1,1,1],width=16,stages=3)" when not torchvision's.
  std::string name() const;
};

// torchvision's ResNet of model.backbone (ResNet-18 … ResNet-152).
ResNetOptions resnet_options(Backbone backbone);

// Parses "resnet18" … "resnet152"; throws Error listing the known names.
ResNetOptions resnet_options_from_name(const std::string& name);
std::vector<std::string> known_backbone_names();

// The basic block: conv1 (3×3, stride) → bn1 → relu → conv2 (3×3) → bn2, plus the shortcut
// (downsample = [1×1 conv stride, BN] when the shape changes), then relu.
class BasicBlockImpl : public torch::nn::Module {
 public:
  BasicBlockImpl(int64_t in_channels, int64_t width, int64_t stride);
  torch::Tensor forward(const torch::Tensor& x);  // [N, C_in, H, W] -> [N, width, H/s, W/s]
  // Folds bn1, bn2 (and the shortcut's BN) into the convolutions before them and removes them
  // (batchnorm_folding.h); returns the number folded.
  int64_t fold_batchnorm();

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  SyncableBatchNorm2d bn1{nullptr}, bn2{nullptr};  // empty once folded
  torch::nn::Sequential downsample{nullptr};  // registered only when needed (as in torchvision)
};
TORCH_MODULE(BasicBlock);

// The bottleneck block: 1×1 (width) → 3×3 (width, stride) → 1×1 (4·width), BN after each, ReLU
// between, the shortcut as in BasicBlock.
class BottleneckImpl : public torch::nn::Module {
 public:
  BottleneckImpl(int64_t in_channels, int64_t width, int64_t stride);
  torch::Tensor forward(const torch::Tensor& x);  // [N, C_in, H, W] -> [N, 4·width, H/s, W/s]
  int64_t fold_batchnorm();                       // as BasicBlock's

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  SyncableBatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(Bottleneck);

class ResNetEncoderImpl : public torch::nn::Module {
 public:
  explicit ResNetEncoderImpl(const ResNetOptions& options = {});

  // images [N, 3, H, W] (normalised as the weights expect, e.g. imagenet_normalize) ->
  // features [N, out_channels, H/stride, W/stride] (H/32 rounded up with four stages).
  torch::Tensor forward(const torch::Tensor& images);
  // The output of every stage kept: [layer1, layer2, ...].
  std::vector<torch::Tensor> forward_stages(const torch::Tensor& images);

  // Every BatchNorm folded into the convolution before it, for inference (batchnorm_folding.h):
  // the running statistics are used, so call it in eval mode. The encoder no longer has
  // torchvision's keys afterwards. Returns the number of BatchNorm layers folded (155 for
  // ResNet-152); 0 when called again.
  int64_t fold_batchnorm();

  const ResNetOptions& options() const { return options_; }

  torch::nn::Conv2d conv1{nullptr};
  SyncableBatchNorm2d bn1{nullptr};  // empty once folded
  torch::nn::MaxPool2d maxpool{nullptr};
  std::vector<torch::nn::Sequential> layers;  // registered as "layer1", "layer2", ...

 private:
  ResNetOptions options_;
};
TORCH_MODULE(ResNetEncoder);

// What a torchvision weights file (scripts/export_torchvision_resnet.py) says about itself.
struct TorchvisionWeightsInfo {
  std::string arch;             // "resnet50" or "custom"
  ResNetBlock block;            // block type
  std::vector<int64_t> layers;  // blocks per stage
  int64_t width = 64;           // stem channels
  std::string source;           // "IMAGENET1K_V2", "random(seed=0)", ...
  int64_t tensors_loaded = 0;   // tensors copied into the encoder
};

// Loads a file written by scripts/export_torchvision_resnet.py into `encoder` (torch::pickle_load
// of a plain dict, see the script's docstring). Every parameter and buffer of the encoder must be
// in the file with the same shape; the file's keys of stages the encoder does not keep (options
// .stages < 4) and the classifier (fc.*) are ignored. Throws Error naming the file and the first
// mismatching key (missing, unexpected or of another shape), or the architecture when the file's
// block type, blocks per stage or width differ from the encoder's.
TorchvisionWeightsInfo load_torchvision_resnet(ResNetEncoder& encoder,
                                               const std::filesystem::path& file);

// (images − mean) / std with torchvision's ImageNet statistics, for images in [0, 1].
//   images [..., 3, H, W] -> same shape and dtype
torch::Tensor imagenet_normalize(const torch::Tensor& images);

}  // namespace mvpose3d::models
