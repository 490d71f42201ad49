// The Human3.6M reader end to end on the miniature dataset: through the real converter, the
// labels reader and the image pipeline into MultiviewSamples.
#include "mvpose3d/data/h36m/h36m_dataset.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/data/dataset_factory.h"
#include "mvpose3d/data/labeled/hdf5_file.h"
#include "mvpose3d/data/loader.h"
#include "mvpose3d/geometry/skeleton.h"

#include <gmock/gmock.h>
#include <map>
#include <set>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "data/h36m/h36m_fixture.h"

namespace mvpose3d {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

std::string error_of(const DataConfig& d, const std::string& split = "test") {
  try {
    H36mDataset dataset(d, 0, split);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(H36mDataset, ProjectedJointsMatchThe2dLabelsWithin1Px) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  if (!image_decoding_available()) GTEST_SKIP() << "built without OpenCV";
  for (const bool undistort : {false, true}) {
    DataConfig d = testing::h36m_fixture_config("qiu.h5");
    d.h36m.undistort = undistort;
    const H36mDataset dataset(d, 0, "test");
    double projection = 0, pixels = 0;
    for (std::int64_t i = 0; i < dataset.size(); i += 7) {
      const MultiviewSample s = dataset.get(i);
      check_sample(s);
      projection = std::max(projection, testing::max_projection_error(s));
      pixels = std::max(pixels,
                        testing::max_coordinate_error(
                            s, testing::original_pixels(dataset, i), testing::identity_order(17)));
      if (undistort) {
        EXPECT_TRUE(s.cameras[0].distortion().is_identity());
      }
    }
    EXPECT_LT(projection, 1.0) << "undistort " << undistort;
    // The crop's pixels at the 2D labels came from the labelled pixels of the original images.
    EXPECT_LT(pixels, 2.5) << "undistort " << undistort;
  }
}

TEST(H36mDataset, LearnableTriangulationImagesAgreeWithTheCameras) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  if (!image_decoding_available()) GTEST_SKIP() << "built without OpenCV";
  DataConfig d = testing::h36m_fixture_config("lt.h5");
  // The fixture's coordinate images fit any camera model; read them as distorted originals.
  d.h36m.undistorted_images = false;
  const H36mDataset dataset(d, 0, "test");
  double pixels = 0;
  for (std::int64_t i = 0; i < dataset.size(); i += 11) {
    const MultiviewSample s = dataset.get(i);
    pixels = std::max(pixels,
                      testing::max_coordinate_error(
                          s, testing::original_pixels(dataset, i), testing::identity_order(17)));
    EXPECT_LT(testing::max_projection_error(s), 1e-9);
  }
  EXPECT_LT(pixels, 2.5);
}

TEST(H36mDataset, ProtocolSelectionsGiveTheExpectedCounts) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  // Per subject 8 sequences of 10 frames; S9's Greeting-2, SittingDown-2 and Waiting-1 are
  // excluded by default; S11 Directions-2 misses a view.
  for (const std::string labels : {"lt.h5", "qiu.h5"}) {
    DataConfig d = testing::h36m_fixture_config(labels);
    d.h36m.frame_step_train = 5;
    EXPECT_EQ(H36mDataset(d, 0, "train").size(), 2 * 8 * 2) << labels;  // frames 0 and 5
    EXPECT_EQ(H36mDataset(d, 0, "test").size(), 5 * 10 + 7 * 10) << labels;
    d.h36m.frame_step_test = 64;
    EXPECT_EQ(H36mDataset(d, 0, "test").size(), 5 + 7) << labels;
    d.h36m.frame_step_test = 4;  // frames 0, 4, 8
    EXPECT_EQ(H36mDataset(d, 0, "test").size(), 3 * (5 + 7)) << labels;
    d.h36m.frame_step_test = 1;
    d.h36m.missing_views = MissingViews::kKeep;
    EXPECT_EQ(H36mDataset(d, 0, "test").size(), 5 * 10 + 8 * 10) << labels;
    d.h36m.excluded_sequences = {};
    EXPECT_EQ(H36mDataset(d, 0, "test").size(), 8 * 10 + 8 * 10) << labels;
    d.h36m.actions = {"Photo", "WalkDog"};
    EXPECT_EQ(H36mDataset(d, 0, "test").size(), 2 * 2 * 10) << labels;
    d.test_subjects = {"S11"};
    d.h36m.cameras = {"60457274", "55011271"};
    d.num_views = 2;
    EXPECT_EQ(H36mDataset(d, 0, "test").size(), 2 * 10) << labels;
  }
}

