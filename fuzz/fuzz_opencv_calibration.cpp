// OpenCV FileStorage calibrations (YAML, XML or JSON, told apart by OpenCV from the content): an
// input without the separator "\n#---\n" is one camera of the OpenCV calibration sample; with it,
// EasyMocap's intri.yml (before) and extri.yml (after).
//
// The import parses in a child process with a time limit (OpenCV 4.6's YAML parser can loop for
// ever; core/time_limited_child.h), and the child's coverage and sanitizer reports never reach
// libFuzzer. So an input the child finished is parsed again here, in this process; one it did not
// finish is OpenCV's known hang, contained, and is not.
#include "mvpose3d/core/error.h"

#include "data/calibration/calibration_readers.h"
#include "fuzz_calibration.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mvpose3d;
  const std::vector<std::string> parts = fuzz::split_input(data, size, "\n#---\n", 2);
  const bool one_camera = parts.size() == 1;
  const bool finished =
      one_camera ? fuzz::import_calibration_files(CalibrationFormat::kOpenCv, {"camera.yml"}, parts)
                 : fuzz::import_calibration_files(
                       CalibrationFormat::kEasyMocap, {"intri.yml", "extri.yml"}, parts);
  if (!finished) return 0;
  const std::filesystem::path dir = fuzz::scratch_dir() / "calibration";
  try {
    if (one_camera) {
      (void)calibration::parse_opencv_camera(dir / "camera.yml");
    } else {
      (void)calibration::parse_easymocap(dir / "intri.yml", dir / "extri.yml");
    }
  } catch (const Error&) {
  }
  return 0;
}
