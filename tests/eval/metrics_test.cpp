// The metrics against hand-computed values and known similarity transforms.
#include "mvpose3d/eval/metrics.h"

#include "mvpose3d/core/error.h"

#include <cmath>
#include <limits>
#include <tuple>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

namespace mvpose3d::eval {
namespace {

at::Tensor poses(std::vector<double> values, std::vector<int64_t> shape) {
  return at::tensor(values, at::kDouble).view(shape);
}

// A random proper rotation (det +1) from the QR decomposition of a Gaussian matrix.
at::Tensor random_rotation(at::Generator& gen) {
  const auto a = at::randn({3, 3}, gen, at::kDouble);
  auto [q, r] = at::linalg_qr(a);
  q = q * at::sign(at::diagonal(r)).unsqueeze(0);  // unique Q: positive diagonal of R
  if (at::linalg_det(q).item<double>() < 0) q.select(1, 0).neg_();
  return q;
}

TEST(Metrics, JointErrorsTwoJointsByHand) {
  // Joint 0: (1, 2, 2) against the origin -> 3; joint 1: (0, 0, 0) against (0, 0, 12) -> 12.
  const auto pred = poses({1, 2, 2, 0, 0, 0}, {2, 3});
  const auto gt = poses({0, 0, 0, 0, 0, 12}, {2, 3});
  const auto e = joint_errors_mm(pred, gt);
  ASSERT_EQ(e.sizes(), (std::vector<int64_t>{2}));
  EXPECT_DOUBLE_EQ(e[0].item<double>(), 3.0);
  EXPECT_DOUBLE_EQ(e[1].item<double>(), 12.0);
  EXPECT_DOUBLE_EQ(mpjpe(pred, gt), 7.5);
  // float32 inputs are promoted to float64.
  EXPECT_EQ(joint_errors_mm(pred.to(at::kFloat), gt.to(at::kFloat)).scalar_type(), at::kDouble);
}

TEST(Metrics, RootRelativeByHand) {
  // pred (1,1,1), (4,5,1) -> (0,0,0), (3,4,0); gt (0,0,0), (3,4,12) -> itself. Errors 0 and 12.
  const auto pred = poses({1, 1, 1, 4, 5, 1}, {1, 2, 3});
  const auto gt = poses({0, 0, 0, 3, 4, 12}, {1, 2, 3});
  const auto rel = root_relative(pred, 0);
  EXPECT_TRUE(at::equal(rel, poses({0, 0, 0, 3, 4, 0}, {1, 2, 3})));
  EXPECT_DOUBLE_EQ(mpjpe_root_relative(pred, gt, 0), 6.0);
  // Root 1: every joint minus joint 1.
  EXPECT_TRUE(at::equal(root_relative(pred, 1), poses({-3, -4, 0, 0, 0, 0}, {1, 2, 3})));
  // Any leading dimensions.
  EXPECT_EQ(root_relative(at::zeros({2, 3, 5, 3}), 4).sizes(), (std::vector<int64_t>{2, 3, 5, 3}));
}

TEST(Metrics, RejectsBadShapesAndRoot) {
  try {
    root_relative(at::zeros({4, 3}), 4);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("root joint 4 is out of range for 4 joints"),
              std::string::npos)
        << e.what();
  }
  try {
    joint_errors_mm(at::zeros({2, 17, 3}), at::zeros({2, 16, 3}));
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 17, 3]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(procrustes_align(at::zeros({17, 2}), at::zeros({17, 2})), Error);
}

TEST(Metrics, ProcrustesRecoversKnownSimilarity) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(7);
  const auto gt = at::randn({5, 17, 3}, gen, at::kDouble) * 300;  // [N, J, 3] mm
  const double scale = 1.7;
  const auto rotation = random_rotation(gen);
  const auto translation = at::tensor({120.0, -40.0, 900.0}, at::kDouble);
  // gt = s·R·pred + t  <=>  pred = Rᵀ(gt − t)/s, in rows: (gt − t)·R / s.
  const auto pred = at::matmul(gt - translation, rotation) / scale;
  ASSERT_GT(mpjpe(pred, gt), 100.0);  // far apart before alignment
  const auto aligned = procrustes_align(pred, gt);
  EXPECT_LT((aligned - gt).abs().max().item<double>(), 1e-9);
  EXPECT_LT(pa_mpjpe(pred, gt), 1e-9);
  // Noise on top: PA-MPJPE is below the MPJPE of the noisy pose placed exactly.
  const auto noise = at::randn({5, 17, 3}, gen, at::kDouble) * 10;
  const auto noisy = at::matmul(gt + noise - translation, rotation) / scale;
  EXPECT_LT(pa_mpjpe(noisy, gt), mpjpe(gt + noise, gt));
  EXPECT_GT(pa_mpjpe(noisy, gt), 1.0);
}

