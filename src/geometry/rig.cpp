#include "mvpose3d/geometry/rig.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/geometry/distortion_limits.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <tuple>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

namespace mvpose3d {

// --- Rig --------------------------------------------------------------------------------------

void Rig::add(const std::string& camera_name, const Camera& camera) {
  MVPOSE3D_CHECK(!camera_name.empty(), "Rig::add: camera name is empty");
  MVPOSE3D_CHECK(find(camera_name) < 0,
                 "Rig::add: camera name '{}' is already used in rig '{}'",
                 camera_name,
                 name_);
  names_.push_back(camera_name);
  cameras_.push_back(camera);
}

const Camera& Rig::camera(std::size_t i) const {
  MVPOSE3D_CHECK(i < cameras_.size(),
                 "Rig::camera: index {} out of range (rig '{}' has {} cameras)",
                 i,
                 name_,
                 cameras_.size());
  return cameras_[i];
}

const std::string& Rig::camera_name(std::size_t i) const {
  MVPOSE3D_CHECK(i < names_.size(),
                 "Rig::camera_name: index {} out of range (rig '{}' has {} cameras)",
                 i,
                 name_,
                 names_.size());
  return names_[i];
}

int Rig::find(const std::string& camera_name) const {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == camera_name) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

const Camera& Rig::camera(const std::string& camera_name) const {
  const int i = find(camera_name);
  MVPOSE3D_CHECK(i >= 0,
                 "rig '{}' has no camera '{}' (cameras: {})",
                 name_,
                 camera_name,
                 fmt::join(names_, ", "));
  return cameras_[static_cast<std::size_t>(i)];
}

Rig Rig::select(const std::vector<std::string>& camera_names) const {
  Rig out(name_);
  for (const auto& n : camera_names) {
    out.add(n, camera(n));
  }
  return out;
}

// --- YAML reading -----------------------------------------------------------------------------

namespace {

// Collects every problem in a file as "file:line:col: key.path: what".
class RigParser {
 public:
  explicit RigParser(std::string source) : source_(std::move(source)) {}

  // Keys and values from the file are escaped and shortened: a binary file must not print raw
  // bytes.
  void error(const YAML::Mark& mark, const std::string& path, const std::string& what) {
    const std::string text = printable_excerpt(path + ": " + what, 500);
    if (mark.is_null()) {
      errors_.push_back(fmt::format("{}: {}", source_, text));
    } else {
      errors_.push_back(fmt::format("{}:{}:{}: {}", source_, mark.line + 1, mark.column + 1, text));
    }
  }

  const std::vector<std::string>& errors() const { return errors_; }

  // Checks that `node` is a map whose keys are all in `allowed` and appear once.
  bool check_map(const YAML::Node& node,
                 const std::string& path,
                 const std::set<std::string>& allowed) {
    if (!node.IsMap()) {
      error(node.Mark(), path, "expected a map");
      return false;
    }
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string key = it->first.Scalar();
      const std::string key_path = path.empty() ? key : path + "." + key;
      if (allowed.count(key) == 0) {
        error(it->first.Mark(),
              key_path,
              fmt::format("unknown key '{}' (allowed: {})", key, fmt::join(allowed, ", ")));
      } else if (!seen.insert(key).second) {
        error(it->first.Mark(), key_path, "duplicate key");
      }
    }
    return true;
  }

  // The value of a required key, or an undefined node after reporting it missing.
  YAML::Node required(const YAML::Node& map, const std::string& key, const std::string& path) {
    YAML::Node value = map[key];
    if (!value) {
      error(map.Mark(), path, fmt::format("missing key '{}'", key));
    }
    return value;
  }

  std::optional<double> number(const YAML::Node& node, const std::string& path) {
    if (!node.IsScalar()) {
      error(node.Mark(), path, "expected a number");
      return std::nullopt;
    }
    double value = 0.0;
    try {
      value = node.as<double>();
    } catch (const YAML::Exception&) {
      error(node.Mark(), path, fmt::format("expected a number, found '{}'", node.Scalar()));
      return std::nullopt;
    }
    if (!std::isfinite(value)) {
      error(node.Mark(), path, fmt::format("must be finite, found '{}'", node.Scalar()));
      return std::nullopt;
    }
    return value;
  }

