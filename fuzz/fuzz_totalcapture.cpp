// Total Capture's text files: the input is read both as calibration.cal (with and without
// distortion) and as gt_skel_gbl_pos.txt. Every failure must be mvpose3d::Error.
#include "mvpose3d/core/error.h"
#include "mvpose3d/data/totalcapture/totalcapture_files.h"

#include <ATen/ATen.h>

#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mvpose3d;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto file = fuzz::write_scratch("input.txt", text);
  for (const bool distortion : {true, false}) {
    try {
      (void)read_totalcapture_calibration(file, distortion);
    } catch (const Error&) {
    }
  }
  try {
    (void)read_totalcapture_positions(file);
  } catch (const Error&) {
  }
  return 0;
}
