#include "mvpose3d/geometry/synthetic_scenes.h"

#include <cmath>
#include <vector>

#include <ATen/ATen.h>

namespace mvpose3d::scenes {

at::Tensor look_at_projection(
    double azimuth, double elevation, double distance, double focal_px, double image_px) {
  const double ce = std::cos(elevation), se = std::sin(elevation);
  const double centre[3] = {
      distance * ce * std::cos(azimuth), distance * ce * std::sin(azimuth), distance * se};
  // z axis (viewing direction) towards the origin; x to the right; y completes a right-handed
  // frame.
  double z[3] = {-centre[0] / distance, -centre[1] / distance, -centre[2] / distance};
  const double up[3] = {0, 0, 1};
  double x[3] = {
      z[1] * up[2] - z[2] * up[1], z[2] * up[0] - z[0] * up[2], z[0] * up[1] - z[1] * up[0]};
  const double nx = std::sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
  for (double& v : x) v /= nx;
  const double y[3] = {
      z[1] * x[2] - z[2] * x[1], z[2] * x[0] - z[0] * x[2], z[0] * x[1] - z[1] * x[0]};
  auto r =
      at::tensor({x[0], x[1], x[2], y[0], y[1], y[2], z[0], z[1], z[2]}, at::kDouble).view({3, 3});
  auto c = at::tensor({centre[0], centre[1], centre[2]}, at::kDouble).view({3, 1});
  auto t = -at::matmul(r, c);
  auto k = at::tensor({focal_px, 0.0, image_px / 2, 0.0, focal_px, image_px / 2, 0.0, 0.0, 1.0},
                      at::kDouble)
               .view({3, 3});
  return at::matmul(k, at::cat({r, t}, 1));  // [3, 4]
}

at::Tensor random_rig(int views, at::Generator gen, double focal_px, double image_px) {
  std::vector<at::Tensor> ps;
  const auto u = at::rand({views, 3}, gen, at::kDouble);
  for (int v = 0; v < views; ++v) {
    ps.push_back(look_at_projection(2 * M_PI * u[v][0].item<double>(),
                                    (M_PI / 4) * u[v][1].item<double>(),
                                    2.0 + 0.5 * u[v][2].item<double>(),
                                    focal_px,
                                    image_px));
  }
  return at::stack(ps);  // [V, 3, 4]
}

at::Tensor project(const at::Tensor& points, const at::Tensor& proj) {
  const auto homo =
      at::cat({points, at::ones({points.size(0), 1}, points.options())}, 1);  // [N, 4]
  at::Tensor img;
  if (proj.dim() == 3) {
    img = at::einsum("vij,nj->nvi", {proj, homo});
  } else {
    img = at::einsum("nvij,nj->nvi", {proj, homo});
  }
  return img.narrow(-1, 0, 2) / img.narrow(-1, 2, 1);
}

}  // namespace mvpose3d::scenes
