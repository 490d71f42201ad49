// BVH motion capture: parse, forward kinematics of a few frames, retargeting with the CMU map.
// Every failure must be mvpose3d::Error.
#include "mvpose3d/core/error.h"
#include "mvpose3d/data/synthetic/bvh.h"

#include <algorithm>

#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mvpose3d;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const BvhMotion motion = parse_bvh(text, "fuzz.bvh");
    for (int f = 0; f < std::min(motion.num_frames(), 3); ++f) (void)motion.positions(f);
    BvhRetargetOptions options;
    options.joint_map = cmu_joint_map();
    const RetargetedClip clip(motion, options);
    (void)clip.frames();
  } catch (const Error&) {
  }
  return 0;
}
