// Pictures of what `mvpose3d infer` saw (OpenCV): each view with its crop box (grey), the
// network's 2D joints (dots, green for confident to red for unsure) and the triangulated 3D
// skeleton projected back through the camera, lens distortion included (blue lines) — where the
// two disagree, the view or the calibration is off. A missing view is a dark frame saying so.
// As PNG files per frame and camera (<dir>/<camera>/frame_NNNNNN.png) or one video per camera
// (<dir>/<camera>.mp4, VideoFileWriter).
#pragma once

#include "mvpose3d/config/schema.h"
#include "mvpose3d/geometry/rig.h"
#include "mvpose3d/infer/infer_session.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace mvpose3d::infer {
enum class OverlayMode { kNone, kPng, kVideo };
}  // namespace mvpose3d::infer

namespace mvpose3d {
template <>
struct EnumNames<infer::OverlayMode> {
  static constexpr EnumName<infer::OverlayMode> table[] = {{infer::OverlayMode::kNone, "none"},
                                                           {infer::OverlayMode::kPng, "png"},
                                                           {infer::OverlayMode::kVideo, "mp4"}};
};
}  // namespace mvpose3d

namespace mvpose3d::infer {

// One view of one frame with the drawings, as BGR pixels (frame.width × frame.height; a missing
// view: the camera's image size).
struct OverlayImage {
  std::vector<std::uint8_t> bgr;
  int width = 0, height = 0;
};
OverlayImage draw_overlay(const Rig& rig,
                          const InferResult& result,
                          std::int64_t frame,
                          int view,
                          const CameraFrame& pixels);

class OverlayWriter {
 public:
  // fps: of the videos (> 0 for kVideo).
  OverlayWriter(const Rig& rig, OverlayMode mode, std::filesystem::path dir, double fps);
  ~OverlayWriter();
  OverlayWriter(const OverlayWriter&) = delete;
  OverlayWriter& operator=(const OverlayWriter&) = delete;

  // The BatchSink of run_inference: draws and writes the batch's frames.
  void add(const InferResult& so_far, const BatchView& batch);
  // Finishes the videos; returns the files written (videos) or folders (PNG).
  std::vector<std::filesystem::path> close();

 private:
  struct Videos;
  Rig rig_;
  OverlayMode mode_;
  std::filesystem::path dir_;
  double fps_;
  std::unique_ptr<Videos> videos_;
};

// The 3D skeletons of `frames` (frame indices; invalid joints left out) in the rig's world, as a
// PNG (data/vis/rig_plot.h: a perspective and a top view, one colour per frame, framed on them).
std::string skeleton_plot_png(const Rig& rig,
                              const InferResult& result,
                              const std::vector<std::int64_t>& frames);

}  // namespace mvpose3d::infer
