// COLMAP's text model (https://colmap.github.io/format.html), line by line:
//   cameras.txt  CAMERA_ID MODEL WIDTH HEIGHT PARAMS[]
//                  SIMPLE_PINHOLE f cx cy          PINHOLE fx fy cx cy
//                  SIMPLE_RADIAL f cx cy k         RADIAL f cx cy k1 k2
//                  OPENCV fx fy cx cy k1 k2 p1 p2  OPENCV_FISHEYE fx fy cx cy k1 k2 k3 k4
//   images.txt   two lines per image: IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME, then its
//                POINTS2D (ignored; may be empty). (QW, QX, QY, QZ) is the Hamilton quaternion of
//                R and T the t of X_cam = R·X + T (world → camera).
// Lines starting with '#' are comments. Each image is one camera of the rig, named by NAME without
// its extension. COLMAP's pixel origin is the corner of the top-left pixel (its centre is at
// (0.5, 0.5)); ours is that pixel's centre, so cx and cy move by −0.5.
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"

#include <map>
#include <sstream>

#include <Eigen/Geometry>

#include "data/calibration/calibration_readers.h"

namespace mvpose3d::calibration {

namespace {

struct ColmapCamera {
  Intrinsics intrinsics;
  Distortion distortion;
};

// The data lines of a file with their 1-based line numbers; `keep_empty` keeps empty lines (the
// POINTS2D line of an image without observations).
std::vector<std::pair<int, std::string>> data_lines(const std::filesystem::path& file,
                                                    bool keep_empty) {
  std::istringstream in(read_regular_file(file, kMaxConfigFileBytes));
  std::vector<std::pair<int, std::string>> out;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t first = line.find_first_not_of(" \t");
    if (first != std::string::npos && line[first] == '#') continue;
    if (first == std::string::npos && !keep_empty) continue;
    out.emplace_back(number, line);
  }
  return out;
}

std::map<long long, ColmapCamera> read_cameras(const std::filesystem::path& file) {
  // Parameter counts of the supported models.
  static const std::map<std::string, std::size_t> kParams = {{"SIMPLE_PINHOLE", 3},
                                                             {"PINHOLE", 4},
                                                             {"SIMPLE_RADIAL", 4},
                                                             {"RADIAL", 5},
                                                             {"OPENCV", 8},
                                                             {"OPENCV_FISHEYE", 8}};
  std::map<long long, ColmapCamera> cameras;
  for (const auto& [number, line] : data_lines(file, false)) {
    const std::string where = fmt::format("{}:{}", file.string(), number);
    std::istringstream fields(line);
    long long id = 0;
    std::string model;
    int width = 0, height = 0;
    if (!(fields >> id >> model >> width >> height)) {
      throw Error(fmt::format(
          "{}: expected CAMERA_ID MODEL WIDTH HEIGHT PARAMS[], found '{}'", where, line));
    }
    const auto known = kParams.find(model);
    if (known == kParams.end()) {
      std::vector<std::string> names;
      for (const auto& entry : kParams) names.push_back(entry.first);
      throw Error(fmt::format("{}: camera model '{}' is not supported (supported: {})",
                              where,
                              model,
                              fmt::join(names, ", ")));
    }
    std::vector<double> p;
    for (double v = 0; fields >> v;) p.push_back(v);
    if (!fields.eof() || p.size() != known->second) {
      throw Error(fmt::format(
          "{}: {} takes {} numeric parameters, found '{}'", where, model, known->second, line));
    }
    ColmapCamera cam;
    Intrinsics& in = cam.intrinsics;
    in.width = width;
    in.height = height;
    const bool single_focal =
        model == "SIMPLE_PINHOLE" || model == "SIMPLE_RADIAL" || model == "RADIAL";
    in.fx = p[0];
    in.fy = single_focal ? p[0] : p[1];
    in.cx = (single_focal ? p[1] : p[2]) - 0.5;
    in.cy = (single_focal ? p[2] : p[3]) - 0.5;
    if (model == "SIMPLE_RADIAL") {
      cam.distortion = Distortion::opencv(p[3], 0.0, 0.0, 0.0, 0.0);
    } else if (model == "RADIAL") {
      cam.distortion = Distortion::opencv(p[3], p[4], 0.0, 0.0, 0.0);
    } else if (model == "OPENCV") {
      cam.distortion = Distortion::opencv(p[4], p[5], p[6], p[7], 0.0);
    } else if (model == "OPENCV_FISHEYE") {
      cam.distortion = Distortion::fisheye(p[4], p[5], p[6], p[7]);
    }
    if (!cameras.emplace(id, cam).second) {
      throw Error(fmt::format("{}: CAMERA_ID {} appears twice", where, id));
    }
  }
  return cameras;
}

}  // namespace

std::vector<ImportedCamera> read_colmap(const std::filesystem::path& cameras_txt,
                                        const std::filesystem::path& images_txt) {
  const std::map<long long, ColmapCamera> models = read_cameras(cameras_txt);
  std::vector<ImportedCamera> cameras;
  const auto lines = data_lines(images_txt, true);
  // As COLMAP's own reader: an empty line where an image line is due is skipped; an image line is
  // followed by its POINTS2D line, whatever that holds.
  for (std::size_t i = 0; i < lines.size();) {
    const auto& [number, line] = lines[i];
    if (line.find_first_not_of(" \t") == std::string::npos) {
      ++i;
      continue;
    }
    i += 2;
    const std::string where = fmt::format("{}:{}", images_txt.string(), number);
    std::istringstream fields(line);
    long long image_id = 0, camera_id = 0;
    double qw = 0, qx = 0, qy = 0, qz = 0, tx = 0, ty = 0, tz = 0;
    std::string name;
    if (!(fields >> image_id >> qw >> qx >> qy >> qz >> tx >> ty >> tz >> camera_id >> name)) {
      throw Error(fmt::format(
          "{}: expected IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME, found '{}'", where, line));
    }
    const auto model = models.find(camera_id);
    if (model == models.end()) {
      throw Error(
          fmt::format("{}: CAMERA_ID {} is not in {}", where, camera_id, cameras_txt.string()));
    }
    const Eigen::Quaterniond q(qw, qx, qy, qz);
    if (!(std::abs(q.norm() - 1.0) < 1e-6)) {
      throw Error(fmt::format(
          "{}: the quaternion ({}, {}, {}, {}) is not a unit quaternion", where, qw, qx, qy, qz));
    }
    ImportedCamera cam;
    cam.name = std::filesystem::path(name).replace_extension().string();
    cam.where = where;
    cam.intrinsics = model->second.intrinsics;
    cam.distortion = model->second.distortion;
    cam.rotation = q.normalized().toRotationMatrix();
    cam.translation = {tx, ty, tz};
    cameras.push_back(cam);
  }
  MVPOSE3D_CHECK(!cameras.empty(), "{}: no image", images_txt.string());
  return cameras;
}

}  // namespace mvpose3d::calibration
