// ResNet encoders with torchvision's names, and torchvision weight files.
#include "mvpose3d/models/resnet.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/models/batchnorm_folding.h"
#include "mvpose3d/models/state_dict.h"

#include <algorithm>
#include <fstream>
#include <iterator>

#include <torch/nn/init.h>
#include <torch/serialize.h>

#include "models/shape_text.h"

namespace mvpose3d::models {

namespace nn = torch::nn;

namespace {

int64_t expansion(ResNetBlock block) {
  return block == ResNetBlock::kBottleneck ? 4 : 1;
}

std::string block_name(ResNetBlock block) {
  return block == ResNetBlock::kBottleneck ? "bottleneck" : "basic";
}

nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(false));
}

nn::Sequential make_downsample(int64_t in, int64_t out, int64_t stride) {
  if (stride == 1 && in == out) return nullptr;
  return nn::Sequential(conv(in, out, 1, stride, 0), SyncableBatchNorm2d(out));
}

// bn(conv(x)), or conv(x) once bn is folded into conv.
torch::Tensor conv_bn(nn::Conv2d& conv, SyncableBatchNorm2d& bn, const torch::Tensor& x) {
  auto y = conv(x);
  return bn ? bn(y) : y;
}

// Folds `bn` (the child registered as `name`) into `conv` and removes it; 1 if folded.
int64_t fold_member(nn::Module& owner,
                    const std::string& name,
                    nn::Conv2d& conv,
                    SyncableBatchNorm2d& bn) {
  if (!bn) return 0;
  fold_batchnorm_into(conv, nn::BatchNorm2d(std::shared_ptr<nn::BatchNorm2dImpl>(bn.ptr())));
  owner.unregister_module(name);
  bn = nullptr;
  return 1;
}

std::vector<char> read_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  MVPOSE3D_CHECK(in.good(), "cannot open '{}'", file.string());
  return std::vector<char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

// --- Options -------------------------------------------------------------------------------------

ResNetOptions::ResNetOptions(int64_t depth) {
  switch (depth) {
    case 18:
      layers_ = {2, 2, 2, 2};
      block_ = ResNetBlock::kBasic;
      break;
    case 34:
      layers_ = {3, 4, 6, 3};
      block_ = ResNetBlock::kBasic;
      break;
    case 50:
      layers_ = {3, 4, 6, 3};
      break;
    case 101:
      layers_ = {3, 4, 23, 3};
      break;
    case 152:
      layers_ = {3, 8, 36, 3};
      break;
    default:
      throw Error(fmt::format("ResNet depth {} is not one of 18, 34, 50, 101, 152", depth));
  }
}

ResNetOptions::ResNetOptions(ResNetBlock block, std::vector<int64_t> layers)
    : layers_(std::move(layers)), block_(block), stages_(static_cast<int64_t>(layers_.size())) {}

int64_t ResNetOptions::out_channels() const {
  return width_ * (int64_t{1} << (stages_ - 1)) * expansion(block_);
}

int64_t ResNetOptions::stride() const {
  return 4 * (int64_t{1} << (stages_ - 1));
}

std::string ResNetOptions::name() const {
  for (int64_t depth : {18, 34, 50, 101, 152}) {
    const ResNetOptions tv(depth);
    if (tv.layers_ == layers_ && tv.block_ == block_ && width_ == 64 && stages_ == 4) {
      return fmt::format("resnet{}", depth);
    }
  }
  return fmt::format("resnet({},[{}],width={},stages={})",
                     block_name(block_),
                     fmt::join(layers_, ","),
                     width_,
                     stages_);
}

std::vector<std::string> known_backbone_names() {
  return {"resnet18", "resnet34", "resnet50", "resnet101", "resnet152"};
}

ResNetOptions resnet_options(Backbone backbone) {
  switch (backbone) {
    case Backbone::kResNet18:
      return ResNetOptions(18);
    case Backbone::kResNet34:
      return ResNetOptions(34);
    case Backbone::kResNet50:
      return ResNetOptions(50);
    case Backbone::kResNet101:
      return ResNetOptions(101);
    case Backbone::kResNet152:
      return ResNetOptions(152);
  }
  throw Error(fmt::format("resnet_options: unknown backbone {}", static_cast<int>(backbone)));
}

ResNetOptions resnet_options_from_name(const std::string& name) {
  for (int64_t depth : {18, 34, 50, 101, 152}) {
    if (name == fmt::format("resnet{}", depth)) return ResNetOptions(depth);
  }
  throw Error(fmt::format(
      "unknown backbone '{}' (known: {})", name, fmt::join(known_backbone_names(), ", ")));
}

// --- Blocks
// ----------------------------------------------------------------------------------------

