// The synthetic dataset: labels consistent with the cameras, determinism across workers, camera
// sets, and configuration errors.
#include "mvpose3d/data/synthetic/synthetic_dataset.h"

#include "mvpose3d/config/run_config.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/data/loader.h"
#include "mvpose3d/geometry/camera_batch.h"

#include <filesystem>
#include <memory>

#include <ATen/ATen.h>
#include <Eigen/Geometry>
#include <gtest/gtest.h>

#include "data/synthetic/test_util.h"

namespace mvpose3d {
namespace {

using mvpose3d::testing::small_synthetic_config;
using mvpose3d::testing::source_dir;

// Acceptance: world joints projected through each sample's camera equal its 2D joints to 1e-6 px,
// for every camera set and through the collated batch tensors.
TEST(SyntheticDataset, ProjectedWorldJointsEqualThe2dJoints) {
  const DataConfig data = small_synthetic_config();
  for (const std::string& set : synthetic_camera_sets()) {
    const SyntheticSplit split =
        set == "seen" ? synthetic_train_split(data) : synthetic_test_split(data, set);
    const SyntheticDataset dataset(data, 7, split);
    std::vector<MultiviewSample> samples;
    for (std::int64_t i = 0; i < 6; ++i) samples.push_back(dataset.get(i));
    const MultiviewBatch batch = collate(samples);
    const at::Tensor projected =
        project_points(batch.joints_world_mm.unsqueeze(1), batch.proj_from_world);  // [B, V, J, 2]
    EXPECT_LT((projected - batch.joints_2d_px).abs().max().item<double>(), 1e-6) << set;
    for (const MultiviewSample& s : samples) {
      for (int v = 0; v < s.num_views(); ++v) {
        for (int j = 0; j < 17; ++j) {
          const Eigen::Vector3d x(s.joints_world_mm[j][0].item<double>(),
                                  s.joints_world_mm[j][1].item<double>(),
                                  s.joints_world_mm[j][2].item<double>());
          const Eigen::Vector2d p = s.cameras[static_cast<std::size_t>(v)].project(x);
          EXPECT_NEAR(p.x(), s.joints_2d_px[v][j][0].item<double>(), 1e-6);
          EXPECT_NEAR(p.y(), s.joints_2d_px[v][j][1].item<double>(), 1e-6);
        }
      }
    }
  }
}

TEST(SyntheticDataset, SampleShapesAndLabels) {
  DataConfig data = small_synthetic_config();
  for (const int size : {64, 128, 256}) {
    data.crop_size_px = size;
    const SyntheticDataset dataset(data, 1, synthetic_train_split(data));
    const MultiviewSample s = dataset.get(3);
    check_sample(s);
    EXPECT_EQ(s.images.sizes(), (std::vector<int64_t>{4, 3, size, size}));
    EXPECT_EQ(s.num_views(), 4);
    EXPECT_EQ(s.index, 3);
    EXPECT_EQ(dataset.subject_names()[static_cast<std::size_t>(s.subject_id)], s.subject);
    EXPECT_EQ(dataset.action_names()[static_cast<std::size_t>(s.action_id)], s.action);
    // The image is not flat: something was drawn.
    EXPECT_GT(s.images.to(at::kFloat).std().item<double>(), 10.0);
    for (const Camera& c : s.cameras) {
      EXPECT_EQ(c.width(), size);
      EXPECT_EQ(c.distortion().model, DistortionModel::kNone);
    }
  }
}

TEST(SyntheticDataset, CropsFrameTheSubjectUnlessTruncated) {
  DataConfig data = small_synthetic_config();
  data.synthetic.truncation_prob = 0;
  data.synthetic.occluders = 0;
  data.synthetic.actions = {"walking", "bending", "gestures", "squatting"};  // no chair
  const SyntheticDataset dataset(data, 2, synthetic_train_split(data));
  for (std::int64_t i = 0; i < 10; ++i) {
    const MultiviewSample s = dataset.get(i);
    EXPECT_EQ(s.visibility.sum().item<float>(), 4 * 17) << i;  // all joints inside, no occluders
    EXPECT_GT(s.joints_2d_px.min().item<double>(), 0);
    EXPECT_LT(s.joints_2d_px.max().item<double>(), 63);
  }
  // Always truncated, shifted far: some joints leave some crops and are marked not visible.
  data.synthetic.truncation_prob = 1;
  data.synthetic.truncation_max = 0.5;
  const SyntheticDataset truncated(data, 2, synthetic_train_split(data));
  float invisible = 0;
  for (std::int64_t i = 0; i < 10; ++i) {
    const MultiviewSample s = truncated.get(i);
    const at::Tensor inside = (s.joints_2d_px >= -0.5).all(-1) & (s.joints_2d_px < 63.5).all(-1);
    EXPECT_TRUE(at::equal(s.visibility > 0.5, inside)) << i;  // no occluders: visible = inside
    invisible += (1 - s.visibility).sum().item<float>();
  }
  EXPECT_GT(invisible, 0);
}

TEST(SyntheticDataset, OccludersHideSomeJoints) {
  DataConfig data = small_synthetic_config();
  data.synthetic.truncation_prob = 0;
  data.synthetic.occluders = 3;
  data.synthetic.occluder_prob = 1;
  data.synthetic.occluder_spread_mm = 0;
  const SyntheticDataset dataset(data, 2, synthetic_train_split(data));
  float hidden = 0;
  for (std::int64_t i = 0; i < 10; ++i)
    hidden += (1 - dataset.get(i).visibility).sum().item<float>();
  EXPECT_GT(hidden, 0);
}

TEST(SyntheticDataset, SameSeedSameSamplesWithAnyNumberOfWorkers) {
  const DataConfig data = small_synthetic_config();
  std::vector<MultiviewBatch> runs;
  for (const int workers : {0, 1, 2}) {
    LoaderOptions o;
    o.batch_size = 3;
    o.workers = workers;
    o.shuffle = true;
    o.seed = 5;
    MultiviewLoader loader(std::make_shared<SyntheticDataset>(data, 7, synthetic_train_split(data)),
                           o);
    std::vector<MultiviewBatch> batches;
    for (int b = 0; b < 4; ++b) batches.push_back(*loader.next());
    if (!runs.empty()) {
      for (int b = 0; b < 4; ++b) {
        SCOPED_TRACE(workers);
        EXPECT_TRUE(at::equal(batches[b].index, runs[b].index));
        EXPECT_TRUE(at::equal(batches[b].images, runs[b].images));
        EXPECT_TRUE(at::equal(batches[b].joints_world_mm, runs[b].joints_world_mm));
        EXPECT_TRUE(at::equal(batches[b].proj_from_world, runs[b].proj_from_world));
        EXPECT_TRUE(at::equal(batches[b].visibility, runs[b].visibility));
      }
    } else {
      runs = batches;
    }
  }
  // Another seed gives other samples; the same index of another split too.
  const SyntheticDataset a(data, 7, synthetic_train_split(data));
  const SyntheticDataset b(data, 8, synthetic_train_split(data));
  EXPECT_FALSE(at::equal(a.get(0).joints_world_mm, b.get(0).joints_world_mm));
  EXPECT_TRUE(at::equal(a.get(0).images, a.get(0).images));
}

TEST(SyntheticDataset, TestCameraSetsShareTheMotion) {
  const DataConfig data = small_synthetic_config();
  const SyntheticDataset seen(data, 3, synthetic_test_split(data, "seen"));
  const SyntheticDataset unseen(data, 3, synthetic_test_split(data, "unseen"));
  const SyntheticDataset rotated(data, 3, synthetic_test_split(data, "rotated"));
  const SyntheticDataset train(data, 3, synthetic_train_split(data));
  for (std::int64_t i = 0; i < 4; ++i) {
    const MultiviewSample s = seen.get(i), u = unseen.get(i), r = rotated.get(i);
    EXPECT_TRUE(at::equal(s.joints_world_mm, u.joints_world_mm));
    EXPECT_TRUE(at::equal(s.joints_world_mm, r.joints_world_mm));
    EXPECT_NE(s.cameras[0].rotation(), u.cameras[0].rotation());
    EXPECT_TRUE(s.cameras[0].rotation().isApprox(
        r.cameras[0].rotation() *
        Eigen::AngleAxisd(45 * M_PI / 180, Eigen::Vector3d::UnitZ()).toRotationMatrix()));
    // Test subjects are not training subjects.
    EXPECT_EQ(std::count(data.train_subjects.begin(), data.train_subjects.end(), s.subject), 0);
  }
  // The seen test rig is the fixed rig: no per-sample jitter.
  EXPECT_EQ(seen.get(0).cameras[0].rotation(), seen.get(1).cameras[0].rotation());
  // Training with randomize_rig jitters per sample.
  EXPECT_NE(train.get(0).cameras[0].rotation(), train.get(1).cameras[0].rotation());
}

TEST(SyntheticDataset, RigRandomizationModesAndRing) {
  DataConfig data = small_synthetic_config();
  data.synthetic.rig_randomization = RigRandomization::kRandom;
  const SyntheticDataset random(data, 3, synthetic_train_split(data));
  EXPECT_EQ(random.get(0).num_views(), 4);
  data.rig = "tc_ring8";
  data.num_views = 8;
  data.synthetic.randomize_rig = false;
  const SyntheticDataset ring(data, 3, synthetic_train_split(data));
  EXPECT_EQ(ring.get(0).num_views(), 8);
  data.num_views = 3;  // the first three cameras of the ring
  EXPECT_EQ(SyntheticDataset(data, 3, synthetic_train_split(data)).get(0).num_views(), 3);
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SyntheticDataset, BadConfigurationsNameTheKey) {
  DataConfig data = small_synthetic_config();
  data.rig = "no_such_rig";
  EXPECT_NE(
      error_of([&] { SyntheticDataset(data, 0, synthetic_train_split(data)); }).find("data.rig"),
      std::string::npos);
  data = small_synthetic_config();
  data.num_views = 5;
  EXPECT_NE(error_of([&] {
              SyntheticDataset(data, 0, synthetic_train_split(data));
            }).find("data.num_views is 5"),
            std::string::npos);
  data = small_synthetic_config();
  data.synthetic.crop_scale = {1.3, 1.1};
  EXPECT_NE(error_of([&] {
              SyntheticDataset(data, 0, synthetic_train_split(data));
            }).find("data.synthetic.crop_scale"),
            std::string::npos);
  data = small_synthetic_config();
  data.synthetic.actions = {"walking", "flying"};
  EXPECT_NE(
      error_of([&] { SyntheticDataset(data, 0, synthetic_train_split(data)); }).find("flying"),
      std::string::npos);
  data = small_synthetic_config();
  EXPECT_NE(error_of([&] {
              SyntheticDataset(data, 0, synthetic_test_split(data, "nope"));
            }).find("unknown camera set 'nope'"),
            std::string::npos);
  const SyntheticDataset ok(small_synthetic_config(), 0, synthetic_train_split(data));
  EXPECT_NE(error_of([&] { ok.get(ok.size()); }).find("out of range"), std::string::npos);
}

// A rig file with a non-rotation matrix is rejected by the rig loader with file, line and key.
TEST(SyntheticDataset, RigFileWithANonRotationIsAClearError) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / "mvpose3d_bad_rig.yaml";
  {
    std::string text =
        "cameras:\n"
        "  - name: a\n    width: 100\n    height: 100\n    fx: 100\n    fy: 100\n    cx: 50\n"
        "    cy: 50\n    R_cam_from_world:\n      - [1, 0, 0]\n      - [0, 1, 0]\n"
        "      - [0, 0, -1]\n    center_world_mm: [0, 0, 0]\n";
    FILE* f = std::fopen(file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(text.c_str(), f);
    std::fclose(f);
  }
  DataConfig data = small_synthetic_config();
  data.rig = file.string();
  data.num_views = 1;
  const std::string message =
      error_of([&] { SyntheticDataset(data, 0, synthetic_train_split(data)); });
  std::filesystem::remove(file);
  EXPECT_NE(message.find("mvpose3d_bad_rig.yaml:"), std::string::npos) << message;
  EXPECT_NE(message.find("R_cam_from_world"), std::string::npos) << message;
  EXPECT_NE(message.find("det = -1"), std::string::npos) << message;
}

TEST(SyntheticDataset, ShippedSyntheticConfigsBuildDatasets) {
  int count = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(source_dir() / "configs/synthetic")) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    const RunConfig config = load_config(entry.path());
    const SyntheticDataset train(config.data, config.seed, synthetic_train_split(config.data));
    check_sample(train.get(0));
    for (const std::string& set : config.eval.camera_sets) {
      if (std::find(synthetic_camera_sets().begin(), synthetic_camera_sets().end(), set) !=
          synthetic_camera_sets().end()) {
        check_sample(
            SyntheticDataset(config.data, config.seed, synthetic_test_split(config.data, set))
                .get(0));
      }
    }
    ++count;
  }
  EXPECT_GE(count, 1);
}

}  // namespace
}  // namespace mvpose3d
