// A trained network for inference on a user's frames: the checkpoint loaded into the model of its
// run config, optionally with BatchNorm folded, in float32 or reduced precision, on the CPU or
// CUDA. It takes the same inputs as the evaluator (MultiviewSample crops collated into a
// MultiviewBatch, models::imagenet_normalize, camera_batch_from), so a frame cropped like a test
// sample gives the evaluator's 2D joints. The DLT is not run here: inference triangulates with
// missing views at weight 0 and with lens distortion removed (infer_session.h).
//
// The only translation unit of the infer layer that includes LibTorch's nn headers.
#pragma once

#include "mvpose3d/config/run_config.h"
#include "mvpose3d/data/multiview_sample.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

namespace mvpose3d::infer {

// "cpu" or "cuda" (the first GPU); throws UsageError naming `flag` for another name, or Error when
// CUDA is asked for and none is usable.
at::Device inference_device(const std::string& name, const std::string& flag = "--device");

struct InferNetworkOptions {
  std::string device = "cpu";
  std::string precision = "float32";  // models/precision.h
  bool fold_batchnorm = false;
};

// What the network saw in one batch of frames.
struct NetworkOutput {
  at::Tensor joints2d_crop_px;  // [B, V, J, 2] float64, in each view's crop
  at::Tensor confidences;       // [B, V, J] float64 in (0, 1]
};

class InferNetwork {
 public:
  // Builds the model of `config` (make_model), loads `checkpoint` (its architecture must be the
  // config's; Error naming the file otherwise), folds BatchNorm and converts as asked.
  InferNetwork(const RunConfig& config,
               const std::filesystem::path& checkpoint,
               const InferNetworkOptions& options);
  ~InferNetwork();
  InferNetwork(const InferNetwork&) = delete;
  InferNetwork& operator=(const InferNetwork&) = delete;

  // samples: B frames of V cropped views each (images [V, 3, S, S] uint8, crop cameras). Views
  // that are missing hold black images; their outputs are meaningless and get weight 0 later.
  NetworkOutput run(const std::vector<MultiviewSample>& samples);

  int crop_size_px() const;
  std::int64_t num_joints() const;
  const at::Device& device() const { return device_; }
  std::string architecture() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  at::Device device_ = at::kCPU;
};

}  // namespace mvpose3d::infer
