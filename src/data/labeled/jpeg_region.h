// Decoding only the part of a JPEG that a crop needs, at 1/1, 1/2, 1/4 or 1/8 scale, through
// libjpeg-turbo's partial decoding (jpeg_crop_scanline, jpeg_skip_scanlines): the rows below the
// region are never decoded and the columns outside it skip the inverse DCT and colour conversion.
// Private to the data layer; built when MVPOSE3D_DATA_WITH_LIBJPEG.
#pragma once

#include <filesystem>

#include <opencv2/core.hpp>

namespace mvpose3d::detail {

struct JpegRegion {
  cv::Mat image;     // BGR, the decoded part (may be larger than asked: whole iMCU columns)
  cv::Point offset;  // its top-left pixel in the full image at the decoded scale
  cv::Size full;     // the full image's size at the decoded scale
};

// Decodes the pixels of `file` at scale 1/reduction (1, 2, 4 or 8) that cover `want`, a rectangle
// in pixels of the full image at that scale (clipped to the image; an empty intersection gives an
// empty `image`). Throws Error naming the file when it is not a readable JPEG.
JpegRegion decode_jpeg_region(const std::filesystem::path& file, int reduction, cv::Rect want);

}  // namespace mvpose3d::detail
