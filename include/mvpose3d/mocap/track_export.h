// Writers of 3D tracks in the formats the next tools read. Every file is written atomically.
//
//   csv   anipose's layout (anipose triangulate's output): per joint `<joint>_x, _y, _z, _error,
//         _ncams, _score` (error: mean reprojection error in px of the used views; ncams: views
//         used; score: the lowest confidence among them), then anipose's `M_00`..`M_22` (identity:
//         no axes alignment here) and `center_0..2` (0), and `fnum`; a first line `# unit: mm`
//         (pandas: read_csv(path, comment='#')). Invalid values are empty cells, as pandas writes
//         NaN; interpolated frames have coordinates, ncams 0 and empty error and score.
//   json  {"unit", "fps", "joint_names", "cameras", "frames": [{"frame", "joints": {name:
//         {"x", "y", "z", "error_px", "ncams", "cameras", "score", "interpolated"} or null}}]}
//   trc   OpenSim's marker file (tab-separated; header PathFileType 4, DataRate, CameraRate,
//         NumFrames, NumMarkers, Units, OrigDataRate, OrigDataStartFrame, OrigNumFrames; the
//         marker and X1/Y1/Z1 rows; Frame# from 1, Time = frame / fps); missing markers blank
//   c3d   through the Python package ezc3d (run with helper_python(); POINT:RATE, LABELS, UNITS;
//         missing markers NaN)
//   npy   [F, J, 3] float64, NaN where invalid
#pragma once

#include "mvpose3d/config/schema.h"
#include "mvpose3d/mocap/tracks3d.h"

#include <filesystem>
#include <string>

namespace mvpose3d::mocap {
enum class TrackFormat { kCsv, kJson, kTrc, kC3d, kNpy };
}  // namespace mvpose3d::mocap

namespace mvpose3d {
template <>
struct EnumNames<mocap::TrackFormat> {
  static constexpr EnumName<mocap::TrackFormat> table[] = {{mocap::TrackFormat::kCsv, "csv"},
                                                           {mocap::TrackFormat::kJson, "json"},
                                                           {mocap::TrackFormat::kTrc, "trc"},
                                                           {mocap::TrackFormat::kC3d, "c3d"},
                                                           {mocap::TrackFormat::kNpy, "npy"}};
};
}  // namespace mvpose3d

namespace mvpose3d::mocap {

// `format` when not empty, else the extension of `path`; throws UsageError listing the formats.
TrackFormat track_format_for(const std::filesystem::path& path, const std::string& format);

void write_tracks(const Tracks3d& tracks, const std::filesystem::path& path, TrackFormat format);

// The single writers (write_tracks dispatches to them).
std::string tracks_to_csv(const Tracks3d& tracks);
std::string tracks_to_json(const Tracks3d& tracks);
std::string tracks_to_trc(const Tracks3d& tracks, const std::string& file_name);
void write_tracks_c3d(const Tracks3d& tracks, const std::filesystem::path& path);
// The points as [F, J, 3] float64 .npy, NaN where invalid (the npy export; the C3D helper's input).
void write_tracks_npy(const Tracks3d& tracks, const std::filesystem::path& path);

}  // namespace mvpose3d::mocap