BasicBlockImpl::BasicBlockImpl(int64_t in_channels, int64_t width, int64_t stride) {
  conv1 = register_module("conv1", conv(in_channels, width, 3, stride, 1));
  bn1 = register_module("bn1", SyncableBatchNorm2d(width));
  conv2 = register_module("conv2", conv(width, width, 3, 1, 1));
  bn2 = register_module("bn2", SyncableBatchNorm2d(width));
  downsample = make_downsample(in_channels, width, stride);
  if (downsample) register_module("downsample", downsample);
}

torch::Tensor BasicBlockImpl::forward(const torch::Tensor& x) {
  auto out = torch::relu(conv_bn(conv1, bn1, x));
  out = conv_bn(conv2, bn2, out);
  out += downsample ? downsample->forward(x) : x;
  return torch::relu(out);
}

int64_t BasicBlockImpl::fold_batchnorm() {
  int64_t n = fold_member(*this, "bn1", conv1, bn1) + fold_member(*this, "bn2", conv2, bn2);
  if (downsample) n += fold_batchnorm_in_sequentials(*downsample);
  return n;
}

BottleneckImpl::BottleneckImpl(int64_t in_channels, int64_t width, int64_t stride) {
  const int64_t out_channels = width * 4;
  conv1 = register_module("conv1", conv(in_channels, width, 1, 1, 0));
  bn1 = register_module("bn1", SyncableBatchNorm2d(width));
  conv2 = register_module("conv2", conv(width, width, 3, stride, 1));
  bn2 = register_module("bn2", SyncableBatchNorm2d(width));
  conv3 = register_module("conv3", conv(width, out_channels, 1, 1, 0));
  bn3 = register_module("bn3", SyncableBatchNorm2d(out_channels));
  downsample = make_downsample(in_channels, out_channels, stride);
  if (downsample) register_module("downsample", downsample);
}

torch::Tensor BottleneckImpl::forward(const torch::Tensor& x) {
  auto out = torch::relu(conv_bn(conv1, bn1, x));
  out = torch::relu(conv_bn(conv2, bn2, out));
  out = conv_bn(conv3, bn3, out);
  out += downsample ? downsample->forward(x) : x;
  return torch::relu(out);
}

int64_t BottleneckImpl::fold_batchnorm() {
  int64_t n = fold_member(*this, "bn1", conv1, bn1) + fold_member(*this, "bn2", conv2, bn2) +
              fold_member(*this, "bn3", conv3, bn3);
  if (downsample) n += fold_batchnorm_in_sequentials(*downsample);
  return n;
}

// --- Encoder
// ---------------------------------------------------------------------------------------

