// Mixed-precision training (train.precision): which dtype autocast runs the network's forward in,
// and the dynamic loss scale that keeps fp16 gradients from underflowing, as PyTorch's
// torch.amp.GradScaler does it, on ATen's own kernels.
//
// One step with a LossScaler (fp32 and bf16: disabled, every call is a no-op, so the default
// path is unchanged):
//
//   scaler.scale(loss).backward();               // gradients × S
//   if (scaler.unscale(parameters)) {            // gradients / S; false: an Inf or NaN in one
//     clip_grad_norm_(parameters, max_norm);     // on the true gradients
//     optimizer.step();
//   }                                            // else the step is skipped
//   scaler.update();                             // S / 2 after a non-finite step; S × 2 after
//                                                // growth_interval finite steps in a row
#pragma once

#include "mvpose3d/config/train_config.h"

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

namespace mvpose3d::train {

// The autocast dtype of `precision`: kBFloat16, kHalf, or kFloat for fp32 (autocast off).
c10::ScalarType autocast_dtype(Precision precision);

// Throws Error naming train.precision when `device` cannot train in `precision` (fp16 needs a CUDA
// device; bf16 runs on the CPU and CUDA).
void check_precision_supported(Precision precision, const c10::Device& device);

// The dynamic loss scale; torch.amp.GradScaler's defaults.
struct LossScalerOptions {
  bool enabled = false;         // fp16 only
  double init_scale = 65536.0;  // 2^16
  double growth_factor = 2.0;   // after growth_interval finite steps in a row
  double backoff_factor = 0.5;  // after a step with a non-finite gradient
  std::int64_t growth_interval = 2000;
};

class LossScaler {
 public:
  explicit LossScaler(const LossScalerOptions& options = {});

  bool enabled() const { return options_.enabled; }
  // loss × S (the same tensor when disabled).
  at::Tensor scale(const at::Tensor& loss);
  // Divides every defined gradient of `parameters` by S in place (one fused kernel per device,
  // _amp_foreach_non_finite_check_and_unscale_) and returns whether all of them are finite.
  // Disabled: true, without looking.
  bool unscale(const std::vector<at::Tensor>& parameters);
  // After the step (taken or skipped): the new S from the last unscale's finding
  // (_amp_update_scale_).
  void update();

  // The current scale S and the count of finite steps since the last change, for checkpoints.
  double scale_value() const;
  std::int64_t growth_tracker() const;
  void set_state(double scale, std::int64_t growth_tracker);

 private:
  void to_device(const c10::Device& device);

  LossScalerOptions options_;
  at::Tensor scale_;           // [1] float32, on the gradients' device
  at::Tensor growth_tracker_;  // [1] int32
  at::Tensor found_inf_;       // [1] float32: 1 when the last unscale met a non-finite gradient
};

}  // namespace mvpose3d::train
