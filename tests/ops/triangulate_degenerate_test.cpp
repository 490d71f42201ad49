// Degenerate inputs: finite outputs, valid = false, finite (zero) gradients; strict mode explains.
#include "mvpose3d/core/error.h"
#include "mvpose3d/geometry/synthetic_scenes.h"
#include "mvpose3d/ops/triangulate.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/autograd.h>

#include "support/tensor_matchers.h"

namespace mvpose3d::ops {
namespace {

using mvpose3d::scenes::look_at_projection;
using mvpose3d::scenes::project;
using mvpose3d::testing::TensorNear;

at::Tensor ring(int views) {
  std::vector<at::Tensor> ps;
  for (int v = 0; v < views; ++v)
    ps.push_back(look_at_projection(2 * M_PI * v / views, 0.3, 2.2, 280, 256));
  return at::stack(ps);
}

struct Case {
  at::Tensor x, proj, w;
};

Case good_case() {
  const auto proj = ring(4);
  const auto pts = at::tensor({0.1, -0.2, 0.3, -0.3, 0.25, 0.05}, at::kDouble).view({2, 3});
  return {project(pts, proj), proj, at::ones({2, 4}, at::kDouble)};
}

// Runs fused forward + backward and checks the basic guarantees for point 0 being invalid.
void expect_invalid_point0(const Case& c, uint8_t expected_status, const char* what) {
  auto x = c.x.clone().requires_grad_(true);
  auto p = c.proj.clone().requires_grad_(true);
  auto w = c.w.clone().requires_grad_(true);
  const auto out = triangulate(x, p, w);
  EXPECT_FALSE(out.valid[0].item<bool>()) << what;
  EXPECT_TRUE(out.valid[1].item<bool>()) << what << ": other points are unaffected";
  EXPECT_EQ(out.status[0].item<int>(), expected_status) << what;
  EXPECT_TRUE(at::isfinite(out.points3d).all().item<bool>()) << what;
  EXPECT_TRUE(at::equal(out.points3d[0], at::zeros({3}, at::kDouble))) << what;
  out.points3d.sum().backward();
  EXPECT_TRUE(at::isfinite(x.grad()).all().item<bool>()) << what;
  EXPECT_TRUE(at::isfinite(p.grad()).all().item<bool>()) << what;
  EXPECT_TRUE(at::isfinite(w.grad()).all().item<bool>()) << what;
  EXPECT_TRUE(at::equal(x.grad()[0], at::zeros_like(x.grad()[0]))) << what;
  // The reference methods agree on validity and stay finite too.
  for (auto method : {TriangulationMethod::kSvd, TriangulationMethod::kSii}) {
    TriangulateOptions o;
    o.method = method;
    const auto ref = triangulate(c.x, c.proj, c.w, o);
    EXPECT_TRUE(at::isfinite(ref.points3d).all().item<bool>()) << what << " " << to_string(method);
    if (expected_status != 3 && expected_status != 4) {
      EXPECT_FALSE(ref.valid[0].item<bool>()) << what << " " << to_string(method);
    }
  }
}

TEST(TriangulateDegenerate, SingleEffectiveView) {
  Case c = good_case();
  c.w[0] = at::tensor({1.0, 0.0, 0.0, 0.0}, at::kDouble);
  expect_invalid_point0(c, 2, "one view with weight > 0");
}

TEST(TriangulateDegenerate, AllZeroWeights) {
  Case c = good_case();
  c.w[0].zero_();
  expect_invalid_point0(c, 2, "all weights zero");
}

TEST(TriangulateDegenerate, NaNInUsedView) {
  Case c = good_case();
  c.x[0][1][0] = std::nan("");
  expect_invalid_point0(c, 1, "NaN coordinate");
}

TEST(TriangulateDegenerate, InfInProjection) {
  Case c = good_case();
  c.proj = c.proj.unsqueeze(0).repeat({2, 1, 1, 1});  // per-point matrices
  c.proj[0][2][0][3] = std::numeric_limits<double>::infinity();
  expect_invalid_point0(c, 1, "Inf in a projection matrix");
}

TEST(TriangulateDegenerate, NegativeWeight) {
  Case c = good_case();
  c.w[0][2] = -1.0;
  expect_invalid_point0(c, 1, "negative weight");
}

TEST(TriangulateDegenerate, NaNInZeroWeightViewIsIgnored) {
  Case c = good_case();
  c.x[0][1][0] = std::nan("");
  c.w[0][1] = 0.0;
  const auto out = triangulate(c.x, c.proj, c.w);
  EXPECT_TRUE(out.valid.all().item<bool>());
  EXPECT_TRUE(at::isfinite(out.points3d).all().item<bool>());
}

// With the rig normalisation on, one all-zero projection matrix made every point invalid with the
// reason "NaN/Inf", even where that view's weight is 0; without normalisation all points were valid
// and exact. The normalisation now leaves such a view out, so both agree, for every method and
// for the differentiable (ATen) normalisation as well as the fused kernels' own.
TEST(TriangulateDegenerate, AllZeroProjectionMatrixDoesNotInvalidateEveryPoint) {
  const Case base = good_case();
  const auto truth = at::tensor({0.1, -0.2, 0.3, -0.3, 0.25, 0.05}, at::kDouble).view({2, 3});
  for (const double zero_view_weight : {0.0, 1.0}) {
    Case c = base;
    c.proj = c.proj.clone();
    c.proj[2].zero_();
    c.w = c.w.clone();
    c.w.select(1, 2).fill_(zero_view_weight);
    for (auto method :
         {TriangulationMethod::kFused, TriangulationMethod::kSvd, TriangulationMethod::kSii}) {
      for (const bool proj_grad : {false, true}) {
        const std::string what = fmt::format(
            "{}, weight {}, proj grad {}", to_string(method), zero_view_weight, proj_grad);
        TriangulateOptions o;
        o.method = method;
        TriangulateOptions raw = o;
        raw.normalize = false;
        const auto p = c.proj.clone().requires_grad_(proj_grad);
        const auto out = triangulate(c.x, p, c.w, o);
        const auto unnormalized = triangulate(c.x, c.proj, c.w, raw);
        EXPECT_TRUE(unnormalized.valid.all().item<bool>()) << what;
        EXPECT_TRUE(out.valid.all().item<bool>()) << what;
        EXPECT_THAT(out.points3d.detach(), TensorNear(unnormalized.points3d, 1e-6, 1e-6)) << what;
        EXPECT_THAT(out.points3d.detach(), TensorNear(truth, 1e-4, 0))
            << what;  // sii iterates to ~1e-5
        if (proj_grad) {
          out.points3d.sum().backward();
          EXPECT_TRUE(at::isfinite(p.grad()).all().item<bool>()) << what;
        }
      }
    }
  }
}

// A point seen by one real view and the all-zero one is invalid for a true reason (too little
// geometry), the same with and without normalisation, never "NaN/Inf".
TEST(TriangulateDegenerate, AllZeroProjectionMatrixGivesATruthfulReason) {
  Case c = good_case();
  c.proj = c.proj.clone();
  c.proj[2].zero_();
  c.w = c.w.clone();
  c.w[0].zero_();
  c.w[0][0] = 1.0;
  c.w[0][2] = 1.0;
  TriangulateOptions raw;
  raw.normalize = false;
  const auto out = triangulate(c.x, c.proj, c.w);
  const auto unnormalized = triangulate(c.x, c.proj, c.w, raw);
  EXPECT_FALSE(out.valid[0].item<bool>());
  EXPECT_TRUE(out.valid[1].item<bool>());
  EXPECT_NE(out.status[0].item<int>(), 1) << "not a NaN/Inf input";
  EXPECT_EQ(out.status[0].item<int>(), unnormalized.status[0].item<int>());
}

TEST(TriangulateDegenerate, ParallelRays) {
  // Two cameras at different places looking along the same direction, observing the same pixel:
  // parallel rays meet only at infinity.
  Case c = good_case();
  auto p0 = look_at_projection(0.0, 0.0, 2.0, 280, 256);
  auto p1 = p0.clone();
  p1.select(1, 3).add_(
      at::matmul(p0.narrow(1, 0, 3), at::tensor({0.0, 0.5, 0.0}, at::kDouble)));  // shift sideways
  c.proj = at::stack({p0, p1, p0, p1}).unsqueeze(0).repeat({2, 1, 1, 1});
  c.proj[1] = ring(4);
  c.x[0] = at::full({4, 2}, 128.0, at::kDouble);  // the image centre in every view
  expect_invalid_point0(c, 4, "parallel rays");
}

TEST(TriangulateDegenerate, CoincidentCameras) {
  // Every view from one camera: the same ray four times, no isolated solution.
  Case c = good_case();
  auto p0 = look_at_projection(0.4, 0.2, 2.0, 280, 256);
  c.proj = at::stack({p0, p0, p0, p0}).unsqueeze(0).repeat({2, 1, 1, 1});
  c.proj[1] = ring(4);
  c.x[0] = at::tensor({100.0, 90.0}, at::kDouble).expand({4, 2});
  auto x = c.x.clone().requires_grad_(true);
  const auto out = triangulate(x, c.proj, c.w);
  EXPECT_FALSE(out.valid[0].item<bool>());
  EXPECT_TRUE(at::isfinite(out.points3d).all().item<bool>());
  out.points3d.sum().backward();
  EXPECT_TRUE(at::isfinite(x.grad()).all().item<bool>());
}

TEST(TriangulateDegenerate, NearlyCoincidentCamerasHaveFiniteGradients) {
  Case c = good_case();
  auto p0 = look_at_projection(0.4, 0.2, 2.0, 280, 256);
  auto p1 = look_at_projection(0.4 + 1e-6, 0.2, 2.0, 280, 256);
  c.proj = at::stack({p0, p1}).unsqueeze(0).expand({2, 2, 3, 4}).contiguous();
  const auto pts = at::tensor({0.1, 0.0, 0.0, 0.0, 0.1, 0.0}, at::kDouble).view({2, 3});
  auto x = (project(pts, c.proj[0]) + 0.3).requires_grad_(true);
  auto p = c.proj.clone().requires_grad_(true);
  const auto out = triangulate(x, p);
  EXPECT_TRUE(at::isfinite(out.points3d).all().item<bool>());
  out.points3d.sum().backward();
  EXPECT_TRUE(at::isfinite(x.grad()).all().item<bool>());
  EXPECT_TRUE(at::isfinite(p.grad()).all().item<bool>());
}

// The CPU kernel handles consecutive points of one group on SIMD vectors (4 to 16 per vector):
// the same cases scattered through a large batch must give the same statuses, points and gradients
// as one at a time.
TEST(TriangulateDegenerate, SameStatusesInsideALargeBatch) {
  const auto proj = ring(4);
  const auto pts = at::rand({64, 3}, at::detail::createCPUGenerator(3), at::kDouble) - 0.5;
  auto x = project(pts, proj);
  auto w = at::ones({64, 4}, at::kDouble);
  w[3] = at::tensor({1.0, 0.0, 0.0, 0.0}, at::kDouble);  // one view
  w[17].zero_();                                         // no view
  x[18][2][1] = std::nan("");                            // NaN in a used view
  x[33][1][0] = std::nan("");                            // NaN in a dropped view: fine
  w[33][1] = 0.0;
  w[40][0] = -2.0;                                        // negative weight
  x[41][3][0] = std::numeric_limits<double>::infinity();  // Inf
  auto xb = x.clone().requires_grad_(true);
  auto wb = w.clone().requires_grad_(true);
  const auto batch = triangulate(xb, proj, wb);
  batch.points3d.sum().backward();
  for (int i = 0; i < 64; ++i) {
    auto xi = x.narrow(0, i, 1).clone().requires_grad_(true);
    auto wi = w.narrow(0, i, 1).clone().requires_grad_(true);
    const auto one = triangulate(xi, proj, wi);
    one.points3d.sum().backward();
    EXPECT_EQ(batch.status[i].item<int>(), one.status[0].item<int>()) << "point " << i;
    EXPECT_THAT(batch.points3d[i], TensorNear(one.points3d[0], 1e-12, 1e-12)) << "point " << i;
    EXPECT_THAT(xb.grad()[i], TensorNear(xi.grad()[0], 1e-12, 1e-12)) << "point " << i;
    EXPECT_THAT(wb.grad()[i], TensorNear(wi.grad()[0], 1e-12, 1e-12)) << "point " << i;
  }
  EXPECT_TRUE(at::isfinite(xb.grad()).all().item<bool>());
  EXPECT_EQ(batch.status[3].item<int>(), 2);
  EXPECT_EQ(batch.status[17].item<int>(), 2);
  EXPECT_EQ(batch.status[18].item<int>(), 1);
  EXPECT_EQ(batch.status[33].item<int>(), 0);
  EXPECT_EQ(batch.status[40].item<int>(), 1);
  EXPECT_EQ(batch.status[41].item<int>(), 1);
}

TEST(TriangulateDegenerate, StrictModeNamesTheFirstInvalidPoint) {
  Case c = good_case();
  c.w[0].zero_();
  TriangulateOptions o;
  o.strict = true;
  try {
    triangulate(c.x, c.proj, c.w, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "triangulate (strict): 1 of 2 points are invalid; the first is point 0: fewer "
                 "than two views with "
                 "weight > 0");
  }
}

}  // namespace
}  // namespace mvpose3d::ops
