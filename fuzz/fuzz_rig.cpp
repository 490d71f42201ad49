// Rig YAML (configs/rigs/*.yaml): parse, then use every camera as triangulate --cameras does
// (projection matrix, undistortion). Every failure must be mvpose3d::Error.
#include "mvpose3d/core/error.h"
#include "mvpose3d/geometry/rig.h"

#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mvpose3d;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const Rig rig = parse_rig(text, "fuzz.yaml");
    Eigen::Matrix2Xd px(2, 3);
    px << 0, 100, 500, 0, 80, 400;
    for (size_t i = 0; i < rig.size(); ++i) {
      const Camera& camera = rig.camera(i);
      (void)camera.proj_from_world();
      (void)camera.undistort_points(px);
    }
    const Rig again = parse_rig(rig_to_yaml(rig), "again.yaml");
    (void)again;
  } catch (const Error&) {
  }
  return 0;
}