  std::optional<int> integer(const YAML::Node& node, const std::string& path) {
    if (!node.IsScalar()) {
      error(node.Mark(), path, "expected an integer");
      return std::nullopt;
    }
    try {
      return node.as<int>();
    } catch (const YAML::Exception&) {
      error(node.Mark(), path, fmt::format("expected an integer, found '{}'", node.Scalar()));
      return std::nullopt;
    }
  }

  std::optional<std::string> string(const YAML::Node& node, const std::string& path) {
    if (!node.IsScalar()) {
      error(node.Mark(), path, "expected a string");
      return std::nullopt;
    }
    return node.Scalar();
  }

  // A flow or block sequence of exactly n numbers.
  std::optional<std::vector<double>> numbers(const YAML::Node& node,
                                             const std::string& path,
                                             std::size_t n) {
    if (!node.IsSequence() || node.size() != n) {
      error(node.Mark(), path, fmt::format("expected a list of {} numbers", n));
      return std::nullopt;
    }
    std::vector<double> out;
    bool ok = true;
    for (std::size_t i = 0; i < n; ++i) {
      const auto v = number(node[i], fmt::format("{}[{}]", path, i));
      ok = ok && v.has_value();
      out.push_back(v.value_or(0.0));
    }
    if (!ok) {
      return std::nullopt;
    }
    return out;
  }

  std::optional<Distortion> distortion(const YAML::Node& node, const std::string& path) {
    if (!check_map(node, path, {"model", "k", "p"})) {
      return std::nullopt;
    }
    const YAML::Node model_node = required(node, "model", path);
    if (!model_node) {
      return std::nullopt;
    }
    const auto model_name = string(model_node, path + ".model");
    if (!model_name) {
      return std::nullopt;
    }
    Distortion d;
    try {
      d.model = distortion_model_from_string(*model_name);
    } catch (const Error& e) {
      error(model_node.Mark(), path + ".model", e.what());
      return std::nullopt;
    }
    if (d.model == DistortionModel::kNone) {
      bool ok = true;
      for (const char* key : {"k", "p"}) {
        if (node[key]) {
          error(node[key].Mark(), path + "." + key, "not used by model 'none'; remove it");
          ok = false;
        }
      }
      return ok ? std::optional<Distortion>(d) : std::nullopt;
    }
    if (d.model == DistortionModel::kOpenCvFisheye) {
      // cv::fisheye's four coefficients k1..k4; there is no tangential part.
      if (node["p"]) {
        error(node["p"].Mark(), path + ".p", "not used by model 'opencv_fisheye'; remove it");
        return std::nullopt;
      }
      const YAML::Node k_node = required(node, "k", path);
      const auto k = k_node ? numbers(k_node, path + ".k", 4) : std::nullopt;
      if (!k) {
        return std::nullopt;
      }
      return Distortion::fisheye((*k)[0], (*k)[1], (*k)[2], (*k)[3]);
    }
    const YAML::Node k_node = required(node, "k", path);
    const YAML::Node p_node = required(node, "p", path);
    if (!k_node || !p_node) {
      return std::nullopt;
    }
    const auto k = numbers(k_node, path + ".k", 3);
    const auto p = numbers(p_node, path + ".p", 2);
    if (!k || !p) {
      return std::nullopt;
    }
    bool bounded = true;
    for (const auto& [values, node, key] : {std::tuple{&*k, &k_node, ".k"}, {&*p, &p_node, ".p"}}) {
      for (const double c : *values) {
        if (std::abs(c) > kMaxDistortionCoefficient) {
          error(node->Mark(),
                path + key,
                fmt::format("coefficient {} is beyond +-{}: no lens distorts like that (k: [1e300, "
                            "...] made every point non-finite)",
                            c,
                            kMaxDistortionCoefficient));
          bounded = false;
        }
      }
    }
    if (!bounded) return std::nullopt;
    d.k = {(*k)[0], (*k)[1], (*k)[2]};
    d.p = {(*p)[0], (*p)[1]};
    return d;
  }

  std::optional<Eigen::Matrix3d> matrix3(const YAML::Node& node, const std::string& path) {
    if (!node.IsSequence() || node.size() != 3) {
      error(node.Mark(), path, "expected 3 rows of 3 numbers");
      return std::nullopt;
    }
    Eigen::Matrix3d m;
    bool ok = true;
    for (int r = 0; r < 3; ++r) {
      const auto row = numbers(node[r], fmt::format("{}[{}]", path, r), 3);
      if (!row) {
        ok = false;
        continue;
      }
      for (int c = 0; c < 3; ++c) {
        m(r, c) = (*row)[static_cast<std::size_t>(c)];
      }
    }
    if (!ok) {
      return std::nullopt;
    }
    return m;
  }

