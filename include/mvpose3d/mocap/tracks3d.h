// 3D tracks: the triangulated joints of every frame with their quality, what the filters change
// and the exporters write.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mvpose3d::mocap {

struct Tracks3d {
  std::vector<std::string> joint_names;  // [J]
  std::vector<std::string> view_names;   // [V] the rig's cameras
  int64_t frames = 0;
  double fps = 0.0;                     // frames per second; 0 = unknown
  std::string unit = "mm";              // length unit of `points`: mm, cm or m
  std::vector<double> points;           // [F, J, 3]; NaN where !valid
  std::vector<uint8_t> valid;           // [F, J]
  std::vector<double> reproj_error_px;  // [F, J] mean over the used views; NaN where none
  std::vector<double> score;            // [F, J] lowest confidence of the used views; 0 where none
  std::vector<uint8_t> views_used;      // [F, J, V] 1 where the view was in the final solve
  std::vector<uint8_t> interpolated;    // [F, J] 1 where a gap was filled (not triangulated)

  int64_t joints() const { return static_cast<int64_t>(joint_names.size()); }
  int64_t views() const { return static_cast<int64_t>(view_names.size()); }
  std::size_t at(int64_t frame, int64_t joint) const {
    return static_cast<std::size_t>(frame * joints() + joint);
  }
  // Views used for (frame, joint).
  int cameras_used(int64_t frame, int64_t joint) const;
  // Sized for F frames, every joint invalid.
  void resize_invalid(int64_t frame_count);
  // Multiplies the points by `factor` and names the unit (e.g. mm -> m: 0.001, "m").
  void rescale(double factor, const std::string& new_unit);
};

// The length units of the output: mm, cm, m.
const std::vector<std::string>& length_unit_names();

// The factor from millimetres to `unit` (one of length_unit_names()); throws UsageError naming
// `flag` otherwise.
double millimetres_to(const std::string& unit, const std::string& flag);

}  // namespace mvpose3d::mocap
