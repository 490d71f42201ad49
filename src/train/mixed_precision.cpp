#include "mvpose3d/train/mixed_precision.h"

#include "mvpose3d/core/error.h"

#include <map>

#include <ATen/ATen.h>

namespace mvpose3d::train {

c10::ScalarType autocast_dtype(Precision precision) {
  switch (precision) {
    case Precision::kBf16:
      return at::kBFloat16;
    case Precision::kFp16:
      return at::kHalf;
    case Precision::kFp32:
      break;
  }
  return at::kFloat;
}

void check_precision_supported(Precision precision, const c10::Device& device) {
  MVPOSE3D_CHECK(precision != Precision::kFp16 || device.is_cuda(),
                 "train.precision = fp16 needs a CUDA device (training runs on {}): use bf16 on "
                 "the CPU, or fp32",
                 device.str());
}

LossScaler::LossScaler(const LossScalerOptions& options) : options_(options) {
  MVPOSE3D_CHECK(options_.init_scale > 0 && options_.growth_factor > 1 &&
                     options_.backoff_factor > 0 && options_.backoff_factor < 1 &&
                     options_.growth_interval > 0,
                 "LossScaler: needs init_scale > 0, growth_factor > 1, 0 < backoff_factor < 1 "
                 "and growth_interval > 0");
  scale_ = at::full({1}, options_.init_scale, at::kFloat);
  growth_tracker_ = at::zeros({1}, at::kInt);
  found_inf_ = at::zeros({1}, at::kFloat);
}

void LossScaler::to_device(const c10::Device& device) {
  if (scale_.device() == device) return;
  scale_ = scale_.to(device);
  growth_tracker_ = growth_tracker_.to(device);
  found_inf_ = found_inf_.to(device);
}

at::Tensor LossScaler::scale(const at::Tensor& loss) {
  if (!enabled()) return loss;
  to_device(loss.device());
  return loss * scale_.to(loss.scalar_type());
}

bool LossScaler::unscale(const std::vector<at::Tensor>& parameters) {
  if (!enabled()) return true;
  // One call per (device, dtype) group of gradients, as GradScaler groups them.
  std::map<std::pair<std::string, c10::ScalarType>, std::vector<at::Tensor>> groups;
  for (const auto& p : parameters) {
    const at::Tensor& g = p.grad();
    if (g.defined()) groups[{g.device().str(), g.scalar_type()}].push_back(g);
  }
  found_inf_.zero_();
  if (groups.empty()) return true;
  to_device(groups.begin()->second.front().device());
  const at::Tensor inv_scale = scale_.to(at::kDouble).reciprocal().to(at::kFloat);
  for (auto& [key, grads] : groups) {
    at::_amp_foreach_non_finite_check_and_unscale_(grads, found_inf_, inv_scale);
  }
  return found_inf_.item<float>() == 0.0f;
}

void LossScaler::update() {
  if (!enabled()) return;
  at::_amp_update_scale_(scale_,
                         growth_tracker_,
                         found_inf_,
                         options_.growth_factor,
                         options_.backoff_factor,
                         options_.growth_interval);
  found_inf_.zero_();
}

double LossScaler::scale_value() const {
  return scale_.item<double>();
}

std::int64_t LossScaler::growth_tracker() const {
  return growth_tracker_.item<std::int64_t>();
}

void LossScaler::set_state(double scale, std::int64_t growth_tracker) {
  MVPOSE3D_CHECK(scale > 0 && growth_tracker >= 0,
                 "LossScaler: invalid state (scale {}, growth tracker {})",
                 scale,
                 growth_tracker);
  scale_.fill_(scale);
  growth_tracker_.fill_(growth_tracker);
}

}  // namespace mvpose3d::train
