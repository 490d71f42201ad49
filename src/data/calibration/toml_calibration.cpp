// aniposelib's CameraGroup.dump (anipose, freemocap), Pose2Sim's Calib.toml and Caliscope's TOML,
// read with cpptoml. One table per camera (aniposelib names them cam_0, cam_1, ...; Pose2Sim by the
// camera's name); a table with any of matrix, distortions, rotation, translation is a camera, the
// others (`metadata`, Caliscope's `charuco`) are skipped:
//   name          string (optional: the table's name)
//   size          [width, height] px (integers, or floats as Pose2Sim writes them)
//   matrix        3×3 K
//   distortions   OpenCV k1, k2, p1, p2[, k3]; with fisheye = true cv::fisheye k1..k4
//   rotation      Rodrigues vector of R (world → camera), or a 3×3 R
//   translation   t, X_cam = R·X + t, in the unit of the calibration board (not recorded)
//   fisheye       optional bool
// cpptoml keeps tables in a hash map, so file order is lost: cameras are ordered by table name,
// digit runs compared as numbers (cam_2 before cam_10, the order CameraGroup.dump wrote them in).
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/data/calibration/calibration_import.h"

#include <algorithm>
#include <cctype>
#include <cpptoml.h>
#include <optional>
#include <sstream>

#include <Eigen/Geometry>

#include "data/calibration/calibration_readers.h"

namespace mvpose3d::calibration {

namespace {

// "cam_2" < "cam_10": digit runs compare by value, everything else by character.
bool natural_less(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) &&
        std::isdigit(static_cast<unsigned char>(b[j]))) {
      std::size_t i_end = i, j_end = j;
      while (i_end < a.size() && std::isdigit(static_cast<unsigned char>(a[i_end]))) ++i_end;
      while (j_end < b.size() && std::isdigit(static_cast<unsigned char>(b[j_end]))) ++j_end;
      // Compared as text without leading zeros, shorter first: a run of 30 digits is no integer
      // (std::stoull threw std::out_of_range on it).
      while (i + 1 < i_end && a[i] == '0') ++i;
      while (j + 1 < j_end && b[j] == '0') ++j;
      const std::string x = a.substr(i, i_end - i), y = b.substr(j, j_end - j);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = i_end;
      j = j_end;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

class TomlCamera {
 public:
  TomlCamera(const std::filesystem::path& file, std::string table_name, const cpptoml::table& t)
      : where_(fmt::format("{}: [{}]", file.string(), table_name)), table_(t) {}

  const std::string& where() const { return where_; }

  std::shared_ptr<cpptoml::base> required(const std::string& key) const {
    if (!table_.contains(key)) throw Error(fmt::format("{}: missing key '{}'", where_, key));
    return table_.get(key);
  }

  static std::optional<double> number(const cpptoml::base& b) {
    if (const auto d = b.as<double>()) return d->get();
    if (const auto i = b.as<std::int64_t>()) return static_cast<double>(i->get());
    return std::nullopt;
  }

  // A flat array of numbers; `sizes` lists the lengths allowed (empty: any).
  std::vector<double> numbers(const std::string& key,
                              const std::shared_ptr<cpptoml::base>& value,
                              const std::vector<std::size_t>& sizes) const {
    std::vector<double> out;
    const auto array = value->as_array();
    if (array) {
      for (const auto& element : array->get()) {
        const auto v = number(*element);
        if (!v) {
          out.clear();
          break;
        }
        out.push_back(*v);
      }
    }
    const bool size_ok =
        sizes.empty() || std::find(sizes.begin(), sizes.end(), out.size()) != sizes.end();
    if (!array || !size_ok || (out.empty() && !array->get().empty())) {
      throw Error(fmt::format(
          "{}: {}: expected an array of {} numbers",
          where_,
          key,
          sizes.empty() ? std::string("") : fmt::format("{}", fmt::join(sizes, " or "))));
    }
    return out;
  }

  // A 3×3 matrix as 3 arrays of 3 numbers; nullopt when `value` is not an array of arrays.
  std::optional<Eigen::Matrix3d> matrix3(const std::string& key,
                                         const std::shared_ptr<cpptoml::base>& value) const {
    const auto rows = value->as_array();
    if (!rows || rows->get().empty() || !rows->get().front()->is_array()) return std::nullopt;
    if (rows->get().size() != 3) {
      throw Error(fmt::format("{}: {}: expected 3 rows of 3 numbers", where_, key));
    }
    Eigen::Matrix3d m;
    for (int r = 0; r < 3; ++r) {
      const auto row = numbers(fmt::format("{}[{}]", key, r), rows->get()[r], {3});
      for (int c = 0; c < 3; ++c) m(r, c) = row[static_cast<std::size_t>(c)];
    }
    return m;
  }

  ImportedCamera read(const std::string& table_name) const {
    ImportedCamera cam;
    cam.where = where_;
    cam.name = table_name;
    if (table_.contains("name")) {
      const auto name = table_.get("name")->as<std::string>();
      if (!name) throw Error(fmt::format("{}: name: expected a string", where_));
      cam.name = name->get();
    }
    const auto k = matrix3("matrix", required("matrix"));
    if (!k) throw Error(fmt::format("{}: matrix: expected 3 rows of 3 numbers", where_));
    if ((*k)(0, 1) != 0.0 || (*k)(1, 0) != 0.0 || (*k)(2, 0) != 0.0 || (*k)(2, 1) != 0.0 ||
        (*k)(2, 2) != 1.0) {
      throw Error(fmt::format(
          "{}: matrix: expected [[fx, 0, cx], [0, fy, cy], [0, 0, 1]] (no skew)", where_));
    }
    cam.intrinsics.fx = (*k)(0, 0);
    cam.intrinsics.fy = (*k)(1, 1);
    cam.intrinsics.cx = (*k)(0, 2);
    cam.intrinsics.cy = (*k)(1, 2);
    const std::vector<double> size = numbers("size", required("size"), {2});
    cam.intrinsics.width = image_side_px(size[0], where_ + ": size");
    cam.intrinsics.height = image_side_px(size[1], where_ + ": size");
    bool fisheye = false;
    if (table_.contains("fisheye")) {
      const auto f = table_.get("fisheye")->as<bool>();
      if (!f) throw Error(fmt::format("{}: fisheye: expected true or false", where_));
      fisheye = f->get();
    }
    const auto d = required("distortions");
    if (fisheye) {
      const std::vector<double> c = numbers("distortions", d, {4});
      cam.distortion = Distortion::fisheye(c[0], c[1], c[2], c[3]);
    } else {
      cam.distortion =
          opencv_distortion(numbers("distortions", d, {4, 5}), where_ + ": distortions");
    }
    const auto rotation = required("rotation");
    if (const auto m = matrix3("rotation", rotation)) {
      cam.rotation = *m;
    } else {
      const std::vector<double> r = numbers("rotation", rotation, {3});
      cam.rotation = rotation_from_rodrigues({r[0], r[1], r[2]});
    }
    const std::vector<double> t = numbers("translation", required("translation"), {3});
    cam.translation = {t[0], t[1], t[2]};
    return cam;
  }

 private:
  std::string where_;
  const cpptoml::table& table_;
};

}  // namespace

std::vector<ImportedCamera> read_toml_calibration(const std::filesystem::path& file) {
  // Read with the size and regular-file checks first (cpptoml::parse_file would block on a FIFO).
  std::istringstream text(read_regular_file(file, kMaxConfigFileBytes));
  std::shared_ptr<cpptoml::table> root;
  try {
    root = cpptoml::parser(text).parse();
  } catch (const cpptoml::parse_exception& e) {
    throw Error(fmt::format("{}: invalid TOML: {}", file.string(), e.what()));
  }
  std::vector<std::string> names;
  for (const auto& [key, value] : *root) {
    if (!value->is_table()) continue;
    const auto table = value->as_table();
    for (const char* camera_key : {"matrix", "distortions", "rotation", "translation"}) {
      if (table->contains(camera_key)) {
        names.push_back(key);
        break;
      }
    }
  }
  std::sort(names.begin(), names.end(), natural_less);
  MVPOSE3D_CHECK(
      !names.empty(),
      "{}: no camera table (a table with matrix, distortions, rotation, translation, e.g. [cam_0])",
      file.string());
  std::vector<ImportedCamera> cameras;
  for (const std::string& name : names) {
    cameras.push_back(TomlCamera(file, name, *root->get_table(name)).read(name));
  }
  return cameras;
}

}  // namespace mvpose3d::calibration

