// Camera calibrations in other tools' formats, read into a Rig (geometry/rig.h).
//
// One entry point, import_calibration(), used by `mvpose3d rig convert` and by every command that
// takes --cameras (with --cameras-format). The formats, what is read from each, units and
// conventions are tabulated in docs/own_cameras.md ("Calibration formats"); in short:
//
//   rig          our rig YAML (geometry/rig.h), mm
//   easymocap    EasyMocap's intri.yml + extri.yml (OpenCV FileStorage): names, K_<c>, dist_<c>,
//                R_<c> (Rodrigues) or Rot_<c> (matrix), T_<c>; m
//   opencv       one camera in OpenCV FileStorage YAML/XML: camera_matrix, distortion_coefficients
//                (4 or 5), image_width/height; identity pose unless R and T are given; unit not
//                recorded
//   toml         aniposelib's CameraGroup.dump (anipose, freemocap), Pose2Sim's Calib.toml,
//                Caliscope: [<table>] with name, size, matrix, distortions, rotation (Rodrigues or
//                3×3), translation, fisheye; unit not recorded (Pose2Sim: m; anipose: the board's)
//   panoptic     CMU Panoptic calibration_<seq>.json: cameras[] with name, type, resolution, K,
//                distCoef, R, t; cm
//   colmap       COLMAP's text model, cameras.txt + images.txt (a folder or the two files);
//                the reconstruction's unit is arbitrary
//   h36m         una-dinosauria's cameras.h5 (Human3.6M); mm; select a subject (S1, S5, ...)
//   totalcapture Total Capture's calibration.cal; m in the file (the reader converts)
//
// Conventions on output: R is world→camera (X_cam = R·X_world + t), t in mm, pixel centres at
// integer coordinates (COLMAP's principal point, whose origin is the corner of the top-left pixel,
// is shifted by −0.5 px).
//
// Units: every length is scaled to mm. A format that records its unit uses it unless `units`
// overrides it; a format that does not record one needs `units` when any translation is non-zero
// (an error says so). The unit used and where it came from are logged.
#pragma once

#include "mvpose3d/config/schema.h"
#include "mvpose3d/geometry/rig.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mvpose3d {

enum class CalibrationFormat {
  kRig,
  kEasyMocap,
  kOpenCv,
  kToml,
  kPanoptic,
  kColmap,
  kH36m,
  kTotalCapture,
};

template <>
struct EnumNames<CalibrationFormat> {
  static constexpr EnumName<CalibrationFormat> table[] = {
      {CalibrationFormat::kRig, "rig"},
      {CalibrationFormat::kEasyMocap, "easymocap"},
      {CalibrationFormat::kOpenCv, "opencv"},
      {CalibrationFormat::kToml, "toml"},
      {CalibrationFormat::kPanoptic, "panoptic"},
      {CalibrationFormat::kColmap, "colmap"},
      {CalibrationFormat::kH36m, "h36m"},
      {CalibrationFormat::kTotalCapture, "totalcapture"}};
};

// The largest image side a calibration file may state, in pixels (far beyond any camera; an int
// holds it). The calibration importers and the Total Capture reader check against it.
inline constexpr int kMaxImageSidePx = 1 << 16;

// How long OpenCV may take to parse an easymocap or opencv calibration (a real one takes
// milliseconds; the files are at most 16 MiB).
inline constexpr double kOpenCvParseLimitS = 20.0;

// A length unit of a calibration file.
enum class LengthUnit { kMillimetre, kCentimetre, kMetre };

template <>
struct EnumNames<LengthUnit> {
  static constexpr EnumName<LengthUnit> table[] = {
      {LengthUnit::kMillimetre, "mm"}, {LengthUnit::kCentimetre, "cm"}, {LengthUnit::kMetre, "m"}};
};

// Millimetres per unit (1, 10, 1000).
double millimetres_per(LengthUnit unit);

// The unit a format records, or nullopt when the file does not say (toml, opencv, colmap).
std::optional<LengthUnit> format_length_unit(CalibrationFormat format);

struct CalibrationImport {
  // The file(s) or folder: easymocap takes intri.yml and extri.yml, or their folder; colmap
  // cameras.txt and images.txt, or their folder; every other format one file.
  std::vector<std::filesystem::path> inputs;
  CalibrationFormat format = CalibrationFormat::kRig;
  // The unit of the file's lengths; nullopt = the format's own (format_length_unit).
  std::optional<LengthUnit> units;
  // The command-line option that sets `units`, named in messages ("--units" for `rig convert`,
  // "--cameras-units" for the commands that take --cameras).
  std::string units_option = "--units";
  // Which cameras, in this order: comma-separated names; or a group: Panoptic's camera `type`
  // (vga, hd, kinect-color...), Human3.6M's subject (S1, ...). Empty = all, in file order.
  std::string select;
  // easymocap and opencv: OpenCV's FileStorage parser runs in a child process killed after this
  // many seconds (OpenCV 4.6 loops for ever on some malformed YAML; docs/reliability.md).
  double opencv_parse_limit_s = kOpenCvParseLimitS;
};

// Reads the calibration, scales it to mm, selects cameras; the rig's name is the first input's
// stem. Throws Error naming the file and the line or key, and what was wrong.
Rig import_calibration(const CalibrationImport& request);

// What the triangulate command (and any command with --cameras) calls: `format` and `units` are
// names ("rig", "toml", ...; "mm", "cm", "m" or "" for the format's own); `cameras` may name two
// files separated by a comma (easymocap: intri.yml,extri.yml). Bad names throw UsageError.
Rig load_cameras(const std::string& cameras,
                 const std::string& format = "rig",
                 const std::string& units = "",
                 const std::string& select = "");

// The rig as aniposelib's CameraGroup.dump TOML (the toml format above, read back by
// import_calibration): tables cam_0, cam_1, ... with name, size, matrix, distortions (OpenCV k1,
// k2, p1, p2, k3; fisheye k1..k4), rotation (Rodrigues), translation (mm, the rig's unit: read it
// back with --cameras-units mm), fisheye. Throws Error for a distortion model the format cannot
// hold (h36m).
std::string rig_to_toml(const Rig& rig);

// The help text of a --cameras-format option: the known names.
std::string calibration_format_help();

}  // namespace mvpose3d