ResNetEncoderImpl::ResNetEncoderImpl(const ResNetOptions& options) : options_(options) {
  const auto& o = options_;
  MVPOSE3D_CHECK(!o.layers().empty() && o.layers().size() <= 4,
                 "ResNet needs 1 to 4 stages of blocks, got {}",
                 o.layers().size());
  MVPOSE3D_CHECK(o.stages() >= 1 && o.stages() <= static_cast<int64_t>(o.layers().size()),
                 "ResNet stages = {} must be in [1, {}]",
                 o.stages(),
                 o.layers().size());
  MVPOSE3D_CHECK(o.width() >= 1, "ResNet width must be positive, got {}", o.width());
  for (int64_t n : o.layers()) MVPOSE3D_CHECK(n >= 1, "ResNet stages need at least one block");

  conv1 = register_module(
      "conv1", nn::Conv2d(nn::Conv2dOptions(3, o.width(), 7).stride(2).padding(3).bias(false)));
  bn1 = register_module("bn1", SyncableBatchNorm2d(o.width()));
  maxpool = register_module("maxpool", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
  int64_t in_channels = o.width();
  for (int64_t s = 0; s < o.stages(); ++s) {
    const int64_t width = o.width() << s;
    nn::Sequential stage;
    for (int64_t b = 0; b < o.layers()[s]; ++b) {
      const int64_t stride = (b == 0 && s > 0) ? 2 : 1;
      if (o.block() == ResNetBlock::kBottleneck) {
        stage->push_back(Bottleneck(in_channels, width, stride));
      } else {
        stage->push_back(BasicBlock(in_channels, width, stride));
      }
      in_channels = width * expansion(o.block());
    }
    layers.push_back(register_module(fmt::format("layer{}", s + 1), stage));
  }
  // torchvision's initialisation.
  for (auto& m : modules(/*include_self=*/false)) {
    if (auto* c = m->as<nn::Conv2d>()) {
      nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
    } else if (auto* bn = m->as<nn::BatchNorm2d>()) {
      nn::init::ones_(bn->weight);
      nn::init::zeros_(bn->bias);
    }
  }
}

std::vector<torch::Tensor> ResNetEncoderImpl::forward_stages(const torch::Tensor& images) {
  MVPOSE3D_CHECK(images.dim() == 4 && images.size(1) == 3,
                 "ResNetEncoder: images must be [N, 3, H, W], got {}",
                 shape_of(images));
  auto x = maxpool(torch::relu(conv_bn(conv1, bn1, images)));
  std::vector<torch::Tensor> outs;
  for (auto& stage : layers) {
    x = stage->forward(x);
    outs.push_back(x);
  }
  return outs;
}

torch::Tensor ResNetEncoderImpl::forward(const torch::Tensor& images) {
  return forward_stages(images).back();
}

int64_t ResNetEncoderImpl::fold_batchnorm() {
  int64_t n = fold_member(*this, "bn1", conv1, bn1);
  for (auto& stage : layers) {
    for (size_t i = 0; i < stage->size(); ++i) {
      if (auto* block = stage->ptr(i)->as<BottleneckImpl>()) {
        n += block->fold_batchnorm();
      } else if (auto* basic = stage->ptr(i)->as<BasicBlockImpl>()) {
        n += basic->fold_batchnorm();
      }
    }
  }
  return n;
}

torch::Tensor imagenet_normalize(const torch::Tensor& images) {
  MVPOSE3D_CHECK(images.dim() >= 3 && images.size(-3) == 3,
                 "imagenet_normalize: images must be [..., 3, H, W], got {}",
                 shape_of(images));
  const auto opts = images.options();
  const auto mean = torch::tensor({0.485, 0.456, 0.406}, opts).view({3, 1, 1});
  const auto std = torch::tensor({0.229, 0.224, 0.225}, opts).view({3, 1, 1});
  return (images - mean) / std;
}

// --- Torchvision weight files
// ---------------------------------------------------------------------

TorchvisionWeightsInfo load_torchvision_resnet(ResNetEncoder& encoder,
                                               const std::filesystem::path& file) {
  const std::string where = fmt::format("torchvision weights '{}'", file.string());
  c10::IValue root;
  try {
    root = torch::pickle_load(read_bytes(file));
  } catch (const c10::Error& e) {
    throw Error(fmt::format("{}: not a torch.save file ({})", where, e.what_without_backtrace()));
  }
  MVPOSE3D_CHECK(root.isGenericDict(), "{}: expected a dict at the top level", where);
  const auto dict = root.toGenericDict();
  auto get = [&](const char* key) {
    MVPOSE3D_CHECK(dict.contains(key),
                   "{}: no '{}' entry (write it with scripts/export_torchvision_resnet.py)",
                   where,
                   key);
    return dict.at(key);
  };
  const auto format = get("format");
  MVPOSE3D_CHECK(format.isString() && format.toStringRef() == "mvpose3d.torchvision_resnet",
                 "{}: format is not mvpose3d.torchvision_resnet",
                 where);
  const int64_t version = get("version").toInt();
  MVPOSE3D_CHECK(
      version == 1, "{}: format version {} is not supported (this build reads 1)", where, version);
  TorchvisionWeightsInfo info;
  info.arch = get("arch").toStringRef();
  info.block =
      get("block").toStringRef() == "bottleneck" ? ResNetBlock::kBottleneck : ResNetBlock::kBasic;
  const auto layers = get("layers").toList();
  for (size_t i = 0; i < layers.size(); ++i) info.layers.push_back(layers.get(i).toInt());
  info.width = get("width").toInt();
  info.source = get("source").toStringRef();

  const auto& o = encoder->options();
  const auto kept = std::vector<int64_t>(o.layers().begin(), o.layers().begin() + o.stages());
  const bool fits = info.block == o.block() && info.width == o.width() &&
                    info.layers.size() >= kept.size() &&
                    std::equal(kept.begin(), kept.end(), info.layers.begin());
  MVPOSE3D_CHECK(fits,
                 "{}: the file holds {} ({}, blocks {}, width {}) but the encoder is {}",
                 where,
                 info.arch,
                 block_name(info.block),
                 fmt::format("[{}]", fmt::join(info.layers, ", ")),
                 info.width,
                 o.name());

  StateDict state;
  for (const auto& kv : get("state_dict").toGenericDict()) {
    state.emplace_back(kv.key().toStringRef(), kv.value().toTensor());
  }
  std::vector<std::string> ignore{"fc."};
  for (int64_t s = o.stages(); s < 4; ++s) ignore.push_back(fmt::format("layer{}.", s + 1));
  info.tensors_loaded = load_state_dict(*encoder, state, where, ignore);
  return info;
}

}  // namespace mvpose3d::models
