#include "mvpose3d/data/synthetic/synthetic_rigs.h"

#include "mvpose3d/core/error.h"

#include <cmath>
#include <vector>

#include <Eigen/Geometry>

#ifndef MVPOSE3D_SOURCE_DIR
#define MVPOSE3D_SOURCE_DIR ""
#endif

namespace mvpose3d::synthetic {

namespace fs = std::filesystem;

namespace {

constexpr double kDeg = 3.14159265358979323846 / 180.0;

std::vector<fs::path> rig_candidates(const std::string& name) {
  std::vector<fs::path> out{fs::path(name), fs::path("configs/rigs") / (name + ".yaml")};
  const std::string source = MVPOSE3D_SOURCE_DIR;
  if (!source.empty()) out.push_back(fs::path(source) / "configs/rigs" / (name + ".yaml"));
  return out;
}

Intrinsics square_intrinsics(double focal, int width, int height) {
  Intrinsics in;
  in.fx = in.fy = focal;
  in.cx = 0.5 * (width - 1);
  in.cy = 0.5 * (height - 1);
  in.width = width;
  in.height = height;
  return in;
}

}  // namespace

fs::path find_rig_file(const std::string& name_or_path) {
  if (name_or_path.empty()) return {};
  for (const fs::path& p : rig_candidates(name_or_path)) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p;
  }
  return {};
}

Rig resolve_rig(const std::string& name_or_path) {
  const fs::path file = find_rig_file(name_or_path);
  if (file.empty()) {
    std::vector<std::string> tried;
    for (const fs::path& p : rig_candidates(name_or_path)) tried.push_back(p.string());
    throw Error(
        fmt::format("rig '{}': no such rig file (tried {})", name_or_path, fmt::join(tried, ", ")));
  }
  return load_rig(file);
}

Rig pinhole_rig(const Rig& rig) {
  Rig out(rig.name());
  for (std::size_t i = 0; i < rig.size(); ++i) {
    const Camera& c = rig.camera(i);
    out.add(rig.camera_name(i),
            Camera::from_cam_from_world(c.intrinsics(), c.rotation(), c.translation()));
  }
  return out;
}

Rig ring_rig(const RingRigOptions& o) {
  MVPOSE3D_CHECK(o.num_cameras >= 1, "ring_rig: num_cameras must be >= 1, got {}", o.num_cameras);
  Rig rig(fmt::format("ring{}", o.num_cameras));
  for (int i = 0; i < o.num_cameras; ++i) {
    const double az = (o.first_azimuth_deg + 360.0 * i / o.num_cameras) * kDeg;
    const Eigen::Vector3d eye(o.target_mm.x() + o.radius_mm * std::cos(az),
                              o.target_mm.y() + o.radius_mm * std::sin(az),
                              o.height_mm[static_cast<std::size_t>(i % 2)]);
    rig.add(fmt::format("cam{}", i + 1),
            Camera::look_at(square_intrinsics(o.focal_px, o.width, o.height), eye, o.target_mm));
  }
  return rig;
}

Rig random_rig(const RandomRigOptions& o, Rng& rng) {
  MVPOSE3D_CHECK(o.num_cameras >= 1, "random_rig: num_cameras must be >= 1, got {}", o.num_cameras);
  Rig rig("random");
  const double offset = rng.uniform(0, 360);
  for (int i = 0; i < o.num_cameras; ++i) {
    const double az = (offset + 360.0 * i / o.num_cameras +
                       rng.uniform(-o.azimuth_jitter_deg, o.azimuth_jitter_deg)) *
                      kDeg;
    const double dist = rng.uniform(o.distance_mm[0], o.distance_mm[1]);
    const double height = rng.uniform(o.height_mm[0], o.height_mm[1]);
    const Eigen::Vector3d eye(
        o.target_mm.x() + dist * std::cos(az), o.target_mm.y() + dist * std::sin(az), height);
    const double j = o.look_at_jitter_mm;
    const Eigen::Vector3d target =
        o.target_mm + Eigen::Vector3d(rng.uniform(-j, j), rng.uniform(-j, j), rng.uniform(-j, j));
    const double focal = rng.uniform(o.focal_px[0], o.focal_px[1]);
    rig.add(fmt::format("cam{}", i + 1),
            Camera::look_at(square_intrinsics(focal, o.image_px, o.image_px), eye, target));
  }
  return rig;
}

Rig jitter_rig(const Rig& rig, const RigJitterOptions& o, Rng& rng) {
  Rig out(rig.name() + "+jitter");
  for (std::size_t i = 0; i < rig.size(); ++i) {
    const Camera& c = rig.camera(i);
    const Eigen::Vector3d center = c.center();
    Eigen::Vector2d horizontal = (center - o.target_mm).head<2>();
    const double dist = horizontal.norm();
    const double new_dist = std::max(500.0, dist + rng.uniform(-o.distance_mm, o.distance_mm));
    const double az = rng.uniform(-o.azimuth_deg, o.azimuth_deg) * kDeg;
    horizontal = Eigen::Rotation2Dd(az) * horizontal * (dist > 0 ? new_dist / dist : 1.0);
    const Eigen::Vector3d eye(o.target_mm.x() + horizontal.x(),
                              o.target_mm.y() + horizontal.y(),
                              center.z() + rng.uniform(-o.height_mm, o.height_mm));
    const double j = o.look_at_mm;
    const Eigen::Vector3d target =
        o.target_mm + Eigen::Vector3d(rng.uniform(-j, j), rng.uniform(-j, j), rng.uniform(-j, j));
    Intrinsics in = c.intrinsics();
    const double scale = 1.0 + rng.uniform(-o.focal_rel, o.focal_rel);
    in.fx *= scale;
    in.fy *= scale;
    out.add(rig.camera_name(i), Camera::look_at(in, eye, target));
  }
  return out;
}

Rig rotate_rig_about_vertical(const Rig& rig, double angle_deg, const Eigen::Vector3d& pivot_mm) {
  const Eigen::Matrix3d rz =
      Eigen::AngleAxisd(angle_deg * kDeg, Eigen::Vector3d::UnitZ()).toRotationMatrix();
  Rig out(rig.name());
  for (std::size_t i = 0; i < rig.size(); ++i) {
    const Camera& c = rig.camera(i);
    // X' = p + Rz·(X − p) must give R'·X' + t' = R·X + t: R' = R·Rzᵀ, t' = t + R·p − R'·p. (Written
    // through t rather than the centre, so that it is exact even when a calibrated R is orthonormal
    // only to the digits given.)
    const Eigen::Matrix3d r = c.rotation() * rz.transpose();
    const Eigen::Vector3d t = c.translation() + c.rotation() * pivot_mm - r * pivot_mm;
    out.add(rig.camera_name(i), Camera::from_cam_from_world(c.intrinsics(), r, t, c.distortion()));
  }
  return out;
}

}  // namespace mvpose3d::synthetic
