// The synthetic multi-view scenes of the triangulation tests (geometry/synthetic_scenes.h, which
// the benchmarks share), under the names the tests use.
#pragma once

#include "mvpose3d/geometry/synthetic_scenes.h"

namespace mvpose3d::testing {

using scenes::look_at_projection;
using scenes::project;
using scenes::random_rig;

}  // namespace mvpose3d::testing