TEST(H36mDataset, NamesFollowTheReleaseAndTheExcludedSequencesAreGone) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  DataConfig d = testing::h36m_fixture_config("lt.h5");
  const H36mDataset dataset(d, 0, "test");
  EXPECT_EQ(dataset.action_names(), h36m_actions());
  EXPECT_EQ(dataset.subject_names(), (std::vector<std::string>{"S9", "S11"}));
  std::set<std::tuple<std::string, std::string, std::int64_t>> sequences;
  for (std::int64_t f = 0; f < dataset.num_frames(); ++f) {
    const SampleLabels l = dataset.labels(f);
    sequences.insert({l.subject, l.action, l.sequence});
    EXPECT_EQ(dataset.subject_names()[static_cast<std::size_t>(l.subject_id)], l.subject);
    EXPECT_EQ(dataset.action_names()[static_cast<std::size_t>(l.action_id)], l.action);
  }
  const std::set<std::tuple<std::string, std::string, std::int64_t>> expected{
      {"S9", "Directions", 1},
      {"S9", "Directions", 2},
      {"S9", "Greeting", 1},
      {"S9", "Photo", 1},
      {"S9", "WalkDog", 2},
      {"S11", "Directions", 1},
      {"S11", "Greeting", 1},
      {"S11", "Greeting", 2},
      {"S11", "SittingDown", 2},
      {"S11", "Waiting", 1},
      {"S11", "Photo", 1},
      {"S11", "WalkDog", 2}};
  EXPECT_EQ(sequences, expected);
  // The image path template of learnable-triangulation's tree, 1-based file numbers.
  const SampleLabels l = dataset.labels(0);
  EXPECT_EQ(l.images[2].file,
            fs::path(d.root) /
                "processed/S9/Directions-1/imageSequence-undistorted/58860488/"
                "img_000001.jpg");
}

TEST(H36mDataset, MissingViewIsSkippedOrKeptBlack) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  if (!image_decoding_available()) GTEST_SKIP() << "built without OpenCV";
  DataConfig d = testing::h36m_fixture_config("lt.h5");
  d.test_subjects = {"S11"};
  d.h36m.actions = {"Directions"};
  EXPECT_EQ(H36mDataset(d, 0, "test").size(), 10);  // Directions-1 only
  d.h36m.missing_views = MissingViews::kKeep;
  const H36mDataset dataset(d, 0, "test");
  ASSERT_EQ(dataset.size(), 20);
  int kept = 0;
  for (std::int64_t i = 0; i < dataset.size(); ++i) {
    const MultiviewSample s = dataset.get(i);
    check_sample(s);
    if (s.sequence != 2) {
      EXPECT_GT(s.images[0].sum().item<std::int64_t>(), 0);
      continue;
    }
    ++kept;
    EXPECT_EQ(s.images[0].sum().item<std::int64_t>(), 0) << "the missing view is black";
    EXPECT_EQ(s.visibility[0].sum().item<float>(), 0.0f) << "and its joints are invisible";
    EXPECT_GT(s.images[1].sum().item<std::int64_t>(), 0);
    EXPECT_GT(s.visibility[1].sum().item<float>(), 0.0f);
  }
  EXPECT_EQ(kept, 10);
}

