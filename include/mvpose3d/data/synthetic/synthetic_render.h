// A small CPU ray-caster for the synthetic dataset: solid primitives (capsules, ellipsoids, boxes)
// with a per-pixel depth test, Lambert shading and procedural cloth patterns, over a cluttered
// background with a textured floor; per-view blur, colour jitter and noise.
//
// Every pixel (i, j) of the view casts the ray through (u, v) = (i, j) of the view's pinhole camera
// (the pixel-centre convention of docs/geometry.md), so what is drawn lines up with
// Camera::project to the pixel. Each primitive is tested only on the pixels of its projected
// bounding box; buffers are reused between calls (RenderBuffers), so a worker thread allocates
// nothing per view after the first.
#pragma once

#include "mvpose3d/geometry/camera.h"

#include <cstdint>
#include <vector>

#include <Eigen/Core>

namespace mvpose3d::synthetic {

struct Rgb {
  float r = 0, g = 0, b = 0;  // linear intensities in [0, 1]
};

enum class Pattern : std::uint8_t {
  kPlain,
  kStripes,  // bands across the primitive's local z axis (along a limb)
  kChecks,   // a 3D checkerboard in the primitive's local frame
  kDots,     // a second colour in spots
};

struct Material {
  Rgb color;   // main colour
  Rgb color2;  // pattern colour
  Pattern pattern = Pattern::kPlain;
  float period_mm = 60;   // pattern period, in the primitive's local millimetres
  float specular = 0.0f;  // strength of a Blinn-Phong highlight
};

struct Primitive {
  enum Type : std::uint8_t { kCapsule, kEllipsoid, kBox };
  Type type = kCapsule;
  // Not part of the subject (an occluder or a prop): joints behind it are marked not visible.
  bool external = false;
  // Capsule: segment a → b with `radius`. Ellipsoid and box: centre `a`.
  Eigen::Vector3d a = Eigen::Vector3d::Zero();
  Eigen::Vector3d b = Eigen::Vector3d::Zero();
  double radius = 0;
  // Local frame (columns are unit axes in the world). Ellipsoid and box: their axes, with radii /
  // half sizes `half_size`. Capsule: used for textures only; column 2 should be along a → b.
  Eigen::Matrix3d axes = Eigen::Matrix3d::Identity();
  Eigen::Vector3d half_size = Eigen::Vector3d::Ones();
  // Material `material`, or `material_alt` (when >= 0) where dot(q, split_dir) > split_offset_mm
  // for the hit point q in the local frame (origin a): sleeves, hair.
  int material = 0;
  int material_alt = -1;
  Eigen::Vector3d split_dir = Eigen::Vector3d::UnitZ();
  double split_offset_mm = 0;
};

// Capsule from a to b; its texture frame has z along the segment.
Primitive make_capsule(const Eigen::Vector3d& a,
                       const Eigen::Vector3d& b,
                       double radius,
                       int material);
// Ellipsoid / box with the given axes (columns, orthonormal) and radii / half sizes.
Primitive make_ellipsoid(const Eigen::Vector3d& center,
                         const Eigen::Matrix3d& axes,
                         const Eigen::Vector3d& radii,
                         int material);
Primitive make_box(const Eigen::Vector3d& center,
                   const Eigen::Matrix3d& axes,
                   const Eigen::Vector3d& half_size,
                   int material);

struct Scene {
  std::vector<Primitive> primitives;
  std::vector<Material> materials;
  Eigen::Vector3d light_dir_world{0.3, -0.4, 0.87};  // towards the light
  float ambient = 0.45f;
  float diffuse = 0.65f;
  // The floor z = 0 within floor_radius_mm of the origin (0 = no floor).
  double floor_radius_mm = 0;
  Material floor;
};

// What differs per view: the background and the image degradations.
struct ViewStyle {
  std::uint64_t seed = 0;   // background clutter and noise
  int clutter_shapes = 20;  // random 2D shapes in the background
  float blur_sigma_px = 0;  // Gaussian blur, 0 = none
  float noise_std = 0;      // additive Gaussian noise on [0, 1] intensities
  Rgb gain{1, 1, 1};        // per-channel gain (white balance, exposure)
  float offset = 0;         // added after the gain
};

// Work buffers of one thread; sized on first use.
struct RenderBuffers {
  std::vector<float> color;             // [H, W, 3]
  std::vector<float> depth;             // [H, W], camera z in mm, +inf = background
  std::vector<std::int16_t> primitive;  // [H, W], index of the visible primitive, -1 = none
  std::vector<float> scratch;           // blur
};

// Renders `scene` through `camera` (pinhole; distortion is ignored) into `out_chw`, which holds
// 3·H·W bytes, channel-major ([3, H, W] RGB). `buffers` keeps depth and primitive ids of the view
// for visibility queries until the next call.
void render_view(const Scene& scene,
                 const Camera& camera,
                 const ViewStyle& style,
                 RenderBuffers& buffers,
                 std::uint8_t* out_chw);

}  // namespace mvpose3d::synthetic
