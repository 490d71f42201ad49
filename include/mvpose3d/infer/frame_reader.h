// The frames of V synchronised cameras, read in step by frame index: one video file per camera
// (OpenCV's VideoCapture, decoded in order) or one folder of image files per camera.
//
// Frame k of a session is frame k of every camera:
//   videos   the k-th decoded frame of each file; a video that ends early (or a frame that cannot
//   be
//            decoded) leaves that camera missing from then on for that frame;
//   folders  the image files (.png, .jpg, .jpeg, .bmp, .tif, .tiff) of each folder, matched by the
//            last number in their file names (frame_000012.png is frame number 12); frame k is the
//            k-th number of the union over all cameras, so a camera without a file of that number
//            is missing there. Files without a number count in name order.
// A missing view is not an error: inference gives it weight 0 and the reader counts it per camera.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace mvpose3d::infer {

enum class FrameInput { kVideos, kImageFolders };

// One camera's decoded frame: height rows of width·3 bytes, BGR; empty when the view is missing.
struct CameraFrame {
  std::vector<std::uint8_t> bgr;
  int width = 0;
  int height = 0;
  bool present() const { return !bgr.empty(); }
};

class FrameReader {
 public:
  // One source per camera, in rig order. Throws Error naming the source when a video cannot be
  // opened or a folder holds no image file.
  FrameReader(std::vector<std::filesystem::path> sources, FrameInput input);
  ~FrameReader();
  FrameReader(const FrameReader&) = delete;
  FrameReader& operator=(const FrameReader&) = delete;

  int views() const { return static_cast<int>(sources_.size()); }
  // Frames of the session: the longest video's frame count, or the frame numbers of all folders.
  std::int64_t frame_count() const { return frame_count_; }
  // The videos' frame rate (the first camera's; 0 when unknown or for image folders).
  double fps() const { return fps_; }
  // Decodes frame `index` of every camera. Videos are decoded in order: call with 0, 1, 2, ...
  // (Error otherwise). Counts missing views.
  std::vector<CameraFrame> read(std::int64_t index);
  // Missing views so far, per camera.
  const std::vector<std::int64_t>& missing() const { return missing_; }
  const std::vector<std::filesystem::path>& sources() const { return sources_; }

 private:
  struct Videos;
  std::vector<std::filesystem::path> sources_;
  FrameInput input_;
  std::int64_t frame_count_ = 0;
  double fps_ = 0.0;
  std::int64_t next_ = 0;
  std::vector<std::int64_t> missing_;
  std::unique_ptr<Videos> videos_;
  // Image folders: [camera][k] the file of the k-th frame number (empty: missing).
  std::vector<std::vector<std::filesystem::path>> files_;
};

}  // namespace mvpose3d::infer