TEST(Metrics, ProcrustesMatchesPerPoseOverLeadingDims) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(3);
  const auto pred = at::randn({2, 3, 6, 3}, gen, at::kDouble);
  const auto gt = at::randn({2, 3, 6, 3}, gen, at::kDouble);
  const auto batched = procrustes_align(pred, gt);
  for (int64_t a = 0; a < 2; ++a) {
    for (int64_t b = 0; b < 3; ++b) {
      const auto single = procrustes_align(pred[a][b], gt[a][b]);
      EXPECT_LT((batched[a][b] - single).abs().max().item<double>(), 1e-12);
    }
  }
}

TEST(Metrics, ProcrustesNeverReflects) {
  // The prediction is the mirror image of the ground truth (x -> -x). An alignment allowed to
  // reflect would match it exactly; the similarity transform with det(R) = +1 cannot.
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(11);
  const auto gt = at::randn({17, 3}, gen, at::kDouble) * at::tensor({400.0, 200.0, 100.0});
  const auto mirror = at::tensor({-1.0, 1.0, 1.0}, at::kDouble);
  const auto pred = gt * mirror;
  const auto aligned = procrustes_align(pred, gt);
  EXPECT_GT(pa_mpjpe(pred, gt), 10.0);
  // The linear map taking the centred prediction to the centred alignment is s·Rᵀ: det > 0.
  const auto p0 = pred - pred.mean(0, true);
  const auto a0 = aligned - aligned.mean(0, true);
  const auto m = std::get<0>(at::linalg_lstsq(p0, a0));  // [3, 3]
  EXPECT_GT(at::linalg_det(m).item<double>(), 0.0);
  // Optimal among proper rotations: small rotations of the alignment about its centroid are
  // no better.
  const double best = joint_errors_mm(aligned, gt).pow(2).sum().item<double>();
  const auto centroid = aligned.mean(0, true);
  for (int axis = 0; axis < 3; ++axis) {
    for (const double angle : {-0.01, 0.01}) {
      auto w = at::zeros({3}, at::kDouble);
      w[axis] = angle;
      // Rows w × e_i form a skew-symmetric matrix; its exponential is a proper rotation.
      const auto rot = at::linalg_matrix_exp(
          at::linalg_cross(w.unsqueeze(0).expand({3, 3}), at::eye(3, at::kDouble)));
      const auto turned = at::matmul(aligned - centroid, rot) + centroid;
      EXPECT_GE(joint_errors_mm(turned, gt).pow(2).sum().item<double>(), best - 1e-6);
    }
  }
}

TEST(Metrics, ProcrustesDegenerateAndNonFinitePoses) {
  // A prediction collapsed to one point goes to the ground truth's centroid.
  const auto gt = poses({0, 0, 0, 2, 0, 0, 0, 4, 0}, {3, 3});
  const auto aligned = procrustes_align(at::ones({3, 3}, at::kDouble), gt);
  EXPECT_TRUE(at::allclose(aligned, gt.mean(0, true).expand({3, 3})));
  // A NaN pose gives NaN for itself only, without throwing.
  auto pred = at::stack({gt, gt + 1});
  pred[0][1][2] = std::numeric_limits<double>::quiet_NaN();
  const auto out = procrustes_align(pred, at::stack({gt, gt}));
  EXPECT_TRUE(at::isnan(out[0]).all().item<bool>());
  EXPECT_LT((out[1] - gt).abs().max().item<double>(), 1e-9);
}

}  // namespace
}  // namespace mvpose3d::eval
