// Synthetic multi-view scenes for the triangulation tests and benchmarks: cameras looking at the
// origin, points in a cube, exact projections. Follows the DiffDLT benchmark protocol
// (docs/triangulation.md): f = 280 px, 256 px images, cameras 2-2.5 units away, points in
// [-0.5, 0.5]^3.
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

namespace mvpose3d::scenes {

// P = K [R | t] for a camera at azimuth/elevation (radians) and `distance` from the origin, looking
// at the origin, with y down in the image: [3, 4] float64.
at::Tensor look_at_projection(
    double azimuth, double elevation, double distance, double focal_px, double image_px);

// V cameras on a randomised ring (DiffDLT: azimuth U(0, 360), elevation U(0, 45) deg, distance 2 +
// 0.5 U): [V, 3, 4] float64.
at::Tensor random_rig(int views,
                      at::Generator gen,
                      double focal_px = 280.0,
                      double image_px = 256.0);

// Projects points [N, 3] with P [V, 3, 4] (or [N, V, 3, 4]) to pixels [N, V, 2].
at::Tensor project(const at::Tensor& points, const at::Tensor& proj);

}  // namespace mvpose3d::scenes
