// What env.txt records about the process that made a run (or a benchmark): enough to reproduce it.
#pragma once

#include "mvpose3d/config/run_config.h"

#include <string>
#include <vector>

namespace mvpose3d {

struct EnvironmentInfo {
  std::string git_sha;           // of the source tree this binary was built from, or "unknown"
  std::string mvpose3d_version;  // MVPOSE3D_VERSION
  std::string libtorch_version;  // TORCH_VERSION of the linked LibTorch
  bool cuda_compiled = false;    // MVPOSE3D_CUDA_ENABLED
  bool cuda_available = false;   // a CUDA device is usable now
  std::string cuda_device;       // name of device 0 when available
  int num_threads = 0;           // at::get_num_threads()
  std::string hostname;
  std::string command_line;
  int world_size = 1;                        // processes of the data-parallel job
  std::string distributed_backend = "none";  // c10d backend: gloo, nccl, none
  std::string hosts;                         // the job's hosts, comma-separated, in rank order

  std::string to_text() const;
};

// Records the data-parallel job this process belongs to (distributed::join_job calls it once),
// for every environment collected afterwards.
void record_job(int world_size, const std::string& backend, const std::vector<std::string>& hosts);

// Collects the environment; `argv` is joined (shell-quoted) into command_line.
EnvironmentInfo collect_environment(const std::vector<std::string>& argv);

// The environment a run records in env.txt: collect_environment(argv), with the intra-op threads
// the run will use (config.threads, applied when it starts) rather than the process default.
EnvironmentInfo run_environment(const RunConfig& config, const std::vector<std::string>& argv);

}  // namespace mvpose3d
