// Sources to cameras, frame numbering, and the NPY keypoints (the matching rules:
// keypoint_import.h).
#include "mvpose3d/mocap/keypoint_import.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/npy.h"
#include "mvpose3d/mocap/keypoint_layouts.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

namespace mvpose3d::mocap {

namespace fs = std::filesystem;

namespace {

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// `name` occurs in `text` delimited by the ends or by characters that are not letters or digits.
bool contains_token(const std::string& text, const std::string& name) {
  for (std::size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + 1)) {
    const bool left = at == 0 || !is_name_char(text[at - 1]);
    const std::size_t end = at + name.size();
    const bool right = end == text.size() || !is_name_char(text[end]);
    if (left && right) return true;
  }
  return false;
}

// The per-camera entries of a source directory for `format`.
std::vector<fs::path> source_entries(const fs::path& directory, KeypointFormat format) {
  std::string extension;
  switch (format) {
    case KeypointFormat::kCoco:
      extension = ".json";
      break;
    case KeypointFormat::kDlcCsv:
      extension = ".csv";
      break;
    case KeypointFormat::kDlcH5:
      extension = ".h5";
      break;
    default:
      break;
  }
  std::vector<fs::path> entries;
  for (const auto& entry : fs::directory_iterator(directory)) {
    const bool wanted = format == KeypointFormat::kOpenPose
                            ? entry.is_directory()
                            : entry.is_regular_file() && entry.path().extension() == extension;
    if (wanted) entries.push_back(entry.path());
  }
  std::sort(entries.begin(), entries.end());
  if (entries.empty()) {
    throw UsageError(fmt::format("--keypoints {}: no {} for format {}",
                                 directory.string(),
                                 format == KeypointFormat::kOpenPose
                                     ? std::string("sub-directories (one per camera)")
                                     : "*" + extension + " files (one per camera)",
                                 to_string(format)));
  }
  return entries;
}

// For each rig camera, its entry (nullopt: missing view).
std::vector<std::optional<fs::path>> match_sources(const std::vector<fs::path>& entries,
                                                   const std::vector<std::string>& rig_cameras,
                                                   const std::vector<std::string>& camera_names,
                                                   const fs::path& directory) {
  std::vector<std::optional<fs::path>> matched(rig_cameras.size());
  auto rig_index = [&](const std::string& name) {
    const auto it = std::find(rig_cameras.begin(), rig_cameras.end(), name);
    if (it == rig_cameras.end()) {
      throw UsageError(fmt::format("--camera-names: '{}' is not a camera of the rig (cameras: {})",
                                   name,
                                   fmt::join(rig_cameras, ", ")));
    }
    return static_cast<std::size_t>(it - rig_cameras.begin());
  };
  if (!camera_names.empty()) {
    if (camera_names.size() != entries.size()) {
      throw UsageError(fmt::format("--camera-names names {} cameras, but {} has {} sources",
                                   camera_names.size(),
                                   directory.string(),
                                   entries.size()));
    }
    for (std::size_t i = 0; i < entries.size(); ++i)
      matched[rig_index(camera_names[i])] = entries[i];
    return matched;
  }
  std::vector<bool> used(entries.size(), false);
  for (std::size_t c = 0; c < rig_cameras.size(); ++c) {
    const std::string& name = rig_cameras[c];
    std::vector<std::size_t> hits;
    for (std::size_t e = 0; e < entries.size(); ++e) {
      if (entries[e].stem().string() == name) hits = {e};
    }
    if (hits.empty()) {
      for (std::size_t e = 0; e < entries.size(); ++e) {
        if (contains_token(entries[e].stem().string(), name)) hits.push_back(e);
      }
    }
    if (hits.size() > 1) {
      std::vector<std::string> names;
      for (std::size_t e : hits) names.push_back(entries[e].filename().string());
      throw UsageError(fmt::format(
          "--keypoints {}: camera '{}' matches several sources ({}); name them with --camera-names",
          directory.string(),
          name,
          fmt::join(names, ", ")));
    }
    if (hits.empty()) {
      spdlog::warn(
          "--keypoints {}: no source for camera '{}': a missing view", directory.string(), name);
      continue;
    }
    if (used[hits[0]]) {
      throw UsageError(fmt::format("--keypoints {}: {} matches two cameras; use --camera-names",
                                   directory.string(),
                                   entries[hits[0]].filename().string()));
    }
    used[hits[0]] = true;
    matched[c] = entries[hits[0]];
  }
  for (std::size_t e = 0; e < entries.size(); ++e) {
    if (!used[e]) {
      spdlog::warn("--keypoints {}: {} matches no camera of the rig; ignored",
                   directory.string(),
                   entries[e].filename().string());
    }
  }
  return matched;
}

ViewDetections read_source(const fs::path& source, KeypointFormat format) {
  switch (format) {
    case KeypointFormat::kOpenPose:
      return read_openpose_directory(source);
    case KeypointFormat::kCoco:
      return read_coco_results(source);
    case KeypointFormat::kDlcCsv:
      return read_dlc_csv(source);
    case KeypointFormat::kDlcH5:
      return read_dlc_h5(source);
    case KeypointFormat::kNpy:
      break;
  }
  throw Error("read_source: npy is not read per camera");
}

// Element i of a float array of type T (the bytes may be unaligned for T).
template <typename T>
double element(const NpyArray& a, int64_t i) {
  T v;
  std::memcpy(&v, a.data.data() + sizeof(T) * static_cast<std::size_t>(i), sizeof(T));
  return static_cast<double>(v);
}

Keypoints2d import_npy(const fs::path& file,
                       const std::vector<std::string>& rig_cameras,
                       const KeypointImportOptions& options) {
  const NpyArray a = read_npy(file);
  if (a.dtype != "f4" && a.dtype != "f8") {
    throw UsageError(fmt::format(
        "--keypoints {}: dtype {}, expected float32 or float64", file.string(), a.dtype));
  }
  if (a.shape.size() != 4 || (a.shape[3] != 2 && a.shape[3] != 3)) {
    throw UsageError(
        fmt::format("--keypoints {}: shape [{}], expected [F, V, J, 3] or [F, V, J, 2]",
                    file.string(),
                    fmt::join(a.shape, ", ")));
  }
  const int64_t frames = a.shape[0], views = a.shape[1], joints = a.shape[2], channels = a.shape[3];
  const std::vector<std::string>& sources =
      options.camera_names.empty() ? rig_cameras : options.camera_names;
  if (static_cast<int64_t>(sources.size()) != views) {
    throw UsageError(fmt::format(
        "--keypoints {}: V = {} views, but {} cameras ({}); name the views with --camera-names",
        file.string(),
        views,
        sources.size(),
        options.camera_names.empty() ? "the rig's" : "--camera-names"));
  }
  Keypoints2d out;
  out.view_names = rig_cameras;
  out.joint_names = joint_names_for(joints, options.layout, file.string());
  out.resize_missing(frames);
  for (int64_t v = 0; v < views; ++v) {
    const auto it = std::find(rig_cameras.begin(), rig_cameras.end(), sources[v]);
    if (it == rig_cameras.end()) {
      throw UsageError(fmt::format("--camera-names: '{}' is not a camera of the rig (cameras: {})",
                                   sources[v],
                                   fmt::join(rig_cameras, ", ")));
    }
    const auto rv = static_cast<int64_t>(it - rig_cameras.begin());
    // The dtype is chosen once per view, not per element (10^7 elements in a 10-minute session).
    auto copy_view = [&](auto type) {
      auto read = element<decltype(type)>;
      for (int64_t f = 0; f < frames; ++f) {
        for (int64_t j = 0; j < joints; ++j) {
          const int64_t base = ((f * views + v) * joints + j) * channels;
          const double x = read(a, base), y = read(a, base + 1);
          const double c = channels == 3 ? read(a, base + 2) : 1.0;
          if (!(c > 0) || !std::isfinite(x) || !std::isfinite(y)) continue;
          const std::size_t i = out.at(f, rv, j);
          out.xy_px[2 * i] = x;
          out.xy_px[2 * i + 1] = y;
          out.confidence[i] = c;
        }
      }
    };
    if (a.dtype == "f8") {
      copy_view(double{});
    } else {
      copy_view(float{});
    }
  }
  return out;
}

// The number of frames from `first` to `last` (frame numbers as the sources state them: image
// ids, numbers in file names), refused when the result would exceed kMaxKeypointPoints points: two
// frames numbered 0 and 10^12 must not allocate terabytes.
int64_t frame_span(
    int64_t first, int64_t last, int64_t views, int64_t joints, const fs::path& path) {
  if (first > last) return 0;  // no source holds a frame
  // Unsigned: the difference of any two int64_t is exact there (no signed overflow).
  const std::uint64_t span = static_cast<std::uint64_t>(last) - static_cast<std::uint64_t>(first);
  const auto points_per_frame = static_cast<std::uint64_t>(std::max<int64_t>(1, views * joints));
  if (span >= kMaxKeypointPoints / points_per_frame) {
    throw UsageError(fmt::format(
        "--keypoints {}: frames numbered {} to {} with {} views of {} joints are more than the {} "
        "points an import may hold (frame numbers are image ids, numbers in file names or row "
        "indices: do they belong to one recording?)",
        path.string(),
        first,
        last,
        views,
        joints,
        kMaxKeypointPoints));
  }
  return static_cast<int64_t>(span) + 1;
}

}  // namespace

