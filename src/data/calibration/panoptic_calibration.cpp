// CMU Panoptic's calibration_<seq>.json, read with nlohmann-json:
//   {"calibDataSource": ..., "cameras": [{"name": "00_03", "type": "hd", "resolution": [w, h],
//     "panel": 0, "node": 3, "K": 3×3, "distCoef": [k1, k2, p1, p2, k3], "R": 3×3,
//     "t": [[x], [y], [z]]}, ...]}
// R is world → camera and t in cm (X_cam = R·X + t), as the toolbox's panutils.projectPoints uses
// them; pixels follow OpenCV's model and convention.
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"

#include <nlohmann/json.hpp>

#include "data/calibration/calibration_readers.h"

namespace mvpose3d::calibration {

namespace {

using nlohmann::json;

// The numbers of `value` (nested lists flattened: t is [[x], [y], [z]]), row by row. Lists nest
// two levels in the format; deeper is an error, not a recursion as deep as the file.
std::vector<double> flat_numbers(const json& value, const std::string& where, int depth = 0) {
  constexpr int kMaxDepth = 4;
  std::vector<double> out;
  if (value.is_number()) {
    out.push_back(value.get<double>());
  } else if (value.is_array() && depth < kMaxDepth) {
    for (const json& v : value) {
      for (double x : flat_numbers(v, where, depth + 1)) out.push_back(x);
    }
  } else {
    // The type, not value.dump(): dumping recurses as deep as the value nests.
    throw Error(fmt::format("{}: expected numbers (in lists nested at most {} deep), found {}",
                            where,
                            kMaxDepth,
                            value.is_array() ? "lists nested deeper" : value.type_name()));
  }
  return out;
}

std::vector<double> numbers(const json& camera,
                            const char* key,
                            const std::vector<std::size_t>& sizes,
                            const std::string& where) {
  if (!camera.contains(key)) throw Error(fmt::format("{}: missing key '{}'", where, key));
  const std::string key_where = fmt::format("{}.{}", where, key);
  std::vector<double> out = flat_numbers(camera.at(key), key_where);
  if (std::find(sizes.begin(), sizes.end(), out.size()) == sizes.end()) {
    throw Error(fmt::format(
        "{}: expected {} numbers, found {}", key_where, fmt::join(sizes, " or "), out.size()));
  }
  return out;
}

}  // namespace

std::vector<ImportedCamera> read_panoptic(const std::filesystem::path& file) {
  json root;
  try {
    root = json::parse(read_regular_file(file, kMaxConfigFileBytes));
  } catch (const json::exception& e) {
    // e.what() names the line and column ("parse error at line 4, column 3: ..."); a number beyond
    // a double's range is json::out_of_range (406), not a parse_error, so all are caught here.
    throw Error(
        fmt::format("{}: invalid JSON: {}", file.string(), printable_excerpt(e.what(), 300)));
  }
  if (!root.is_object() || !root.contains("cameras") || !root.at("cameras").is_array()) {
    throw Error(fmt::format("{}: expected an object with a list 'cameras'", file.string()));
  }
  std::vector<ImportedCamera> cameras;
  const json& list = root.at("cameras");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& c = list[i];
    const std::string where = fmt::format("{}: cameras[{}]", file.string(), i);
    if (!c.is_object()) throw Error(fmt::format("{}: expected an object", where));
    ImportedCamera cam;
    if (!c.contains("name") || !c.at("name").is_string()) {
      throw Error(fmt::format("{}: missing string 'name'", where));
    }
    cam.name = c.at("name").get<std::string>();
    cam.where = fmt::format("{}: cameras[{}] ('{}')", file.string(), i, cam.name);
    if (c.contains("type") && c.at("type").is_string()) cam.group = c.at("type").get<std::string>();
    const std::vector<double> k = numbers(c, "K", {9}, cam.where);
    if (k[1] != 0.0 || k[3] != 0.0 || k[6] != 0.0 || k[7] != 0.0 || k[8] != 1.0) {
      throw Error(fmt::format("{}.K: expected [[fx, 0, cx], [0, fy, cy], [0, 0, 1]]", cam.where));
    }
    cam.intrinsics.fx = k[0];
    cam.intrinsics.cx = k[2];
    cam.intrinsics.fy = k[4];
    cam.intrinsics.cy = k[5];
    if (c.contains("resolution")) {
      const std::vector<double> res = numbers(c, "resolution", {2}, cam.where);
      cam.intrinsics.width = image_side_px(res[0], cam.where + ".resolution");
      cam.intrinsics.height = image_side_px(res[1], cam.where + ".resolution");
    } else {
      guess_image_size(&cam.intrinsics, cam.where);
    }
    cam.distortion =
        opencv_distortion(numbers(c, "distCoef", {4, 5}, cam.where), cam.where + ".distCoef");
    const std::vector<double> r = numbers(c, "R", {9}, cam.where);
    cam.rotation = Eigen::Map<const Eigen::Matrix<double, 3, 3, Eigen::RowMajor>>(r.data());
    const std::vector<double> t = numbers(c, "t", {3}, cam.where);
    cam.translation = {t[0], t[1], t[2]};
    cameras.push_back(cam);
  }
  MVPOSE3D_CHECK(!cameras.empty(), "{}: 'cameras' is empty", file.string());
  return cameras;
}

}  // namespace mvpose3d::calibration
