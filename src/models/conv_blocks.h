// The 1×1 convolution blocks the decoder and the fusion blocks are built from.
#pragma once

#include "mvpose3d/models/syncable_batch_norm.h"

#include <cstdint>

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>

namespace mvpose3d::models {

inline torch::nn::Conv2d conv1x1(int64_t in, int64_t out, bool bias) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).bias(bias));
}

// 1×1 convolution (no bias: BN follows) → BatchNorm → ReLU, appended to `seq`.
inline void append_conv_bn_relu(torch::nn::Sequential& seq, int64_t in, int64_t out) {
  seq->push_back(conv1x1(in, out, false));
  seq->push_back(SyncableBatchNorm2d(out));
  seq->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
}

inline torch::nn::Sequential conv_bn_relu(int64_t in, int64_t out) {
  torch::nn::Sequential seq;
  append_conv_bn_relu(seq, in, out);
  return seq;
}

}  // namespace mvpose3d::models
