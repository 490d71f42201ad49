#include "mvpose3d/data/totalcapture/totalcapture_files.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/data/calibration/calibration_import.h"  // kMaxImageSidePx
#include "mvpose3d/geometry/skeleton.h"

#include <cmath>
#include <sstream>
#include <string>

#include <ATen/ATen.h>
#include <Eigen/SVD>

#include "data/labeled/finite_joints.h"

namespace mvpose3d {

namespace {

constexpr double kInchToMm = 25.4;
constexpr double kMetreToMm = 1000.0;

// The non-empty lines of a text file with their 1-based line numbers.
std::vector<std::pair<int, std::string>> content_lines(const std::filesystem::path& file) {
  std::istringstream in(read_text_file(file));  // a regular file of a bounded size
  std::vector<std::pair<int, std::string>> lines;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") != std::string::npos) lines.emplace_back(number, line);
  }
  return lines;
}

// The whitespace-separated numbers of a line; throws naming file:line when a token is not a
// number or the count differs from `expected`.
std::vector<double> numbers(const std::filesystem::path& file,
                            const std::pair<int, std::string>& line,
                            std::size_t expected,
                            const char* what) {
  std::istringstream in(line.second);
  std::vector<double> out;
  std::string token;
  while (in >> token) {
    try {
      std::size_t used = 0;
      out.push_back(std::stod(token, &used));
      MVPOSE3D_CHECK(used == token.size(), "");
    } catch (const std::exception&) {
      throw Error(fmt::format("{}:{}: expected {} ({} numbers), found '{}'",
                              file.string(),
                              line.first,
                              what,
                              expected,
                              printable_excerpt(token, 40)));
    }
  }
  MVPOSE3D_CHECK(out.size() == expected,
                 "{}:{}: expected {} ({} numbers), found {} numbers",
                 file.string(),
                 line.first,
                 what,
                 expected,
                 out.size());
  return out;
}

}  // namespace

