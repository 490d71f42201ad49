#include "mvpose3d/mocap/keypoint_import.h"

#include "mvpose3d/core/error.h"

#include <cmath>
#include <gmock/gmock.h>

#include <gtest/gtest.h>

#include "mocap/mocap_test_util.h"

namespace mvpose3d::mocap {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;
using testing::write_text;

// x, y, c of `joints` joints with x = base + j, y = 10 * base + j.
std::string triples(int joints, double base, double confidence) {
  std::string out;
  for (int j = 0; j < joints; ++j) {
    out += fmt::format("{}{}, {}, {}", j ? ", " : "", base + j, 10 * base + j, confidence);
  }
  return out;
}

std::string openpose_frame(const std::vector<std::pair<double, double>>& people, int joints) {
  std::string list;
  for (const auto& [base, confidence] : people) {
    list += fmt::format(
        "{}{{\"person_id\": [-1], \"pose_keypoints_2d\": [{}], "
        "\"face_keypoints_2d\": []}}",
        list.empty() ? "" : ", ",
        triples(joints, base, confidence));
  }
  return fmt::format("{{\"version\": 1.3, \"people\": [{}]}}", list);
}

// The message of the error import_keypoints throws, or "no error".
std::string import_error(const std::filesystem::path& path,
                         const std::vector<std::string>& cameras,
                         const KeypointImportOptions& options) {
  try {
    import_keypoints(path, cameras, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

double x_of(const Keypoints2d& k, int64_t f, int64_t v, int64_t j) {
  return k.xy_px[2 * k.at(f, v, j)];
}
double c_of(const Keypoints2d& k, int64_t f, int64_t v, int64_t j) {
  return k.confidence[k.at(f, v, j)];
}

TEST(KeypointImport, OpenPoseMissingFramesAndSeveralPeople) {
  TempDir dir("openpose");
  // Camera "cam1": frames 0-2, two people in frame 1 (the second scores higher); "cam2": frame 1
  // is missing and frame 2 has nobody. A third folder matches no camera.
  write_text(dir / "cam1_json/run_000000000000_keypoints.json", openpose_frame({{100, 0.9}}, 25));
  write_text(dir / "cam1_json/run_000000000001_keypoints.json",
             openpose_frame({{200, 0.5}, {300, 0.8}}, 25));
  write_text(dir / "cam1_json/run_000000000002_keypoints.json", openpose_frame({{400, 0.7}}, 25));
  write_text(dir / "json_cam2/run_000000000000_keypoints.json", openpose_frame({{500, 0.6}}, 25));
  write_text(dir / "json_cam2/run_000000000002_keypoints.json", openpose_frame({}, 25));
  write_text(dir / "cam10/run_000000000000_keypoints.json", openpose_frame({{9, 1}}, 25));
  KeypointImportOptions options;
  options.format = KeypointFormat::kOpenPose;
  const Keypoints2d k = import_keypoints(dir.path(), {"cam1", "cam2", "cam3"}, options);
  ASSERT_EQ(k.frames, 3);
  ASSERT_EQ(k.views(), 3);
  ASSERT_EQ(k.joints(), 25);
  EXPECT_EQ(k.joint_names[0], "Nose");
  EXPECT_EQ(k.joint_names[8], "MidHip");
  EXPECT_EQ(x_of(k, 0, 0, 3), 103);
  EXPECT_EQ(k.xy_px[2 * k.at(0, 0, 3) + 1], 1003);
  EXPECT_DOUBLE_EQ(c_of(k, 0, 0, 3), 0.9);
  EXPECT_EQ(x_of(k, 1, 0, 0), 200);  // person 0 by default
  EXPECT_EQ(c_of(k, 1, 1, 0), 0.0);  // missing frame
  EXPECT_TRUE(std::isnan(x_of(k, 1, 1, 0)));
  EXPECT_EQ(c_of(k, 2, 1, 0), 0.0);  // nobody
  EXPECT_EQ(x_of(k, 0, 1, 0), 500);
  for (int64_t f = 0; f < 3; ++f) EXPECT_EQ(c_of(k, f, 2, 0), 0.0);  // cam3: no source
  options.person.best = true;
  EXPECT_EQ(x_of(import_keypoints(dir.path(), {"cam1", "cam2", "cam3"}, options), 1, 0, 0), 300);
  options.person = {false, 1};
  const Keypoints2d second = import_keypoints(dir.path(), {"cam1", "cam2", "cam3"}, options);
  EXPECT_EQ(x_of(second, 1, 0, 0), 300);
  EXPECT_EQ(c_of(second, 0, 0, 0), 0.0);  // frame 0 has one person
  // --camera-names: entries sorted by name (cam10, cam1_json, json_cam2).
  options.person = {};
  options.camera_names = {"cam3", "cam1", "cam2"};
  const Keypoints2d named = import_keypoints(dir.path(), {"cam1", "cam2", "cam3"}, options);
  EXPECT_EQ(x_of(named, 0, 2, 0), 9);
  options.layout = "body25b";
  EXPECT_EQ(import_keypoints(dir.path(), {"cam1", "cam2", "cam3"}, options).joint_names[17],
            "UpperNeck");
}

TEST(KeypointImport, OpenPoseErrorsNameTheFile) {
  TempDir dir("openpose-bad");
  write_text(dir / "a/f_0_keypoints.json", "{\"people\": [\n{\"pose_keypoints_2d\": [1, 2,]}]}");
  KeypointImportOptions options;
  options.format = KeypointFormat::kOpenPose;
  EXPECT_THAT(import_error(dir.path(), {"a"}, options),
              HasSubstr("f_0_keypoints.json:2: not valid JSON"));
  write_text(dir / "a/f_0_keypoints.json", "{\"people\": [{\"pose_keypoints_2d\": [1, 2]}]}");
  EXPECT_THAT(
      import_error(dir.path(), {"a"}, options),
      HasSubstr("people[0].pose_keypoints_2d: expected a list of x, y, confidence triples"));
}

TEST(KeypointImport, CocoResultsByImageId) {
  TempDir dir("coco");
  // Image ids 10-12: camera A lacks 11; in 12 two people (scores 0.3 and 0.9); a non-person
  // category is skipped.
  write_text(
      dir / "A.json",
      fmt::format("[{{\"image_id\": 10, \"category_id\": 1, \"keypoints\": [{}], \"score\": 0.8}},"
                  " {{\"image_id\": 12, \"category_id\": 1, \"keypoints\": [{}], \"score\": 0.3}},"
                  " {{\"image_id\": 12, \"category_id\": 1, \"keypoints\": [{}], \"score\": 0.9}},"
                  " {{\"image_id\": 12, \"category_id\": 2, \"keypoints\": [{}], \"score\": 1.0}}]",
                  triples(17, 1, 0.5),
                  triples(17, 2, 0.5),
                  triples(17, 3, 0.5),
                  triples(17, 4, 0.5)));
  write_text(dir / "B.json",
             fmt::format(
                 "{{\"annotations\": [{{\"image_id\": 11, \"keypoints\": [{}], \"score\": 0.7}}]}}",
                 triples(17, 5, 0.4)));
  KeypointImportOptions options;
  options.format = KeypointFormat::kCoco;
  options.person.best = true;
  const Keypoints2d k = import_keypoints(dir.path(), {"A", "B"}, options);
  ASSERT_EQ(k.frames, 3);
  EXPECT_EQ(k.joint_names[5], "left_shoulder");
  EXPECT_EQ(x_of(k, 0, 0, 0), 1);
  EXPECT_EQ(c_of(k, 1, 0, 0), 0.0);
  EXPECT_EQ(x_of(k, 2, 0, 0), 3);  // the best score, not the other category
  EXPECT_EQ(x_of(k, 1, 1, 2), 7);
  EXPECT_DOUBLE_EQ(c_of(k, 1, 1, 2), 0.4);
  EXPECT_EQ(c_of(k, 0, 1, 0), 0.0);
  write_text(dir / "B.json", "[{\"image_id\": \"img.jpg\", \"keypoints\": []}]");
  EXPECT_THAT(import_error(dir.path(), {"A", "B"}, options),
              HasSubstr("B.json: [0].image_id: missing or not an integer"));
}

TEST(KeypointImport, DeepLabCutCsvSingleAndMultiAnimal) {
  TempDir dir("dlc");
  // Single animal: frame 1 has an empty (missing) snout; frame 3 is absent.
  write_text(
      dir / "left.csv",
      "scorer,DLC_resnet50,DLC_resnet50,DLC_resnet50,DLC_resnet50,DLC_resnet50,DLC_resnet50\n"
      "bodyparts,snout,snout,snout,tail,tail,tail\n"
      "coords,x,y,likelihood,x,y,likelihood\n"
      "0,1.5,2.5,0.9,3,4,0.8\n"
      "1,,,,5,6,0.7\n"
      "2,7,8,0.6,9,10,0.5\n");
  // Two individuals; frame 3 only.
  write_text(dir / "right.csv",
             "scorer,S,S,S,S,S,S,S,S,S,S,S,S\n"
             "individuals,mus1,mus1,mus1,mus1,mus1,mus1,mus2,mus2,mus2,mus2,mus2,mus2\n"
             "bodyparts,snout,snout,snout,tail,tail,tail,snout,snout,snout,tail,tail,tail\n"
             "coords,x,y,likelihood,x,y,likelihood,x,y,likelihood,x,y,likelihood\n"
             "3,11,12,0.2,13,14,0.2,21,22,0.9,23,24,0.9\n");
  KeypointImportOptions options;
  options.format = KeypointFormat::kDlcCsv;
  const Keypoints2d k = import_keypoints(dir.path(), {"left", "right"}, options);
  ASSERT_EQ(k.frames, 4);
  EXPECT_EQ(k.joint_names, (std::vector<std::string>{"snout", "tail"}));
  EXPECT_EQ(x_of(k, 0, 0, 0), 1.5);
  EXPECT_EQ(k.xy_px[2 * k.at(0, 0, 0) + 1], 2.5);
  EXPECT_DOUBLE_EQ(c_of(k, 0, 0, 0), 0.9);
  EXPECT_EQ(c_of(k, 1, 0, 0), 0.0);
  EXPECT_EQ(x_of(k, 1, 0, 1), 5);
  EXPECT_EQ(c_of(k, 3, 0, 0), 0.0);
  EXPECT_EQ(x_of(k, 3, 1, 0), 11);  // individual 0
  options.person.best = true;
  EXPECT_EQ(x_of(import_keypoints(dir.path(), {"left", "right"}, options), 3, 1, 1), 23);
  // A bad cell names its line and column.
  write_text(
      dir / "right.csv",
      "scorer,S,S,S\nbodyparts,snout,snout,snout\ncoords,x,y,likelihood\n0,1,2,0.5\n1,1,abc,0.5\n");
  EXPECT_THAT(import_error(dir.path(), {"left", "right"}, options),
              HasSubstr("right.csv:5: column 3 (snout y): 'abc' is not a number"));
  write_text(dir / "right.csv", "bodyparts,snout\n0,1\n");
  EXPECT_THAT(import_error(dir.path(), {"left", "right"}, options),
              HasSubstr("right.csv:1: no 'scorer' header row"));
}

TEST(KeypointImport, DeepLabCutH5ThroughPandas) {
  if (!testing::python_has("pandas, tables, numpy"))
    GTEST_SKIP() << "the test Python lacks pandas/tables";
  TempDir dir("dlc-h5");
  write_text(dir / "make.py",
             "import sys, numpy as np, pandas as pd\n"
             "cols = pd.MultiIndex.from_product([['DLC_scorer'], ['snout', 'tail'], ['x', 'y', "
             "'likelihood']],\n"
             "                                  names=['scorer', 'bodyparts', 'coords'])\n"
             "data = np.arange(18, dtype=float).reshape(3, 6)\n"
             "data[1, 0:3] = np.nan\n"
             "pd.DataFrame(data, columns=cols).to_hdf(sys.argv[1], key='df_with_missing', "
             "format='table', mode='w')\n");
  ASSERT_EQ(testing::run_python((dir / "make.py").string(), (dir / "cam1.h5").string()), 0);
  KeypointImportOptions options;
  options.format = KeypointFormat::kDlcH5;
  const Keypoints2d k = import_keypoints(dir.path(), {"cam1"}, options);
  ASSERT_EQ(k.frames, 3);
  EXPECT_EQ(k.joint_names, (std::vector<std::string>{"snout", "tail"}));
  EXPECT_EQ(x_of(k, 2, 0, 1), 15);
  EXPECT_DOUBLE_EQ(c_of(k, 2, 0, 1), 17);
  EXPECT_EQ(c_of(k, 1, 0, 0), 0.0);
}

TEST(KeypointImport, AmbiguousAndUnknownNames) {
  TempDir dir("names");
  write_text(dir / "x_cam1.csv", "");
  write_text(dir / "cam1_y.csv", "");
  KeypointImportOptions options;
  options.format = KeypointFormat::kDlcCsv;
  EXPECT_THAT(import_error(dir.path(), {"cam1"}, options),
              HasSubstr("camera 'cam1' matches several sources"));
  options.camera_names = {"cam1", "nope"};
  EXPECT_THROW(import_keypoints(dir.path(), {"cam1"}, options), UsageError);
  EXPECT_EQ(last_number_in("run_000000000012_keypoints"), 12);
  EXPECT_EQ(last_number_in("none"), -1);
}

}  // namespace
}  // namespace mvpose3d::mocap
