// Central-difference gradient checks in double, reporting the worst element (Flashlight-style).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/autograd.h>

namespace mvpose3d::testing {

struct GradcheckResult {
  bool ok = true;
  std::string message;  // the worst element of the first failing input
};

// f maps inputs to one tensor; checks d(sum(f * probe))/d input against finite differences for each
// input that requires grad. Inputs must be float64 leaf tensors.
inline GradcheckResult gradcheck(const std::function<at::Tensor(const std::vector<at::Tensor>&)>& f,
                                 std::vector<at::Tensor> inputs,
                                 double eps = 1e-6,
                                 double atol = 1e-6,
                                 double rtol = 1e-4) {
  const at::Tensor out0 = f(inputs);
  const at::Tensor probe = at::randn(out0.sizes(), out0.options().dtype(at::kDouble));
  const at::Tensor loss = (out0 * probe).sum();
  std::vector<at::Tensor> wrt;
  for (auto& t : inputs) {
    if (t.requires_grad()) wrt.push_back(t);
  }
  const auto grads = torch::autograd::grad({loss}, wrt, {}, false, false, true);
  GradcheckResult result;
  size_t gi = 0;
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (!inputs[k].requires_grad()) continue;
    const at::Tensor analytic =
        (grads[gi].defined() ? grads[gi] : at::zeros_like(inputs[k])).contiguous();
    ++gi;
    at::Tensor base = inputs[k].detach().clone();
    at::Tensor numeric = at::zeros_like(base);
    auto flat = base.view(-1);
    for (int64_t i = 0; i < flat.numel(); ++i) {
      const double orig = flat[i].item<double>();
      auto eval = [&](double value) {
        flat[i] = value;
        std::vector<at::Tensor> args = inputs;
        args[k] = base;
        at::NoGradGuard no_grad;
        return (f(args) * probe).sum().item<double>();
      };
      const double plus = eval(orig + eps), minus = eval(orig - eps);
      flat[i] = orig;
      numeric.view(-1)[i] = (plus - minus) / (2 * eps);
    }
    const at::Tensor err = (analytic - numeric).abs() - (atol + rtol * numeric.abs());
    const int64_t worst = err.view(-1).argmax().item<int64_t>();
    if (err.view(-1)[worst].item<double>() > 0) {
      result.ok = false;
      result.message = fmt::format("input {} element {}: analytic {:.10g} vs numeric {:.10g}",
                                   k,
                                   worst,
                                   analytic.view(-1)[worst].item<double>(),
                                   numeric.view(-1)[worst].item<double>());
      return result;
    }
  }
  return result;
}

}  // namespace mvpose3d::testing
