// The format dispatcher of import_calibration: picks the reader, scales lengths to mm, selects
// cameras. It lives in data/ (not geometry/) because two formats are read by the Human3.6M and
// Total Capture readers of this layer.
#include "mvpose3d/data/calibration/calibration_import.h"

#include "mvpose3d/core/comma_list.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/data/h36m/h36m_labels.h"
#include "mvpose3d/data/totalcapture/totalcapture_files.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include <Eigen/Geometry>
#include <Eigen/SVD>
#include <spdlog/spdlog.h>

#include "data/calibration/calibration_readers.h"

namespace mvpose3d {

namespace calibration {

Eigen::Matrix3d rotation_from_rodrigues(const Eigen::Vector3d& rvec) {
  const double angle = rvec.norm();
  if (angle < 1e-300) return Eigen::Matrix3d::Identity();
  return Eigen::AngleAxisd(angle, rvec / angle).toRotationMatrix();
}

int image_side_px(double value, const std::string& where) {
  MVPOSE3D_CHECK(value == std::floor(value) && value >= 1 && value <= kMaxImageSidePx,
                 "{}: image size {} is not a whole number of pixels from 1 to {}",
                 where,
                 value,
                 kMaxImageSidePx);
  return static_cast<int>(value);
}

void guess_image_size(Intrinsics* in, const std::string& where) {
  // Rounded first: a principal point of 0 or -0.3 still suggests a 1-pixel side.
  const auto side = [&](double c) {
    const double rounded = std::round(2.0 * c + 1.0);
    return image_side_px(std::max(1.0, rounded), where + " (image size from the principal point)");
  };
  in->width = side(in->cx);
  in->height = side(in->cy);
  spdlog::warn("image size not in the calibration: taken as (2·cx + 1) × (2·cy + 1) = {} × {} px",
               in->width,
               in->height);
}

Distortion opencv_distortion(const std::vector<double>& c, const std::string& where) {
  if (c.empty()) return Distortion::none();
  MVPOSE3D_CHECK(c.size() == 4 || c.size() == 5,
                 "{}: expected 4 or 5 OpenCV coefficients (k1, k2, p1, p2[, k3]), found {}; the "
                 "rational and thin-prism models are not supported",
                 where,
                 c.size());
  return Distortion::opencv(c[0], c[1], c[2], c[3], c.size() == 5 ? c[4] : 0.0);
}

}  // namespace calibration

namespace {

using calibration::ImportedCamera;

// Cameras read by a reader that already gives a Rig in mm; t goes back to `unit` so that the one
// scaling below applies to every format.
std::vector<ImportedCamera> from_cameras(const std::vector<std::string>& names,
                                         const std::vector<Camera>& cameras,
                                         const std::vector<std::string>& groups,
                                         LengthUnit unit,
                                         const std::string& where) {
  std::vector<ImportedCamera> out;
  for (std::size_t i = 0; i < cameras.size(); ++i) {
    ImportedCamera cam;
    cam.name = names[i];
    cam.group = groups.empty() ? std::string() : groups[i];
    cam.intrinsics = cameras[i].intrinsics();
    cam.distortion = cameras[i].distortion();
    cam.rotation = cameras[i].rotation();
    cam.translation = cameras[i].translation() / millimetres_per(unit);
    cam.where = fmt::format("{}: camera '{}'", where, names[i]);
    out.push_back(cam);
  }
  return out;
}

// The two files of a two-file format: given both, or a folder holding `first` and `second`.
std::pair<std::filesystem::path, std::filesystem::path> file_pair(
    const std::vector<std::filesystem::path>& inputs,
    const char* first,
    const char* second,
    const char* format) {
  if (inputs.size() == 2) return {inputs[0], inputs[1]};
  if (inputs.size() == 1 && std::filesystem::is_directory(inputs[0])) {
    return {inputs[0] / first, inputs[0] / second};
  }
  throw UsageError(
      fmt::format("{}: give {} and {}, or the folder that holds them", format, first, second));
}

std::vector<ImportedCamera> read(const CalibrationImport& request) {
  const auto& in = request.inputs;
  MVPOSE3D_CHECK(!in.empty(), "import_calibration: no input file");
  const std::string format = to_string(request.format);
  if (request.format != CalibrationFormat::kEasyMocap &&
      request.format != CalibrationFormat::kColmap && in.size() != 1) {
    throw UsageError(fmt::format("{} takes one file, got {}", format, in.size()));
  }
  for (const auto& path : in) {
    if (!std::filesystem::exists(path)) {
      throw UsageError(fmt::format("{}: no such file or folder", path.string()));
    }
  }
  switch (request.format) {
    case CalibrationFormat::kRig: {
      const Rig rig = load_rig(in[0]);
      return from_cameras(
          rig.camera_names(), rig.cameras(), {}, LengthUnit::kMillimetre, in[0].string());
    }
    case CalibrationFormat::kEasyMocap: {
      const auto [intri, extri] = file_pair(in, "intri.yml", "extri.yml", "easymocap");
      return calibration::read_easymocap(intri, extri, request.opencv_parse_limit_s);
    }
    case CalibrationFormat::kOpenCv:
      return calibration::read_opencv_camera(in[0], request.opencv_parse_limit_s);
    case CalibrationFormat::kToml:
      return calibration::read_toml_calibration(in[0]);
    case CalibrationFormat::kPanoptic:
      return calibration::read_panoptic(in[0]);
    case CalibrationFormat::kColmap: {
      const auto [cameras, images] = file_pair(in, "cameras.txt", "images.txt", "colmap");
      return calibration::read_colmap(cameras, images);
    }
    case CalibrationFormat::kH36m: {
      std::vector<std::string> names, groups;
      std::vector<Camera> cameras;
      for (const H36mCameraRecord& r : read_h36m_cameras_h5(in[0])) {
        names.push_back(r.serial);
        groups.push_back(fmt::format("S{}", r.subject));
        cameras.push_back(r.camera);
      }
      return from_cameras(names, cameras, groups, LengthUnit::kMillimetre, in[0].string());
    }
    case CalibrationFormat::kTotalCapture: {
      // Release camera c is element c − 1; the reader has converted t to mm already.
      const std::vector<Camera> cameras = read_totalcapture_calibration(in[0]);
      std::vector<std::string> names;
      for (std::size_t c = 0; c < cameras.size(); ++c) names.push_back(std::to_string(c + 1));
      return from_cameras(names, cameras, {}, LengthUnit::kMetre, in[0].string());
    }
  }
  throw Error("import_calibration: unknown format");
}

// The cameras `select` names, in its order (a group expands to its cameras in file order).
std::vector<ImportedCamera> select_cameras(const std::vector<ImportedCamera>& all,
                                           const std::string& select,
                                           const std::string& source) {
  if (select.empty()) return all;
  std::vector<ImportedCamera> out;
  for (const std::string& token : split_comma_list(select)) {
    bool found = false;
    for (const ImportedCamera& cam : all) {
      if (cam.name == token || cam.group == token) {
        out.push_back(cam);
        found = true;
      }
    }
    if (!found) {
      std::vector<std::string> names;
      std::set<std::string> groups;
      for (const ImportedCamera& cam : all) {
        names.push_back(cam.name);
        if (!cam.group.empty()) groups.insert(cam.group);
      }
      throw UsageError(fmt::format("{}: --select '{}' names no camera (cameras: {}{}{})",
                                   source,
                                   token,
                                   fmt::join(names, ", "),
                                   groups.empty() ? "" : "; groups: ",
                                   fmt::join(groups, ", ")));
    }
  }
  return out;
}

}  // namespace

double millimetres_per(LengthUnit unit) {
  switch (unit) {
    case LengthUnit::kMillimetre:
      return 1.0;
    case LengthUnit::kCentimetre:
      return 10.0;
    case LengthUnit::kMetre:
      return 1000.0;
  }
  return 1.0;
}

std::optional<LengthUnit> format_length_unit(CalibrationFormat format) {
  switch (format) {
    case CalibrationFormat::kRig:
    case CalibrationFormat::kH36m:
      return LengthUnit::kMillimetre;
    case CalibrationFormat::kEasyMocap:
    case CalibrationFormat::kTotalCapture:
      return LengthUnit::kMetre;
    case CalibrationFormat::kPanoptic:
      return LengthUnit::kCentimetre;
    case CalibrationFormat::kOpenCv:
    case CalibrationFormat::kToml:
    case CalibrationFormat::kColmap:
      return std::nullopt;
  }
  return std::nullopt;
}

Rig import_calibration(const CalibrationImport& request) {
  const std::string source = request.inputs.empty() ? "" : request.inputs[0].string();
  const std::vector<ImportedCamera> cameras = select_cameras(read(request), request.select, source);
  const std::string format = to_string(request.format);

  // The unit: the request's, else the format's; a format without one needs it unless every
  // translation is zero (then the unit changes nothing).
  const std::optional<LengthUnit> native = format_length_unit(request.format);
  std::optional<LengthUnit> unit = request.units ? request.units : native;
  const bool any_translation = std::any_of(cameras.begin(), cameras.end(), [](const auto& c) {
    return c.translation.squaredNorm() > 0.0;
  });
  if (!unit) {
    if (any_translation) {
      throw UsageError(fmt::format(
          "{}: the {} format does not record its length unit; give it with {} mm|cm|m "
          "(Pose2Sim writes m; anipose and freemocap the unit of the board's square size, "
          "usually mm; a COLMAP model has the scale it was given)",
          source,
          format,
          request.units_option));
    }
    unit = LengthUnit::kMillimetre;
  }
  if (request.units && native && *request.units != *native) {
    spdlog::warn("{}: lengths read as {} ({}), although the {} format specifies {}",
                 source,
                 to_string(*unit),
                 request.units_option,
                 format,
                 to_string(*native));
  } else {
    spdlog::info("{}: {} cameras in the {} format, lengths in {} ({})",
                 source,
                 cameras.size(),
                 format,
                 to_string(*unit),
                 request.units ? "given by " + request.units_option
                 : native      ? std::string("the format's unit")
                               : std::string("no translation"));
  }
  const double scale = millimetres_per(*unit);

  Rig rig(request.inputs.empty() ? std::string() : request.inputs[0].stem().string());
  std::set<std::string> names;
  for (const ImportedCamera& cam : cameras) {
    MVPOSE3D_CHECK(names.insert(cam.name).second,
                   "{}: camera name '{}' appears twice{}",
                   cam.where,
                   cam.name,
                   cam.group.empty() ? "" : "; pick one group with --select");
    // Files print R to a few digits (Panoptic, hand-edited YAML): within 1e-4 of a rotation, the
    // nearest rotation is used, as the Total Capture reader does; further off is an error.
    Eigen::Matrix3d rotation = cam.rotation;
    if (!rotation_defect(rotation).empty() && rotation_defect(rotation, 1e-4).empty()) {
      const Eigen::JacobiSVD<Eigen::Matrix3d> svd(rotation,
                                                  Eigen::ComputeFullU | Eigen::ComputeFullV);
      rotation = svd.matrixU() * svd.matrixV().transpose();
    }
    try {
      rig.add(cam.name,
              Camera::from_cam_from_world(
                  cam.intrinsics, rotation, cam.translation * scale, cam.distortion));
    } catch (const Error& e) {
      throw Error(fmt::format("{}: {}", cam.where, e.what()));
    }
  }
  return rig;
}

Rig load_cameras(const std::string& cameras,
                 const std::string& format,
                 const std::string& units,
                 const std::string& select) {
  CalibrationImport request;
  request.units_option = "--cameras-units";
  for (const std::string& path : split_comma_list(cameras)) request.inputs.emplace_back(path);
  try {
    request.format = parse_enum<CalibrationFormat>(format, "--cameras-format");
    if (!units.empty()) request.units = parse_enum<LengthUnit>(units, "--cameras-units");
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  request.select = select;
  return import_calibration(request);
}

std::string calibration_format_help() {
  return fmt::format("{}", fmt::join(enum_names<CalibrationFormat>(), " | "));
}

}  // namespace mvpose3d
