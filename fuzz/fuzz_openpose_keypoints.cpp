// OpenPose's per-frame JSON files (nlohmann-json): up to four, alternately camera a's and b's.
#include "fuzz_keypoints.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mvpose3d::fuzz::import_keypoint_sources(mvpose3d::mocap::KeypointFormat::kOpenPose, data, size);
  return 0;
}
