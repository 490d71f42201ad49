// ProcessGroupNCCL (libtorch_cuda; nccl.h from the wheel's nvidia-nccl package), compiled only in
// CUDA builds with c10d. NCCL's watchdog ends the process when a collective exceeds the timeout
// (PyTorch's TORCH_NCCL_ASYNC_ERROR_HANDLING default), so a lost rank cannot hang the job.
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>

#include "c10d_context.h"

namespace mvpose3d::distributed {

c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store,
                                                    int rank,
                                                    int world_size,
                                                    const at::Device& device,
                                                    std::chrono::milliseconds timeout) {
  c10::cuda::set_device(device.index());
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, world_size, options);
}

}  // namespace mvpose3d::distributed
