#include "mvpose3d/infer/person_boxes.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/data/labeled/image_crop.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include <ATen/ATen.h>

namespace mvpose3d::infer {

namespace {

// Comma-separated numbers of a flag's value; throws UsageError naming the flag.
std::vector<double> parse_numbers(const std::string& text,
                                  std::size_t count,
                                  const std::string& flag,
                                  const std::string& form) {
  std::vector<double> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    try {
      std::size_t used = 0;
      out.push_back(std::stod(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw UsageError(
          fmt::format("{} {}: '{}' is not a number (expected {})", flag, text, item, form));
    }
    if (!std::isfinite(out.back())) {
      throw UsageError(fmt::format("{} {}: '{}' is not finite", flag, text, item));
    }
  }
  if (out.size() != count) {
    throw UsageError(fmt::format("{} {}: expected {} ({} numbers)", flag, text, form, count));
  }
  return out;
}

// The 8 corners of a cube of ±1 m around `centre_mm`: big enough for a standing person whatever
// the world's up axis.
at::Tensor cube_around(const Eigen::Vector3d& centre_mm) {
  at::Tensor corners = at::empty({8, 3}, at::kDouble);  // [8, 3]
  auto c = corners.accessor<double, 2>();
  for (int k = 0; k < 8; ++k) {
    for (int a = 0; a < 3; ++a) c[k][a] = centre_mm(a) + ((k >> a) & 1 ? 1000.0 : -1000.0);
  }
  return corners;
}

std::optional<Eigen::Vector4d> projection_box(const Camera& camera, const at::Tensor& points_mm) {
  try {
    return projected_box(camera, points_mm);
  } catch (const Error&) {
    return std::nullopt;  // nothing in front of this camera
  }
}

}  // namespace

Eigen::Vector4d box_ltrb_from_xywh(double x, double y, double w, double h) {
  return {x - 0.5, y - 0.5, x + w - 0.5, y + h - 0.5};
}

std::map<std::int64_t, Eigen::Vector4d> read_box_file(const std::filesystem::path& file) {
  const std::string text = read_text_file(file);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(fmt::format("box file {}: not JSON ({})", file.string(), e.what()));
  }
  MVPOSE3D_CHECK(doc.is_array(),
                 "box file {}: expected a JSON list of {{\"frame\", \"bbox\": [x, y, w, h]}}",
                 file.string());
  std::map<std::int64_t, Eigen::Vector4d> boxes;
  std::map<std::int64_t, double> scores;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const nlohmann::json& entry = doc[i];
    const std::string where = fmt::format("box file {}: entry {}", file.string(), i);
    MVPOSE3D_CHECK(entry.is_object(), "{}: expected an object", where);
    const char* frame_key = entry.contains("frame") ? "frame" : "image_id";
    MVPOSE3D_CHECK(entry.contains(frame_key) && entry[frame_key].is_number_integer() &&
                       entry[frame_key].get<std::int64_t>() >= 0,
                   "{}: expected \"frame\" (or \"image_id\"), an integer >= 0",
                   where);
    const nlohmann::json& b = entry.contains("bbox") ? entry["bbox"] : nlohmann::json();
    MVPOSE3D_CHECK(b.is_array() && b.size() == 4 &&
                       std::all_of(b.begin(), b.end(), [](const auto& v) { return v.is_number(); }),
                   "{}: expected \"bbox\": [x, y, w, h] (4 numbers)",
                   where);
    const double w = b[2].get<double>(), h = b[3].get<double>();
    MVPOSE3D_CHECK(
        w > 0 && h > 0, "{}: bbox width and height must be > 0, got {} x {}", where, w, h);
    const double score =
        entry.contains("score") && entry["score"].is_number() ? entry["score"].get<double>() : 0.0;
    const std::int64_t frame = entry[frame_key].get<std::int64_t>();
    if (boxes.count(frame) && scores[frame] >= score) continue;
    boxes[frame] = box_ltrb_from_xywh(b[0].get<double>(), b[1].get<double>(), w, h);
    scores[frame] = score;
  }
  return boxes;
}

Eigen::Vector4d parse_box(const std::string& text, const std::string& flag) {
  const std::vector<double> v = parse_numbers(text, 4, flag, "X,Y,W,H in pixels");
  if (v[2] <= 0 || v[3] <= 0) {
    throw UsageError(fmt::format("{} {}: width and height must be > 0", flag, text));
  }
  return box_ltrb_from_xywh(v[0], v[1], v[2], v[3]);
}

Eigen::Vector3d parse_position(const std::string& text, const std::string& flag) {
  const std::vector<double> v = parse_numbers(text, 3, flag, "X,Y,Z in world units");
  return {v[0], v[1], v[2]};
}

PersonBoxes::PersonBoxes(const Rig& rig, PersonBoxOptions options)
    : rig_(rig), options_(std::move(options)) {
  if (!options_.box_files.empty() && options_.box_files.size() != rig_.size()) {
    throw UsageError(fmt::format("--boxes: {} files for {} cameras (one per camera, in rig order)",
                                 options_.box_files.size(),
                                 rig_.size()));
  }
  for (const auto& file : options_.box_files) files_.push_back(read_box_file(file));
  if (files_.empty() && !options_.fixed_box && !options_.initial_position_mm) {
    throw UsageError(
        "infer needs the person's first boxes: --boxes FILE... (one per camera), --box X,Y,W,H, "
        "or --initial-position X,Y,Z (tracking from there on)");
  }
}

std::optional<Eigen::Vector4d> PersonBoxes::box(std::int64_t frame, int view) const {
  if (!files_.empty()) {
    const auto& boxes = files_[static_cast<std::size_t>(view)];
    const auto it = boxes.find(frame);
    if (it != boxes.end()) return it->second;
  }
  if (options_.fixed_box) return options_.fixed_box;
  const Camera& camera = rig_.camera(static_cast<std::size_t>(view));
  if (options_.track && tracked_mm_.size() >= 2) {
    const auto own = frame_poses_.find(frame);
    const std::vector<Eigen::Vector3d>& pose =
        own != frame_poses_.end() ? own->second : tracked_mm_;
    at::Tensor joints = at::empty({static_cast<std::int64_t>(pose.size()), 3}, at::kDouble);
    auto j = joints.accessor<double, 2>();  // [J, 3]
    for (std::size_t k = 0; k < pose.size(); ++k) {
      for (int a = 0; a < 3; ++a) j[static_cast<std::int64_t>(k)][a] = pose[k](a);
    }
    return projection_box(camera, joints);
  }
  if (options_.initial_position_mm) {
    return projection_box(camera, cube_around(*options_.initial_position_mm));
  }
  return std::nullopt;
}

std::string PersonBoxes::source(std::int64_t frame, int view) const {
  if (!files_.empty() && files_[static_cast<std::size_t>(view)].count(frame)) return "file";
  if (options_.fixed_box) return "fixed";
  if (options_.track && tracked_mm_.size() >= 2) return "tracked";
  if (options_.initial_position_mm) return "initial";
  return "none";
}

void PersonBoxes::track(std::int64_t frame, const std::vector<Eigen::Vector3d>& joints_mm) {
  std::vector<Eigen::Vector3d> finite;
  for (const auto& j : joints_mm) {
    if (j.allFinite()) finite.push_back(j);
  }
  if (finite.size() < 2) return;
  tracked_mm_ = std::move(finite);
  frame_poses_[frame] = tracked_mm_;
  // Only the frames of a batch are asked for again.
  while (frame_poses_.size() > 4096) frame_poses_.erase(frame_poses_.begin());
}

}  // namespace mvpose3d::infer
