// Camera: pose constructors, projection, crop/resize/affine updates of K, unprojection and
// undistortion round trips (COLMAP-style synthetic round trips in double).
#include "mvpose3d/geometry/camera.h"

#include "mvpose3d/core/error.h"

#include <random>

#include <Eigen/Geometry>
#include <gtest/gtest.h>

namespace mvpose3d {
namespace {

const Intrinsics kIntrinsics{1145.0, 1143.0, 512.5, 515.4, 1000, 1002};
const Distortion kH36mLens = Distortion::h36m(-0.207, 0.248, -0.003, -0.0014, -0.001);

// A camera 5 m from the origin looking at a point 0.9 m up (an H36M-like setup, world z up).
Camera test_camera(const Distortion& distortion = kH36mLens) {
  return Camera::look_at(kIntrinsics,
                         Eigen::Vector3d(1841.0, 4955.0, 1563.0),
                         Eigen::Vector3d(0.0, 0.0, 900.0),
                         Eigen::Vector3d::UnitZ(),
                         distortion);
}

// World points of a standing person: a cylinder of radius 400 mm around (0, 0), z in [0, 1800].
std::vector<Eigen::Vector3d> body_points() {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> angle(0.0, 2.0 * M_PI);
  std::uniform_real_distribution<double> radius(0.0, 400.0);
  std::uniform_real_distribution<double> height(0.0, 1800.0);
  std::vector<Eigen::Vector3d> points;
  for (int i = 0; i < 200; ++i) {
    const double a = angle(rng);
    const double r = radius(rng);
    points.emplace_back(r * std::cos(a), r * std::sin(a), height(rng));
  }
  return points;
}

TEST(Camera, CenterAndTranslationConstructorsAgree) {
  const Eigen::Matrix3d rotation =
      Eigen::AngleAxisd(0.7, Eigen::Vector3d(1.0, -2.0, 0.5).normalized()).toRotationMatrix();
  const Eigen::Vector3d center(1200.0, -3400.0, 1500.0);
  const Camera a = Camera::from_center(kIntrinsics, rotation, center);
  const Eigen::Vector3d t = -rotation * center;
  const Camera b = Camera::from_cam_from_world(kIntrinsics, rotation, t);
  EXPECT_TRUE(a.translation().isApprox(t, 1e-15));
  EXPECT_LT((b.center() - center).norm(), 1e-9);
  EXPECT_LT(a.world_to_camera(center).norm(), 1e-9);  // the centre is the camera-frame origin
  const Eigen::Vector3d x(100.0, 200.0, 300.0);
  EXPECT_LT((a.world_to_camera(x) - rotation * (x - center)).norm(), 1e-9);
  EXPECT_LT((a.camera_to_world(a.world_to_camera(x)) - x).norm(), 1e-9);
}

TEST(Camera, ProjFromWorldIsKTimesRt) {
  const Camera cam = test_camera();
  Eigen::Matrix3d k;
  k << 1145.0, 0.0, 512.5, 0.0, 1143.0, 515.4, 0.0, 0.0, 1.0;
  EXPECT_EQ(cam.calibration_matrix(), k);
  EXPECT_TRUE(cam.proj_from_world().isApprox(k * cam.cam_from_world(), 1e-15));
  for (const auto& x : body_points()) {
    const Eigen::Vector3d h = cam.proj_from_world() * x.homogeneous();
    EXPECT_LT((h.hnormalized() - cam.project_undistorted(x)).norm(), 1e-9);
  }
}

TEST(Camera, LookAtPutsTheTargetOnTheOpticalAxisWithUpUpwards) {
  const Camera cam = test_camera(Distortion{});
  const Eigen::Vector2d target = cam.project(Eigen::Vector3d(0.0, 0.0, 900.0));
  EXPECT_NEAR(target.x(), kIntrinsics.cx, 1e-9);
  EXPECT_NEAR(target.y(), kIntrinsics.cy, 1e-9);
  // Higher in the world = smaller v (image y points down).
  EXPECT_LT(cam.project(Eigen::Vector3d(0.0, 0.0, 1800.0)).y(), target.y());
  EXPECT_GT(cam.world_to_camera(Eigen::Vector3d(0.0, 0.0, 900.0)).z(), 0.0);
  EXPECT_NEAR(cam.rotation().determinant(), 1.0, 1e-12);
  EXPECT_THROW(Camera::look_at(kIntrinsics, Eigen::Vector3d::Zero(), Eigen::Vector3d(0, 0, 5)),
               Error);
}

TEST(Camera, CropShiftsTheProjectionExactly) {
  const Camera cam = test_camera();
  const Camera cropped = cam.crop(123.0, 47.5, 384, 400);
  EXPECT_EQ(cropped.width(), 384);
  EXPECT_EQ(cropped.height(), 400);
  EXPECT_DOUBLE_EQ(cropped.cx(), cam.cx() - 123.0);
  EXPECT_DOUBLE_EQ(cropped.cy(), cam.cy() - 47.5);
  EXPECT_EQ(cropped.fx(), cam.fx());
  for (const auto& x : body_points()) {
    EXPECT_LT((cropped.project(x) - (cam.project(x) - Eigen::Vector2d(123.0, 47.5))).norm(), 1e-9);
  }
}

TEST(Camera, ResizeFollowsThePixelCentreConvention) {
  const Camera cam = test_camera();
  const Camera resized = cam.resize(384, 256);
  const double sx = 384.0 / 1000.0;
  const double sy = 256.0 / 1002.0;
  // fx' = sx·fx; cx' = sx·(cx + 0.5) − 0.5 (see camera.h).
  EXPECT_DOUBLE_EQ(resized.fx(), sx * cam.fx());
  EXPECT_DOUBLE_EQ(resized.fy(), sy * cam.fy());
  EXPECT_NEAR(resized.cx(), sx * (cam.cx() + 0.5) - 0.5, 1e-12);
  EXPECT_NEAR(resized.cy(), sy * (cam.cy() + 0.5) - 0.5, 1e-12);
  // The image extent [−0.5, w − 0.5] maps onto [−0.5, w' − 0.5].
  const Eigen::Matrix<double, 2, 3> a = Camera::resize_transform(1000, 1002, 384, 256);
  EXPECT_LT((a * Eigen::Vector3d(-0.5, -0.5, 1.0) - Eigen::Vector2d(-0.5, -0.5)).norm(), 1e-12);
  EXPECT_LT((a * Eigen::Vector3d(999.5, 1001.5, 1.0) - Eigen::Vector2d(383.5, 255.5)).norm(),
            1e-12);
  for (const auto& x : body_points()) {
    const Eigen::Vector2d expected = a * cam.project(x).homogeneous();
    EXPECT_LT((resized.project(x) - expected).norm(), 1e-9);
  }
}

TEST(Camera, CropThenResizeComposes) {
  // The usual data pipeline: crop a square box, then resize it to the network input.
  const Camera cam = test_camera();
  const Camera out = cam.crop(300.0, 250.0, 500, 500).resize(256, 256);
  const Eigen::Matrix<double, 2, 3> crop = Camera::crop_transform(300.0, 250.0);
  const Eigen::Matrix<double, 2, 3> resize = Camera::resize_transform(500, 500, 256, 256);
  for (const auto& x : body_points()) {
    const Eigen::Vector2d expected = resize * (crop * cam.project(x).homogeneous()).homogeneous();
    EXPECT_LT((out.project(x) - expected).norm(), 1e-9);
  }
}

TEST(Camera, ApplyImageTransformAcceptsScaleAndTranslationOnly) {
  const Camera cam = test_camera();
  Eigen::Matrix<double, 2, 3> a;
  a << 0.75, 0.0, -12.5, 0.0, 1.25, 30.0;
  const Camera moved = cam.apply_image_transform(a, 640, 480);
  for (const auto& x : body_points()) {
    EXPECT_LT((moved.project(x) - a * cam.project(x).homogeneous()).norm(), 1e-9);
  }
  Eigen::Matrix<double, 2, 3> rotation;
  rotation << 0.0, -1.0, 0.0, 1.0, 0.0, 0.0;
  EXPECT_THROW(cam.apply_image_transform(rotation, 640, 480), Error);
  Eigen::Matrix<double, 2, 3> flip;
  flip << -1.0, 0.0, 999.0, 0.0, 1.0, 0.0;
  EXPECT_THROW(cam.apply_image_transform(flip, 1000, 1002), Error);
  EXPECT_THROW(cam.crop(0, 0, 0, 10), Error);
  EXPECT_THROW(cam.resize(10, -1), Error);
}

TEST(Camera, UnprojectInvertsProject) {
  for (const Distortion& d :
       {Distortion{}, kH36mLens, Distortion::opencv(-0.28, 0.07, 0.001, -0.001, 0.01)}) {
    const Camera cam = test_camera(d);
    for (const auto& x : body_points()) {
      const Eigen::Vector2d pixel = cam.project(x);
      const double depth = cam.world_to_camera(x).z();
      EXPECT_LT((cam.unproject(pixel, depth) - x).norm(), 1e-9) << to_string(d.model);
      const Eigen::Vector3d ray = cam.unproject_ray(pixel);
      EXPECT_NEAR(ray.norm(), 1.0, 1e-12);
      EXPECT_LT((ray - (x - cam.center()).normalized()).norm(), 1e-12) << to_string(d.model);
    }
  }
}

TEST(Camera, UndistortInvertsDistortOverTheImage) {
  const Camera cam = test_camera();
  Eigen::Matrix2Xd pixels(2, 0);
  for (double u = -0.5; u <= 999.5; u += 50.0) {
    for (double v = -0.5; v <= 1001.5; v += 50.0) {
      pixels.conservativeResize(Eigen::NoChange, pixels.cols() + 1);
      pixels.col(pixels.cols() - 1) = Eigen::Vector2d(u, v);
    }
  }
  const Eigen::Matrix2Xd undistorted = cam.undistort_points(pixels, PointCoordinates::kPixels);
  const Eigen::Matrix2Xd normalized = cam.undistort_points(pixels, PointCoordinates::kNormalized);
  for (Eigen::Index i = 0; i < pixels.cols(); ++i) {
    // distort(undistort(p)) == p, in pixels.
    EXPECT_LT((cam.distort_pixel(undistorted.col(i)) - pixels.col(i)).norm(), 1e-9);
    // The two output frames differ by K only.
    const Eigen::Vector2d via_k(cam.fx() * normalized(0, i) + cam.cx(),
                                cam.fy() * normalized(1, i) + cam.cy());
    EXPECT_LT((via_k - undistorted.col(i)).norm(), 1e-9);
    EXPECT_LT((cam.normalized_to_pixel(normalized.col(i)) - pixels.col(i)).norm(), 1e-9);
  }
  // And undistort(distort(p)) == p.
  for (Eigen::Index i = 0; i < pixels.cols(); ++i) {
    EXPECT_LT((cam.undistort_pixel(cam.distort_pixel(pixels.col(i))) - pixels.col(i)).norm(), 1e-9);
  }
}

TEST(Camera, RejectsInvalidParameters) {
  Eigen::Matrix3d reflection = Eigen::Matrix3d::Identity();
  reflection(2, 2) = -1.0;
  try {
    Camera::from_cam_from_world(kIntrinsics, reflection, Eigen::Vector3d::Zero());
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("det = -1.000"), std::string::npos) << e.what();
  }
  EXPECT_NE(rotation_defect(1.3 * Eigen::Matrix3d::Identity()).find("‖RᵀR − I‖ = "),
            std::string::npos);
  EXPECT_EQ(rotation_defect(Eigen::Matrix3d::Identity()), "");
  Intrinsics bad = kIntrinsics;
  bad.fx = 0.0;
  EXPECT_THROW(
      Camera::from_cam_from_world(bad, Eigen::Matrix3d::Identity(), Eigen::Vector3d::Zero()),
      Error);
  bad = kIntrinsics;
  bad.height = 0;
  EXPECT_THROW(
      Camera::from_cam_from_world(bad, Eigen::Matrix3d::Identity(), Eigen::Vector3d::Zero()),
      Error);
}

}  // namespace
}  // namespace mvpose3d
