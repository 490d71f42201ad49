// The real Human3.6M calibration in configs/rigs/h36m*.yaml: loads, agrees with published
// numbers and with VideoPose3D's projection, and sees a subject standing at the world origin.
#include "mvpose3d/geometry/rig.h"

#include <gtest/gtest.h>

#include "geometry/geometry_test_paths.h"

namespace mvpose3d {
namespace {

using testing_paths::rig_file;

const char* const kCameraNames[] = {"54138969", "55011271", "58860488", "60457274"};

TEST(H36mRig, LoadsTheFourCamerasInOrder) {
  const Rig rig = load_rig(rig_file("h36m.yaml"));
  EXPECT_EQ(rig.name(), "h36m_S1");
  ASSERT_EQ(rig.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(rig.camera_name(i), kCameraNames[i]);
    EXPECT_EQ(rig.camera(i).distortion().model, DistortionModel::kH36m);
    EXPECT_EQ(rig.camera(i).width(), 1000);
  }
  // VideoPose3D res_h: 1002 for 54138969 and 60457274, 1000 for the other two.
  EXPECT_EQ(rig.camera("54138969").height(), 1002);
  EXPECT_EQ(rig.camera("55011271").height(), 1000);
  EXPECT_EQ(rig.camera("58860488").height(), 1000);
  EXPECT_EQ(rig.camera("60457274").height(), 1002);
}

TEST(H36mRig, MatchesPublishedExtrinsicsAndIntrinsics) {
  const Rig rig = load_rig(rig_file("h36m.yaml"));
  const Camera& cam = rig.camera("54138969");
  // datasets.md §1.3: −R·T for S1/54138969 is (−346.05, 546.98, 5474.48) mm (also CDRnet's t).
  EXPECT_NEAR(cam.translation().x(), -346.05, 0.01);
  EXPECT_NEAR(cam.translation().y(), 546.98, 0.01);
  EXPECT_NEAR(cam.translation().z(), 5474.48, 0.01);
  // metadata.xml <w0> intrinsics of camera 1: fx, fy, cx, cy, k1..k3, p0, p1 (H36M order).
  EXPECT_NEAR(cam.fx(), 1145.04940458804, 1e-4);
  EXPECT_NEAR(cam.cy(), 515.4514869776, 1e-4);
  EXPECT_NEAR(cam.distortion().k[0], -0.207098910824901, 1e-8);
  EXPECT_NEAR(cam.distortion().p[0], -0.00142447157470321, 1e-10);
  EXPECT_NEAR(cam.distortion().p[1], -0.000975698859470499, 1e-10);
}

// VideoPose3D common/camera.py project_to_2d with its own parameter order: tangential_distortion
// p_vp = [p1, p0] (H36M order swapped); tan = p_vp·(x, y); x_d = x·(radial + tan) + p_vp·r².
Eigen::Vector2d videopose3d_project(const Eigen::Vector3d& p_cam,
                                    const Eigen::Vector2d& f,
                                    const Eigen::Vector2d& c,
                                    const Eigen::Vector3d& k,
                                    const Eigen::Vector2d& p_vp) {
  const Eigen::Vector2d xx = p_cam.head<2>() / p_cam.z();
  const double r2 = xx.squaredNorm();
  const double radial = 1.0 + k(0) * r2 + k(1) * r2 * r2 + k(2) * r2 * r2 * r2;
  const double tan = p_vp.dot(xx);
  const Eigen::Vector2d xxx = xx * (radial + tan) + p_vp * r2;
  return f.cwiseProduct(xxx) + c;
}

TEST(H36mRig, DistortionMatchesVideoPose3DProjection) {
  const Rig rig = load_rig(rig_file("h36m.yaml"));
  const Camera& cam = rig.camera("54138969");
  // VideoPose3D h36m_cameras_intrinsic_params[0], copied verbatim.
  const Eigen::Vector2d f(1145.0494384765625, 1143.7811279296875);
  const Eigen::Vector2d c(512.54150390625, 515.4514770507812);
  const Eigen::Vector3d k(-0.20709891617298126, 0.24777518212795258, -0.0030751503072679043);
  const Eigen::Vector2d p_vp(-0.0009756988729350269, -0.00142447161488235);
  for (const Eigen::Vector3d& x : {Eigen::Vector3d(0, 0, 0),
                                   Eigen::Vector3d(400, -300, 1800),
                                   Eigen::Vector3d(-500, 500, 100),
                                   Eigen::Vector3d(1500, 1000, 900)}) {
    const Eigen::Vector3d p_cam = cam.world_to_camera(x);
    EXPECT_LT((cam.project(x) - videopose3d_project(p_cam, f, c, k, p_vp)).norm(), 1e-9);
  }
  // Reading the json's p in H36M order instead would move pixels by a measurable amount.
  const Eigen::Vector3d x(1500, 1000, 900);
  const Eigen::Vector2d wrong =
      videopose3d_project(cam.world_to_camera(x), f, c, k, Eigen::Vector2d(p_vp(1), p_vp(0)));
  EXPECT_GT((cam.project(x) - wrong).norm(), 0.05);
}

// A person standing at the world origin: radius 300 mm around (0, 0), z from 0 to 1800 mm.
TEST(H36mRig, SubjectAtTheOriginIsInFrontOfEveryCameraAndInsideItsImage) {
  for (const char* file : {"h36m.yaml", "h36m_S9.yaml", "h36m_S11.yaml"}) {
    const Rig rig = load_rig(rig_file(file));
    for (std::size_t i = 0; i < rig.size(); ++i) {
      const Camera& cam = rig.camera(i);
      const Eigen::Vector2d image_centre(0.5 * (cam.width() - 1), 0.5 * (cam.height() - 1));
      const Eigen::Vector2d size(cam.width(), cam.height());
      double min_depth = 1e30;
      double max_offset = 0.0;  // largest |pixel − image centre| as a fraction of the image size
      for (double z = 0.0; z <= 1800.0; z += 100.0) {
        for (double a = 0.0; a < 2.0 * M_PI; a += M_PI / 8.0) {
          for (double r : {0.0, 150.0, 300.0}) {
            const Eigen::Vector3d x(r * std::cos(a), r * std::sin(a), z);
            min_depth = std::min(min_depth, cam.world_to_camera(x).z());
            const Eigen::Vector2d offset = (cam.project(x) - image_centre).cwiseQuotient(size);
            max_offset = std::max(max_offset, offset.cwiseAbs().maxCoeff());
          }
        }
      }
      // The cameras stand 4.4-5.7 m from the origin: every body point is > 3 m in front
      // (the smallest depth found is 3.6 m, on 60457274).
      EXPECT_GT(min_depth, 3000.0) << file << " " << rig.camera_name(i);
      // The whole body is inside the image with a 5% margin. Head tops reach 0.26-0.39 of the
      // image size from the centre (0.39 on S1/60457274), which is why the bound is not tighter.
      EXPECT_LT(max_offset, 0.45) << file << " " << rig.camera_name(i);
      // The middle of the body (0, 0, 900) is near the image centre: within 20% of the size
      // (found: 0.06-0.18, the largest on S11/58860488).
      const Eigen::Vector2d mid =
          (cam.project(Eigen::Vector3d(0, 0, 900)) - image_centre).cwiseQuotient(size);
      EXPECT_LT(mid.cwiseAbs().maxCoeff(), 0.2) << file << " " << rig.camera_name(i);
    }
  }
}

TEST(H36mRig, SubjectRigsShareIntrinsicsButNotExtrinsics) {
  const Rig s1 = load_rig(rig_file("h36m.yaml"));
  const Rig s9 = load_rig(rig_file("h36m_S9.yaml"));
  const Rig s11 = load_rig(rig_file("h36m_S11.yaml"));
  EXPECT_EQ(s9.name(), "h36m_S9");
  EXPECT_EQ(s11.name(), "h36m_S11");
  ASSERT_EQ(s9.camera_names(), s1.camera_names());
  ASSERT_EQ(s11.camera_names(), s1.camera_names());
  for (std::size_t i = 0; i < s1.size(); ++i) {
    EXPECT_EQ(s9.camera(i).calibration_matrix(), s1.camera(i).calibration_matrix());
    EXPECT_EQ(s9.camera(i).distortion().p, s1.camera(i).distortion().p);
    EXPECT_GT((s9.camera(i).center() - s1.camera(i).center()).norm(), 1.0);
    // The rigs were re-calibrated per subject but the cameras barely moved (< 0.5 m).
    EXPECT_LT((s9.camera(i).center() - s1.camera(i).center()).norm(), 500.0);
  }
}

}  // namespace
}  // namespace mvpose3d
