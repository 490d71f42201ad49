// COLMAP's text model: the input cut at "\n#---\n" into cameras.txt and images.txt.
#include "fuzz_calibration.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mvpose3d;
  std::vector<std::string> parts = fuzz::split_input(data, size, "\n#---\n", 2);
  parts.resize(2);
  fuzz::import_calibration_files(CalibrationFormat::kColmap, {"cameras.txt", "images.txt"}, parts);
  return 0;
}
