// OpenCV FileStorage calibrations (YAML, XML or JSON, told apart by OpenCV from the content): an
// input without the separator "\n#---\n" is one camera of the OpenCV calibration sample; with it,
// EasyMocap's intri.yml (before) and extri.yml (after).
#include "fuzz_calibration.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mvpose3d;
  const std::vector<std::string> parts = fuzz::split_input(data, size, "\n#---\n", 2);
  if (parts.size() == 1) {
    fuzz::import_calibration_files(CalibrationFormat::kOpenCv, {"camera.yml"}, parts);
  } else {
    fuzz::import_calibration_files(
        CalibrationFormat::kEasyMocap, {"intri.yml", "extri.yml"}, parts);
  }
  return 0;
}
