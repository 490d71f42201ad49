#include "mvpose3d/ops/robust_triangulate.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/geometry/synthetic_scenes.h"

#include <string>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

namespace mvpose3d::ops {
namespace {

struct NoisyScene {
  at::Tensor truth;     // [N, 3]
  at::Tensor proj;      // [V, 3, 4]
  at::Tensor points2d;  // [N, V, 2]
};

// `views` cameras, 0.5 px noise, and views `corrupted` moved 40-120 px in a random direction.
NoisyScene corrupted_scene(int n, std::vector<int64_t> corrupted, uint64_t seed, int views = 6) {
  auto gen = at::detail::createCPUGenerator(seed);
  NoisyScene s;
  s.proj = scenes::random_rig(views, gen);
  s.truth = at::rand({n, 3}, gen, at::kDouble) - 0.5;
  s.points2d = scenes::project(s.truth, s.proj) + 0.5 * at::randn({n, views, 2}, gen, at::kDouble);
  for (int64_t v : corrupted) {
    const at::Tensor angle = 2 * M_PI * at::rand({n}, gen, at::kDouble);
    const at::Tensor radius = 40 + 80 * at::rand({n}, gen, at::kDouble);
    s.points2d.select(1, v).add_(at::stack({radius * angle.cos(), radius * angle.sin()}, 1));
  }
  return s;
}

double max_error(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).norm(2, -1).max().item<double>();
}

TEST(RobustTriangulate, RejectsTwoCorruptedViewsOfSix) {
  const NoisyScene s = corrupted_scene(300, {1, 4}, 5);
  RobustTriangulateOptions options;
  options.max_reproj_px = 6.0;
  const RobustTriangulation r = robust_triangulate(s.points2d, s.proj, {}, options);
  ASSERT_TRUE(r.valid.all().item<bool>());
  // 0.5 px noise on f = 280 px at 2-2.5 units: a few thousandths of a unit.
  EXPECT_LT(max_error(r.points3d, s.truth), 0.02);
  const double plain = max_error(triangulate(s.points2d, s.proj).points3d, s.truth);
  EXPECT_GT(plain, 0.1) << "the corruption must matter for the test to mean something";
  const at::Tensor clean = at::tensor({1, 0, 1, 1, 0, 1}).to(at::kBool).expand({300, 6});
  EXPECT_TRUE(at::equal(r.views_used, clean));
  EXPECT_LT(r.reproj_error_px.max().item<double>(), 6.0);
  // Every point flagged; the rounds of 5 views (6 subsets) and 4 views (15) were searched.
  EXPECT_EQ(r.flagged, 300);
  EXPECT_EQ(r.unresolved, 0);
  EXPECT_EQ(r.solves, 300 + 300 * (6 + 15));
}

TEST(RobustTriangulate, GreedySearchAboveEightViews) {
  const NoisyScene s = corrupted_scene(300, {0, 3, 7}, 9, 10);
  RobustTriangulateOptions options;
  options.max_reproj_px = 6.0;
  const RobustTriangulation r = robust_triangulate(s.points2d, s.proj, {}, options);
  ASSERT_TRUE(r.valid.all().item<bool>()) << r.unresolved << " unresolved";
  EXPECT_LT(max_error(r.points3d, s.truth), 0.02);
  // One view less per round, the best candidate kept: 10, 9 and 8 candidates.
  EXPECT_EQ(r.solves, 300 + 300 * (10 + 9 + 8));
  EXPECT_FALSE(r.views_used.select(1, 0).any().item<bool>());
  EXPECT_EQ(r.views_used.sum().item<int64_t>(), 300 * 7);
}

TEST(RobustTriangulate, GreedyIsAHeuristic) {
  // Forced on six views with two corrupted, greedy removal can drop a good view early and then
  // find no agreeing subset (the point is invalid) or end on two views that happen to agree
  // (wrong): 6 of 300 here. Exhaustive search (the default up to 8 views) found all 300.
  const NoisyScene s = corrupted_scene(300, {0, 3}, 9);
  RobustTriangulateOptions options;
  options.max_reproj_px = 6.0;
  options.max_exhaustive_views = 4;
  const RobustTriangulation r = robust_triangulate(s.points2d, s.proj, {}, options);
  const at::Tensor right = r.valid & ((r.points3d - s.truth).norm(2, -1) < 0.02);
  EXPECT_GE(right.sum().item<int64_t>(), 290);
  EXPECT_EQ(r.unresolved, 300 - r.valid.sum().item<int64_t>());
}

TEST(RobustTriangulate, WithoutRejectionEqualsPlainDlt) {
  const NoisyScene s = corrupted_scene(200, {2}, 3);
  auto gen = at::detail::createCPUGenerator(4);
  const at::Tensor weights = at::rand({200, 6}, gen, at::kDouble);
  RobustTriangulateOptions options;  // max_reproj_px = 0: no rejection
  const RobustTriangulation r = robust_triangulate(s.points2d, s.proj, weights, options);
  const Triangulation plain = triangulate(s.points2d, s.proj, weights);
  EXPECT_TRUE(at::equal(r.points3d, plain.points3d));
  EXPECT_TRUE(at::equal(r.valid, plain.valid));
  EXPECT_EQ(r.solves, 200);
  EXPECT_EQ(r.flagged, 0);
  EXPECT_TRUE(r.views_used.all().item<bool>());
  const at::Tensor per_view = reprojection_errors_px(plain.points3d, s.points2d, s.proj);
  EXPECT_TRUE(at::allclose(r.reproj_error_px, per_view.mean(1)));
}

TEST(RobustTriangulate, ConfidenceThresholdAndMinimumViews) {
  const NoisyScene s = corrupted_scene(4, {}, 7);
  at::Tensor weights = at::ones({4, 6}, at::kDouble);
  weights[0].narrow(0, 0, 4).fill_(0.2);  // point 0: two views left at threshold 0.5
  weights[1].narrow(0, 0, 3).fill_(0.2);  // point 1: three views
  RobustTriangulateOptions options;
  options.min_confidence = 0.5;
  options.min_views = 3;
  const RobustTriangulation r = robust_triangulate(s.points2d, s.proj, weights, options);
  EXPECT_FALSE(r.valid[0].item<bool>());
  EXPECT_TRUE(std::isnan(r.reproj_error_px[0].item<double>()));
  EXPECT_FALSE(r.views_used[0].any().item<bool>());
  EXPECT_TRUE(r.valid[1].item<bool>());
  EXPECT_EQ(r.views_used[1].sum().item<int64_t>(), 3);
  EXPECT_TRUE(r.valid[2].item<bool>());
  // Dropping the low-confidence views equals solving without them.
  const at::Tensor kept = at::where(weights >= 0.5, weights, 0.0);
  const Triangulation plain = triangulate(s.points2d, s.proj, kept);
  EXPECT_TRUE(at::equal(r.points3d.narrow(0, 1, 3), plain.points3d.narrow(0, 1, 3)));
}

TEST(RobustTriangulate, UnresolvablePointsAreInvalid) {
  const NoisyScene s = corrupted_scene(50, {}, 11);
  RobustTriangulateOptions options;
  options.max_reproj_px = 1e-9;  // no subset of noisy views agrees this well
  const RobustTriangulation r = robust_triangulate(s.points2d, s.proj, {}, options);
  EXPECT_EQ(r.flagged, 50);
  EXPECT_EQ(r.unresolved, 50);
  EXPECT_FALSE(r.valid.any().item<bool>());
  EXPECT_FALSE(r.views_used.any().item<bool>());
}

TEST(RobustTriangulate, PerPointSearchAgreesWithBatchedRounds) {
  // The fused per-point search (method fused, float64) and the batched rounds (here with the svd
  // method) pick the same subsets; the points agree to the solvers' precision.
  const NoisyScene s = corrupted_scene(200, {1, 4}, 13, 7);
  RobustTriangulateOptions options;
  options.max_reproj_px = 6.0;
  const RobustTriangulation per_point = robust_triangulate(s.points2d, s.proj, {}, options);
  options.solve.method = TriangulationMethod::kSvd;
  const RobustTriangulation batched = robust_triangulate(s.points2d, s.proj, {}, options);
  EXPECT_TRUE(at::equal(per_point.valid, batched.valid));
  EXPECT_TRUE(at::equal(per_point.views_used, batched.views_used));
  EXPECT_LT(max_error(per_point.points3d, batched.points3d), 1e-9);
  EXPECT_TRUE(at::allclose(per_point.reproj_error_px, batched.reproj_error_px, 1e-6, 1e-9));
  EXPECT_EQ(per_point.solves, batched.solves);
  EXPECT_EQ(per_point.flagged, batched.flagged);
}

TEST(RobustTriangulate, WorstViewFirstRejectsTwoCorruptedViewsOfSix) {
  const NoisyScene s = corrupted_scene(300, {1, 4}, 5);
  RobustTriangulateOptions options;
  options.max_reproj_px = 6.0;
  options.search = OutlierSearch::kWorstViewFirst;
  const RobustTriangulation r = robust_triangulate(s.points2d, s.proj, {}, options);
  ASSERT_TRUE(r.valid.all().item<bool>());
  EXPECT_LT(max_error(r.points3d, s.truth), 0.02);
  const at::Tensor clean = at::tensor({1, 0, 1, 1, 0, 1}).to(at::kBool).expand({300, 6});
  EXPECT_TRUE(at::equal(r.views_used, clean));
  EXPECT_LT(r.reproj_error_px.max().item<double>(), 6.0);
  EXPECT_EQ(r.flagged, 300);
  EXPECT_EQ(r.unresolved, 0);
  // Two views left out one at a time (two solves), a third where a good view went first and was
  // taken back; the subset search (21 candidates each) only where that failed.
  EXPECT_LT(r.fell_back, 15);
  EXPECT_LE(r.solves, 300 + 300 * 3 + r.fell_back * (6 + 15));
  EXPECT_GE(r.solves, 300 + 300 * 2);
}

TEST(RobustTriangulate, WorstViewFirstAboveEightViews) {
  const NoisyScene s = corrupted_scene(300, {0, 3, 7}, 9, 10);
  RobustTriangulateOptions options;
  options.max_reproj_px = 6.0;
  options.search = OutlierSearch::kWorstViewFirst;
  const RobustTriangulation r = robust_triangulate(s.points2d, s.proj, {}, options);
  ASSERT_TRUE(r.valid.all().item<bool>()) << r.unresolved << " unresolved";
  EXPECT_LT(max_error(r.points3d, s.truth), 0.02);
  EXPECT_FALSE(r.views_used.select(1, 0).any().item<bool>());
  EXPECT_FALSE(r.views_used.select(1, 3).any().item<bool>());
  EXPECT_FALSE(r.views_used.select(1, 7).any().item<bool>());
  EXPECT_EQ(r.views_used.sum().item<int64_t>(), 300 * 7);
  EXPECT_LT(r.solves, 300 + 300 * 5);  // the greedy subset search: 300 * (10 + 9 + 8)
}

TEST(RobustTriangulate, PerPointProjectionsGiveTheSharedResult) {
  const NoisyScene s = corrupted_scene(100, {2}, 17);
  RobustTriangulateOptions options;
  options.max_reproj_px = 6.0;
  for (const OutlierSearch search : {OutlierSearch::kSubsets, OutlierSearch::kWorstViewFirst}) {
    options.search = search;
    const RobustTriangulation shared = robust_triangulate(s.points2d, s.proj, {}, options);
    const at::Tensor per_point = s.proj.unsqueeze(0).expand({100, 6, 3, 4}).contiguous();
    const RobustTriangulation each = robust_triangulate(s.points2d, per_point, {}, options);
    EXPECT_TRUE(at::equal(shared.views_used, each.views_used)) << to_string(search);
    EXPECT_TRUE(at::equal(shared.points3d, each.points3d)) << to_string(search);
    EXPECT_EQ(shared.solves, each.solves);
  }
}

TEST(RobustTriangulate, BlocksGiveTheTensorRouteBitForBit) {
  // The shared matrices take RobustBlockSolver's route (blocks of 1024 points, no [N, V]
  // temporaries); per-point matrices the tensor route (usable views, ops::triangulate, the
  // error pass, the search). 2500 points: two full blocks and a partial one, with missing
  // detections, confidences below the threshold, points left with too few views, and outliers.
  const int64_t n = 2500, views = 7;
  const NoisyScene s = corrupted_scene(n, {1, 5}, 23, views);
  auto gen = at::detail::createCPUGenerator(29);
  at::Tensor points2d = s.points2d.clone();
  const at::Tensor missing = at::rand({n, views}, gen, at::kDouble) < 0.1;  // [N, V]
  points2d.masked_fill_(missing.unsqueeze(-1), NAN);
  at::Tensor weights = at::rand({n, views}, gen, at::kDouble);  // [N, V]
  weights.narrow(0, 0, 40).narrow(1, 2, 5).fill_(0.05);         // below min_confidence
  RobustTriangulateOptions options;
  options.max_reproj_px = 6.0;
  options.min_confidence = 0.1;
  options.min_views = 3;
  const at::Tensor per_point = s.proj.unsqueeze(0).expand({n, views, 3, 4}).contiguous();
  for (const OutlierSearch search : {OutlierSearch::kSubsets, OutlierSearch::kWorstViewFirst}) {
    options.search = search;
    const at::Tensor weights_before = weights.clone();
    const RobustTriangulation blocks = robust_triangulate(points2d, s.proj, weights, options);
    const RobustTriangulation tensors = robust_triangulate(points2d, per_point, weights, options);
    EXPECT_TRUE(at::equal(weights, weights_before)) << "the caller's weights changed";
    EXPECT_TRUE(at::equal(blocks.valid, tensors.valid)) << to_string(search);
    EXPECT_TRUE(at::equal(blocks.views_used, tensors.views_used)) << to_string(search);
    EXPECT_TRUE(at::equal(blocks.points3d, tensors.points3d)) << to_string(search);
    // NaN where invalid in both; equal elsewhere.
    EXPECT_TRUE(at::equal(blocks.reproj_error_px.isnan(), tensors.reproj_error_px.isnan()));
    EXPECT_TRUE(
        at::equal(blocks.reproj_error_px.nan_to_num(-1), tensors.reproj_error_px.nan_to_num(-1)));
    EXPECT_EQ(blocks.solves, tensors.solves);
    EXPECT_EQ(blocks.flagged, tensors.flagged);
    EXPECT_EQ(blocks.unresolved, tensors.unresolved);
    EXPECT_EQ(blocks.fell_back, tensors.fell_back);
    EXPECT_GT(blocks.flagged, 500);
    EXPECT_LT(blocks.valid.sum().item<int64_t>(), n);  // some points had too few views
  }
}

TEST(RobustTriangulate, WorstViewFirstNeedsTheFusedMethod) {
  const NoisyScene s = corrupted_scene(4, {}, 7);
  RobustTriangulateOptions options;
  options.max_reproj_px = 6.0;
  options.search = OutlierSearch::kWorstViewFirst;
  options.solve.method = TriangulationMethod::kSvd;
  try {
    robust_triangulate(s.points2d, s.proj, {}, options);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("worst-view-first"), std::string::npos) << e.what();
  }
  EXPECT_EQ(outlier_search_from_string("subsets"), OutlierSearch::kSubsets);
  EXPECT_EQ(outlier_search_from_string(to_string(OutlierSearch::kWorstViewFirst)),
            OutlierSearch::kWorstViewFirst);
  EXPECT_THROW(outlier_search_from_string("ransac"), Error);
}

}  // namespace
}  // namespace mvpose3d::ops
