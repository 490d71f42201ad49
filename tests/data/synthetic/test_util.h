// Helpers shared by the data tests.
#pragma once

#include "mvpose3d/config/data_config.h"

#include <cstdlib>
#include <filesystem>
#include <string>

namespace mvpose3d::testing {

// The source tree (set by CTest; tests run from it as well).
inline std::filesystem::path source_dir() {
  const char* dir = std::getenv("MVPOSE3D_SOURCE_DIR");
  return dir != nullptr ? std::filesystem::path(dir) : std::filesystem::current_path();
}

// A small, fast synthetic config: 4 H36M views at 64 px, every effect on.
inline DataConfig small_synthetic_config() {
  DataConfig d;
  d.type = DatasetType::kSynthetic;
  d.crop_size_px = 64;
  d.num_views = 4;
  d.rig = (source_dir() / "configs/rigs/h36m.yaml").string();
  d.synthetic.samples_per_epoch = 40;
  d.synthetic.test_samples = 20;
  d.synthetic.occluders = 1;
  d.synthetic.truncation_prob = 0.3;
  d.synthetic.blur_prob = 0.5;
  d.synthetic.noise_std = 0.03;
  d.synthetic.randomize_rig = true;
  return d;
}

}  // namespace mvpose3d::testing
