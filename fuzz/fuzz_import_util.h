// Shared by the importer fuzz targets (calibration files, keypoint files).
#pragma once

#include <spdlog/spdlog.h>

namespace mvpose3d::fuzz {

// Turns logging off (the importers warn about guessed image sizes, missing views...).
inline void quiet_logging() {
  spdlog::set_level(spdlog::level::off);
}

}  // namespace mvpose3d::fuzz
