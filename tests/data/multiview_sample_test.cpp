// MultiviewSample checks and collation into [B, V, ...] tensors.
#include "mvpose3d/data/multiview_sample.h"

#include "mvpose3d/core/error.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

namespace mvpose3d {
namespace {

MultiviewSample make_sample(int views, int joints, int size, double value) {
  MultiviewSample s;
  s.images = at::full({views, 3, size, size}, 255, at::kByte);
  Intrinsics in;
  in.fx = in.fy = 100 + value;
  in.cx = in.cy = 0.5 * (size - 1);
  in.width = in.height = size;
  for (int v = 0; v < views; ++v) {
    s.cameras.push_back(
        Camera::from_center(in, Eigen::Matrix3d::Identity(), Eigen::Vector3d(v, 0, -3000)));
    s.crop_from_original.push_back(Eigen::Matrix<double, 2, 3>::Identity());
  }
  s.joints_world_mm = at::full({joints, 3}, value, at::kDouble);
  s.joints_2d_px = at::full({views, joints, 2}, value, at::kDouble);
  s.visibility = at::ones({views, joints}, at::kFloat);
  s.subject = "S1";
  s.action = "walking";
  s.subject_id = 3;
  s.action_id = 1;
  s.frame = static_cast<std::int64_t>(value);
  return s;
}

TEST(Collate, StacksEveryField) {
  const std::vector<MultiviewSample> samples{make_sample(3, 17, 8, 1), make_sample(3, 17, 8, 2)};
  const MultiviewBatch b = collate(samples);
  EXPECT_EQ(b.size(), 2);
  EXPECT_EQ(b.images.sizes(), (std::vector<int64_t>{2, 3, 3, 8, 8}));
  EXPECT_EQ(b.images.scalar_type(), at::kFloat);
  EXPECT_FLOAT_EQ(b.images.max().item<float>(), 1.0f);
  EXPECT_EQ(b.K.sizes(), (std::vector<int64_t>{2, 3, 3, 3}));
  EXPECT_EQ(b.proj_from_world.sizes(), (std::vector<int64_t>{2, 3, 3, 4}));
  EXPECT_EQ(b.crop_from_original.sizes(), (std::vector<int64_t>{2, 3, 2, 3}));
  EXPECT_EQ(b.joints_world_mm.sizes(), (std::vector<int64_t>{2, 17, 3}));
  EXPECT_EQ(b.joints_2d_px.sizes(), (std::vector<int64_t>{2, 3, 17, 2}));
  EXPECT_EQ(b.visibility.sizes(), (std::vector<int64_t>{2, 3, 17}));
  EXPECT_DOUBLE_EQ(b.K[1][2][0][0].item<double>(), 102.0);
  EXPECT_DOUBLE_EQ(b.t[0][1][2].item<double>(), 3000.0);  // t = −R·C
  EXPECT_DOUBLE_EQ(b.joints_world_mm[1][5][2].item<double>(), 2.0);
  EXPECT_EQ(b.frame[1].item<int64_t>(), 2);
  EXPECT_EQ(b.subject_id[0].item<int64_t>(), 3);
  EXPECT_EQ(b.image_size_px[0][0][0].item<int64_t>(), 8);
  EXPECT_EQ(b.subjects, (std::vector<std::string>{"S1", "S1"}));
  // P = K·[R | t], per view.
  const at::Tensor p = at::matmul(b.K, at::cat({b.R, b.t.unsqueeze(-1)}, -1));
  EXPECT_TRUE(at::allclose(p, b.proj_from_world));
}

TEST(Collate, RejectsMismatchedSamples) {
  EXPECT_THROW(collate({}), Error);
  try {
    collate({make_sample(3, 17, 8, 1), make_sample(2, 17, 8, 2)});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sample 1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(collate({make_sample(3, 17, 8, 1), make_sample(3, 16, 8, 2)}), Error);
  EXPECT_THROW(collate({make_sample(3, 17, 8, 1), make_sample(3, 17, 9, 2)}), Error);
}

TEST(CheckSample, NamesTheBadField) {
  MultiviewSample s = make_sample(2, 17, 8, 1);
  s.joints_2d_px = at::zeros({2, 16, 2}, at::kDouble);
  try {
    check_sample(s);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("joints_2d_px"), std::string::npos) << e.what();
  }
  s = make_sample(2, 17, 8, 1);
  s.visibility = s.visibility.to(at::kDouble);
  EXPECT_THROW(check_sample(s), Error);
}

}  // namespace
}  // namespace mvpose3d
