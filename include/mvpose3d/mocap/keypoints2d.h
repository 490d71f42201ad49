// 2D keypoints of V cameras over F frames, as the keypoint importers return them, and the
// detections of one camera before a person is chosen.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mvpose3d::mocap {

// The points (frames × views × joints) one import may hold, 3.2 GB as doubles: an hour at 60 fps of
// 10 views × 25 joints is 54 million. Frame numbers far apart (unrelated image ids) are refused
// instead of allocating terabytes.
inline constexpr std::uint64_t kMaxKeypointPoints = std::uint64_t{1} << 27;

// Every view's keypoints, frames matched by index. A missing frame, view or person has confidence
// 0 and NaN coordinates there.
struct Keypoints2d {
  std::vector<std::string> view_names;   // [V] the rig camera of each view
  std::vector<std::string> joint_names;  // [J] from the source's layout
  int64_t frames = 0;
  std::vector<double> xy_px;       // [F, V, J, 2] observed (distorted) pixels
  std::vector<double> confidence;  // [F, V, J] >= 0

  int64_t views() const { return static_cast<int64_t>(view_names.size()); }
  int64_t joints() const { return static_cast<int64_t>(joint_names.size()); }
  std::size_t at(int64_t frame, int64_t view, int64_t joint) const {
    return static_cast<std::size_t>((frame * views() + view) * joints() + joint);
  }
  // Sized for F frames, every point missing.
  void resize_missing(int64_t frame_count);
};

// One detected person of one frame: J joints as x_px, y_px, confidence, and a detection score.
struct DetectedPerson {
  std::vector<double> xyc;  // [J * 3]
  double score = 0.0;       // the detector's score, or the mean joint confidence when it has none
};

// One camera's detections, by frame index (frames without an entry are missing).
struct ViewDetections {
  std::string source;                    // file or directory, for messages
  std::vector<std::string> joint_names;  // [J]; empty when the source does not name them
  int64_t joints = 0;
  std::map<int64_t, std::vector<DetectedPerson>> frames;
};

// Which person of a frame to keep: the index-th detection, or the one with the highest score.
struct PersonChoice {
  bool best = false;
  int index = 0;
};

// Parses "best" or a non-negative index; throws UsageError naming `flag` otherwise.
PersonChoice parse_person_choice(const std::string& text, const std::string& flag);

// The chosen person of each frame of `view` written into `out` as view `view_index` (frames beyond
// out.frames are ignored; a frame without the chosen person stays missing).
void put_view(const ViewDetections& view,
              int64_t view_index,
              PersonChoice choice,
              Keypoints2d& out);

}  // namespace mvpose3d::mocap
