// Helpers shared by the model tests: temporary directories, the Python side, tiny configurations.
#pragma once

#include "mvpose3d/config/model_config.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <unistd.h>

#include <fmt/format.h>

namespace mvpose3d::testing {

// A fresh directory under the system's temporary directory ($TMPDIR, else /tmp), removed with the
// object. Named from the process id, a counter and the clock: no std::random_device, which some
// virtual machines cannot read.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    std::error_code ec;
    std::filesystem::path base = std::filesystem::temp_directory_path(ec);
    if (ec || base.empty()) base = "/tmp";
    path_ = base / fmt::format("mvpose3d_models_test_{}_{}_{}",
                               static_cast<long>(::getpid()),
                               counter++,
                               std::chrono::steady_clock::now().time_since_epoch().count());
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

inline std::filesystem::path source_dir() {
  const std::string dir = env_or_empty("MVPOSE3D_SOURCE_DIR");
  return dir.empty() ? std::filesystem::current_path() : std::filesystem::path(dir);
}

// The Python with torch and torchvision: $MVPOSE3D_PYTHON, else the one CMake was given.
inline std::string python_executable() {
  const std::string python = env_or_empty("MVPOSE3D_PYTHON");
#ifdef MVPOSE3D_TEST_PYTHON
  if (python.empty()) return MVPOSE3D_TEST_PYTHON;
#endif
  return python;
}

// "" when python_executable() imports torch and torchvision, otherwise why not (for GTEST_SKIP).
inline std::string torchvision_unavailable() {
  const std::string python = python_executable();
  if (python.empty()) return "MVPOSE3D_PYTHON is not set (configure with -DMVPOSE3D_PYTHON=...)";
  const std::string cmd =
      fmt::format("'{}' -c 'import torch, torchvision' > /dev/null 2>&1", python);
  if (std::system(cmd.c_str()) != 0) {
    return fmt::format("MVPOSE3D_PYTHON={} cannot import torch and torchvision", python);
  }
  return "";
}

// A tiny configuration of every part of the network (ResNet-18 at width 8), fast on two cores.
inline ModelConfig tiny_model_config(const std::string& fusion = "canonical") {
  ModelConfig c;
  c.backbone = Backbone::kResNet18;
  c.backbone_width = 8;
  c.fusion = parse_enum<FusionMode>(fusion, "model.fusion");
  c.latent_channels = 12;  // 4 points of 3
  c.fused_channels = 16;   // projection: 4 points of 4
  c.deconv_layers = 2;
  c.deconv_channels = 16;
  c.deconv_kernel = 4;
  return c;
}

}  // namespace mvpose3d::testing
