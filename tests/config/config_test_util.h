// Helpers shared by the config tests: a scratch directory and the source tree.
#pragma once

#include "mvpose3d/core/file_io.h"

#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

namespace mvpose3d::testing_config {

namespace fs = std::filesystem;

// The source tree (tests run from it; MVPOSE3D_SOURCE_DIR is set by CTest).
inline fs::path source_dir() {
  const char* dir = std::getenv("MVPOSE3D_SOURCE_DIR");
  return dir != nullptr ? fs::path(dir) : fs::current_path();
}

// A fresh directory for one test, removed afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() / ("mvpose3d_config_" + std::to_string(::getpid()) + "_" +
                                         info->test_suite_name() + "_" + info->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const fs::path& path() const { return path_; }

  // Writes `text` to path()/name and returns the full path.
  fs::path write(const std::string& name, const std::string& text) const {
    const fs::path file = path_ / name;
    write_file_atomic(file, text);
    return file;
  }

 private:
  fs::path path_;
};

}  // namespace mvpose3d::testing_config