TEST(H36mDataset, AugmentationKeepsImagesCamerasAndJointsConsistent) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  if (!image_decoding_available()) GTEST_SKIP() << "built without OpenCV";
  DataConfig d = testing::h36m_fixture_config("qiu.h5");
  d.h36m.augment.enabled = true;
  d.h36m.augment.scale = 0.2;
  d.h36m.augment.shift = 0.05;
  d.h36m.augment.rotation_deg = 30;
  d.h36m.augment.flip_prob = 0.5;
  d.h36m.augment.repeats = 2;
  d.h36m.frame_step_train = 5;
  const H36mDataset train(d, 3, "train");
  ASSERT_EQ(train.size(), 2 * 32);
  const std::vector<int> mirror = h36m17_skeleton().flip_permutation();
  int flipped = 0;
  for (std::int64_t i = 0; i < train.size(); i += 3) {
    const MultiviewSample s = train.get(i);
    check_sample(s);
    flipped += s.crop_from_original[0](0, 0) < 0;
    EXPECT_LT(testing::max_projection_error(s), 1.0) << "sample " << i;
    EXPECT_LT(testing::max_coordinate_error(
                  s, testing::original_pixels(train, i % train.num_frames()), mirror),
              2.5)
        << "sample " << i;
    // A pure function of the index.
    const MultiviewSample again = train.get(i);
    EXPECT_TRUE(at::equal(s.images, again.images));
    EXPECT_TRUE(at::equal(s.joints_2d_px, again.joints_2d_px));
  }
  EXPECT_GT(flipped, 0);
  EXPECT_LT(flipped, 22);
  // The repeats differ; the test split is never augmented.
  EXPECT_FALSE(at::equal(train.get(0).images, train.get(train.num_frames()).images));
  const H36mDataset test(d, 3, "test");
  EXPECT_EQ(test.size(), test.num_frames());
  EXPECT_EQ(test.get(0).crop_from_original[0](0, 1), 0.0);
}

TEST(H36mDataset, UnaDinosauriaCamerasGiveTheSameSamples) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  DataConfig d = testing::h36m_fixture_config("lt.h5");
  const H36mDataset from_labels(d, 0, "test");
  d.h36m.cameras_file = "una/cameras.h5";
  const H36mDataset from_h5(d, 0, "test");
  for (const std::int64_t f : {0, 17, 60}) {
    const SampleLabels a = from_labels.labels(f), b = from_h5.labels(f);
    for (std::size_t v = 0; v < 4; ++v) {
      EXPECT_LT((a.cameras[v].proj_from_world() - b.cameras[v].proj_from_world()).norm() /
                    b.cameras[v].proj_from_world().norm(),
                1e-6);
    }
  }
}

TEST(H36mDataset, BadConfigIsRefusedNamingTheKey) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  const DataConfig good = testing::h36m_fixture_config("lt.h5");
  DataConfig d = good;
  d.test_subjects = {"S9", "S3"};
  EXPECT_THAT(error_of(d), HasSubstr("data.test_subjects: unknown subject 'S3' (the labels file"));
  d = good;
  d.train_subjects = {"S12"};
  EXPECT_THAT(error_of(d, "train"), HasSubstr("data.train_subjects: unknown subject 'S12'"));
  d = good;
  d.h36m.excluded_sequences = {"S9/Dancing-1"};
  EXPECT_THAT(error_of(d),
              HasSubstr("data.h36m.excluded_sequences: 'S9/Dancing-1': unknown action 'Dancing'"));
  d.h36m.excluded_sequences = {"S13/Greeting-1"};
  EXPECT_THAT(error_of(d), HasSubstr("unknown subject 'S13'"));
  d.h36m.excluded_sequences = {"S9/Greeting-3"};
  EXPECT_THAT(error_of(d), HasSubstr("expected sub-action 1 or 2, found '3'"));
  d = good;
  d.h36m.actions = {"Dancing"};
  EXPECT_THAT(error_of(d), HasSubstr("data.h36m.actions: unknown action 'Dancing'"));
  d = good;
  d.num_views = 3;
  EXPECT_THAT(error_of(d), HasSubstr("data.num_views is 3 but data.h36m.cameras lists 4"));
  d = good;
  d.joints = JointSet::kTc16;
  EXPECT_THAT(error_of(d), HasSubstr("data.joints is 'tc16'"));
  d = good;
  d.h36m.labels = "nowhere.h5";
  EXPECT_THAT(error_of(d), HasSubstr("nowhere.h5: no such file"));
  d = good;
  d.h36m.image_file = "{subject}/{camra}.jpg";
  EXPECT_THAT(error_of(d),
              HasSubstr("data.h36m.image_file: bad path template '{subject}/{camra}.jpg'"));
}