  // One entry of `cameras`; adds it to `rig` when it is valid.
  void camera(const YAML::Node& node, const std::string& path, Rig* rig) {
    static const std::set<std::string> kKeys = {"name",
                                                "width",
                                                "height",
                                                "fx",
                                                "fy",
                                                "cx",
                                                "cy",
                                                "distortion",
                                                "R_cam_from_world",
                                                "center_world_mm",
                                                "t_mm"};
    const std::size_t errors_before = errors_.size();
    if (!check_map(node, path, kKeys)) {
      return;
    }
    std::optional<std::string> name;
    if (const YAML::Node n = required(node, "name", path)) {
      name = string(n, path + ".name");
      if (name && name->empty()) {
        error(n.Mark(), path + ".name", "must not be empty");
      } else if (name && !names_seen_.insert(*name).second) {
        error(n.Mark(), path + ".name", fmt::format("duplicate camera name '{}'", *name));
      }
    }
    Intrinsics in;
    const auto positive_int = [&](const char* key, int* out) {
      if (const YAML::Node n = required(node, key, path)) {
        const auto v = integer(n, path + "." + key);
        if (v && *v <= 0) {
          error(n.Mark(), path + "." + key, fmt::format("must be > 0, found {}", *v));
        } else if (v) {
          *out = *v;
        }
      }
    };
    positive_int("width", &in.width);
    positive_int("height", &in.height);
    const auto real = [&](const char* key, bool positive, double* out) {
      if (const YAML::Node n = required(node, key, path)) {
        const auto v = number(n, path + "." + key);
        if (v && positive && !(*v > 0.0)) {
          error(n.Mark(), path + "." + key, fmt::format("must be > 0, found {}", *v));
        } else if (v) {
          *out = *v;
        }
      }
    };
    real("fx", true, &in.fx);
    real("fy", true, &in.fy);
    real("cx", false, &in.cx);
    real("cy", false, &in.cy);

    Distortion dist;
    if (const YAML::Node n = node["distortion"]) {
      if (const auto d = distortion(n, path + ".distortion")) {
        dist = *d;
      }
    }

    Eigen::Matrix3d rotation = Eigen::Matrix3d::Identity();
    if (const YAML::Node n = required(node, "R_cam_from_world", path)) {
      if (const auto m = matrix3(n, path + ".R_cam_from_world")) {
        const std::string defect = rotation_defect(*m);
        if (!defect.empty()) {
          error(n.Mark(), path + ".R_cam_from_world", fmt::format("not a rotation ({})", defect));
        }
        rotation = *m;
      }
    }

    const YAML::Node center_node = node["center_world_mm"];
    const YAML::Node t_node = node["t_mm"];
    std::optional<Eigen::Vector3d> center;
    std::optional<Eigen::Vector3d> translation;
    if (center_node && t_node) {
      error(t_node.Mark(), path + ".t_mm", "give either center_world_mm or t_mm, not both");
    } else if (!center_node && !t_node) {
      error(node.Mark(), path, "missing key 'center_world_mm' (or 't_mm')");
    } else if (center_node) {
      if (const auto v = numbers(center_node, path + ".center_world_mm", 3)) {
        center = Eigen::Vector3d((*v)[0], (*v)[1], (*v)[2]);
      }
    } else if (const auto v = numbers(t_node, path + ".t_mm", 3)) {
      translation = Eigen::Vector3d((*v)[0], (*v)[1], (*v)[2]);
    }

    if (errors_.size() != errors_before || !name || (!center && !translation)) {
      return;
    }
    try {
      rig->add(*name,
               center ? Camera::from_center(in, rotation, *center, dist)
                      : Camera::from_cam_from_world(in, rotation, *translation, dist));
    } catch (const Error& e) {
      error(node.Mark(), path, e.what());
    }
  }

