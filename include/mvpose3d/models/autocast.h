// Autocast scopes for mixed-precision training (train.precision): LibTorch's at::autocast state,
// set and restored by RAII as Python's torch.autocast does.
//
//   {
//     const AutocastScope autocast(at::kCPU, at::kBFloat16);  // convolutions in bfloat16
//     net->forward(images, cameras);  // which runs soft-argmax and the DLT under AutocastOff
//   }
#pragma once

#include <ATen/autocast_mode.h>
#include <c10/core/DeviceType.h>
#include <c10/core/ScalarType.h>

namespace mvpose3d::models {

// Autocast on for `device_type` with `dtype` while alive. On leaving the outermost scope the cast
// cache (weights cast once per forward) is cleared, so the next forward casts the updated weights.
class AutocastScope {
 public:
  AutocastScope(c10::DeviceType device_type, c10::ScalarType dtype)
      : device_type_(device_type),
        was_enabled_(at::autocast::is_autocast_enabled(device_type)),
        previous_dtype_(at::autocast::get_autocast_dtype(device_type)) {
    at::autocast::set_autocast_dtype(device_type_, dtype);
    at::autocast::set_autocast_enabled(device_type_, true);
    at::autocast::increment_nesting();
  }
  ~AutocastScope() {
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_autocast_enabled(device_type_, was_enabled_);
    at::autocast::set_autocast_dtype(device_type_, previous_dtype_);
  }
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  c10::DeviceType device_type_;
  bool was_enabled_;
  c10::ScalarType previous_dtype_;
};

// Autocast off on the CPU and CUDA while alive (the parts that must stay float32/float64 inside
// an AutocastScope: soft-argmax, the DLT); the previous state is restored after.
class AutocastOff {
 public:
  AutocastOff()
      : cpu_(at::autocast::is_autocast_enabled(c10::DeviceType::CPU)),
        cuda_(at::autocast::is_autocast_enabled(c10::DeviceType::CUDA)) {
    at::autocast::set_autocast_enabled(c10::DeviceType::CPU, false);
    at::autocast::set_autocast_enabled(c10::DeviceType::CUDA, false);
  }
  ~AutocastOff() {
    at::autocast::set_autocast_enabled(c10::DeviceType::CPU, cpu_);
    at::autocast::set_autocast_enabled(c10::DeviceType::CUDA, cuda_);
  }
  AutocastOff(const AutocastOff&) = delete;
  AutocastOff& operator=(const AutocastOff&) = delete;

  // Whether autocast was on for any device when this scope began.
  bool was_enabled() const { return cpu_ || cuda_; }

 private:
  bool cpu_, cuda_;
};

}  // namespace mvpose3d::models