TEST(H36mDataset, MissingImagesFailNamingTheFileOrAreSkipped) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  if (!image_decoding_available()) GTEST_SKIP() << "built without OpenCV";
  // A root holding S1's images only.
  const fs::path root = fs::temp_directory_path() / ("h36m_partial_" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "processed");
  fs::create_directory_symlink(testing::h36m_fixture() / "processed/S1", root / "processed/S1");
  DataConfig d = testing::h36m_fixture_config("lt.h5");
  d.h36m.labels = (testing::h36m_fixture() / "lt.h5").string();
  d.root = root.string();
  d.h36m.frame_step_train = 5;
  {
    const H36mDataset train(d, 0, "train");
    ASSERT_EQ(train.size(), 32);
    try {
      train.get(train.size() - 1);  // S5
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("image file " + root.string() + "/processed/S5/"));
      EXPECT_THAT(e.what(), HasSubstr(": not found"));
    }
  }
  d.h36m.skip_missing = true;
  const H36mDataset train(d, 0, "train");
  EXPECT_EQ(train.size(), 16);
  for (std::int64_t i = 0; i < train.size(); ++i) EXPECT_EQ(train.labels(i).subject, "S1");
  check_sample(train.get(15));
  fs::remove_all(root);
}

TEST(H36mDataset, CropCacheServesTheRenderedCrops) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  if (!image_decoding_available()) GTEST_SKIP() << "built without OpenCV";
  const fs::path cache = fs::temp_directory_path() / ("h36m_cache_" + std::to_string(getpid()));
  fs::remove_all(cache);
  DataConfig d = testing::h36m_fixture_config("lt.h5");
  d.h36m.crop_cache = cache.string();
  const H36mDataset test(d, 0, "test");
  ASSERT_FALSE(test.crop_cache_dir().empty());
  const at::Tensor rendered = test.get(5).images;
  EXPECT_EQ(test.write_crop_cache(2), 1);  // 120 frames: one shard
  EXPECT_EQ(test.write_crop_cache(2), 0);
  EXPECT_TRUE(at::equal(test.get(5).images, rendered));
  EXPECT_TRUE(at::equal(H36mDataset(d, 0, "test").get(119).images, test.get(119).images));
  // It is the shard that is read: a shard of zeros gives black crops.
  {
    const std::vector<std::uint8_t> zeros(static_cast<std::size_t>(120 * 4 * 3 * 64 * 64), 0);
    h5::File shard = h5::File::create(test.crop_cache_dir() / "shard_000000.h5");
    shard.write_u8("/crops", {120, 4, 3, 64, 64}, zeros.data());
  }
  EXPECT_EQ(test.get(5).images.sum().item<std::int64_t>(), 0);
  // Another crop size is another cache; augmented splits have none.
  d.crop_size_px = 48;
  EXPECT_NE(H36mDataset(d, 0, "test").crop_cache_dir(), test.crop_cache_dir());
  d.h36m.augment.enabled = true;
  EXPECT_TRUE(H36mDataset(d, 0, "train").crop_cache_dir().empty());
  fs::remove_all(cache);
}

TEST(H36mDataset, FactoryAndLoaderServeIt) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  if (!image_decoding_available()) GTEST_SKIP() << "built without OpenCV";
  const DataConfig d = testing::h36m_fixture_config("lt.h5");
  const auto seen = make_dataset(d, 0, "test", "seen");
  const auto permuted = make_dataset(d, 0, "test", "permuted");
  EXPECT_EQ(seen->size(), 120);
  EXPECT_TRUE(at::equal(seen->get(5).images[0], permuted->get(5).images[3]));
  MultiviewLoader loader(seen, {.batch_size = 8, .workers = 2, .prefetch = 2, .repeat = false});
  std::int64_t samples = 0;
  while (const auto batch = loader.next()) {
    samples += batch->size();
    EXPECT_EQ(batch->images.sizes(), (std::vector<std::int64_t>{batch->size(), 4, 3, 64, 64}));
  }
  EXPECT_EQ(samples, 120);
}

}  // namespace
}  // namespace mvpose3d
