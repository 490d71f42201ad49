// The readers behind import_calibration (data/calibration/calibration_import.h), one per format,
// each in its own source file. They return the cameras as the file states them: lengths in the
// file's unit (the dispatcher scales them to mm), R world→camera, pixel centres at integers.
#pragma once

#include "mvpose3d/geometry/camera.h"

#include <filesystem>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace mvpose3d::calibration {

struct ImportedCamera {
  std::string name;
  std::string group;  // what --select may name besides the camera: Panoptic's type, H36M's subject
  Intrinsics intrinsics;
  Distortion distortion;
  Eigen::Matrix3d rotation = Eigen::Matrix3d::Identity();  // world → camera
  Eigen::Vector3d translation = Eigen::Vector3d::Zero();   // X_cam = R·X + t, in the file's unit
  std::string where;  // "file: key" of the camera, for errors found after reading
};

// R of a Rodrigues vector (axis × angle in radians), as cv::Rodrigues.
Eigen::Matrix3d rotation_from_rodrigues(const Eigen::Vector3d& rvec);

// The image size a principal point suggests when the file records none: (2·cx + 1, 2·cy + 1)
// rounded, at least 1; throws Error naming `where` when that is no image side (image_side_px).
void guess_image_size(Intrinsics* intrinsics, const std::string& where);

// An image side a file states as a number: a whole number of pixels from 1 to kMaxImageSidePx
// (core/limits.h); else throws Error naming `where` (converting 1e300 to int is undefined).
int image_side_px(double value, const std::string& where);

// The OpenCV model from 4 or 5 coefficients (k1, k2, p1, p2[, k3]); 0 coefficients = none; any
// other count throws Error naming `where`.
Distortion opencv_distortion(const std::vector<double>& coefficients, const std::string& where);

// EasyMocap intri.yml + extri.yml; the OpenCV calibration sample's single-camera file (the camera
// is named by the file's stem). OpenCV FileStorage, parsed in a child process that is killed after
// `parse_limit_s` seconds (OpenCV 4.6's YAML parser can loop for ever; core/time_limited_child.h):
// then TimeLimitExceeded names the files. Throw Error when the build has no OpenCV.
std::vector<ImportedCamera> read_easymocap(const std::filesystem::path& intri,
                                           const std::filesystem::path& extri,
                                           double parse_limit_s);
std::vector<ImportedCamera> read_opencv_camera(const std::filesystem::path& file,
                                               double parse_limit_s);
// The same in this process, with no time limit: what the child runs, and what the fuzzer runs
// after the guarded read has finished (its coverage and sanitizers see only this process).
std::vector<ImportedCamera> parse_easymocap(const std::filesystem::path& intri,
                                            const std::filesystem::path& extri);
std::vector<ImportedCamera> parse_opencv_camera(const std::filesystem::path& file);

// aniposelib / Pose2Sim / freemocap / Caliscope TOML (cpptoml).
std::vector<ImportedCamera> read_toml_calibration(const std::filesystem::path& file);

// CMU Panoptic calibration_<seq>.json (nlohmann-json).
std::vector<ImportedCamera> read_panoptic(const std::filesystem::path& file);

// COLMAP's text model: cameras.txt and images.txt.
std::vector<ImportedCamera> read_colmap(const std::filesystem::path& cameras_txt,
                                        const std::filesystem::path& images_txt);

}  // namespace mvpose3d::calibration