std::vector<Camera> read_totalcapture_calibration(const std::filesystem::path& file,
                                                  bool distortion) {
  const auto lines = content_lines(file);
  MVPOSE3D_CHECK(!lines.empty(),
                 "{}: expected a header '<num_cameras> <distortion_order>', found an empty file",
                 file.string());
  const std::vector<double> header =
      numbers(file, lines[0], 2, "'<num_cameras> <distortion_order>'");
  // Checked as numbers before the conversion to int (8.9e10 cameras was undefined behaviour;
  // fuzz_totalcapture). The count is bounded by the lines a file of cameras can have.
  MVPOSE3D_CHECK(header[0] >= 1 && header[0] <= static_cast<double>(lines.size()) &&
                     header[0] == std::floor(header[0]) && header[1] >= 0 && header[1] <= 3 &&
                     header[1] == std::floor(header[1]),
                 "{}:{}: expected >= 1 cameras and a distortion order in 0..3, found {} and {}",
                 file.string(),
                 lines[0].first,
                 header[0],
                 header[1]);
  const int cameras = static_cast<int>(header[0]);
  const int order = static_cast<int>(header[1]);
  const std::size_t needed = 1 + static_cast<std::size_t>(cameras) * 7;
  MVPOSE3D_CHECK(lines.size() >= needed,
                 "{}: expected {} lines (a header and 7 per camera for {} cameras), found {}",
                 file.string(),
                 needed,
                 cameras,
                 lines.size());
  std::vector<Camera> out;
  for (int c = 0; c < cameras; ++c) {
    const std::size_t base = 1 + static_cast<std::size_t>(c) * 7;
    const auto bounds =
        numbers(file, lines[base], 4, "image bounds 'min_row max_row min_col max_col'");
    const auto k = numbers(file, lines[base + 1], 4, "intrinsics 'fx fy cx cy'");
    const auto d = numbers(file,
                           lines[base + 2],
                           static_cast<std::size_t>(std::max(order, 1)),
                           "the radial distortion terms");
    Eigen::Matrix3d r;
    for (int i = 0; i < 3; ++i) {
      const auto row =
          numbers(file, lines[base + 3 + static_cast<std::size_t>(i)], 3, "a row of R");
      for (int j = 0; j < 3; ++j) r(i, j) = row[static_cast<std::size_t>(j)];
    }
    const auto t = numbers(file, lines[base + 6], 3, "the translation 'tx ty tz' in metres");
    const std::string defect = rotation_defect(r, 1e-4);
    MVPOSE3D_CHECK(defect.empty(),
                   "{}:{}: camera {}: expected R to be a rotation, found {}",
                   file.string(),
                   lines[base + 3].first,
                   c + 1,
                   defect);
    Intrinsics in;
    in.fx = k[0];
    in.fy = k[1];
    in.cx = k[2];
    in.cy = k[3];
    const double height = bounds[1] - bounds[0] + 1, width = bounds[3] - bounds[2] + 1;
    MVPOSE3D_CHECK(
        height >= 1 && height <= kMaxImageSidePx && width >= 1 && width <= kMaxImageSidePx,
        "{}:{}: camera {}: image bounds give {} x {} px, expected 1 to {} a side",
        file.string(),
        lines[base].first,
        c + 1,
        width,
        height,
        kMaxImageSidePx);
    in.height = static_cast<int>(height);
    in.width = static_cast<int>(width);
    Distortion dist;
    if (distortion && order > 0) {
      dist = Distortion::h36m(d[0], order > 1 ? d[1] : 0.0, order > 2 ? d[2] : 0.0, 0.0, 0.0);
    }
    // The file's R is only orthonormal to its printed digits: use the nearest rotation.
    const Eigen::JacobiSVD<Eigen::Matrix3d> svd(r, Eigen::ComputeFullU | Eigen::ComputeFullV);
    out.push_back(with_error_context(
        fmt::format("{}:{}: camera {}", file.string(), lines[base + 1].first, c + 1), [&] {
          return Camera::from_cam_from_world(in,
                                             svd.matrixU() * svd.matrixV().transpose(),
                                             kMetreToMm * Eigen::Vector3d(t[0], t[1], t[2]),
                                             dist);
        }));
  }
  return out;
}

at::Tensor read_totalcapture_positions(const std::filesystem::path& file) {
  const auto lines = content_lines(file);
  const std::vector<std::string>& names = vicon21_skeleton().joint_names;
  MVPOSE3D_CHECK(!lines.empty(),
                 "{}: expected a header of the 21 Vicon joint names, found an empty file",
                 file.string());
  std::istringstream header(lines[0].second);
  std::vector<std::string> found;
  for (std::string name; header >> name;) found.push_back(name);
  MVPOSE3D_CHECK(found == names,
                 "{}:{}: expected the header '{}', found '{}'",
                 file.string(),
                 lines[0].first,
                 fmt::join(names, " "),
                 printable_excerpt(fmt::format("{}", fmt::join(found, " ")), 300));
  const std::int64_t frames = static_cast<std::int64_t>(lines.size()) - 1;
  at::Tensor out = at::empty({frames, 21, 3}, at::kDouble);
  double* p = out.data_ptr<double>();
  for (std::int64_t f = 0; f < frames; ++f) {
    const auto values =
        numbers(file, lines[static_cast<std::size_t>(f + 1)], 63, "21 joints of 'x y z' in inches");
    for (std::size_t i = 0; i < 63; ++i)
      p[f * 63 + static_cast<std::int64_t>(i)] = values[i] * kInchToMm;
  }
  // std::stod reads "nan" and "inf".
  require_finite_joints(p, frames, names, 3, [&](std::int64_t frame) {
    return fmt::format(
        "{}:{}: frame {}", file.string(), lines[static_cast<std::size_t>(frame + 1)].first, frame);
  });
  return out;
}

}  // namespace mvpose3d
