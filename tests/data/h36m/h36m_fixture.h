// The miniature Human3.6M of tests/data/fixtures/make_h36m_fixture.py, converted with
// tools/convert_h36m_labels.py into lt.h5 (learnable-triangulation labels) and qiu.h5 (Qiu
// pickles), with coordinate-coded JPEGs in both image trees.
#pragma once

#include "mvpose3d/config/data_config.h"
#include "mvpose3d/data/multiview_sample.h"

#include <filesystem>
#include <string>

#include <ATen/ATen.h>
#include <Eigen/Core>
#include <gtest/gtest.h>

#include "data/fixtures/fixture_util.h"

namespace mvpose3d::testing {

// The fixture directory (made on first use); throws Error when a step fails.
inline const std::filesystem::path& h36m_fixture() {
  static const std::filesystem::path dir = [] {
    const std::filesystem::path gen = source_root() / "tests/data/fixtures/make_h36m_fixture.py";
    const std::filesystem::path conv = source_root() / "tools/convert_h36m_labels.py";
    const std::uint64_t key =
        hash_string(file_contents(gen) + file_contents(conv) + "coordinate-jpegs-1");
    return cached_fixture("h36m", key, [&](const std::filesystem::path& d) {
      const std::string py = "'" + fixture_python() + "' ";
      for (const std::string& cmd :
           {py + quoted(gen) + " " + quoted(d),
            py + quoted(conv) + " --lt " + quoted(d / "lt/human36m-multiview-labels-GTbboxes.npy") +
                " --out " + quoted(d / "lt.h5"),
            py + quoted(conv) + " --qiu " + quoted(d / "qiu/h36m_train.pkl") + " " +
                quoted(d / "qiu/h36m_validation.pkl") + " --out " + quoted(d / "qiu.h5")}) {
        const CommandResult r = run_command(cmd);
        MVPOSE3D_CHECK(r.status == 0, "fixture step failed ({}): {}", cmd, r.output);
      }
      write_coordinate_jpegs(d, d / "images.txt");
    });
  }();
  return dir;
}

// Qiu's image tree (images/s_SS_act_AA_subact_ss_ca_CC/..._FFFFFF.jpg, 1-based frames).
inline const char* kQiuImageFile =
    "images/s_{subject_id:02d}_act_{action_id:02d}_subact_{subaction:02d}_ca_{camera_index:02d}/"
    "s_{subject_id:02d}_act_{action_id:02d}_subact_{subaction:02d}_ca_{camera_index:02d}_"
    "{frame1:06d}.jpg";

// A data config for the fixture: labels "lt.h5" or "qiu.h5", 64 px crops, train S1 S5, test S9
// S11, every frame of the test split.
inline DataConfig h36m_fixture_config(const std::string& labels = "lt.h5") {
  DataConfig d;
  d.type = "h36m";
  d.root = h36m_fixture().string();
  d.crop_size_px = 64;
  d.num_views = 4;
  d.train_subjects = {"S1", "S5"};
  d.test_subjects = {"S9", "S11"};
  d.h36m.labels = labels;
  d.h36m.frame_step_test = 1;
  if (labels == "qiu.h5") {
    d.h36m.image_file = kQiuImageFile;
    d.h36m.undistorted_images = false;
  }
  return d;
}

// Bilinear sample of channel `c` of a [3, H, W] uint8 image at pixel (u, v).
inline double sample_bilinear(const at::Tensor& image, int c, double u, double v) {
  const at::Tensor ch = image[c].to(at::kDouble);
  const auto a = ch.accessor<double, 2>();
  const int u0 = static_cast<int>(std::floor(u)), v0 = static_cast<int>(std::floor(v));
  const double fu = u - u0, fv = v - v0;
  return (1 - fu) * (1 - fv) * a[v0][u0] + fu * (1 - fv) * a[v0][u0 + 1] +
         (1 - fu) * fv * a[v0 + 1][u0] + fu * fv * a[v0 + 1][u0 + 1];
}

// Largest distance between the original pixel a crop's colour encodes at each visible joint's
// joints_2d_px and `original_px[v][j]` (the joint's pixel in the full image), over joints at least
// one pixel inside the crop; in a flipped view (negative crop scale) joint j shows the original
// joint joint_of[j]. Fails the test when no joint could be checked.
inline double max_coordinate_error(const MultiviewSample& s,
                                   const at::Tensor& original_px,  // [V, J, 2]
                                   const std::vector<int>& joint_of) {
  int checked = 0;
  double worst = 0;
  const int size = static_cast<int>(s.images.size(3));
  for (int v = 0; v < s.num_views(); ++v) {
    for (int j = 0; j < s.joints_2d_px.size(1); ++j) {
      const double u = s.joints_2d_px[v][j][0].item<double>();
      const double w = s.joints_2d_px[v][j][1].item<double>();
      if (s.visibility[v][j].item<float>() == 0 || u < 1 || w < 1 || u > size - 2 || w > size - 2) {
        continue;
      }
      const bool flipped = s.crop_from_original[static_cast<std::size_t>(v)](0, 0) < 0;
      const int k = flipped ? joint_of[static_cast<std::size_t>(j)] : j;
      const double ou = original_px[v][k][0].item<double>();
      const double ov = original_px[v][k][1].item<double>();
      const double du = sample_bilinear(s.images[v], 0, u, w) - ou;
      const double dv = sample_bilinear(s.images[v], 1, u, w) - ov;
      worst = std::max(worst, std::hypot(du, dv));
      ++checked;
    }
  }
  EXPECT_GT(checked, 0) << "no joint inside the crops";
  return worst;
}

// Largest distance between cameras[v].project(joints_world_mm[j]) and joints_2d_px[v][j] over
// visible joints.
inline double max_projection_error(const MultiviewSample& s) {
  double worst = 0;
  for (int v = 0; v < s.num_views(); ++v) {
    for (int j = 0; j < s.joints_world_mm.size(0); ++j) {
      if (s.visibility[v][j].item<float>() == 0) continue;
      const Eigen::Vector3d x(s.joints_world_mm[j][0].item<double>(),
                              s.joints_world_mm[j][1].item<double>(),
                              s.joints_world_mm[j][2].item<double>());
      const Eigen::Vector2d p = s.cameras[static_cast<std::size_t>(v)].project(x);
      worst = std::max(worst,
                       std::hypot(p.x() - s.joints_2d_px[v][j][0].item<double>(),
                                  p.y() - s.joints_2d_px[v][j][1].item<double>()));
    }
  }
  return worst;
}

}  // namespace mvpose3d::testing

#define MVPOSE3D_REQUIRE_FIXTURE_PYTHON()                                      \
  do {                                                                         \
    const std::string problem = ::mvpose3d::testing::fixture_python_problem(); \
    if (!problem.empty()) GTEST_SKIP() << problem;                             \
  } while (false)
