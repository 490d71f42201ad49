// Image and video files of BGR frames (OpenCV).
//
// A video file written frame by frame with OpenCV's VideoWriter: MPEG-4 (fourcc mp4v) in an .mp4
// when this OpenCV's backends can encode it, else Motion JPEG in an .avi next to it, with a warning
// that says so; an Error naming the file when neither opens. Frames go to a temporary name that is
// renamed when the writer is closed, so a file under the final name is complete.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace mvpose3d::infer {

class VideoFileWriter {
 public:
  // `path` should end in .mp4; fps > 0; every frame is width × height.
  VideoFileWriter(const std::filesystem::path& path, double fps, int width, int height);
  ~VideoFileWriter();  // closes (and renames) if close() was not called
  VideoFileWriter(const VideoFileWriter&) = delete;
  VideoFileWriter& operator=(const VideoFileWriter&) = delete;

  // One frame: height rows of width·3 bytes, BGR.
  void write(const std::uint8_t* bgr);
  // Finishes the file and gives it its final name.
  void close();
  // The file written: `path`, or the .avi of the fallback.
  const std::filesystem::path& path() const { return path_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::filesystem::path path_;
};

// height rows of width·3 bytes, BGR, as PNG file bytes (for write_file_atomic).
std::string encode_png_bgr(const std::uint8_t* bgr, int width, int height);

}  // namespace mvpose3d::infer
