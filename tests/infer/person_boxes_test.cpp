#include "mvpose3d/infer/person_boxes.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"

#include <filesystem>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/error_text.h"

namespace mvpose3d::infer {
namespace {

namespace fs = std::filesystem;

fs::path temp_file(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / ("mvpose3d_boxes_" + std::to_string(getpid()));
  const fs::path file = dir / name;
  write_file_atomic(file, text);
  return file;
}

Rig one_camera_rig() {
  Intrinsics intr;
  intr.fx = intr.fy = 500;
  intr.cx = 319.5;
  intr.cy = 239.5;
  intr.width = 640;
  intr.height = 480;
  Rig rig("test");
  rig.add("cam0", Camera::look_at(intr, {4000, 0, 1000}, {0, 0, 1000}));
  return rig;
}

TEST(PersonBoxes, CocoBoxesBecomePixelCentreBoxes) {
  const Eigen::Vector4d b = box_ltrb_from_xywh(10, 20, 30, 40);
  EXPECT_EQ(b, Eigen::Vector4d(9.5, 19.5, 39.5, 59.5));
}

TEST(PersonBoxes, BoxFileKeepsTheBestScoredBoxOfAFrame) {
  const fs::path file = temp_file("boxes.json",
                                  R"([{"frame": 0, "bbox": [0, 0, 10, 10]},
                                      {"image_id": 3, "bbox": [1, 2, 3, 4], "score": 0.2},
                                      {"image_id": 3, "bbox": [5, 6, 7, 8], "score": 0.9},
                                      {"image_id": 3, "bbox": [9, 9, 9, 9], "score": 0.5}])");
  const auto boxes = read_box_file(file);
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_EQ(boxes.at(0), box_ltrb_from_xywh(0, 0, 10, 10));
  EXPECT_EQ(boxes.at(3), box_ltrb_from_xywh(5, 6, 7, 8));
}

TEST(PersonBoxes, BoxFileErrorsNameTheEntry) {
  const fs::path file = temp_file(
      "bad.json", R"([{"frame": 0, "bbox": [0, 0, 10, 10]}, {"frame": 1, "bbox": [0, 0]}])");
  const std::string message = mvpose3d::testing::error_of([&] { read_box_file(file); });
  EXPECT_NE(message.find("bad.json: entry 1"), std::string::npos) << message;
  EXPECT_NE(message.find("[x, y, w, h]"), std::string::npos) << message;
  const fs::path not_json = temp_file("not.json", "frame,x,y,w,h\n");
  EXPECT_NE(mvpose3d::testing::error_of([&] { read_box_file(not_json); }).find("not JSON"),
            std::string::npos);
}

TEST(PersonBoxes, FlagValuesAreChecked) {
  EXPECT_EQ(parse_box("0,0,32,32", "--box"), Eigen::Vector4d(-0.5, -0.5, 31.5, 31.5));
  EXPECT_NE(
      mvpose3d::testing::error_of([] { parse_box("1,2,3", "--box"); }).find("expected X,Y,W,H"),
      std::string::npos);
  EXPECT_NE(mvpose3d::testing::error_of([] {
              parse_box("1,2,x,4", "--box");
            }).find("'x' is not a number"),
            std::string::npos);
  EXPECT_NE(mvpose3d::testing::error_of([] { parse_box("1,2,0,4", "--box"); }).find("must be > 0"),
            std::string::npos);
  EXPECT_EQ(parse_position("1,2.5,-3", "--initial-position"), Eigen::Vector3d(1, 2.5, -3));
}

TEST(PersonBoxes, SourcesInOrderFileFixedTracked) {
  const Rig rig = one_camera_rig();
  const fs::path file = temp_file("cam0.json", R"([{"frame": 0, "bbox": [100, 100, 50, 50]}])");
  PersonBoxOptions options;
  options.box_files = {file};
  options.initial_position_mm = Eigen::Vector3d(0, 0, 1000);
  PersonBoxes boxes(rig, options);
  EXPECT_EQ(boxes.source(0, 0), "file");
  EXPECT_EQ(*boxes.box(0, 0), box_ltrb_from_xywh(100, 100, 50, 50));
  // Frame 1 is not in the file: the cube of ±1 m around the initial position, centred on its
  // projection (the image centre: the camera looks at it).
  EXPECT_EQ(boxes.source(1, 0), "initial");
  const Eigen::Vector4d initial = *boxes.box(1, 0);
  EXPECT_NEAR(0.5 * (initial(0) + initial(2)), 319.5, 1e-6);
  EXPECT_GT(initial(2) - initial(0), 200);  // 2 m at 3-5 m with f = 500 px
  // After a pose: its projection.
  boxes.track(
      1, {Eigen::Vector3d(0, 0, 0), Eigen::Vector3d(0, 0, 2000), Eigen::Vector3d::Constant(NAN)});
  EXPECT_EQ(boxes.source(2, 0), "tracked");
  const Eigen::Vector4d tracked = *boxes.box(2, 0);
  EXPECT_NEAR(tracked(3) - tracked(1), 2000.0 * 500 / 4000, 1e-6);
  // A later pose boxes the next frames; frame 1 keeps its own (a second pass over it).
  boxes.track(2, {Eigen::Vector3d(0, 0, 500), Eigen::Vector3d(0, 0, 1500)});
  const Eigen::Vector4d later = *boxes.box(3, 0);
  EXPECT_NEAR(later(3) - later(1), 1000.0 * 500 / 4000, 1e-6);
  EXPECT_EQ(*boxes.box(1, 0), tracked);
}

TEST(PersonBoxes, NoWayToTheFirstBoxIsAUsageError) {
  EXPECT_NE(mvpose3d::testing::error_of([] {
              PersonBoxes(one_camera_rig(), PersonBoxOptions{});
            }).find("--initial-position"),
            std::string::npos);
  PersonBoxOptions two_files;
  two_files.box_files = {"a.json", "b.json"};
  EXPECT_NE(mvpose3d::testing::error_of([&] {
              PersonBoxes(one_camera_rig(), two_files);
            }).find("2 files for 1 cameras"),
            std::string::npos);
}

}  // namespace
}  // namespace mvpose3d::infer
