// Where the person is in each view of each frame, for the crops the network sees. Three sources,
// first match wins per view and frame:
//   1. a box file per camera (read_box_file): the box listed for that frame;
//   2. a fixed box for every view and frame (--box X,Y,W,H);
//   3. tracking: the projection of the frame's own 3D pose when it has one (a second pass over the
//      frame: --refine, and the first frames after --initial-position), else of the last
//      triangulated pose (with --batch B, the pose of the last frame of the previous batch), or
//      before any pose, of a cube of ±1 m around --initial-position. A view with no box from any
//      source is a missing view.
//
// Boxes are COCO's [x, y, w, h]: (x, y) the top-left corner and w, h the size in pixel edges
// (pixel (0, 0) covers [0, 1) x [0, 1)), the convention of detectors' outputs. Internally they
// become left, top, right, bottom in pixel centres (docs/geometry.md): x − 0.5, ..., x + w − 0.5.
#pragma once

#include "mvpose3d/geometry/rig.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace mvpose3d::infer {

// COCO [x, y, w, h] (pixel edges) → (left, top, right, bottom) in pixel centres.
Eigen::Vector4d box_ltrb_from_xywh(double x, double y, double w, double h);

// A box file: a JSON list of {"frame": F, "bbox": [x, y, w, h]} (COCO's detection results, whose
// "image_id" is accepted for "frame"), with an optional "score": where a frame is listed more than
// once the highest score wins. Frames are 0-based session frames. Returns frame → box (ltrb,
// pixel centres). Throws Error naming the file and the entry that is wrong.
std::map<std::int64_t, Eigen::Vector4d> read_box_file(const std::filesystem::path& file);

// "x,y,w,h" (pixels, COCO) → ltrb; throws UsageError naming `flag`.
Eigen::Vector4d parse_box(const std::string& text, const std::string& flag);
// "X,Y,Z" (world units of the rig, mm) → a point; throws UsageError naming `flag`.
Eigen::Vector3d parse_position(const std::string& text, const std::string& flag);

struct PersonBoxOptions {
  std::vector<std::filesystem::path> box_files;  // one per camera in rig order, or none
  std::optional<Eigen::Vector4d> fixed_box;      // ltrb
  std::optional<Eigen::Vector3d> initial_position_mm;
  bool track = true;  // project the last pose (off: only the box files and the fixed box)
};

class PersonBoxes {
 public:
  // Throws UsageError when there is no way to get the first frame's boxes, or the number of box
  // files is not the number of cameras.
  PersonBoxes(const Rig& rig, PersonBoxOptions options);

  // The box (ltrb, pixel centres, the view's original image) of view `view` at `frame`.
  std::optional<Eigen::Vector4d> box(std::int64_t frame, int view) const;
  // The pose of `frame`: joints [J] in world mm (non-finite joints are left out; poses with fewer
  // than 2 finite joints are ignored). It is the tracked pose from then on, and the box source of
  // `frame` itself (a second pass over the frame, --refine).
  void track(std::int64_t frame, const std::vector<Eigen::Vector3d>& joints_mm);
  // True once a pose is tracked (and tracking is on).
  bool tracking() const { return options_.track && tracked_mm_.size() >= 2; }
  // Where the box of (frame, view) came from, for the log: "file", "fixed", "tracked", "initial".
  std::string source(std::int64_t frame, int view) const;

 private:
  Rig rig_;
  PersonBoxOptions options_;
  std::vector<std::map<std::int64_t, Eigen::Vector4d>> files_;        // [camera]
  std::vector<Eigen::Vector3d> tracked_mm_;                           // the last pose (empty: none)
  std::map<std::int64_t, std::vector<Eigen::Vector3d>> frame_poses_;  // the recent frames' poses
};

}  // namespace mvpose3d::infer
