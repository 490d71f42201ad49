#include "mvpose3d/infer/video_file_writer.h"

#include "mvpose3d/core/error.h"

#include <unistd.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>
#include <spdlog/spdlog.h>

namespace mvpose3d::infer {

namespace fs = std::filesystem;

struct VideoFileWriter::Impl {
  cv::VideoWriter writer;
  fs::path partial;
  int width = 0, height = 0;
  bool open = false;
};

namespace {

// "<dir>/<stem>.partial-<pid><ext>": the container is chosen by the extension, so it is kept.
fs::path partial_name(const fs::path& path) {
  return path.parent_path() /
         fmt::format("{}.partial-{}{}", path.stem().string(), getpid(), path.extension().string());
}

}  // namespace

VideoFileWriter::VideoFileWriter(const fs::path& path, double fps, int width, int height)
    : impl_(std::make_unique<Impl>()), path_(path) {
  MVPOSE3D_CHECK(fps > 0 && width > 0 && height > 0,
                 "video file {}: needs fps > 0 and a frame size, got {} fps, {} x {}",
                 path.string(),
                 fps,
                 width,
                 height);
  if (!path.parent_path().empty()) fs::create_directories(path.parent_path());
  impl_->width = width;
  impl_->height = height;
  const cv::Size size(width, height);
  impl_->partial = partial_name(path_);
  impl_->writer.open(
      impl_->partial.string(), cv::VideoWriter::fourcc('m', 'p', '4', 'v'), fps, size, true);
  if (!impl_->writer.isOpened()) {
    const fs::path avi = fs::path(path_).replace_extension(".avi");
    spdlog::warn(
        "video file {}: this OpenCV cannot encode MPEG-4 (mp4v); writing Motion JPEG to {} "
        "instead",
        path_.string(),
        avi.string());
    path_ = avi;
    impl_->partial = partial_name(path_);
    impl_->writer.open(
        impl_->partial.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps, size, true);
  }
  MVPOSE3D_CHECK(impl_->writer.isOpened(),
                 "video file {}: OpenCV's VideoWriter opens neither MPEG-4 (.mp4) nor Motion JPEG "
                 "(.avi) here (no video backend?); write PNG frames instead",
                 path.string());
  impl_->open = true;
}

VideoFileWriter::~VideoFileWriter() {
  try {
    close();
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
  }
}

void VideoFileWriter::write(const std::uint8_t* bgr) {
  MVPOSE3D_CHECK(impl_->open, "video file {}: already closed", path_.string());
  const cv::Mat frame(impl_->height,
                      impl_->width,
                      CV_8UC3,
                      const_cast<std::uint8_t*>(bgr),
                      static_cast<std::size_t>(impl_->width) * 3);
  impl_->writer.write(frame);
}

void VideoFileWriter::close() {
  if (!impl_->open) return;
  impl_->open = false;
  impl_->writer.release();
  fs::rename(impl_->partial, path_);
}

std::string encode_png_bgr(const std::uint8_t* bgr, int width, int height) {
  const cv::Mat image(
      height, width, CV_8UC3, const_cast<std::uint8_t*>(bgr), static_cast<std::size_t>(width) * 3);
  std::vector<std::uint8_t> png;
  MVPOSE3D_CHECK(cv::imencode(".png", image, png), "PNG encoding failed ({} x {})", width, height);
  return std::string(png.begin(), png.end());
}

}  // namespace mvpose3d::infer
