// Crop planning, colour augmentation and the whole-sample flip (no OpenCV; render_crop is in
// image_render.cpp).
#include "mvpose3d/data/labeled/image_crop.h"

#include "mvpose3d/core/error.h"

#include <algorithm>
#include <cmath>

#include <ATen/ATen.h>
#include <Eigen/Geometry>

namespace mvpose3d {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Rotation about the camera's optical axis (z) by `angle`: x' = c·x − s·y, y' = s·x + c·y.
Eigen::Matrix3d rotation_about_z(double angle) {
  return Eigen::AngleAxisd(angle, Eigen::Vector3d::UnitZ()).toRotationMatrix();
}

}  // namespace

bool ViewAugmentation::is_identity() const {
  return scale == 1.0 && shift_u == 0.0 && shift_v == 0.0 && rotation_rad == 0.0 &&
         gain == std::array<float, 3>{1, 1, 1} && offset == std::array<float, 3>{0, 0, 0};
}

ViewAugmentation draw_view_augmentation(const AugmentConfig& config, Rng& rng) {
  ViewAugmentation a;
  // Every draw happens whatever the ranges, so that changing one range leaves the others' streams
  // as they were.
  const double scale = rng.uniform(-1, 1), su = rng.uniform(-1, 1), sv = rng.uniform(-1, 1);
  const double rot = rng.uniform(-1, 1);
  a.scale = 1.0 + config.scale * scale;
  a.shift_u = config.shift * su;
  a.shift_v = config.shift * sv;
  a.rotation_rad = config.rotation_deg * kPi / 180.0 * rot;
  for (int c = 0; c < 3; ++c) {
    const double g = rng.uniform(-1, 1), o = rng.uniform(-1, 1);
    a.gain[static_cast<std::size_t>(c)] = static_cast<float>(1.0 + config.color * g);
    a.offset[static_cast<std::size_t>(c)] = static_cast<float>(40.0 * config.color * o);
  }
  return a;
}

CropPlan plan_crop(const Camera& original,
                   const Eigen::Vector4d& box_ltrb,
                   int size_px,
                   double bbox_scale,
                   bool undistort,
                   const ViewAugmentation& augmentation) {
  MVPOSE3D_CHECK(box_ltrb.allFinite(), "crop: the box is not finite");
  const double width = box_ltrb[2] - box_ltrb[0], height = box_ltrb[3] - box_ltrb[1];
  MVPOSE3D_CHECK(width > 0 && height > 0,
                 "crop: empty box (left {}, top {}, right {}, bottom {})",
                 box_ltrb[0],
                 box_ltrb[1],
                 box_ltrb[2],
                 box_ltrb[3]);
  MVPOSE3D_CHECK(size_px > 0, "crop: output size must be > 0, got {}", size_px);
  const double side = std::max(width, height) * bbox_scale * augmentation.scale;
  const double cu = 0.5 * (box_ltrb[0] + box_ltrb[2]) + augmentation.shift_u * side;
  const double cv = 0.5 * (box_ltrb[1] + box_ltrb[3]) + augmentation.shift_v * side;
  const double s = size_px / side;
  const double left = cu - 0.5 * side, top = cv - 0.5 * side;
  Eigen::Matrix<double, 2, 3> a;
  a << s, 0, -s * left - 0.5, 0, s, -s * top - 0.5;

  CropPlan plan;
  plan.remap =
      augmentation.rotation_rad != 0.0 || (undistort && !original.distortion().is_identity());
  if (!plan.remap) {
    plan.camera = original.apply_image_transform(a, size_px, size_px);
    plan.crop_from_original = a;
    return plan;
  }
  // A pinhole camera with the crop's intrinsics, turned about its optical axis so that the image
  // turns by the angle about the crop centre o: its principal point is o + Rot·(pp − o).
  const Camera pinhole = Camera::from_cam_from_world(
      original.intrinsics(), original.rotation(), original.translation(), Distortion::none());
  const Camera cropped = pinhole.apply_image_transform(a, size_px, size_px);
  const double angle = augmentation.rotation_rad;
  const Eigen::Matrix2d rot2 = Eigen::Rotation2Dd(angle).toRotationMatrix();
  const Eigen::Vector2d o(0.5 * (size_px - 1), 0.5 * (size_px - 1));
  const Eigen::Vector2d pp = o + rot2 * (Eigen::Vector2d(cropped.cx(), cropped.cy()) - o);
  Intrinsics k = cropped.intrinsics();
  k.cx = pp.x();
  k.cy = pp.y();
  plan.rotation = rotation_about_z(angle);
  plan.camera = Camera::from_cam_from_world(k,
                                            plan.rotation * original.rotation(),
                                            plan.rotation * original.translation(),
                                            Distortion::none());
  // The affine at the crop centre: rotate the unrotated crop's pixels about o.
  Eigen::Matrix<double, 2, 3> r;
  r.leftCols<2>() = rot2;
  r.col(2) = o - rot2 * o;
  Eigen::Matrix3d a3 = Eigen::Matrix3d::Identity();
  a3.topRows<2>() = a;
  plan.crop_from_original = r * a3;
  return plan;
}

