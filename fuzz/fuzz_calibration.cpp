#include "fuzz_calibration.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/time_limited_child.h"

#include <cstdio>
#include <cstdlib>

#include "fuzz_import_util.h"
#include "fuzz_util.h"

namespace mvpose3d::fuzz {

namespace {

// Uses every camera of an imported rig as triangulate --cameras does (projection matrix,
// projection, undistortion), then writes the rig as rig YAML and reads it back: what an importer
// accepts must save as a rig that loads (`mvpose3d rig convert`). A failure to load it back is a
// finding (abort), not an input error.
void exercise_rig(const Rig& rig) {
  Eigen::Matrix2Xd px(2, 3);  // [2, N]
  px << 0, 100, 500, 0, 80, 400;
  for (size_t i = 0; i < rig.size(); ++i) {
    const Camera& camera = rig.camera(i);
    (void)camera.proj_from_world();
    (void)camera.project(Eigen::Vector3d(10.0, -20.0, 3000.0));
    (void)camera.undistort_points(px);
  }
  const std::string yaml = rig_to_yaml(rig);
  try {
    (void)parse_rig(yaml, "imported.yaml");
  } catch (const Error& e) {
    std::fprintf(stderr, "an imported rig does not load back: %s\n%s\n", e.what(), yaml.c_str());
    std::abort();
  }
}

}  // namespace

bool import_calibration_files(CalibrationFormat format,
                              const std::vector<std::string>& names,
                              const std::vector<std::string>& files,
                              const std::string& select) {
  quiet_logging();
  const std::filesystem::path dir = fresh_scratch_dir("calibration");
  CalibrationImport request;
  request.format = format;
  request.units = LengthUnit::kMillimetre;
  request.select = select;
  request.opencv_parse_limit_s = kFuzzOpenCvParseLimitS;
  for (std::size_t i = 0; i < names.size(); ++i) {
    request.inputs.push_back(write_scratch("calibration/" + names[i], files[i]));
  }
  try {
    exercise_rig(import_calibration(request));
  } catch (const TimeLimitExceeded&) {
    return false;
  } catch (const Error&) {
  }
  return true;
}

}  // namespace mvpose3d::fuzz