namespace mvpose3d {

std::string rig_to_toml(const Rig& rig) {
  auto root = cpptoml::make_table();
  const auto row_of = [](const auto& values) {
    auto row = cpptoml::make_array();
    for (double v : values) row->push_back(v);
    return row;
  };
  for (std::size_t i = 0; i < rig.size(); ++i) {
    const Camera& cam = rig.camera(i);
    const Distortion& d = cam.distortion();
    MVPOSE3D_CHECK(d.model == DistortionModel::kNone || d.model == DistortionModel::kOpenCv ||
                       d.model == DistortionModel::kOpenCvFisheye,
                   "TOML calibration: camera {} has the {} distortion model, which aniposelib's "
                   "format cannot hold (opencv or opencv_fisheye only)",
                   rig.camera_name(i),
                   to_string(d.model));
    auto t = cpptoml::make_table();
    t->insert("name", rig.camera_name(i));
    auto size = cpptoml::make_array();
    size->push_back(static_cast<std::int64_t>(cam.width()));
    size->push_back(static_cast<std::int64_t>(cam.height()));
    t->insert("size", size);
    const Eigen::Matrix3d k = cam.calibration_matrix();
    auto matrix = cpptoml::make_array();
    for (int r = 0; r < 3; ++r)
      matrix->push_back(row_of(std::vector<double>{k(r, 0), k(r, 1), k(r, 2)}));
    t->insert("matrix", matrix);
    const bool fisheye = d.model == DistortionModel::kOpenCvFisheye;
    t->insert("distortions",
              row_of(fisheye ? std::vector<double>{d.k[0], d.k[1], d.k[2], d.k4}
                             : std::vector<double>{d.k[0], d.k[1], d.p[0], d.p[1], d.k[2]}));
    // Rodrigues vector: the rotation axis times the angle.
    const Eigen::AngleAxisd aa(cam.rotation());
    const Eigen::Vector3d rvec = aa.axis() * aa.angle();
    t->insert("rotation", row_of(std::vector<double>{rvec.x(), rvec.y(), rvec.z()}));
    const Eigen::Vector3d& tr = cam.translation();
    t->insert("translation", row_of(std::vector<double>{tr.x(), tr.y(), tr.z()}));
    t->insert("fisheye", fisheye);
    root->insert(fmt::format("cam_{}", i), t);
  }
  std::ostringstream out;
  out << *root;
  return out.str();
}

}  // namespace mvpose3d