Eigen::Vector2d map_to_crop(const Camera& original,
                            const CropPlan& plan,
                            const Eigen::Vector2d& px) {
  if (!plan.remap) return plan.crop_from_original * px.homogeneous();
  const Eigen::Vector2d xy = original.pixel_to_normalized(px);
  const Eigen::Vector3d ray = plan.rotation * xy.homogeneous();
  const Camera& c = plan.camera;
  return {c.fx() * ray.x() / ray.z() + c.cx(), c.fy() * ray.y() / ray.z() + c.cy()};
}

Eigen::Vector4d projected_box(const Camera& camera, const at::Tensor& points_world_mm) {
  const at::Tensor p = points_world_mm.to(at::kDouble).contiguous();
  const double* x = p.data_ptr<double>();
  double u0 = 1e300, v0 = 1e300, u1 = -1e300, v1 = -1e300;
  for (std::int64_t j = 0; j < p.size(0); ++j) {
    const Eigen::Vector3d X(x[3 * j], x[3 * j + 1], x[3 * j + 2]);
    if (camera.world_to_camera(X).z() <= 0) continue;
    const Eigen::Vector2d uv = camera.project(X);
    u0 = std::min(u0, uv.x()), u1 = std::max(u1, uv.x());
    v0 = std::min(v0, uv.y()), v1 = std::max(v1, uv.y());
  }
  MVPOSE3D_CHECK(u0 <= u1, "crop: no joint is in front of the camera");
  const double half = 0.5 * std::max({u1 - u0, v1 - v0, 1.0});
  const double cu = 0.5 * (u0 + u1), cv = 0.5 * (v0 + v1);
  return {cu - half, cv - half, cu + half, cv + half};
}

void apply_color(std::uint8_t* chw,
                 std::int64_t pixels_per_channel,
                 const ViewAugmentation& augmentation) {
  if (augmentation.gain == std::array<float, 3>{1, 1, 1} &&
      augmentation.offset == std::array<float, 3>{0, 0, 0}) {
    return;
  }
  for (std::size_t c = 0; c < 3; ++c) {
    const float g = augmentation.gain[c], o = augmentation.offset[c];
    std::uint8_t* q = chw + static_cast<std::int64_t>(c) * pixels_per_channel;
    for (std::int64_t i = 0; i < pixels_per_channel; ++i) {
      q[i] = static_cast<std::uint8_t>(std::clamp(g * q[i] + o + 0.5f, 0.0f, 255.0f));
    }
  }
}

void apply_color(at::Tensor& image, const ViewAugmentation& augmentation) {
  MVPOSE3D_CHECK(image.dim() == 3 && image.size(0) == 3 && image.scalar_type() == at::kByte &&
                     image.is_contiguous(),
                 "apply_color: expected a contiguous [3, H, W] uint8 image");
  apply_color(image.data_ptr<std::uint8_t>(), image.size(1) * image.size(2), augmentation);
}

void flip_sample(MultiviewSample& sample, const Skeleton& skeleton) {
  const std::vector<int> perm = skeleton.flip_permutation();
  const at::Tensor index =
      at::tensor(std::vector<std::int64_t>(perm.begin(), perm.end()), at::kLong);
  const Eigen::Matrix3d f = Eigen::Vector3d(-1, 1, 1).asDiagonal();
  for (std::size_t v = 0; v < sample.cameras.size(); ++v) {
    const Camera& c = sample.cameras[v];
    Intrinsics k = c.intrinsics();
    k.cx = (c.width() - 1) - c.cx();
    Distortion d = c.distortion();
    d.p[1] = -d.p[1];
    sample.cameras[v] =
        Camera::from_cam_from_world(k, f * c.rotation() * f, f * c.translation(), d);
    Eigen::Matrix<double, 2, 3>& a = sample.crop_from_original[v];
    a.row(0) = -a.row(0);
    a(0, 2) += c.width() - 1;
  }
  // Rows reversed into a new tensor with plain loops (no ATen op: see render_crop_into).
  const at::Tensor source = sample.images.contiguous();
  at::Tensor images = at::empty_like(source);
  const std::uint8_t* from = source.data_ptr<std::uint8_t>();
  std::uint8_t* to = images.data_ptr<std::uint8_t>();
  const std::int64_t row = source.size(3), rows = source.numel() / row;
  for (std::int64_t r = 0; r < rows; ++r) {
    std::reverse_copy(from + r * row, from + (r + 1) * row, to + r * row);
  }
  sample.images = images;
  at::Tensor world = sample.joints_world_mm.index_select(0, index).clone();
  world.select(1, 0).neg_();
  sample.joints_world_mm = world;
  at::Tensor uv = sample.joints_2d_px.index_select(1, index).clone();
  const double width = static_cast<double>(sample.images.size(3));
  uv.select(2, 0).mul_(-1).add_(width - 1);
  sample.joints_2d_px = uv;
  sample.visibility = sample.visibility.index_select(1, index).contiguous();
}

}  // namespace mvpose3d
