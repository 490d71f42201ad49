// Calibrations in OpenCV FileStorage files (YAML or XML), read with cv::FileStorage:
//
// EasyMocap (easymocap/mytools/camera_utils.py: read_intri, read_extri), T in metres:
//   intri.yml  names: ["01", ...]; K_<c> 3×3; dist_<c> 1×5 (k1, k2, p1, p2, k3); optional H_<c>,
//              W_<c> (image size; without them it is taken from the principal point)
//   extri.yml  names; R_<c> 3×1 Rodrigues and/or Rot_<c> 3×3 (world → camera; Rot_ wins when both
//              are there); T_<c> 3×1
// A name written as a number (`- 01` unquoted reads as 1) is matched back to its K_ key, so
// leading zeros survive.
//
// OpenCV's calibration sample (samples/cpp/calibration.cpp) and camera_calibration tutorial:
//   camera_matrix 3×3, distortion_coefficients (4 or 5), image_width, image_height; one camera,
//   named by the file's stem, identity pose unless R (3×3 or Rodrigues 3×1) and T are given.
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/time_limited_child.h"

#include "data/calibration/calibration_readers.h"

#if defined(MVPOSE3D_DATA_WITH_OPENCV)

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>
#include <set>
#include <type_traits>

#include <opencv2/core.hpp>

namespace mvpose3d::calibration {

namespace {

class StorageFile {
 public:
  explicit StorageFile(const std::filesystem::path& file) : file_(file.string()) {
    // The size and regular-file checks first: OpenCV reads a FIFO or /dev/zero for ever. A text
    // FileStorage never holds a NUL byte, and OpenCV 4.6's XML parser dereferences null on one
    // (fuzz/library_faults/opencv_calibration/xml_nul_bytes_in_attribute_segfault.xml); gzip files
    // (.gz, which OpenCV inflates) are binary.
    const std::string bytes = read_regular_file(file, kMaxConfigFileBytes);
    const std::size_t nul = bytes.find('\0');
    MVPOSE3D_CHECK(file.extension() == ".gz" || nul == std::string::npos,
                   "{}: a NUL byte at offset {}: not a text OpenCV FileStorage file",
                   file_,
                   nul);
    try {
      fs_.open(file_, cv::FileStorage::READ);
    } catch (const cv::Exception& e) {
      // OpenCV's parser puts "<file>(<line>): <what>" in the exception's function field.
      throw Error(fmt::format("{}: not a readable OpenCV FileStorage file: {}",
                              file_,
                              e.func.empty() ? std::string(e.what()) : e.func));
    } catch (const std::exception& e) {
      // OpenCV 4.6's YAML parser throws std::length_error on a key that is empty after its
      // indentation
      // (fuzz/library_faults/opencv_calibration/yaml_empty_nested_key_length_error.yml).
      throw Error(
          fmt::format("{}: not a readable OpenCV FileStorage file: OpenCV's parser failed "
                      "({}); is a key empty?",
                      file_,
                      e.what()));
    }
    MVPOSE3D_CHECK(fs_.isOpened(), "{}: OpenCV FileStorage cannot open it", file_);
    // Every key lookup asserts (cv::Exception) on a root that is no map, e.g. a top-level list.
    MVPOSE3D_CHECK(fs_.root().isMap(), "{}: expected a map of keys at the top level", file_);
  }

  const std::string& name() const { return file_; }
  bool has(const std::string& key) const { return !fs_[key].empty() && !fs_[key].isNone(); }

  // The matrix stored under `key`, whatever its shape, as doubles.
  Eigen::MatrixXd any_matrix(const std::string& key) const {
    const cv::FileNode node = fs_[key];
    MVPOSE3D_CHECK(!node.empty() && !node.isNone(), "{}: missing key '{}'", file_, key);
    check_matrix_header(node, key);
    cv::Mat m;
    try {
      node >> m;
    } catch (const cv::Exception& e) {
      throw Error(fmt::format("{}: {}: not a matrix: {}", file_, key, e.what()));
    }
    MVPOSE3D_CHECK(m.channels() == 1 && m.dims == 2,
                   "{}: {}: expected a matrix of numbers (!!opencv-matrix)",
                   file_,
                   key);
    cv::Mat d;
    m.convertTo(d, CV_64F);
    Eigen::MatrixXd out(d.rows, d.cols);
    for (int r = 0; r < d.rows; ++r) {
      for (int c = 0; c < d.cols; ++c) out(r, c) = d.at<double>(r, c);
    }
    return out;
  }

