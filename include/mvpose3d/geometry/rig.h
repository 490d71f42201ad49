// A camera rig: named cameras in a fixed order, and its YAML file format.
//
// Rig file (configs/rigs/*.yaml; all keys strict, unknown keys are errors):
//
//   name: h36m_S1                      # optional
//   cameras:
//     - name: "54138969"               # unique within the rig
//       width: 1000                    # px, > 0
//       height: 1002                   # px, > 0
//       fx: 1145.05                    # px, > 0
//       fy: 1143.78                    # px, > 0
//       cx: 512.54                     # px (pixel centres at integer coordinates)
//       cy: 515.45
//       distortion:                    # optional; absent = {model: none}
//         model: h36m                  # none | h36m | opencv | opencv_fisheye (see distortion.h)
//         k: [k1, k2, k3]              # radial; required for h36m and opencv; opencv_fisheye:
//         [k1..k4] p: [p0, p1]                  # tangential; h36m: H36M's own order; opencv: [p1,
//         p2];
//                                      # not for opencv_fisheye
//       R_cam_from_world:              # 3×3 rotation world → camera (orthonormal, det +1, 1e-6)
//         - [r11, r12, r13]
//         - [r21, r22, r23]
//         - [r31, r32, r33]
//       center_world_mm: [x, y, z]     # camera centre C in world mm ...
//       # t_mm: [x, y, z]              # ... or t of X_cam = R·X + t; exactly one of the two
//
// Errors name the file, line and column and the key path, e.g.
//   "configs/rigs/x.yaml:14:7: cameras[1].R_cam_from_world: not a rotation (det = -1.000)".
// All problems found in a file are reported together, one per line.
#pragma once

#include "mvpose3d/geometry/camera.h"

#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace mvpose3d {

class Rig {
 public:
  Rig() = default;
  explicit Rig(std::string name) : name_(std::move(name)) {}

  // Appends a camera; throws Error when `camera_name` is empty or already used.
  void add(const std::string& camera_name, const Camera& camera);

  const std::string& name() const { return name_; }
  void set_name(const std::string& name) { name_ = name; }
  std::size_t size() const { return cameras_.size(); }
  bool empty() const { return cameras_.empty(); }

  // i-th camera / name, in file order (throws Error when out of range).
  const Camera& camera(std::size_t i) const;
  const std::string& camera_name(std::size_t i) const;
  // Camera by name; throws Error listing the rig's names when absent.
  const Camera& camera(const std::string& camera_name) const;
  // Index of a camera name, or −1 when absent.
  int find(const std::string& camera_name) const;

  const std::vector<Camera>& cameras() const { return cameras_; }
  const std::vector<std::string>& camera_names() const { return names_; }

  // A rig with the given cameras, in the given order (e.g. Total Capture views 1, 3, 5, 7).
  Rig select(const std::vector<std::string>& camera_names) const;

 private:
  std::string name_;
  std::vector<std::string> names_;
  std::vector<Camera> cameras_;
};

// Reads and validates a rig file; throws Error with every problem (file:line:col: key: what).
Rig load_rig(const std::filesystem::path& path);

// Parses rig YAML held in memory; `source_name` stands for the file name in error messages.
Rig parse_rig(const std::string& yaml_text, const std::string& source_name);

// Serialises a rig (t_mm form, shortest round-trip decimal numbers, so load(save(x)) == x exactly).
std::string rig_to_yaml(const Rig& rig);

// Writes rig_to_yaml(rig) atomically.
void save_rig(const Rig& rig, const std::filesystem::path& path);

}  // namespace mvpose3d
