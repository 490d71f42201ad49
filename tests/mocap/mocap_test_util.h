// Shared by the mocap tests: a temporary directory and the test Python.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include <fmt/format.h>

namespace mvpose3d::mocap::testing {

// A fresh directory removed at the end of the test.
class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              fmt::format("mvpose3d-{}-{}", name, ::getpid())) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// $MVPOSE3D_PYTHON, else the Python CMake was configured with.
inline std::string test_python() {
  if (const char* env = std::getenv("MVPOSE3D_PYTHON"); env != nullptr && *env != '\0') return env;
  return MVPOSE3D_TEST_PYTHON;
}

// True when the test Python imports `modules` (e.g. "scipy, numpy").
inline bool python_has(const std::string& modules) {
  if (test_python().empty()) return false;
  const std::string command =
      fmt::format("'{}' -c 'import {}' > /dev/null 2>&1", test_python(), modules);
  return std::system(command.c_str()) == 0;
}

// Runs a Python script file with arguments; returns the exit status.
inline int run_python(const std::string& script, const std::string& args) {
  const std::string command = fmt::format("'{}' {} {}", test_python(), script, args);
  return std::system(command.c_str());
}

}  // namespace mvpose3d::mocap::testing