  // A `rows` × `cols` matrix; a vector may be stored as a row or a column.
  Eigen::MatrixXd matrix(const std::string& key, int rows, int cols) const {
    Eigen::MatrixXd m = any_matrix(key);
    const bool is_vector = rows == 1 || cols == 1;
    if (is_vector && (m.rows() == 1 || m.cols() == 1) && m.size() == rows * cols) {
      m.resize(rows, cols);  // column-major data of a vector is its elements in order
    }
    MVPOSE3D_CHECK(m.rows() == rows && m.cols() == cols,
                   "{}: {}: expected a {}×{} matrix, found {}×{}",
                   file_,
                   key,
                   rows,
                   cols,
                   m.rows(),
                   m.cols());
    return m;
  }

  // The coefficients of a distortion vector (any length; checked by the caller).
  std::vector<double> vector(const std::string& key) const {
    const Eigen::MatrixXd m = any_matrix(key);
    MVPOSE3D_CHECK(m.rows() <= 1 || m.cols() <= 1,
                   "{}: {}: expected a vector, found {}×{}",
                   file_,
                   key,
                   m.rows(),
                   m.cols());
    return std::vector<double>(m.data(), m.data() + m.size());
  }

  // OpenCV allocates rows × cols × channels from an !!opencv-matrix header before it reads the
  // data: a `cols` of 2^31 made it ask for 16 GiB (fuzz_opencv_calibration,
  // fuzz/library_faults/opencv_calibration/). The header is checked against the data first.
  void check_matrix_header(const cv::FileNode& node, const std::string& key) const {
    constexpr int kMaxSide = 16;  // calibration matrices are 3×3, vectors at most 14 long
    const auto not_a_matrix = [&] {
      return Error(
          fmt::format("{}: {}: expected an !!opencv-matrix (rows, cols, dt, data)", file_, key));
    };
    if (!node.isMap()) throw not_a_matrix();  // operator[] of a node that is no map throws
    const cv::FileNode rows = node["rows"], cols = node["cols"], data = node["data"];
    if (!rows.isInt() || !cols.isInt() || !data.isSeq()) throw not_a_matrix();
    const int r = static_cast<int>(rows), c = static_cast<int>(cols);
    MVPOSE3D_CHECK(r >= 1 && r <= kMaxSide && c >= 1 && c <= kMaxSide &&
                       static_cast<std::size_t>(r) * static_cast<std::size_t>(c) == data.size(),
                   "{}: {}: rows × cols = {} × {} (each 1 to {}), but data holds {} numbers",
                   file_,
                   key,
                   r,
                   c,
                   kMaxSide,
                   data.size());
  }

  std::optional<double> number(const std::string& key) const {
    if (!has(key)) return std::nullopt;
    const cv::FileNode node = fs_[key];
    MVPOSE3D_CHECK(node.isInt() || node.isReal(), "{}: {}: expected a number", file_, key);
    return static_cast<double>(node);
  }

