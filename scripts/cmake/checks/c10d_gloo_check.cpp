// Configure-time check (scripts/cmake/mvpose3dDistributed.cmake): a ProcessGroupGloo built with
// the Gloo headers found on this machine links against LibTorch and runs an all-reduce. Debian's
// Gloo is older than the one linked into torch, so compiling is not enough.
#include <ATen/ATen.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

int main() {
  c10d::TCPStoreOptions store_options;
  store_options.port = 0;  // any free port
  store_options.isServer = true;
  store_options.numWorkers = 1;
  const auto store = c10::make_intrusive<c10d::TCPStore>("127.0.0.1", store_options);
  const auto options = c10d::ProcessGroupGloo::Options::create();
  options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  const auto group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, 0, 1, options);
  std::vector<at::Tensor> tensors{at::ones({3})};
  group->allreduce(tensors)->wait();
  return tensors[0].sum().item<float>() == 3.0f ? 0 : 1;
}
