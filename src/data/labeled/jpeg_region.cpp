#include "data/labeled/jpeg_region.h"

#include "mvpose3d/core/error.h"

#include <csetjmp>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <jpeglib.h>
#include <vector>

namespace mvpose3d::detail {

namespace {

// libjpeg reports errors through a callback that must not return: jump back to the decoder.
struct ErrorManager {
  jpeg_error_mgr base;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void on_error(j_common_ptr info) {
  auto* err = reinterpret_cast<ErrorManager*>(info->err);
  (*info->err->format_message)(info, err->message);
  std::longjmp(err->jump, 1);
}

// The decoder, destroyed on every path out (including the error jump, which only returns here).
struct Decompressor {
  jpeg_decompress_struct info{};
  ErrorManager err{};
  ~Decompressor() { jpeg_destroy_decompress(&info); }
};

}  // namespace

JpegRegion decode_jpeg_region(const std::filesystem::path& file, int reduction, cv::Rect want) {
  std::ifstream in(file, std::ios::binary);
  MVPOSE3D_CHECK(in.good(), "image file {}: not found", file.string());
  const std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)),
                                         std::istreambuf_iterator<char>());
  JpegRegion out;
  Decompressor d;
  d.info.err = jpeg_std_error(&d.err.base);
  d.err.base.error_exit = on_error;
  // Everything between setjmp and the end of the decode keeps only trivially destructible state
  // of its own (the Mat is allocated before any libjpeg call that may fail past that point).
  if (setjmp(d.err.jump) != 0) {
    throw Error(fmt::format(
        "image file {}: cannot be decoded as a JPEG ({})", file.string(), d.err.message));
  }
  jpeg_create_decompress(&d.info);
  jpeg_mem_src(&d.info, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&d.info, TRUE);
  d.info.scale_num = 1;
  d.info.scale_denom = static_cast<unsigned int>(reduction);
  d.info.out_color_space = JCS_EXT_BGR;
  jpeg_start_decompress(&d.info);
  out.full =
      cv::Size(static_cast<int>(d.info.output_width), static_cast<int>(d.info.output_height));
  want &= cv::Rect(0, 0, out.full.width, out.full.height);
  if (want.empty()) {
    jpeg_abort_decompress(&d.info);
    return out;
  }
  // Chroma upsampling at a partial decode's edges lacks its neighbours: decode a margin of one
  // iMCU (at most 16 px) around the region so that the region itself matches a full decode.
  constexpr int kMargin = 16;
  want =
      cv::Rect(
          want.x - kMargin, want.y - kMargin, want.width + 2 * kMargin, want.height + 2 * kMargin) &
      cv::Rect(0, 0, out.full.width, out.full.height);
  JDIMENSION x = static_cast<JDIMENSION>(want.x), width = static_cast<JDIMENSION>(want.width);
  jpeg_crop_scanline(&d.info, &x, &width);  // widened to whole iMCU columns
  if (want.y > 0) jpeg_skip_scanlines(&d.info, static_cast<JDIMENSION>(want.y));
  out.offset = cv::Point(static_cast<int>(x), want.y);
  out.image.create(want.height, static_cast<int>(d.info.output_width), CV_8UC3);
  for (int row = 0; row < want.height; ++row) {
    JSAMPROW line = out.image.ptr<unsigned char>(row);
    jpeg_read_scanlines(&d.info, &line, 1);
  }
  jpeg_abort_decompress(&d.info);  // the rows below the region are not needed
  return out;
}

}  // namespace mvpose3d::detail