  Rig rig(const YAML::Node& root) {
    Rig out;
    if (!root || root.IsNull()) {
      error(YAML::Mark::null_mark(), "(root)", "empty file; expected a map with key 'cameras'");
      return out;
    }
    if (!check_map(root, "(root)", {"name", "cameras"})) {
      return out;
    }
    if (const YAML::Node n = root["name"]) {
      if (const auto name = string(n, "name")) {
        out.set_name(*name);
      }
    }
    const YAML::Node cameras = required(root, "cameras", "(root)");
    if (!cameras) {
      return out;
    }
    if (!cameras.IsSequence() || cameras.size() == 0) {
      error(cameras.Mark(), "cameras", "expected a non-empty list of cameras");
      return out;
    }
    for (std::size_t i = 0; i < cameras.size(); ++i) {
      camera(cameras[i], fmt::format("cameras[{}]", i), &out);
    }
    return out;
  }

 private:
  std::string source_;
  std::vector<std::string> errors_;
  std::set<std::string> names_seen_;  // camera names so far, valid cameras or not
};

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

Rig parse_rig(const std::string& yaml_text, const std::string& source_name) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own message for this is "bad file".
    throw Error(
        fmt::format("{}:{}:{}: invalid YAML: lists or maps nested {} levels deep (a rig "
                    "has a few)",
                    source_name,
                    e.mark.line + 1,
                    e.mark.column + 1,
                    e.depth()));
  } catch (const YAML::Exception& e) {
    throw Error(fmt::format("{}:{}:{}: invalid YAML: {}",
                            source_name,
                            e.mark.line + 1,
                            e.mark.column + 1,
                            printable_excerpt(e.msg, 300)));
  }
  RigParser parser(source_name);
  Rig rig = parser.rig(root);
  const std::vector<std::string>& errors = parser.errors();
  if (!errors.empty()) {
    const std::size_t shown = std::min(errors.size(), kMaxConfigErrorsShown);
    std::string text = fmt::format(
        "{}", fmt::join(errors.begin(), errors.begin() + static_cast<std::ptrdiff_t>(shown), "\n"));
    if (shown < errors.size()) text += fmt::format("\n... and {} more", errors.size() - shown);
    throw Error(text);
  }
  return rig;
}

Rig load_rig(const std::filesystem::path& path) {
  return parse_rig(read_regular_file(path, kMaxConfigFileBytes), path.string());
}

// --- YAML writing -----------------------------------------------------------------------------

std::string rig_to_yaml(const Rig& rig) {
  // fmt's "{}" prints the shortest decimal that reads back to the same double.
  std::string out =
      "# Camera rig written by mvpose3d save_rig (format: include/mvpose3d/geometry/rig.h).\n";
  if (!rig.name().empty()) {
    out += fmt::format("name: {}\n", quoted(rig.name()));
  }
  out += "cameras:\n";
  for (std::size_t i = 0; i < rig.size(); ++i) {
    const Camera& cam = rig.camera(i);
    out += fmt::format("  - name: {}\n", quoted(rig.camera_name(i)));
    out += fmt::format("    width: {}\n    height: {}\n", cam.width(), cam.height());
    out += fmt::format(
        "    fx: {}\n    fy: {}\n    cx: {}\n    cy: {}\n", cam.fx(), cam.fy(), cam.cx(), cam.cy());
    const Distortion& d = cam.distortion();
    if (d.model == DistortionModel::kNone) {
      out += "    distortion: {model: none}\n";
    } else if (d.model == DistortionModel::kOpenCvFisheye) {
      out += fmt::format(
          "    distortion: {{model: opencv_fisheye, k: [{}, {}]}}\n", fmt::join(d.k, ", "), d.k4);
    } else {
      out += fmt::format("    distortion: {{model: {}, k: [{}], p: [{}]}}\n",
                         to_string(d.model),
                         fmt::join(d.k, ", "),
                         fmt::join(d.p, ", "));
    }
    out += "    R_cam_from_world:\n";
    for (int r = 0; r < 3; ++r) {
      out += fmt::format("      - [{}, {}, {}]\n",
                         cam.rotation()(r, 0),
                         cam.rotation()(r, 1),
                         cam.rotation()(r, 2));
    }
    const Eigen::Vector3d& t = cam.translation();
    out += fmt::format("    t_mm: [{}, {}, {}]\n", t.x(), t.y(), t.z());
  }
  return out;
}

void save_rig(const Rig& rig, const std::filesystem::path& path) {
  write_file_atomic(path, rig_to_yaml(rig));
}

}  // namespace mvpose3d
