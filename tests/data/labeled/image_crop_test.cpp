// The image pipeline on its own: partial JPEG decoding (pixel for pixel OpenCV's full decode),
// crops that leave the image, the whole-sample flip, and augmented crops whose cameras match
// their pixels.
#include "mvpose3d/data/labeled/image_crop.h"

#include "mvpose3d/geometry/skeleton.h"

#include <filesystem>

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "data/fixtures/fixture_util.h"

#if MVPOSE3D_DATA_TEST_LIBJPEG
#include "data/labeled/jpeg_region.h"
#endif

namespace mvpose3d {
namespace {

namespace fs = std::filesystem;

// A textured 4:2:0 JPEG of 333 x 250 px.
fs::path textured_jpeg() {
  static const fs::path file = [] {
    const fs::path p =
        fs::temp_directory_path() / ("textured_" + std::to_string(getpid()) + ".jpg");
    cv::Mat image(250, 333, CV_8UC3);
    cv::randu(image, cv::Scalar::all(0), cv::Scalar::all(255));
    cv::GaussianBlur(image, image, cv::Size(0, 0), 2.0);
    cv::imwrite(p.string(), image, {cv::IMWRITE_JPEG_QUALITY, 90});
    return p;
  }();
  return file;
}

Camera test_camera(const Distortion& d = {}) {
  Intrinsics in;
  in.fx = 300;
  in.fy = 305;
  in.cx = 160;
  in.cy = 120;
  in.width = 333;
  in.height = 250;
  return Camera::look_at(in, {3000, -2000, 1500}, {0, 0, 900}, Eigen::Vector3d::UnitZ(), d);
}

#if MVPOSE3D_DATA_TEST_LIBJPEG
TEST(JpegRegion, MatchesOpenCvsFullDecode) {
  const int flags[] = {cv::IMREAD_COLOR,
                       cv::IMREAD_REDUCED_COLOR_2,
                       cv::IMREAD_REDUCED_COLOR_4,
                       cv::IMREAD_REDUCED_COLOR_8};
  for (int k = 0; k < 4; ++k) {
    const int r = 1 << k;
    const cv::Mat full = cv::imread(textured_jpeg().string(), flags[k]);
    for (const cv::Rect want : {cv::Rect(0, 0, 5, 5),
                                cv::Rect(17 / r, 33 / r, 101 / r, 77 / r),
                                cv::Rect(-20, -20, 60, 400),
                                cv::Rect(full.cols - 3, full.rows - 2, 50, 50)}) {
      const detail::JpegRegion region = detail::decode_jpeg_region(textured_jpeg(), r, want);
      EXPECT_EQ(region.full, full.size());
      const cv::Rect clipped = want & cv::Rect(0, 0, full.cols, full.rows);
      ASSERT_FALSE(region.image.empty());
      const cv::Rect got(region.offset, region.image.size());
      EXPECT_EQ(got & clipped, clipped) << "the region covers what was asked";
      double worst = 0;
      cv::minMaxLoc(
          cv::abs(region.image(clipped - region.offset) - full(clipped)), nullptr, &worst);
      EXPECT_EQ(worst, 0) << "reduction " << r << " rect " << want;
    }
    EXPECT_TRUE(
        detail::decode_jpeg_region(textured_jpeg(), r, cv::Rect(-50, -50, 10, 10)).image.empty());
  }
  EXPECT_THROW(detail::decode_jpeg_region("/no/such.jpg", 1, cv::Rect(0, 0, 4, 4)), Error);
}
#endif

TEST(ImageCrop, CropsLeavingTheImageAreBlackThere) {
  const Camera camera = test_camera();
  // A box around the image's right edge: the right part of the crop is outside.
  const CropPlan plan = plan_crop(camera, {283, 100, 383, 200}, 64, 1.0, false);
  const at::Tensor crop = render_crop({textured_jpeg(), -1}, camera, plan);
  ASSERT_EQ(crop.sizes(), (std::vector<std::int64_t>{3, 64, 64}));
  EXPECT_GT(crop.narrow(2, 0, 28).sum().item<std::int64_t>(), 0);
  EXPECT_EQ(crop.narrow(2, 34, 30).sum().item<std::int64_t>(), 0);
  const CropPlan away = plan_crop(camera, {1000, 1000, 1100, 1100}, 32, 1.0, false);
  EXPECT_EQ(render_crop({textured_jpeg(), -1}, camera, away).sum().item<std::int64_t>(), 0);
  try {
    render_crop({"/no/such/image.jpg", -1}, camera, plan);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "image file /no/such/image.jpg: not found");
  }
}

TEST(ImageCrop, AugmentedAndUndistortedCropsProjectLikeTheOriginal) {
  const Camera camera = test_camera(Distortion::h36m(-0.2, 0.05, 0.0, 0.01, -0.02));
  const Eigen::Vector4d box(100, 60, 220, 200);
  Rng rng(5);
  AugmentConfig config;
  config.scale = 0.2;
  config.shift = 0.1;
  config.rotation_deg = 40;
  for (int i = 0; i < 20; ++i) {
    const ViewAugmentation a = draw_view_augmentation(config, rng);
    for (const bool undistort : {false, true}) {
      const CropPlan plan = plan_crop(camera, box, 96, 1.2, undistort, a);
      EXPECT_EQ(plan.remap, undistort || a.rotation_rad != 0);
      for (const Eigen::Vector3d& x :
           {Eigen::Vector3d(0, 0, 900), Eigen::Vector3d(200, -150, 1400)}) {
        // The crop's camera sees a world point where the original pixel lands in the crop.
        EXPECT_LT((plan.camera.project(x) - map_to_crop(camera, plan, camera.project(x))).norm(),
                  1e-6);
      }
    }
  }
}

TEST(ImageCrop, FlippingTwiceRestoresTheSample) {
  const Camera camera = test_camera(Distortion::h36m(-0.1, 0.0, 0.0, 0.01, -0.02));
  MultiviewSample s;
  const CropPlan plan = plan_crop(camera, {100, 60, 220, 200}, 32, 1.0, false);
  s.cameras = {plan.camera};
  s.crop_from_original = {plan.crop_from_original};
  s.images = at::randint(0, 255, {1, 3, 32, 32}, at::kByte);
  s.joints_world_mm = at::randn({17, 3}, at::kDouble) * 200 + 900;
  s.joints_2d_px = at::zeros({1, 17, 2}, at::kDouble);
  for (int j = 0; j < 17; ++j) {
    const at::Tensor x = s.joints_world_mm[j];
    const Eigen::Vector2d p =
        plan.camera.project({x[0].item<double>(), x[1].item<double>(), x[2].item<double>()});
    s.joints_2d_px[0][j][0] = p.x();
    s.joints_2d_px[0][j][1] = p.y();
  }
  s.visibility = at::ones({1, 17}, at::kFloat);
  MultiviewSample f = s;
  flip_sample(f, h36m17_skeleton());
  check_sample(f);
  // The mirrored world through the flipped camera lands on the flipped, left/right-swapped 2D.
  for (int j = 0; j < 17; ++j) {
    const at::Tensor x = f.joints_world_mm[j];
    const Eigen::Vector2d p =
        f.cameras[0].project({x[0].item<double>(), x[1].item<double>(), x[2].item<double>()});
    EXPECT_NEAR(p.x(), f.joints_2d_px[0][j][0].item<double>(), 1e-9);
    EXPECT_NEAR(p.y(), f.joints_2d_px[0][j][1].item<double>(), 1e-9);
  }
  EXPECT_TRUE(at::equal(f.images[0][0][5][0], s.images[0][0][5][31]));
  flip_sample(f, h36m17_skeleton());
  EXPECT_TRUE(at::equal(f.images, s.images));
  EXPECT_TRUE(at::allclose(f.joints_world_mm, s.joints_world_mm));
  EXPECT_TRUE(at::allclose(f.joints_2d_px, s.joints_2d_px));
  EXPECT_LT((f.cameras[0].proj_from_world() - s.cameras[0].proj_from_world()).norm(), 1e-9);
  EXPECT_LT((f.crop_from_original[0] - s.crop_from_original[0]).norm(), 1e-12);
}

}  // namespace
}  // namespace mvpose3d
