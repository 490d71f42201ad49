// COCO-style keypoint results JSON (MMPose, detectron2), one file per camera.
#include "fuzz_keypoints.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mvpose3d::fuzz::import_keypoint_sources(mvpose3d::mocap::KeypointFormat::kCoco, data, size);
  return 0;
}
