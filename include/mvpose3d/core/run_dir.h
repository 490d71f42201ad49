// Run directories: runs/<config-name>/<timestamp>/ with config.resolved.yaml, env.txt and log.txt.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace mvpose3d {

// What env.txt records about the process that made a run: enough to reproduce it.
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

  std::string to_text() const;
};

// Collects the environment; `argv` is joined (shell-quoted) into command_line.
EnvironmentInfo collect_environment(const std::vector<std::string>& argv);

// Creates <root>/<config_name>/<YYYYmmdd-HHMMSS>[-N]/ (never reusing an existing directory),
// writes env.txt into it, and returns its path.
std::filesystem::path create_run_dir(const std::filesystem::path& root,
                                     const std::string& config_name,
                                     const EnvironmentInfo& env);

}  // namespace mvpose3d
