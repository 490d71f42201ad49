// Keypoint importers: the files of 2D detectors and trackers, one source per camera, to
// Keypoints2d in the rig's camera order.
//
// Formats (--keypoints-format):
//   openpose  a directory of per-frame JSON files (`*_keypoints.json`),
//   `people[*].pose_keypoints_2d`
//             as x, y, c; a person's score is its mean joint confidence
//   coco      a COCO-style results file as MMPose and detectron2 write it: a JSON list of
//             {image_id, category_id, keypoints [x, y, v] * J, score} (or a COCO file whose
//             "annotations" hold them); only category_id 1 (person) when the field is there
//   dlc-csv   DeepLabCut's CSV: header rows scorer, [individuals,] bodyparts, coords (x, y,
//             likelihood), then one row per frame; empty cells are missing
//   dlc-h5    DeepLabCut's H5. It is a pandas table (PyTables): the column names are pickled
//             Python objects, which no C/C++ HDF5 API reads, so pandas converts it to the CSV
//             layout above (the helper Python needs pandas and tables)
//   npy       one [F, V, J, 3] (x_px, y_px, confidence) or [F, V, J, 2] array, float32/64, all
//             views in one file
//
// Sources and cameras: --keypoints is a file (npy) or a directory with one entry per camera
// (a sub-directory for openpose, a .json / .csv / .h5 file for the others). With --camera-names
// a,b,c the entries, sorted by name, are the cameras a, b, c in that order (npy: the V views).
// Without it each rig camera takes the entry whose name (without extension) equals the camera's,
// else the one entry whose name contains the camera's name as a whole token, delimited by the
// start, the end or a character that is not a letter or digit ("cam1" matches "cam1_json" and
// "json_cam1", not "cam10"); npy views are then the rig's cameras in order. A rig camera without a
// source is a missing view (a warning); an entry that matches no camera is ignored (a warning).
//
// Frames are matched by index: a frame's number is its image_id (coco), the last number in its
// file name (openpose; files without one count in name order) or the row's index (dlc, else the
// last number in it, else the row's position), less the smallest number over all cameras. A
// missing frame, view, person or joint has confidence 0.
#pragma once

#include "mvpose3d/config/schema.h"
#include "mvpose3d/mocap/keypoints2d.h"

#include <filesystem>
#include <string>
#include <vector>

namespace mvpose3d::mocap {

enum class KeypointFormat { kOpenPose, kCoco, kDlcCsv, kDlcH5, kNpy };

}  // namespace mvpose3d::mocap

namespace mvpose3d {
template <>
struct EnumNames<mocap::KeypointFormat> {
  static constexpr EnumName<mocap::KeypointFormat> table[] = {
      {mocap::KeypointFormat::kOpenPose, "openpose"},
      {mocap::KeypointFormat::kCoco, "coco"},
      {mocap::KeypointFormat::kDlcCsv, "dlc-csv"},
      {mocap::KeypointFormat::kDlcH5, "dlc-h5"},
      {mocap::KeypointFormat::kNpy, "npy"}};
};
}  // namespace mvpose3d

namespace mvpose3d::mocap {

struct KeypointImportOptions {
  KeypointFormat format = KeypointFormat::kNpy;
  std::vector<std::string> camera_names;  // the rig camera of each source, in order (optional)
  PersonChoice person;
  std::string layout;  // joint names: a layout of keypoint_layouts.h, "" = by joint count
};

// Reads every camera's keypoints; the views of the result are `rig_cameras`, in that order.
// Throws UsageError / Error naming the file (and line or key) of a malformed source.
Keypoints2d import_keypoints(const std::filesystem::path& path,
                             const std::vector<std::string>& rig_cameras,
                             const KeypointImportOptions& options);

// The readers of one camera's source (frames keyed by their raw number).
ViewDetections read_openpose_directory(const std::filesystem::path& directory);
ViewDetections read_coco_results(const std::filesystem::path& file);
ViewDetections read_dlc_csv(const std::filesystem::path& file);
ViewDetections read_dlc_h5(const std::filesystem::path& file);

// The last run of decimal digits in `text` (a frame number in a file name), or -1 when none.
int64_t last_number_in(const std::string& text);

}  // namespace mvpose3d::mocap
