// TOML calibrations (aniposelib, Pose2Sim, freemocap, Caliscope), read with cpptoml.
#include "fuzz_calibration.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mvpose3d;
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::import_calibration_files(CalibrationFormat::kToml, {"calibration.toml"}, {text});
  return 0;
}
