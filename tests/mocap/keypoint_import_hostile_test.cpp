// The keypoint importers on hostile files: the failures the fuzzers found (fuzz/regressions/) and
// the sizes a file must not make us allocate (docs/reliability.md).
#include "mvpose3d/core/error.h"
#include "mvpose3d/mocap/keypoint_import.h"

#include <gmock/gmock.h>

#include <gtest/gtest.h>

#include "mocap/mocap_test_util.h"

namespace mvpose3d::mocap {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;
using testing::write_text;

std::string import_error(const std::filesystem::path& path, KeypointFormat format) {
  KeypointImportOptions options;
  options.format = format;
  try {
    import_keypoints(path, {"a"}, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// fuzz/regressions/dlc_csv_keypoints/row_shorter_than_index_columns_heap_overflow: the index of a
// row was read from its cell (index columns − 1) even when the row had fewer cells.
TEST(KeypointImportHostile, DlcRowShorterThanItsIndexColumnsIsNotReadPastItsEnd) {
  TempDir dir("dlc-short-row");
  write_text(dir / "a.csv",
             "scorer,,S,S,S\nbodyparts,,nose,nose,nose\ncoords,,x,y,likelihood\n"
             "7\n"
             "3,img_3.png,1,2,0.5\n");
  KeypointImportOptions options;
  options.format = KeypointFormat::kDlcCsv;
  const Keypoints2d k = import_keypoints(dir.path(), {"a"}, options);
  ASSERT_EQ(k.frames, 1);
  EXPECT_EQ(k.xy_px[2 * k.at(0, 0, 0)], 1.0);
}

// fuzz/regressions/coco_keypoints/json_number_overflow_uncaught_out_of_range: a number beyond a
// double's range makes nlohmann-json throw json::out_of_range, which only json::parse_error was
// caught for: the exception left the importer (std::terminate in the command).
TEST(KeypointImportHostile, JsonNumberBeyondADoubleIsAnErrorNotAnUncaughtException) {
  TempDir dir("coco-number-overflow");
  write_text(dir / "a.json", "[{\"image_id\": 1, \"keypoints\": [2e400, 8, 0.5]}]");
  EXPECT_THAT(
      import_error(dir.path(), KeypointFormat::kCoco),
      HasSubstr("a.json: not valid JSON: [json.exception.out_of_range.406] number overflow"));
  write_text(dir / "a/f_0_keypoints.json", "{\"people\": [{\"pose_keypoints_2d\": [1e999]}]}");
  EXPECT_THAT(import_error(dir.path(), KeypointFormat::kOpenPose),
              HasSubstr("f_0_keypoints.json: not valid JSON"));
}

// A DLC row index beyond 2^53 was converted to int64_t unchecked (undefined behaviour).
TEST(KeypointImportHostile, DlcRowIndexBeyondAnyFrameNumberIsAnError) {
  TempDir dir("dlc-huge-index");
  write_text(dir / "a.csv",
             "scorer,S,S,S\nbodyparts,nose,nose,nose\ncoords,x,y,likelihood\n1e30,1,2,0.5\n");
  EXPECT_THAT(import_error(dir.path(), KeypointFormat::kDlcCsv),
              HasSubstr("a.csv:4: row index '1e30' is not a frame number"));
}

// Two COCO image ids 10^12 apart made a [10^12, V, J] array; the ids at the ends of int64 made
// `last - first + 1` overflow.
TEST(KeypointImportHostile, FrameNumbersFarApartAreRefusedNotAllocated) {
  TempDir dir("coco-far-apart");
  const std::string keypoints = "[1, 2, 0.5, 3, 4, 0.5]";
  for (const auto& [first, last] : std::vector<std::pair<std::string, std::string>>{
           {"0", "1000000000000"}, {"-9223372036854775808", "9223372036854775807"}}) {
    write_text(dir / "a.json",
               fmt::format("[{{\"image_id\": {}, \"keypoints\": {}}}, "
                           "{{\"image_id\": {}, \"keypoints\": {}}}]",
                           first,
                           keypoints,
                           last,
                           keypoints));
    EXPECT_THAT(import_error(dir.path(), KeypointFormat::kCoco),
                HasSubstr("points an import may hold"))
        << first << " .. " << last;
  }
}

// Sources that name their joints but hold no frame import as zero frames (the frame range of no
// frame was computed from the sentinels, with a signed overflow, as two frames).
TEST(KeypointImportHostile, SourcesWithoutFramesGiveZeroFrames) {
  TempDir dir("dlc-no-frames");
  write_text(dir / "a.csv", "scorer,S,S,S\nbodyparts,nose,nose,nose\ncoords,x,y,likelihood\n");
  KeypointImportOptions options;
  options.format = KeypointFormat::kDlcCsv;
  const Keypoints2d k = import_keypoints(dir.path(), {"a"}, options);
  EXPECT_EQ(k.frames, 0);
  EXPECT_TRUE(k.confidence.empty());
}

}  // namespace
}  // namespace mvpose3d::mocap
