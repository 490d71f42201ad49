// Timing helpers shared by the `bench` subcommands: medians of repeated calls after warm-up, with
// the CUDA device synchronised around each call.
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/cuda.h>

namespace mvpose3d::tools {

inline void synchronize(const at::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize();
}

// Median seconds of `fn` after `warmups` calls, repeated until `min_seconds` have passed (at least
// 3 and at most `max_runs` runs).
template <typename Fn>
double median_seconds(
    const at::Device& device, double min_seconds, Fn&& fn, int warmups = 1, int max_runs = 25) {
  for (int i = 0; i < warmups; ++i) fn();
  synchronize(device);
  std::vector<double> times;
  double total = 0;
  while ((times.size() < 3 || total < min_seconds) && static_cast<int>(times.size()) < max_runs) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    synchronize(device);
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    times.push_back(dt);
    total += dt;
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace mvpose3d::tools