int64_t last_number_in(const std::string& text) {
  std::size_t end = text.size();
  while (end > 0 && !std::isdigit(static_cast<unsigned char>(text[end - 1]))) --end;
  if (end == 0) return -1;
  std::size_t begin = end;
  while (begin > 0 && std::isdigit(static_cast<unsigned char>(text[begin - 1]))) --begin;
  const std::string digits = text.substr(begin, std::min<std::size_t>(end - begin, 18));
  return std::stoll(digits);
}

Keypoints2d import_keypoints(const fs::path& path,
                             const std::vector<std::string>& rig_cameras,
                             const KeypointImportOptions& options) {
  if (!fs::exists(path))
    throw UsageError(fmt::format("--keypoints {}: no such file or directory", path.string()));
  if (options.format == KeypointFormat::kNpy) return import_npy(path, rig_cameras, options);
  if (!fs::is_directory(path)) {
    throw UsageError(
        fmt::format("--keypoints {}: format {} reads a directory with one source per camera",
                    path.string(),
                    to_string(options.format)));
  }
  const auto matched =
      match_sources(source_entries(path, options.format), rig_cameras, options.camera_names, path);
  std::vector<std::optional<ViewDetections>> views(rig_cameras.size());
  int64_t first = std::numeric_limits<int64_t>::max(), last = std::numeric_limits<int64_t>::min();
  const ViewDetections* named = nullptr;
  for (std::size_t v = 0; v < matched.size(); ++v) {
    if (!matched[v]) continue;
    views[v] = read_source(*matched[v], options.format);
    if (!views[v]->frames.empty()) {
      first = std::min(first, views[v]->frames.begin()->first);
      last = std::max(last, views[v]->frames.rbegin()->first);
    }
    if (views[v]->joints > 0 && named == nullptr) named = &*views[v];
  }
  if (named == nullptr) {
    throw UsageError(
        fmt::format("--keypoints {}: no camera's source holds a detection", path.string()));
  }
  Keypoints2d out;
  out.view_names = rig_cameras;
  // DeepLabCut names its body parts; the other formats' names come from the layout.
  out.joint_names = !named->joint_names.empty()
                        ? named->joint_names
                        : joint_names_for(named->joints, options.layout, named->source);
  out.resize_missing(frame_span(first, last, out.views(), out.joints(), path));
  for (std::size_t v = 0; v < views.size(); ++v) {
    if (!views[v] || views[v]->joints == 0) continue;
    if (!views[v]->joint_names.empty() && views[v]->joint_names != out.joint_names) {
      throw UsageError(fmt::format("{}: its body parts ({}) differ from those of {} ({})",
                                   views[v]->source,
                                   fmt::join(views[v]->joint_names, ", "),
                                   named->source,
                                   fmt::join(out.joint_names, ", ")));
    }
    ViewDetections shifted;
    shifted.source = views[v]->source;
    shifted.joints = views[v]->joints;
    for (auto& [frame, people] : views[v]->frames)
      shifted.frames[frame - first] = std::move(people);
    put_view(shifted, static_cast<int64_t>(v), options.person, out);
  }
  return out;
}

}  // namespace mvpose3d::mocap
