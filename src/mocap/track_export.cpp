// Format choice, the anipose CSV and the NPY array (the layouts: track_export.h).
#include "mvpose3d/mocap/track_export.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/npy.h"

#include <cctype>
#include <cmath>
#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace mvpose3d::mocap {

namespace fs = std::filesystem;

namespace {

// A number, or an empty cell for NaN (as pandas writes it).
std::string cell(double value) {
  return std::isnan(value) ? std::string() : fmt::format("{}", value);
}

}  // namespace

TrackFormat track_format_for(const fs::path& path, const std::string& format) {
  if (!format.empty()) return parse_enum<TrackFormat>(format, "--format");
  std::string extension = path.extension().string();
  if (!extension.empty()) extension.erase(0, 1);
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (const auto value = enum_from_name<TrackFormat>(extension)) return *value;
  throw UsageError(
      fmt::format("--out {}: cannot tell the format from the extension; give --format ({})",
                  path.string(),
                  fmt::join(enum_names<TrackFormat>(), ", ")));
}

std::string tracks_to_csv(const Tracks3d& t) {
  std::string out = fmt::format("# unit: {}\n", t.unit);
  std::vector<std::string> header;
  for (const std::string& joint : t.joint_names) {
    for (const char* column : {"_x", "_y", "_z", "_error", "_ncams", "_score"})
      header.push_back(joint + column);
  }
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) header.push_back(fmt::format("M_{}{}", i, j));
  }
  for (int i = 0; i < 3; ++i) header.push_back(fmt::format("center_{}", i));
  header.emplace_back("fnum");
  out += fmt::format("{}\n", fmt::join(header, ","));
  std::vector<std::string> row;
  for (int64_t f = 0; f < t.frames; ++f) {
    row.clear();
    for (int64_t j = 0; j < t.joints(); ++j) {
      const std::size_t k = t.at(f, j);
      const bool solved = t.valid[k] && !t.interpolated[k];
      for (std::size_t c = 0; c < 3; ++c)
        row.push_back(cell(t.valid[k] ? t.points[3 * k + c] : NAN));
      row.push_back(cell(solved ? t.reproj_error_px[k] : NAN));
      row.push_back(t.valid[k] ? fmt::format("{}", t.cameras_used(f, j)) : std::string());
      row.push_back(cell(solved ? t.score[k] : NAN));
    }
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) row.emplace_back(i == j ? "1.0" : "0.0");
    }
    for (int i = 0; i < 3; ++i) row.emplace_back("0.0");
    row.push_back(fmt::format("{}", f));
    out += fmt::format("{}\n", fmt::join(row, ","));
  }
  return out;
}

void write_tracks_npy(const Tracks3d& t, const fs::path& path) {
  NpyArray a;
  a.dtype = "f8";
  a.shape = {t.frames, t.joints(), 3};
  a.data.resize(t.points.size() * sizeof(double));
  std::memcpy(a.data.data(), t.points.data(), a.data.size());
  write_npy(path, a);
}

void write_tracks(const Tracks3d& tracks, const fs::path& path, TrackFormat format) {
  switch (format) {
    case TrackFormat::kCsv:
      write_file_atomic(path, tracks_to_csv(tracks));
      return;
    case TrackFormat::kJson:
      write_file_atomic(path, tracks_to_json(tracks));
      return;
    case TrackFormat::kTrc:
      write_file_atomic(path, tracks_to_trc(tracks, path.filename().string()));
      return;
    case TrackFormat::kC3d:
      write_tracks_c3d(tracks, path);
      return;
    case TrackFormat::kNpy:
      write_tracks_npy(tracks, path);
      return;
  }
}

}  // namespace mvpose3d::mocap
