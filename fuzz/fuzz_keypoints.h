// The keypoint importers' fuzz targets: the input cut at "\n#---\n" into the sources of two
// cameras, imported through import_keypoints (mocap/keypoint_import.h) as `mvpose3d triangulate
// --keypoints` does.
#pragma once

#include "mvpose3d/mocap/keypoint_import.h"

#include <cstddef>
#include <cstdint>

namespace mvpose3d::fuzz {

// Writes the input's parts as the sources of the rig cameras "a" and "b" in `format` (openpose: up
// to four per-frame files, alternately a's and b's; coco, dlc-csv: a.json/a.csv and b.*), imports
// them for the best and for the first person, and checks the result's sizes. Every failure of the
// import must be mvpose3d::Error; anything else is a finding.
void import_keypoint_sources(mocap::KeypointFormat format, const uint8_t* data, size_t size);

}  // namespace mvpose3d::fuzz
