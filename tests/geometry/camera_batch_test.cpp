// Batched tensor camera maths against the Eigen path, broadcasting, gradients and shape checks.
#include "mvpose3d/geometry/camera_batch.h"

#include "mvpose3d/core/error.h"

#include <functional>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "geometry/geometry_test_paths.h"

namespace mvpose3d {
namespace {

// Random body-like world points [N, 3] (mm) around the H36M world origin.
at::Tensor body_points(int64_t n, at::ScalarType dtype = at::kDouble) {
  at::manual_seed(0);
  at::Tensor points = at::rand({n, 3}, at::kDouble);  // [N, 3]
  points = points * at::tensor({800.0, 800.0, 1800.0}, at::kDouble) -
           at::tensor({400.0, 400.0, 0.0}, at::kDouble);
  return points.to(dtype);
}

TEST(CameraBatch, CamerasToTensorsHoldsTheRigInOrder) {
  const Rig rig = load_rig(testing_paths::rig_file("h36m.yaml"));
  const CameraTensors t = cameras_to_tensors(rig);
  EXPECT_EQ(t.K.sizes(), (std::vector<int64_t>{4, 3, 3}));
  EXPECT_EQ(t.R.sizes(), (std::vector<int64_t>{4, 3, 3}));
  EXPECT_EQ(t.t.sizes(), (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(t.cam_from_world.sizes(), (std::vector<int64_t>{4, 3, 4}));
  EXPECT_EQ(t.proj_from_world.sizes(), (std::vector<int64_t>{4, 3, 4}));
  EXPECT_EQ(t.proj_from_world.scalar_type(), at::kDouble);
  for (int64_t v = 0; v < 4; ++v) {
    const Camera& cam = rig.camera(static_cast<std::size_t>(v));
    for (int a = 0; a < 3; ++a) {
      EXPECT_EQ(t.t[v][a].item<double>(), cam.translation()(a));
      for (int b = 0; b < 3; ++b) {
        EXPECT_EQ(t.K[v][a][b].item<double>(), cam.calibration_matrix()(a, b));
        EXPECT_EQ(t.R[v][a][b].item<double>(), cam.rotation()(a, b));
      }
      for (int b = 0; b < 4; ++b) {
        EXPECT_EQ(t.proj_from_world[v][a][b].item<double>(), cam.proj_from_world()(a, b));
        EXPECT_EQ(t.cam_from_world[v][a][b].item<double>(), cam.cam_from_world()(a, b));
      }
    }
  }
}

TEST(CameraBatch, ProjectPointsMatchesTheEigenPath) {
  const Rig rig = load_rig(testing_paths::rig_file("h36m.yaml"));
  const CameraTensors cams = cameras_to_tensors(rig);
  const at::Tensor points = body_points(50);                                            // [N, 3]
  const at::Tensor pixels = project_points(points.unsqueeze(0), cams.proj_from_world);  // [V, N, 2]
  const at::Tensor points_cam = world_to_camera(points.unsqueeze(0), cams.cam_from_world);
  const at::Tensor points_cam2 = transform_points(points.unsqueeze(0), cams.R, cams.t);
  ASSERT_EQ(pixels.sizes(), (std::vector<int64_t>{4, 50, 2}));
  for (int64_t v = 0; v < 4; ++v) {
    const Camera& cam = rig.camera(static_cast<std::size_t>(v));
    for (int64_t n = 0; n < 50; ++n) {
      const Eigen::Vector3d x(
          points[n][0].item<double>(), points[n][1].item<double>(), points[n][2].item<double>());
      const Eigen::Vector2d expected = cam.project_undistorted(x);
      EXPECT_NEAR(pixels[v][n][0].item<double>(), expected.x(), 1e-9);
      EXPECT_NEAR(pixels[v][n][1].item<double>(), expected.y(), 1e-9);
      const Eigen::Vector3d expected_cam = cam.world_to_camera(x);
      for (int a = 0; a < 3; ++a) {
        EXPECT_NEAR(points_cam[v][n][a].item<double>(), expected_cam(a), 1e-9);
        EXPECT_NEAR(points_cam2[v][n][a].item<double>(), expected_cam(a), 1e-9);
      }
    }
  }
}

TEST(CameraBatch, FloatProjectionIsCloseToDouble) {
  const CameraTensors cams = cameras_to_tensors(load_rig(testing_paths::rig_file("h36m.yaml")));
  const at::Tensor points = body_points(50);
  const at::Tensor reference = project_points(points, cams.proj_from_world.unsqueeze(1));
  const at::Tensor single =
      project_points(points.to(at::kFloat), cams.proj_from_world.unsqueeze(1).to(at::kFloat));
  EXPECT_EQ(single.scalar_type(), at::kFloat);
  EXPECT_LT((single.to(at::kDouble) - reference).abs().max().item<double>(), 1e-2);
}

TEST(CameraBatch, LeadingDimensionsBroadcast) {
  const CameraTensors cams = cameras_to_tensors(load_rig(testing_paths::rig_file("h36m.yaml")));
  const at::Tensor joints = body_points(2 * 17).reshape({2, 1, 17, 3});    // [B, 1, J, 3]
  const at::Tensor pixels = project_points(joints, cams.proj_from_world);  // [B, V, J, 2]
  ASSERT_EQ(pixels.sizes(), (std::vector<int64_t>{2, 4, 17, 2}));
  const at::Tensor one = project_points(joints[1][0], cams.proj_from_world[2]);  // [J, 2]
  EXPECT_TRUE(at::allclose(pixels[1][2], one, 0.0, 1e-12));
  // Non-contiguous input (a transposed view) gives the same result.
  const at::Tensor transposed =
      joints.reshape({2, 17, 3}).transpose(1, 2).contiguous().transpose(1, 2);
  ASSERT_FALSE(transposed.is_contiguous());
  EXPECT_TRUE(at::allclose(
      project_points(transposed.unsqueeze(1), cams.proj_from_world), pixels, 0.0, 1e-12));
}

TEST(CameraBatch, GradientsMatchCentralDifferences) {
  const CameraTensors cams = cameras_to_tensors(load_rig(testing_paths::rig_file("h36m.yaml")));
  at::Tensor points = body_points(5).requires_grad_(true);              // [N, 3]
  at::Tensor proj = cams.proj_from_world.clone().requires_grad_(true);  // [V, 3, 4]
  const at::Tensor weights = at::rand({4, 5, 2}, at::kDouble);  // a generic scalar objective
  const auto objective = [&](const at::Tensor& x, const at::Tensor& p) {
    return (project_points(x, p) * weights).sum();
  };
  objective(points, proj).backward();
  const at::Tensor grad_points = points.grad().clone();
  const at::Tensor grad_proj = proj.grad().clone();
  const double h = 1e-4;
  double worst = 0.0;
  for (int64_t i = 0; i < points.numel(); ++i) {
    at::Tensor plus = points.detach().clone();
    at::Tensor minus = points.detach().clone();
    plus.view(-1)[i].add_(h);
    minus.view(-1)[i].sub_(h);
    const double numeric =
        (objective(plus, proj.detach()) - objective(minus, proj.detach())).item<double>() / (2 * h);
    worst = std::max(worst, std::abs(numeric - grad_points.view(-1)[i].item<double>()));
  }
  EXPECT_LT(worst, 1e-6);
  // d/dP at one entry of P (row 0, the translation column), scaled to P's magnitude.
  const double hp = 1e-2;
  at::Tensor plus = proj.detach().clone();
  at::Tensor minus = proj.detach().clone();
  plus[1][0][3].add_(hp);
  minus[1][0][3].sub_(hp);
  const double numeric =
      (objective(points.detach(), plus) - objective(points.detach(), minus)).item<double>() /
      (2 * hp);
  EXPECT_NEAR(numeric, grad_proj[1][0][3].item<double>(), 1e-8);
}

TEST(CameraBatch, RejectsBadShapesAndMixedDtypes) {
  const at::Tensor points = body_points(5);
  const at::Tensor proj = at::zeros({4, 3, 4}, at::kDouble);
  const auto message = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message([&] {
              project_points(points.narrow(1, 0, 2), proj);
            }).find("points_world must have shape [..., N, 3], got [5, 2]"),
            std::string::npos);
  EXPECT_NE(message([&] {
              project_points(points, at::zeros({4, 4, 4}, at::kDouble));
            }).find("proj_from_world must have shape [..., 3, 4], got [4, 4, 4]"),
            std::string::npos);
  EXPECT_NE(
      message([&] { project_points(points.to(at::kFloat), proj); }).find(".to(points.dtype())"),
      std::string::npos);
  EXPECT_NE(message([&] {
              project_points(points.to(at::kLong), proj.to(at::kLong));
            }).find("must be float or double"),
            std::string::npos);
  EXPECT_NE(message([&] {
              transform_points(points, at::eye(3, at::kDouble), at::zeros({2}, at::kDouble));
            }).find("translation must have shape [..., 3], got [2]"),
            std::string::npos);
}

TEST(CameraBatch, ProjectPointsOnGpu_CUDA) {
  const CameraTensors cams = cameras_to_tensors(load_rig(testing_paths::rig_file("h36m.yaml")));
  const at::Tensor points = body_points(64).reshape({4, 1, 16, 3});
  const at::Tensor cpu = project_points(points, cams.proj_from_world);
  const at::Tensor gpu = project_points(points.cuda(), cams.proj_from_world.cuda());
  EXPECT_TRUE(gpu.is_cuda());
  EXPECT_LT((gpu.cpu() - cpu).abs().max().item<double>(), 1e-9);
}

}  // namespace
}  // namespace mvpose3d
