// The calibration importers' fuzz targets: one input, cut into the files a format takes, imported
// through import_calibration (data/calibration/calibration_import.h) as `rig convert` does.
#pragma once

#include "mvpose3d/data/calibration/calibration_import.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mvpose3d::fuzz {

// OpenCV's parser runs in a child process with this limit (libFuzzer's -timeout is 10 s).
inline constexpr double kFuzzOpenCvParseLimitS = 2.0;

// Writes `files[i]` to a fresh scratch folder (scratch_dir() / "calibration") as `names[i]`,
// imports them as `format` (lengths in mm; with `select` when not empty) and exercises the rig
// (exercise_rig). Every failure of the import must be mvpose3d::Error; anything else is a finding.
// Returns false when the import was stopped at its time limit (TimeLimitExceeded), else true.
bool import_calibration_files(CalibrationFormat format,
                              const std::vector<std::string>& names,
                              const std::vector<std::string>& files,
                              const std::string& select = "");

}  // namespace mvpose3d::fuzz