  // EasyMocap's `names`: strings kept as written; a number is matched back to the one key
  // `<prefix><digits>` with that value, so "01" stays "01".
  std::vector<std::string> names(const std::string& prefix) const {
    const cv::FileNode node = fs_["names"];
    MVPOSE3D_CHECK(node.isSeq(), "{}: missing list 'names'", file_);
    std::vector<std::string> out;
    for (const cv::FileNode& n : node) {
      if (n.isString()) {
        out.push_back(static_cast<std::string>(n));
        continue;
      }
      MVPOSE3D_CHECK(n.isInt(), "{}: names: expected strings", file_);
      const long long value = static_cast<int>(n);
      std::vector<std::string> matches;
      for (const std::string& key : fs_.root().keys()) {
        if (key.rfind(prefix, 0) != 0 || key.size() == prefix.size()) continue;
        const std::string digits = key.substr(prefix.size());
        // Compared as text without leading zeros: a key of 30 digits is no int (std::stoll threw
        // std::out_of_range on it).
        const std::size_t first = std::min(digits.find_first_not_of('0'), digits.size() - 1);
        if (std::all_of(digits.begin(),
                        digits.end(),
                        [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
            digits.substr(first) == std::to_string(value)) {
          matches.push_back(digits);
        }
      }
      MVPOSE3D_CHECK(matches.size() == 1,
                     "{}: names: {} is a number; expected exactly one key {}<digits> with that "
                     "value (found {}); quote the names",
                     file_,
                     value,
                     prefix,
                     matches.size());
      out.push_back(matches.front());
    }
    return out;
  }

 private:
  std::string file_;
  cv::FileStorage fs_;
};

Eigen::Matrix3d rotation_from(const StorageFile& f,
                              const std::string& matrix_key,
                              const std::string& rodrigues_key) {
  if (f.has(matrix_key)) return f.matrix(matrix_key, 3, 3);
  const Eigen::MatrixXd r = f.matrix(rodrigues_key, 3, 1);
  return rotation_from_rodrigues(r.col(0));
}

Intrinsics intrinsics_from(const StorageFile& f, const std::string& key) {
  const Eigen::MatrixXd k = f.matrix(key, 3, 3);
  MVPOSE3D_CHECK(
      k(0, 1) == 0.0 && k(1, 0) == 0.0 && k(2, 0) == 0.0 && k(2, 1) == 0.0 && k(2, 2) == 1.0,
      "{}: {}: expected [[fx, 0, cx], [0, fy, cy], [0, 0, 1]] (no skew)",
      f.name(),
      key);
  Intrinsics in;
  in.fx = k(0, 0);
  in.fy = k(1, 1);
  in.cx = k(0, 2);
  in.cy = k(1, 2);
  return in;
}

void set_image_size(const StorageFile& f,
                    const std::string& width_key,
                    const std::string& height_key,
                    Intrinsics* in) {
  const auto w = f.number(width_key);
  const auto h = f.number(height_key);
  if (w && h) {
    in->width = image_side_px(*w, f.name() + ": " + width_key);
    in->height = image_side_px(*h, f.name() + ": " + height_key);
  } else {
    guess_image_size(in, f.name());
  }
}

// The cameras as the child process hands them to its parent: the raw bytes of this same program's
// values, so every double arrives bit for bit (NaN included) with no text round trip.
void put_bytes(std::string* out, const void* data, std::size_t size) {
  out->append(static_cast<const char*>(data), size);
}
template <class T>
void put(std::string* out, const T& value) {
  static_assert(std::is_trivially_copyable_v<T>);
  put_bytes(out, &value, sizeof value);
}
void put(std::string* out, const std::string& text) {
  put(out, text.size());
  out->append(text);
}

std::string to_bytes(const std::vector<ImportedCamera>& cameras) {
  std::string out;
  put(&out, cameras.size());
  for (const ImportedCamera& cam : cameras) {
    put(&out, cam.name);
    put(&out, cam.group);
    put(&out, cam.where);
    put(&out, cam.intrinsics);
    put(&out, cam.distortion);
    put_bytes(&out, cam.rotation.data(), sizeof(double) * 9);
    put_bytes(&out, cam.translation.data(), sizeof(double) * 3);
  }
  return out;
}

// Reads what to_bytes wrote (in the parent, from its own child).
class CameraBytes {
 public:
  explicit CameraBytes(const std::string& bytes) : bytes_(bytes) {}

  std::vector<ImportedCamera> cameras() {
    std::vector<ImportedCamera> cameras(get<std::size_t>());
    for (ImportedCamera& cam : cameras) {
      cam.name = text();
      cam.group = text();
      cam.where = text();
      cam.intrinsics = get<Intrinsics>();
      cam.distortion = get<Distortion>();
      get_bytes(cam.rotation.data(), sizeof(double) * 9);
      get_bytes(cam.translation.data(), sizeof(double) * 3);
    }
    MVPOSE3D_CHECK(
        at_ == bytes_.size(), "OpenCV calibration reader: {} bytes left over", bytes_.size() - at_);
    return cameras;
  }

 private:
  void get_bytes(void* data, std::size_t size) {
    MVPOSE3D_CHECK(size <= bytes_.size() - at_, "OpenCV calibration reader: result cut short");
    std::memcpy(data, bytes_.data() + at_, size);
    at_ += size;
  }
  template <class T>
  T get() {
    T value;
    get_bytes(&value, sizeof value);
    return value;
  }
  std::string text() {
    const auto size = get<std::size_t>();
    MVPOSE3D_CHECK(size <= bytes_.size() - at_, "OpenCV calibration reader: result cut short");
    std::string out = bytes_.substr(at_, size);
    at_ += size;
    return out;
  }

  const std::string& bytes_;
  std::size_t at_ = 0;
};

// Runs `parse` in a child process killed after `limit_s` seconds: OpenCV 4.6's YAML parser loops
// for ever inside FileStorage::open on some malformed files (the smallest found:
// "%YAML 1.\n---m:n\ne  -\n"; fuzz/library_faults/opencv_calibration/), before any check of ours
// can run, and no check of the text is known to rule that out.
template <class Parse>
std::vector<ImportedCamera> in_time_limited_child(Parse parse,
                                                  double limit_s,
                                                  const std::string& files) {
  const std::string bytes =
      run_in_time_limited_child([&] { return to_bytes(parse()); },
                                limit_s,
                                fmt::format("{}: OpenCV's FileStorage parser", files));
  return CameraBytes(bytes).cameras();
}

}  // namespace

std::vector<ImportedCamera> parse_easymocap(const std::filesystem::path& intri_file,
                                            const std::filesystem::path& extri_file) {
  const StorageFile intri(intri_file);
  const StorageFile extri(extri_file);
  const std::vector<std::string> names = intri.names("K_");
  const std::vector<std::string> extri_names = extri.names("T_");
  // Every camera of one file must be in the other: say which file lacks which camera.
  const auto check_all_in = [](const std::vector<std::string>& these,
                               const StorageFile& here,
                               const std::vector<std::string>& those,
                               const StorageFile& there) {
    const std::set<std::string> known(those.begin(), those.end());
    for (const std::string& name : these) {
      MVPOSE3D_CHECK(known.count(name) != 0,
                     "camera '{}' is in {} but not in {} (its names: {})",
                     name,
                     here.name(),
                     there.name(),
                     fmt::join(those, ", "));
    }
  };
  check_all_in(names, intri, extri_names, extri);
  check_all_in(extri_names, extri, names, intri);
  std::vector<ImportedCamera> cameras;
  for (const std::string& name : names) {
    ImportedCamera cam;
    cam.name = name;
    cam.where = fmt::format("{} + {}: camera '{}'", intri.name(), extri.name(), name);
    cam.intrinsics = intrinsics_from(intri, "K_" + name);
    set_image_size(intri, "W_" + name, "H_" + name, &cam.intrinsics);
    cam.distortion =
        opencv_distortion(intri.vector("dist_" + name), intri.name() + ": dist_" + name);
    cam.rotation = rotation_from(extri, "Rot_" + name, "R_" + name);
    cam.translation = extri.matrix("T_" + name, 3, 1).col(0);
    cameras.push_back(cam);
  }
  MVPOSE3D_CHECK(!cameras.empty(), "{}: 'names' is empty", intri.name());
  return cameras;
}

std::vector<ImportedCamera> parse_opencv_camera(const std::filesystem::path& file) {
  const StorageFile f(file);
  ImportedCamera cam;
  cam.name = file.stem().string();
  cam.where = f.name();
  cam.intrinsics = intrinsics_from(f, "camera_matrix");
  set_image_size(f, "image_width", "image_height", &cam.intrinsics);
  if (f.has("distortion_coefficients")) {
    cam.distortion = opencv_distortion(f.vector("distortion_coefficients"),
                                       f.name() + ": distortion_coefficients");
  }
  if (f.has("R") || f.has("T")) {
    const Eigen::MatrixXd r = f.any_matrix("R");
    cam.rotation = r.size() == 9 ? Eigen::Matrix3d(f.matrix("R", 3, 3))
                                 : rotation_from_rodrigues(f.matrix("R", 3, 1).col(0));
    cam.translation = f.matrix("T", 3, 1).col(0);
  }
  return {cam};
}

std::vector<ImportedCamera> read_easymocap(const std::filesystem::path& intri,
                                           const std::filesystem::path& extri,
                                           double parse_limit_s) {
  return in_time_limited_child([&] { return parse_easymocap(intri, extri); },
                               parse_limit_s,
                               intri.string() + ", " + extri.string());
}

std::vector<ImportedCamera> read_opencv_camera(const std::filesystem::path& file,
                                               double parse_limit_s) {
  return in_time_limited_child(
      [&] { return parse_opencv_camera(file); }, parse_limit_s, file.string());
}

}  // namespace mvpose3d::calibration

#else  // no OpenCV in this build

namespace mvpose3d::calibration {

std::vector<ImportedCamera> parse_easymocap(const std::filesystem::path& intri,
                                            const std::filesystem::path&) {
  throw Error(
      fmt::format("{}: reading OpenCV FileStorage files needs OpenCV, and this build has "
                  "none (configure with MVPOSE3D_WITH_OPENCV=ON)",
                  intri.string()));
}

std::vector<ImportedCamera> parse_opencv_camera(const std::filesystem::path& file) {
  return parse_easymocap(file, file);
}

std::vector<ImportedCamera> read_easymocap(const std::filesystem::path& intri,
                                           const std::filesystem::path& extri,
                                           double) {
  return parse_easymocap(intri, extri);
}

std::vector<ImportedCamera> read_opencv_camera(const std::filesystem::path& file, double) {
  return parse_opencv_camera(file);
}

}  // namespace mvpose3d::calibration

#endif
