// Distortion models: hand-computed values (pinning H36M's model against OpenCV's factor-2 terms),
// analytic Jacobians and the Newton inverse.
#include "mvpose3d/geometry/distortion.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/geometry/camera.h"

#include <cmath>

#include <gtest/gtest.h>

namespace mvpose3d {
namespace {

// One example worked by hand. Coefficients: k = (0.1, 0.01, 0.001), p = (0.002, 0.003).
// Point (x, y) = (0.1, -0.2):
//   r² = 0.01 + 0.04 = 0.05,  r⁴ = 0.0025,  r⁶ = 0.000125
//   radial = 1 + 0.1·0.05 + 0.01·0.0025 + 0.001·0.000125 = 1.005025125
constexpr double kX = 0.1;
constexpr double kY = -0.2;

TEST(Distortion, H36mMatchesHandComputedValue) {
  // H36M (3d-pose-baseline project_point_radial), p0 = 0.002, p1 = 0.003:
  //   tan = p0·y + p1·x = 0.002·(-0.2) + 0.003·0.1 = -0.0001
  //   x_d = x·(radial + tan) + p1·r² = 0.1·1.004925125 + 0.003·0.05 = 0.1006425125
  //   y_d = y·(radial + tan) + p0·r² = -0.2·1.004925125 + 0.002·0.05 = -0.200885025
  const Distortion d = Distortion::h36m(0.1, 0.01, 0.001, 0.002, 0.003);
  const Eigen::Vector2d out = d.distort({kX, kY});
  EXPECT_NEAR(out.x(), 0.1006425125, 1e-15);
  EXPECT_NEAR(out.y(), -0.200885025, 1e-15);
}

TEST(Distortion, OpenCvMatchesHandComputedValue) {
  // OpenCV, p1 = 0.002, p2 = 0.003 (the same numbers in the same slots as above):
  //   x_d = x·radial + 2·p1·x·y + p2·(r² + 2x²)
  //       = 0.1005025125 + 2·0.002·(-0.02) + 0.003·(0.05 + 0.02) = 0.1006325125
  //   y_d = y·radial + p1·(r² + 2y²) + 2·p2·x·y
  //       = -0.201005025 + 0.002·(0.05 + 0.08) + 2·0.003·(-0.02) = -0.200865025
  const Distortion d = Distortion::opencv(0.1, 0.01, 0.002, 0.003, 0.001);
  const Eigen::Vector2d out = d.distort({kX, kY});
  EXPECT_NEAR(out.x(), 0.1006325125, 1e-15);
  EXPECT_NEAR(out.y(), -0.200865025, 1e-15);
}

TEST(Distortion, ModelsDifferOnlyInTheTangentialFactors) {
  // Same coefficients, different models: H36M's tangential part is p0·x·y + p1·(r² + x²) in x,
  // OpenCV's 2·p1·x·y + p2·(r² + 2x²); the difference is p0·x·y + p1·x² = -0.00004 + 0.00003.
  const Distortion h36m = Distortion::h36m(0.1, 0.01, 0.001, 0.002, 0.003);
  const Distortion opencv = Distortion::opencv(0.1, 0.01, 0.002, 0.003, 0.001);
  const Eigen::Vector2d diff = opencv.distort({kX, kY}) - h36m.distort({kX, kY});
  EXPECT_NEAR(diff.x(), 0.002 * kX * kY + 0.003 * kX * kX, 1e-16);  // -0.00001
  EXPECT_NEAR(diff.y(), 0.002 * kY * kY + 0.003 * kX * kY, 1e-16);  //  0.00002
}

TEST(Distortion, CameraProjectAppliesDistortionThenK) {
  // Identity pose; a point on the ray (0.1, -0.2, 1) at depth 2500 mm.
  // K: fx = 1000, fy = 1100, cx = 500, cy = 400.
  //   H36M:   u = 1000·0.1006425125 + 500 = 600.6425125, v = 1100·(-0.200885025) + 400 =
  //   179.0264725 OpenCV: u = 1000·0.1006325125 + 500 = 600.6325125, v = 1100·(-0.200865025) + 400
  //   = 179.0484725
  const Intrinsics in{1000.0, 1100.0, 500.0, 400.0, 1000, 800};
  const Eigen::Vector3d point(kX * 2500.0, kY * 2500.0, 2500.0);
  const Camera h36m = Camera::from_cam_from_world(in,
                                                  Eigen::Matrix3d::Identity(),
                                                  Eigen::Vector3d::Zero(),
                                                  Distortion::h36m(0.1, 0.01, 0.001, 0.002, 0.003));
  const Camera opencv =
      Camera::from_cam_from_world(in,
                                  Eigen::Matrix3d::Identity(),
                                  Eigen::Vector3d::Zero(),
                                  Distortion::opencv(0.1, 0.01, 0.002, 0.003, 0.001));
  EXPECT_NEAR(h36m.project(point).x(), 600.6425125, 1e-11);
  EXPECT_NEAR(h36m.project(point).y(), 179.0264725, 1e-11);
  EXPECT_NEAR(opencv.project(point).x(), 600.6325125, 1e-11);
  EXPECT_NEAR(opencv.project(point).y(), 179.0484725, 1e-11);
  // project_undistorted ignores distortion: 1000·0.1 + 500, 1100·(-0.2) + 400.
  EXPECT_NEAR(h36m.project_undistorted(point).x(), 600.0, 1e-11);
  EXPECT_NEAR(h36m.project_undistorted(point).y(), 180.0, 1e-11);
}

TEST(Distortion, NoneIsTheIdentity) {
  const Distortion d;
  EXPECT_TRUE(d.is_identity());
  Eigen::Matrix2d jacobian;
  EXPECT_EQ(d.distort({0.3, -0.4}, &jacobian), Eigen::Vector2d(0.3, -0.4));
  EXPECT_EQ(jacobian, Eigen::Matrix2d::Identity());
  EXPECT_EQ(d.undistort({0.3, -0.4}), Eigen::Vector2d(0.3, -0.4));
  EXPECT_TRUE(Distortion::h36m(0, 0, 0, 0, 0).is_identity());
  EXPECT_FALSE(Distortion::h36m(0, 0, 0, 1e-9, 0).is_identity());
}

// Real H36M camera 54138969 (configs/rigs/h36m.yaml), a typical strong OpenCV lens and a fisheye.
std::vector<Distortion> test_models() {
  return {Distortion::h36m(-0.20709891617298126,
                           0.24777518212795258,
                           -0.0030751503072679043,
                           -0.00142447161488235,
                           -0.0009756988729350269),
          Distortion::opencv(-0.28, 0.07, 0.0012, -0.0008, 0.01),
          Distortion::h36m(0.1, 0.01, 0.001, 0.002, 0.003),
          Distortion::fisheye(0.05, -0.01, 0.002, -0.0005)};
}

TEST(Distortion, JacobianMatchesCentralDifferences) {
  const double h = 1e-6;
  for (const Distortion& d : test_models()) {
    for (const Eigen::Vector2d& xy : {Eigen::Vector2d(0.1, -0.2),
                                      Eigen::Vector2d(-0.4, 0.35),
                                      Eigen::Vector2d(0.0, 0.0),
                                      Eigen::Vector2d(0.45, 0.44)}) {
      Eigen::Matrix2d jacobian;
      d.distort(xy, &jacobian);
      for (int c = 0; c < 2; ++c) {
        Eigen::Vector2d step = Eigen::Vector2d::Zero();
        step(c) = h;
        const Eigen::Vector2d numeric = (d.distort(xy + step) - d.distort(xy - step)) / (2 * h);
        EXPECT_NEAR(jacobian(0, c), numeric(0), 1e-8)
            << to_string(d.model) << " at " << xy.transpose();
        EXPECT_NEAR(jacobian(1, c), numeric(1), 1e-8)
            << to_string(d.model) << " at " << xy.transpose();
      }
    }
  }
}

TEST(Distortion, UndistortInvertsDistortAcrossTheImage) {
  // Normalised coordinates covering an H36M image (|x|, |y| up to 0.46 → r up to 0.65).
  for (const Distortion& d : test_models()) {
    double worst = 0.0;
    for (double x = -0.46; x <= 0.46; x += 0.023) {
      for (double y = -0.46; y <= 0.46; y += 0.023) {
        const Eigen::Vector2d xy(x, y);
        bool converged = false;
        const Eigen::Vector2d back = d.undistort(d.distort(xy), {}, &converged);
        EXPECT_TRUE(converged) << to_string(d.model) << " at " << xy.transpose();
        worst = std::max(worst, (back - xy).cwiseAbs().maxCoeff());
      }
    }
    EXPECT_LT(worst, 1e-12) << to_string(d.model);
  }
}

// cv::fisheye: the pixels OpenCV 4's cv2.fisheye.projectPoints gives for K = [[1000, 0, 500],
// [0, 1100, 400], [0, 0, 1]], D = (0.05, -0.01, 0.002, -0.0005), identity pose (printed with repr).
TEST(Distortion, FisheyeMatchesOpenCvProjectPoints) {
  const Distortion d = Distortion::fisheye(0.05, -0.01, 0.002, -0.0005);
  const Camera camera = Camera::from_cam_from_world(
      {1000.0, 1100.0, 500.0, 400.0, 1000, 800}, Eigen::Matrix3d::Identity(), {0, 0, 0}, d);
  const Eigen::Vector2d a = camera.project({0.1 * 2500.0, -0.2 * 2500.0, 2500.0});
  EXPECT_NEAR(a.x(), 598.6173897107786, 1e-9);
  EXPECT_NEAR(a.y(), 183.0417426362869, 1e-9);
  const Eigen::Vector2d b = camera.project({600.0, 450.0, 1000.0});
  EXPECT_NEAR(b.x(), 1024.642468806715, 1e-9);
  EXPECT_NEAR(b.y(), 832.8300367655397, 1e-9);
  // And cv2.fisheye.undistortPoints' inverse: back to the normalised coordinates.
  const Eigen::Vector2d xy = camera.pixel_to_normalized(b);
  EXPECT_NEAR(xy.x(), 0.6, 1e-12);
  EXPECT_NEAR(xy.y(), 0.45, 1e-12);
  // Zero coefficients still bend rays (θ = atan r), so the model is never the identity.
  EXPECT_FALSE(Distortion::fisheye(0, 0, 0, 0).is_identity());
  EXPECT_NEAR(Distortion::fisheye(0, 0, 0, 0).distort({1.0, 0.0}).x(), std::atan(1.0), 1e-15);
}

TEST(Distortion, FisheyeInvertsBeyondNinetyDegreesOfFieldOfView) {
  // Rays up to 55° off the axis (r = tan 55° ≈ 1.43), past what the perspective models reach.
  const Distortion d = Distortion::fisheye(0.05, -0.01, 0.002, -0.0005);
  for (const Eigen::Vector2d& xy :
       {Eigen::Vector2d(-0.9, 0.7), Eigen::Vector2d(1.2, 0.05), Eigen::Vector2d(0.0, 1.43)}) {
    bool converged = false;
    const Eigen::Vector2d back = d.undistort(d.distort(xy), {}, &converged);
    EXPECT_TRUE(converged) << xy.transpose();
    EXPECT_LT((back - xy).cwiseAbs().maxCoeff(), 1e-12) << xy.transpose();
  }
}

TEST(Distortion, ModelNamesRoundTripAndUnknownNamesAreListed) {
  for (const auto& name : known_distortion_models()) {
    EXPECT_EQ(to_string(distortion_model_from_string(name)), name);
  }
  try {
    distortion_model_from_string("fisheye");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'fisheye'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("none, h36m, opencv"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mvpose3d
