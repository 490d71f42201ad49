// The ray-caster: depth order, exact depths, agreement with Camera::project.
#include "mvpose3d/data/synthetic/synthetic_render.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace mvpose3d::synthetic {
namespace {

constexpr int kSize = 64;

// A camera at the world origin looking along +z (x right, y down), 64×64, f = 80 px.
Camera front_camera() {
  Intrinsics in;
  in.fx = in.fy = 80;
  in.cx = in.cy = 0.5 * (kSize - 1);
  in.width = in.height = kSize;
  return Camera::from_cam_from_world(in, Eigen::Matrix3d::Identity(), Eigen::Vector3d::Zero());
}

Scene two_material_scene() {
  Scene s;
  Material red, green;
  red.color = red.color2 = {1, 0, 0};
  green.color = green.color2 = {0, 1, 0};
  s.materials = {red, green};
  s.ambient = 1.0f;  // flat colours
  s.diffuse = 0.0f;
  return s;
}

ViewStyle plain_style() {
  ViewStyle style;
  style.clutter_shapes = 0;
  return style;
}

struct Rendered {
  std::vector<std::uint8_t> image;  // [3, H, W]
  RenderBuffers buffers;
  int at(int c, int x, int y) const { return image[(c * kSize + y) * kSize + x]; }
};

Rendered render(const Scene& scene, const Camera& cam) {
  Rendered r;
  r.image.resize(3 * kSize * kSize);
  render_view(scene, cam, plain_style(), r.buffers, r.image.data());
  return r;
}

// A horizontal limb (material 0, red) and a vertical one (material 1, green) cross on the optical
// axis; whichever is nearer must cover the crossing, whatever the drawing order.
TEST(SyntheticRender, NearerLimbCoversTheFartherOneAtTheCrossing) {
  const Camera cam = front_camera();
  for (const bool red_in_front : {true, false}) {
    for (const bool red_first : {true, false}) {
      Scene s = two_material_scene();
      const double z_red = red_in_front ? 1500 : 2500, z_green = red_in_front ? 2500 : 1500;
      const Primitive red = make_capsule({-600, 0, z_red}, {600, 0, z_red}, 60, 0);
      const Primitive green = make_capsule({0, -600, z_green}, {0, 600, z_green}, 60, 1);
      s.primitives =
          red_first ? std::vector<Primitive>{red, green} : std::vector<Primitive>{green, red};
      const Rendered r = render(s, cam);
      const int c = kSize / 2;  // pixel (31.5 is the centre; 32 is still on both limbs)
      EXPECT_EQ(r.at(0, c, c) > 128, red_in_front) << red_in_front << red_first;
      EXPECT_EQ(r.at(1, c, c) > 128, !red_in_front) << red_in_front << red_first;
      // Away from the crossing each limb shows its own colour.
      EXPECT_GT(r.at(0, c + 15, c), 200);
      EXPECT_GT(r.at(1, c, c + 15), 200);
    }
  }
}

TEST(SyntheticRender, DepthIsTheCameraZOfTheFrontSurface) {
  const Camera cam = front_camera();
  Scene s = two_material_scene();
  // Pixel (31, 31) looks along (x, y, 1) with x = y = -0.5/80: put the capsule's axis on it.
  const double r0 = -0.5 / 80;
  const double z = 2000;
  s.primitives = {make_capsule({-400, r0 * z, z}, {400, r0 * z, z}, 100, 0),
                  make_ellipsoid({0, 0, 5000}, Eigen::Matrix3d::Identity(), {300, 300, 200}, 1),
                  make_box({0, 0, 7000}, Eigen::Matrix3d::Identity(), {3000, 3000, 100}, 1)};
  const Rendered r = render(s, cam);
  const std::size_t pix = 31 * kSize + 31;
  // The ray meets the circle of radius 100 around (r0·z, z) in the y-z plane, at t with
  // |t·(x0, r0, 1) − (·, r0·z, z)| = 100 along y and z: (t − z)²·(1 + r0²) = 100² → t = z − 100/√(1
  // + r0²).
  EXPECT_NEAR(r.buffers.depth[pix], z - 100 / std::sqrt(1 + r0 * r0), 0.05);
  EXPECT_EQ(r.buffers.primitive[pix], 0);
  // A corner pixel misses the capsule and the ellipsoid but meets the box's front face z = 6900.
  EXPECT_NEAR(r.buffers.depth[2 * kSize + 2], 6900, 1e-2);
  EXPECT_EQ(r.buffers.primitive[2 * kSize + 2], 2);
}

TEST(SyntheticRender, SmallSphereAppearsWhereCameraProjectsItsCentre) {
  // A tilted, offset camera and small spheres at several points.
  Intrinsics in;
  in.fx = 95;
  in.fy = 90;
  in.cx = 30.2;
  in.cy = 33.7;
  in.width = in.height = kSize;
  const Camera cam =
      Camera::look_at(in, Eigen::Vector3d(2500, -3000, 1600), Eigen::Vector3d(100, 50, 900));
  for (const Eigen::Vector3d& x : {Eigen::Vector3d(100, 50, 900),
                                   Eigen::Vector3d(400, -300, 300),
                                   Eigen::Vector3d(-500, 200, 1700)}) {
    Scene s = two_material_scene();
    s.primitives = {make_ellipsoid(x, Eigen::Matrix3d::Identity(), {60, 60, 60}, 0)};
    const Rendered r = render(s, cam);
    const Eigen::Vector2d p = cam.project(x);
    const int px = static_cast<int>(std::lround(p.x())), py = static_cast<int>(std::lround(p.y()));
    ASSERT_TRUE(px >= 0 && px < kSize && py >= 0 && py < kSize);
    EXPECT_EQ(r.buffers.primitive[py * kSize + px], 0) << x.transpose();
    // And nowhere far from it.
    for (int y = 0; y < kSize; ++y) {
      for (int xx = 0; xx < kSize; ++xx) {
        if (r.buffers.primitive[y * kSize + xx] == 0) {
          EXPECT_LT(std::hypot(xx - p.x(), y - p.y()), 3.0);
        }
      }
    }
  }
}

TEST(SyntheticRender, NothingBehindTheCameraIsDrawn) {
  const Camera cam = front_camera();
  Scene s = two_material_scene();
  s.primitives = {make_capsule({-500, 0, -1000}, {500, 0, -1000}, 100, 0)};
  const Rendered r = render(s, cam);
  for (const auto id : r.buffers.primitive) EXPECT_EQ(id, -1);
}

TEST(SyntheticRender, SplitMaterialAndDeterministicNoise) {
  const Camera cam = front_camera();
  Scene s = two_material_scene();
  Primitive p = make_capsule({0, -800, 2000}, {0, 800, 2000}, 80, 0);  // local z along +y (down)
  p.material_alt = 1;
  p.split_offset_mm = 800;  // the lower half (image bottom) is green
  s.primitives = {p};
  ViewStyle style = plain_style();
  style.noise_std = 0.05f;
  style.seed = 17;
  RenderBuffers b1, b2;
  std::vector<std::uint8_t> i1(3 * kSize * kSize), i2(3 * kSize * kSize);
  render_view(s, cam, style, b1, i1.data());
  render_view(s, cam, style, b2, i2.data());
  EXPECT_EQ(i1, i2);
  auto at = [&](int c, int x, int y) { return i1[(c * kSize + y) * kSize + x]; };
  EXPECT_GT(at(0, 32, 10), 180);
  EXPECT_LT(at(1, 32, 10), 80);
  EXPECT_GT(at(1, 32, 54), 180);
  EXPECT_LT(at(0, 32, 54), 80);
}

}  // namespace
}  // namespace mvpose3d::synthetic
