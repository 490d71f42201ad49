#include "mvpose3d/ops/triangulate.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/geometry/synthetic_scenes.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/autograd.h>
#include <torch/cuda.h>

#include "support/gradcheck.h"

namespace mvpose3d::ops {
namespace {

using mvpose3d::scenes::project;
using mvpose3d::scenes::random_rig;
using mvpose3d::testing::gradcheck;

at::Generator seeded(uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  return gen;
}

struct Scene {
  at::Tensor points3d;  // [N, 3]
  at::Tensor proj;      // [V, 3, 4]
  at::Tensor points2d;  // [N, V, 2]
};

Scene make_scene(
    int n, int views, double noise_px, uint64_t seed, at::ScalarType dtype = at::kDouble) {
  auto gen = seeded(seed);
  Scene s;
  s.proj = random_rig(views, gen);
  s.points3d = at::rand({n, 3}, gen, at::kDouble) - 0.5;
  s.points2d = project(s.points3d, s.proj) + noise_px * at::randn({n, views, 2}, gen, at::kDouble);
  s.proj = s.proj.to(dtype);
  s.points3d = s.points3d.to(dtype);
  s.points2d = s.points2d.to(dtype);
  return s;
}

double max_relative(const at::Tensor& a, const at::Tensor& b) {
  return ((a - b).norm(2, -1) / b.norm(2, -1).clamp_min(1e-12)).max().item<double>();
}

TEST(Triangulate, RecoversSyntheticPoints) {
  for (int views : {2, 3, 4, 8}) {
    const Scene s = make_scene(500, views, 0.0, 10 + views);
    const auto out = triangulate(s.points2d, s.proj);
    ASSERT_TRUE(out.valid.all().item<bool>()) << views;
    EXPECT_LT((out.points3d - s.points3d).abs().max().item<double>(), 1e-9) << views << " views";
  }
}

TEST(Triangulate, RecoversSyntheticPointsWithoutNormalization) {
  const Scene s = make_scene(500, 4, 0.0, 3);
  TriangulateOptions options;
  options.normalize = false;
  const auto out = triangulate(s.points2d, s.proj, {}, options);
  ASSERT_TRUE(out.valid.all().item<bool>());
  EXPECT_LT((out.points3d - s.points3d).abs().max().item<double>(), 1e-9);
}

// The fused solver and the SVD reference solve the same weighted, normalised system.
TEST(Triangulate, MatchesSvdReferenceFloat64) {
  for (int views : {2, 4, 16}) {
    for (double noise : {0.0, 2.0, 20.0}) {
      const Scene s = make_scene(2000, views, noise, 100 + views);
      const auto w = at::rand({2000, views}, seeded(7), at::kDouble) + 0.1;
      TriangulateOptions svd;
      svd.method = TriangulationMethod::kSvd;
      const auto ref = triangulate(s.points2d, s.proj, w, svd);
      const auto out = triangulate(s.points2d, s.proj, w);
      ASSERT_TRUE(ref.valid.all().item<bool>()) << views << " views, noise " << noise << ": "
                                                << (~ref.valid).sum().item<int64_t>() << " invalid";
      ASSERT_TRUE(at::equal(out.valid, ref.valid))
          << views << " views, noise " << noise << ": status counts "
          << at::bincount(out.status.to(at::kLong));
      EXPECT_LT(max_relative(out.points3d, ref.points3d), 1e-6)
          << views << " views, noise " << noise;
    }
  }
}

TEST(Triangulate, MatchesSvdReferenceFloat32) {
  const Scene s = make_scene(2000, 4, 2.0, 5, at::kFloat);
  TriangulateOptions svd;
  svd.method = TriangulationMethod::kSvd;
  const auto ref = triangulate(s.points2d.to(at::kDouble), s.proj.to(at::kDouble), {}, svd);
  const auto out = triangulate(s.points2d, s.proj);
  EXPECT_EQ(out.points3d.scalar_type(), at::kFloat);
  ASSERT_TRUE(out.valid.all().item<bool>());
  EXPECT_LT(max_relative(out.points3d.to(at::kDouble), ref.points3d), 1e-5);
}

TEST(Triangulate, OfficialSiiTwoStepsIsCloseAtLowNoise) {
  const Scene s = make_scene(1000, 4, 1.0, 9, at::kFloat);
  TriangulateOptions sii;
  sii.method = TriangulationMethod::kSii;
  sii.sii_official = true;
  sii.generator = seeded(0);
  const auto a = triangulate(s.points2d, s.proj, {}, sii);
  sii.generator = seeded(0);
  const auto b = triangulate(s.points2d, s.proj, {}, sii);
  EXPECT_TRUE(at::equal(a.points3d, b.points3d)) << "same generator state, same result";
  const auto fused = triangulate(s.points2d, s.proj);
  const auto ok = a.valid & fused.valid;
  EXPECT_GT(ok.sum().item<int64_t>(), 900);
  const auto err = (a.points3d - fused.points3d).norm(2, -1).masked_select(ok);
  EXPECT_LT(err.median().item<double>(), 1e-3);
}

TEST(Triangulate, BroadcastsProjectionsOverJoints) {
  // points [B, J, V, 2] with proj [B, 1, V, 3, 4] equals per-point matrices [B, J, V, 3, 4].
  const int b = 3, j = 5, v = 4;
  std::vector<at::Tensor> projs, pts, truth;
  for (int i = 0; i < b; ++i) {
    const Scene s = make_scene(j, v, 0.5, 40 + i);
    projs.push_back(s.proj);
    pts.push_back(s.points2d);
    truth.push_back(s.points3d);
  }
  const auto proj = at::stack(projs).unsqueeze(1);  // [B, 1, V, 3, 4]
  const auto points2d = at::stack(pts);             // [B, J, V, 2]
  const auto grouped = triangulate(points2d, proj);
  const auto expanded = triangulate(points2d, proj.expand({b, j, v, 3, 4}).contiguous());
  ASSERT_EQ(grouped.points3d.sizes(), (std::vector<int64_t>{b, j, 3}));
  EXPECT_LT((grouped.points3d - expanded.points3d).abs().max().item<double>(), 1e-12);
  // A layout that is not a prefix ([1, J] shared across the batch) goes through the expanded path.
  const auto per_joint = proj.select(0, 0).expand({j, v, 3, 4}).unsqueeze(0);  // [1, J, V, 3, 4]
  const auto across = triangulate(points2d, per_joint);
  const auto ref = triangulate(points2d, per_joint.expand({b, j, v, 3, 4}).contiguous());
  EXPECT_LT((across.points3d - ref.points3d).abs().max().item<double>(), 1e-12);
}

// Constant matrices are normalised inside the kernel; matrices that need a gradient by ATen ops.
// Both must give the same points and the same gradients with respect to the 2D points.
TEST(Triangulate, InKernelNormalizationMatchesAtenNormalization) {
  const Scene s = make_scene(3000, 5, 3.0, 17);
  const auto w = at::rand({3000, 5}, seeded(6), at::kDouble) + 0.1;
  const auto probe = at::randn({3000, 3}, seeded(8), at::kDouble);
  auto run = [&](bool proj_grad) {
    auto x = s.points2d.clone().requires_grad_(true);
    auto p = s.proj.clone().requires_grad_(proj_grad);
    const auto out = triangulate(x, p, w);
    (out.points3d * probe).sum().backward();
    return std::make_pair(out.points3d.detach(), x.grad());
  };
  const auto in_kernel = run(false);
  const auto aten = run(true);
  EXPECT_LT(max_relative(in_kernel.first, aten.first), 1e-10);
  EXPECT_LT((in_kernel.second - aten.second).abs().max().item<double>(),
            1e-8 * aten.second.abs().max().item<double>());
}

TEST(Triangulate, IsDeterministic) {
  const Scene s = make_scene(5000, 4, 3.0, 11, at::kFloat);
  const auto a = triangulate(s.points2d, s.proj);
  const auto b = triangulate(s.points2d, s.proj);
  EXPECT_TRUE(at::equal(a.points3d, b.points3d));
}

// Gradients of a probe loss with respect to points2d, proj and weights for one method.
std::vector<at::Tensor> probe_grads(const at::Tensor& points2d,
                                    const at::Tensor& proj,
                                    const at::Tensor& weights,
                                    const at::Tensor& probe,
                                    TriangulationMethod method,
                                    bool proj_grad) {
  auto x = points2d.clone().requires_grad_(true);
  auto p = proj.clone().requires_grad_(proj_grad);
  auto w = weights.clone().requires_grad_(true);
  TriangulateOptions o;
  o.method = method;
  (triangulate(x, p, w, o).points3d * probe).sum().backward();
  return {x.grad(), proj_grad ? p.grad() : at::Tensor(), w.grad()};
}

// The CPU kernel runs on SIMD vectors of points inside each camera group: groups of 17 joints
// leave partly filled vectors, whose gradients must still be those of the SVD reference, with
// cameras normalised in the kernel (constant) or by ATen ops (with a gradient).
TEST(Triangulate, GradientsOfJointGroupsMatchSvd) {
  const int b = 3, j = 17, v = 4;
  std::vector<at::Tensor> projs, pts;
  for (int i = 0; i < b; ++i) {
    const Scene s = make_scene(j, v, 3.0, 60 + i);
    projs.push_back(s.proj);
    pts.push_back(s.points2d);
  }
  const auto proj = at::stack(projs).unsqueeze(1);  // [B, 1, V, 3, 4]
  const auto points2d = at::stack(pts);             // [B, J, V, 2]
  auto w = at::rand({b, j, v}, seeded(12), at::kDouble) + 0.2;
  w[1][5][2] = 0.0;  // a dropped view inside a vector
  const auto probe = at::randn({b, j, 3}, seeded(13), at::kDouble);
  for (bool proj_grad : {false, true}) {
    const auto fused =
        probe_grads(points2d, proj, w, probe, TriangulationMethod::kFused, proj_grad);
    const auto svd = probe_grads(points2d, proj, w, probe, TriangulationMethod::kSvd, proj_grad);
    for (int k = 0; k < 3; ++k) {
      if (!svd[k].defined()) continue;
      const double scale = svd[k].abs().max().item<double>();
      EXPECT_LT((fused[k] - svd[k]).abs().max().item<double>(), 1e-7 * scale)
          << "input " << k << ", camera gradient " << proj_grad;
    }
    EXPECT_EQ(fused[0][1][5][2].abs().sum().item<double>(), 0.0) << "dropped view";
    EXPECT_EQ(fused[2][1][5][2].item<double>(), 0.0) << "dropped view";
  }
}

// Camera gradients are summed per block of points in a fixed order, so the thread count changes
// no bit of any gradient.
TEST(Triangulate, GradientsDoNotDependOnThreadCount) {
  const Scene s = make_scene(5000, 4, 3.0, 23);
  const auto w = at::rand({5000, 4}, seeded(14), at::kDouble) + 0.1;
  const auto probe = at::randn({5000, 3}, seeded(15), at::kDouble);
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  const auto one = probe_grads(s.points2d, s.proj, w, probe, TriangulationMethod::kFused, true);
  at::set_num_threads(2);
  const auto two = probe_grads(s.points2d, s.proj, w, probe, TriangulationMethod::kFused, true);
  at::set_num_threads(threads);
  for (int k = 0; k < 3; ++k) EXPECT_TRUE(at::equal(one[k], two[k])) << "input " << k;
}

// Float32 accumulation (options.accumulate) solves the same system to float32 accuracy.
TEST(Triangulate, FloatAccumulationMatchesDouble) {
  const Scene s = make_scene(3000, 4, 2.0, 19, at::kFloat);
  TriangulateOptions acc32;
  acc32.accumulate = at::kFloat;
  const auto ref = triangulate(s.points2d, s.proj);
  const auto out = triangulate(s.points2d, s.proj, {}, acc32);
  ASSERT_TRUE(out.valid.all().item<bool>());
  EXPECT_LT(max_relative(out.points3d.to(at::kDouble), ref.points3d.to(at::kDouble)), 1e-4);
  auto x = s.points2d.clone().requires_grad_(true);
  triangulate(x, s.proj, {}, acc32).points3d.sum().backward();
  EXPECT_TRUE(at::isfinite(x.grad()).all().item<bool>());
}

at::Tensor fused_fn(const std::vector<at::Tensor>& in, bool with_weights) {
  return triangulate(in[0], in[1], with_weights ? in[2] : at::Tensor()).points3d;
}

TEST(Triangulate, GradcheckCpu) {
  for (bool with_weights : {false, true}) {
    for (uint64_t seed : {1, 2, 3}) {
      const Scene s = make_scene(4, 3, 2.0, seed);
      auto x = s.points2d.clone().requires_grad_(true);
      auto p = s.proj.clone().requires_grad_(true);
      auto w = (at::rand({4, 3}, seeded(seed), at::kDouble) + 0.5).requires_grad_(with_weights);
      const auto r =
          gradcheck([&](const std::vector<at::Tensor>& in) { return fused_fn(in, with_weights); },
                    {x, p, w},
                    1e-6,
                    1e-6,
                    1e-4);
      EXPECT_TRUE(r.ok) << "weights=" << with_weights << " seed=" << seed << ": " << r.message;
    }
  }
}

TEST(Triangulate, GradcheckCpu_NonContiguous) {
  const Scene s = make_scene(4, 3, 2.0, 21);
  // Store views first and transpose back, so every input is a non-contiguous view.
  auto x_store = s.points2d.transpose(0, 1).contiguous().requires_grad_(true);  // [V, N, 2]
  auto p_store = s.proj.transpose(1, 2).contiguous().requires_grad_(true);      // [V, 4, 3]
  auto w_store = (at::rand({3, 4}, seeded(5), at::kDouble) + 0.5).requires_grad_(true);  // [V, N]
  const auto r = gradcheck(
      [](const std::vector<at::Tensor>& in) {
        const auto x = in[0].transpose(0, 1), p = in[1].transpose(1, 2), w = in[2].transpose(0, 1);
        EXPECT_FALSE(x.is_contiguous());
        return triangulate(x, p, w).points3d;
      },
      {x_store, p_store, w_store});
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(Triangulate, MatchesSvdReferenceBackward) {
  const Scene s = make_scene(200, 4, 3.0, 31);
  const auto w0 = at::rand({200, 4}, seeded(3), at::kDouble) + 0.2;
  const auto probe = at::randn({200, 3}, seeded(4), at::kDouble);
  const auto fused = probe_grads(s.points2d, s.proj, w0, probe, TriangulationMethod::kFused, true);
  const auto svd = probe_grads(s.points2d, s.proj, w0, probe, TriangulationMethod::kSvd, true);
  for (int k = 0; k < 3; ++k) {
    const double scale = svd[k].abs().max().item<double>();
    EXPECT_LT((fused[k] - svd[k]).abs().max().item<double>(), 1e-7 * scale) << "input " << k;
  }
}

TEST(Triangulate, RefusesDoubleBackward) {
  const Scene s = make_scene(3, 3, 1.0, 8);
  auto x = s.points2d.clone().requires_grad_(true);
  const auto y = triangulate(x, s.proj).points3d.sum();
  try {
    // create_graph = true asks for a differentiable backward, which the analytic one is not.
    const auto g = torch::autograd::grad({y}, {x}, {}, true, true)[0];
    g.sum().backward();
    FAIL() << "double backward should be refused";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("double backward is not supported"), std::string::npos)
        << e.what();
  }
}

TEST(Triangulate, RejectsBadShapesAndDtypes) {
  const Scene s = make_scene(3, 4, 0.0, 1);
  auto expect_message = [](const std::function<void()>& fn, const std::string& needle) {
    try {
      fn();
      ADD_FAILURE() << "expected an error containing: " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_message([&] { triangulate(s.points2d.narrow(-1, 0, 1), s.proj); },
                 "points2d must have shape [..., V, 2], got [3, 4, 1]");
  expect_message([&] { triangulate(s.points2d, s.proj.narrow(0, 0, 3)); },
                 "proj_from_world must have shape [..., V, 3, 4] with V = 4");
  expect_message([&] { triangulate(s.points2d, s.proj.to(at::kFloat)); },
                 "proj_from_world has dtype Float but points2d has Double");
  expect_message([&] { triangulate(s.points2d.to(at::kInt), s.proj); },
                 "points2d must be float32 or float64");
  expect_message(
      [&] {
        triangulate(s.points2d, s.proj, at::ones({3, 5}, at::kDouble));
      },
      "weights must have shape [3, 4]");
  expect_message(
      [&] {
        triangulate(s.points2d, s.proj.unsqueeze(0).expand({2, 4, 3, 4}));
      },
      "does not broadcast");
  expect_message([&] { triangulation_method_from_string("qr"); },
                 "unknown triangulation method 'qr' (known: fused, svd, sii)");
}

TEST(Triangulate, EmptyInput) {
  const auto out =
      triangulate(at::zeros({0, 4, 2}, at::kDouble), at::zeros({4, 3, 4}, at::kDouble));
  EXPECT_EQ(out.points3d.sizes(), (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(out.valid.numel(), 0);
}

// CUDA parity: the same per-point math on the GPU.
TEST(Triangulate, CpuCudaParity_CUDA) {
  for (auto dtype : {at::kDouble, at::kFloat}) {
    const Scene s = make_scene(10000, 4, 2.0, 77, dtype);
    const auto w = (at::rand({10000, 4}, seeded(2), at::kDouble) + 0.1).to(dtype);
    const auto cpu = triangulate(s.points2d, s.proj, w);
    const auto gpu = triangulate(s.points2d.cuda(), s.proj.cuda(), w.cuda());
    ASSERT_TRUE(at::equal(cpu.valid, gpu.valid.cpu()));
    const double tol = dtype == at::kDouble ? 1e-10 : 1e-5;
    EXPECT_LT(max_relative(gpu.points3d.cpu().to(at::kDouble), cpu.points3d.to(at::kDouble)), tol);
  }
}

TEST(Triangulate, Gradcheck_CUDA) {
  for (bool with_weights : {false, true}) {
    const Scene s = make_scene(300, 4, 2.0, 12);
    auto x = s.points2d.cuda().requires_grad_(true);
    auto p = s.proj.cuda().requires_grad_(true);
    auto w = (at::rand({300, 4}, seeded(1), at::kDouble) + 0.5).cuda().requires_grad_(with_weights);
    const auto probe = at::randn({300, 3}, seeded(9), at::kDouble).cuda();
    (triangulate(x, p, with_weights ? w : at::Tensor()).points3d * probe).sum().backward();
    // Same on the CPU: the CPU path is itself gradchecked above.
    auto xc = s.points2d.clone().requires_grad_(true);
    auto pc = s.proj.clone().requires_grad_(true);
    auto wc = w.detach().cpu().requires_grad_(with_weights);
    (triangulate(xc, pc, with_weights ? wc : at::Tensor()).points3d * probe.cpu()).sum().backward();
    EXPECT_LT((x.grad().cpu() - xc.grad()).abs().max().item<double>(),
              1e-9 * (1 + xc.grad().abs().max().item<double>()));
    EXPECT_LT((p.grad().cpu() - pc.grad()).abs().max().item<double>(),
              1e-9 * (1 + pc.grad().abs().max().item<double>()));
    if (with_weights) {
      EXPECT_LT((w.grad().cpu() - wc.grad()).abs().max().item<double>(),
                1e-9 * (1 + wc.grad().abs().max().item<double>()));
    }
    // And a direct finite-difference check on a few points on the GPU.
    const Scene small = make_scene(3, 3, 2.0, 13);
    const auto r = gradcheck(
        [](const std::vector<at::Tensor>& in) { return triangulate(in[0], in[1], in[2]).points3d; },
        {small.points2d.cuda().requires_grad_(true),
         small.proj.cuda().requires_grad_(true),
         (at::rand({3, 3}, seeded(4), at::kDouble) + 0.5).cuda().requires_grad_(true)});
    EXPECT_TRUE(r.ok) << r.message;
  }
}

}  // namespace
}  // namespace mvpose3d::ops
