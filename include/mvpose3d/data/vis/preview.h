// Preview montages of multi-view samples (OpenCV; target mvpose3d::data_vis, built only when
// MVPOSE3D_OPENCV_ENABLED).
#pragma once

#include "mvpose3d/data/multiview_sample.h"
#include "mvpose3d/geometry/skeleton.h"

#include <filesystem>
#include <string>
#include <vector>

namespace mvpose3d {

struct PreviewOptions {
  int tile_px = 256;          // each view is scaled to tile_px × tile_px
  bool draw_skeleton = true;  // bones and joints from joints_2d_px
  bool captions = true;       // subject, action, frame and view index
};

// Encodes a montage as PNG bytes: one row per sample, one column per view. Bones are drawn in the
// colour of their side (left blue, right orange, centre green); joints with visibility 0 are drawn
// hollow. All samples must have the same number of views.
std::string preview_png(const std::vector<MultiviewSample>& samples,
                        const Skeleton& skeleton,
                        const PreviewOptions& options = {});

// preview_png written atomically to `path`.
void write_preview_png(const std::vector<MultiviewSample>& samples,
                       const Skeleton& skeleton,
                       const std::filesystem::path& path,
                       const PreviewOptions& options = {});

}  // namespace mvpose3d
