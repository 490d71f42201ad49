// CMU Panoptic's calibration_<seq>.json (nlohmann-json), all cameras and the `hd` group.
#include "fuzz_calibration.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mvpose3d;
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::import_calibration_files(CalibrationFormat::kPanoptic, {"calibration.json"}, {text});
  fuzz::import_calibration_files(CalibrationFormat::kPanoptic, {"calibration.json"}, {text}, "hd");
  return 0;
}
