// What a real-data reader selected, and whether its labels, cameras and joint order agree: the
// numbers behind `mvpose3d data stats`. Only labels are read (no image), so it is fast.
//
// Consistency measures, over the checked frames and present views:
//   - label_distance_px: mean distance between the projected 3D joints and the dataset's 2D
//     labels (datasets that have them: Human3.6M from Qiu's pickles). A few tenths of a pixel when
//     cameras, distortion model and joint order are right; tens of pixels when one is wrong.
//   - box_centre_distance_px: mean distance between the centre of the crop box and the centre of
//     the projected joints' box (learnable-triangulation's boxes come from the subject's mask:
//     a few pixels; Total Capture's from the hips: about the body's vertical offset).
//   - inside_fraction / in_front_fraction: projected joints inside the full image / in front of
//     the camera (1.0 when the world units, R and t conventions are right).
#pragma once

#include "mvpose3d/data/labeled/labeled_dataset.h"

#include <cstdint>
#include <map>
#include <string>

namespace mvpose3d {

struct DatasetStats {
  std::int64_t frames = 0;                          // distinct frames
  std::int64_t samples = 0;                         // size() (frames × augmentation repeats)
  std::map<std::string, std::int64_t> per_subject;  // frames per subject
  std::map<std::string, std::int64_t> per_action;   // frames per action
  std::map<std::string, std::int64_t> per_camera;   // frames in which the view is present
  std::int64_t checked_frames = 0;                  // frames the consistency check looked at
  bool has_2d_labels = false;
  double label_distance_px = 0;       // mean |project(X) − label| (has_2d_labels only)
  double box_centre_distance_px = 0;  // mean |box centre − projected joints' box centre|
  double inside_fraction = 0;         // projected joints inside the full image
  double in_front_fraction = 0;       // joints in front of the camera
};

// Counts every frame; checks up to `max_check_frames` frames spread evenly over the dataset.
DatasetStats compute_stats(const LabeledDataset& dataset, std::int64_t max_check_frames = 2000);

// A plain-text report: counts per subject (in dataset order), action and camera, then the checks.
std::string format_stats(const DatasetStats& stats,
                         const LabeledDataset& dataset,
                         const std::string& title);

}  // namespace mvpose3d
