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
#include "data/fixtures/sample_checks.h"

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
  d.type = DatasetType::kH36m;
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

}  // namespace mvpose3d::testing
