// Paths used by the geometry tests.
#pragma once

#include <cstdlib>
#include <filesystem>

namespace mvpose3d::testing_paths {

// The source tree (CTest sets MVPOSE3D_SOURCE_DIR and runs the tests from it).
inline std::filesystem::path source_dir() {
  const char* dir = std::getenv("MVPOSE3D_SOURCE_DIR");
  return dir != nullptr ? std::filesystem::path(dir) : std::filesystem::current_path();
}

inline std::filesystem::path rig_file(const char* name) {
  return source_dir() / "configs" / "rigs" / name;
}

}  // namespace mvpose3d::testing_paths
