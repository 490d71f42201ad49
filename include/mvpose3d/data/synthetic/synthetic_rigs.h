// Camera rigs for the synthetic dataset: named rig files, a Total-Capture-like ring, random rigs,
// per-sample jitter and the rigid rotation of a rig about the vertical axis.
//
// World frame: mm, z up (as Human3.6M). All generated cameras are pinhole (no distortion), look at
// a target with the image's up as close to +z as possible (Camera::look_at), and have square
// pixels.
#pragma once

#include "mvpose3d/data/random.h"
#include "mvpose3d/geometry/rig.h"

#include <array>
#include <filesystem>
#include <string>

#include <Eigen/Core>

namespace mvpose3d::synthetic {

// A rig by name or path: an existing file path is loaded as is; otherwise NAME is looked up as
// configs/rigs/NAME.yaml under the current directory and then under the source tree this program
// was built from. Throws Error listing the places tried.
Rig resolve_rig(const std::string& name_or_path);
// Where resolve_rig would load NAME from, or an empty path when nowhere.
std::filesystem::path find_rig_file(const std::string& name_or_path);

// The same cameras without lens distortion (the synthetic renderer is pinhole).
Rig pinhole_rig(const Rig& rig);

// `num_cameras` cameras on a horizontal ring around the target, alternating between two heights,
// like Total Capture's eight cameras around its studio.
struct RingRigOptions {
  int num_cameras = 8;
  double radius_mm = 4200;                      // horizontal distance from the target
  std::array<double, 2> height_mm{1900, 2500};  // even / odd cameras
  double first_azimuth_deg = 22.5;              // azimuth of camera 0 about +z, from +x
  Eigen::Vector3d target_mm{0, 0, 1000};        // point every camera looks at
  double focal_px = 1100;
  int width = 1920;
  int height = 1080;
};
Rig ring_rig(const RingRigOptions& options = {});

// Random rigs for unseen-camera tests and per-sample randomisation: camera i sits at azimuth
// 360°·i/V + offset + jitter, a random distance and height, looking at the target plus jitter.
struct RandomRigOptions {
  int num_cameras = 4;
  std::array<double, 2> distance_mm{3500, 5800};  // horizontal distance from the target
  std::array<double, 2> height_mm{600, 2400};     // camera height above the floor
  std::array<double, 2> focal_px{1000, 1300};
  double azimuth_jitter_deg = 25;  // uniform ± around the even spacing
  double look_at_jitter_mm = 300;  // uniform ± per axis
  Eigen::Vector3d target_mm{0, 0, 900};
  int image_px = 1000;  // square images, principal point at the centre
};
Rig random_rig(const RandomRigOptions& options, Rng& rng);

// Per-sample perturbation of a rig: each camera turned about the vertical through the target,
// raised or lowered, moved nearer or farther, re-aimed at the target plus jitter, and its focal
// length scaled. Each amount is uniform in ±value.
struct RigJitterOptions {
  double azimuth_deg = 20;
  double height_mm = 300;
  double distance_mm = 500;
  double look_at_mm = 200;
  double focal_rel = 0.1;
  Eigen::Vector3d target_mm{0, 0, 900};
};
Rig jitter_rig(const Rig& rig, const RigJitterOptions& options, Rng& rng);

// The whole rig turned by `angle_deg` about the vertical axis through `pivot_mm`: every camera
// centre rotates with it and every R becomes R·Rz(−angle). The images of a subject turned the same
// way are unchanged; only the world frame differs.
Rig rotate_rig_about_vertical(const Rig& rig,
                              double angle_deg,
                              const Eigen::Vector3d& pivot_mm = Eigen::Vector3d::Zero());

}  // namespace mvpose3d::synthetic
