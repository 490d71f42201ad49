// Human3.6M annotations: names and ids, the labels files written by tools/convert_h36m_labels.py
// (from learnable-triangulation's labels .npy or H36M-Toolbox/Qiu's pickles), and una-dinosauria's
// cameras.h5 and 3D_positions pose files (read directly). Sources and formats: docs/datasets.md.
//
// Camera conventions (pinned by tests/data/h36m): R is world→camera, H36M's T is the camera
// centre in world mm, t = −R·T, X_cam = R·X_world + t; lens distortion is the native H36M model
// (Distortion::h36m, no OpenCV factor-2 terms). learnable-triangulation stores
// dist = [k1, k2, p0, p1, k3] (OpenCV slot order, H36M values); una-dinosauria stores R transposed.
#pragma once

#include "mvpose3d/geometry/camera.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace mvpose3d {

// The 15 actions by their release names, in the column order of the papers' tables (Directions,
// Discussion, Eating, Greeting, Phoning, Photo, Posing, Purchases, Sitting, SittingDown, Smoking,
// Waiting, WalkDog, Walking, WalkTogether).
const std::vector<std::string>& h36m_actions();
// The four camera serials in H36M's camera order (camera index 1..4).
const std::vector<std::string>& h36m_camera_serials();
// The release name of an action given by its release name ("Photo", "WalkDog"), its
// learnable-triangulation / h36m-fetch folder name ("TakingPhoto", "WalkingDog") or its metadata
// name; "" when unknown.
std::string h36m_action_name(const std::string& any_name);
// learnable-triangulation's folder name of a release action name ("Photo" → "TakingPhoto").
std::string h36m_lt_action(const std::string& action);
// metadata.xml action id (2..16) of a release action name.
int h36m_action_id(const std::string& action);
// Release action name of a metadata.xml action id (2..16); throws Error otherwise.
std::string h36m_action_from_id(int action_id);

// Frames of a labels file, joints in H36M-17 order, cameras per (subject, camera).
struct H36mLabels {
  std::filesystem::path file;
  std::string source;                 // "learnable-triangulation" | "h36m-toolbox"
  std::vector<std::string> subjects;  // "S1", ...
  std::vector<std::string> cameras;   // camera serials, in the file's order
  // [subject][camera] full-image cameras (R, t, K; distortion: H36M model with the file's
  // coefficients; nominal image size 1000×1002 or 1000×1000 by serial). Absent pairs are
  // default-constructed with `calibrated` false.
  std::vector<std::vector<Camera>> calibration;
  std::vector<std::vector<bool>> calibrated;
  std::vector<int> subject;         // [N] index into subjects
  std::vector<int> action;          // [N] index into h36m_actions()
  std::vector<int> subaction;       // [N] 1 or 2
  std::vector<std::int64_t> frame;  // [N] 0-based frame at 50 Hz
  at::Tensor joints_world_mm;       // [N, 17, 3] float64, H36M-17
  at::Tensor boxes_ltrb;            // [N, C, 4] float64 (left, top, right, bottom); 0 = missing
  at::Tensor joints_2d_px;          // [N, C, 17, 2] float64 in the original images, or undefined

  std::int64_t size() const { return static_cast<std::int64_t>(frame.size()); }
};

// Reads a file written by tools/convert_h36m_labels.py. Throws Error naming the file, the dataset
// and what was expected and found (missing datasets, wrong shapes or types, unknown names).
H36mLabels read_h36m_labels(const std::filesystem::path& file);

// How long the trial read of read_h36m_labels_after_trial_read may take (the full
// learnable-triangulation labels, about 60 MB, read in seconds).
inline constexpr double kH36mLabelsTrialReadLimitS = 300.0;

// read_h36m_labels, after a trial read of the same file in a child process that is killed after
// `limit_s` seconds: libhdf5 1.10 can loop for ever, or read far out of bounds, inside H5Aread on
// a corrupted global heap, before any check of ours (fuzz/library_faults/h36m_hdf5/). Such a file
// gives an Error naming it ("...: libhdf5 did not finish reading it within 300 s", or the signal
// it died of) instead of a hang or a crash. The file is read twice, the second time from the
// page cache.
H36mLabels read_h36m_labels_after_trial_read(const std::filesystem::path& file,
                                             double limit_s = kH36mLabelsTrialReadLimitS);

// Nominal image size of a camera serial (1000×1002 for 54138969 and 60457274, else 1000×1000).
Intrinsics h36m_nominal_intrinsics(const std::string& serial);

// One camera of una-dinosauria's cameras.h5 (groups subject{s}/camera{c}).
struct H36mCameraRecord {
  int subject = 0;       // 1..11
  int camera_index = 0;  // 1..4
  std::string serial;    // from the `Name` character codes
  Camera camera;         // R = stored Rᵀ, centre T, f, c, H36M distortion (k, p)
};
std::vector<H36mCameraRecord> read_h36m_cameras_h5(const std::filesystem::path& file);

// una-dinosauria's S*/MyPoses/3D_positions/<stem>.h5: dataset 3D_positions of HDF5 shape (96, N),
// row 3·j + c = joint j, coordinate c. Returns [N, 32, 3] float64 world mm (raw 32-joint order).
at::Tensor read_h36m_positions_h5(const std::filesystem::path& file);

// Raw 32-joint poses [..., 32, 3] → H36M-17 [..., 17, 3] (VideoPose3D's selection).
at::Tensor h36m32_to_h36m17(const at::Tensor& joints32);

}  // namespace mvpose3d
