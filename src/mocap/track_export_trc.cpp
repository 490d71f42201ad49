// OpenSim's TRC marker file (layout in track_export.h) and the C3D file through ezc3d.
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/mocap/python_helper.h"
#include "mvpose3d/mocap/track_export.h"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace mvpose3d::mocap {

namespace fs = std::filesystem;

namespace {

void require_rate(const Tracks3d& t, const std::string& format) {
  if (!(t.fps > 0)) {
    throw UsageError(fmt::format("--format {}: the file needs a frame rate: give --fps", format));
  }
}

// The C3D writer: points [F, J, 3] (NaN where missing) and a JSON of labels, unit and rate.
constexpr const char* kWriteC3d = R"PY(
import json, sys
import numpy as np
import ezc3d
points = np.load(sys.argv[1])
meta = json.load(open(sys.argv[2]))
c3d = ezc3d.c3d()
c3d["parameters"]["POINT"]["RATE"]["value"] = [meta["fps"]]
c3d["parameters"]["POINT"]["LABELS"]["value"] = tuple(meta["labels"])
c3d["parameters"]["POINT"]["UNITS"]["value"] = [meta["unit"]]
data = np.ones((4, points.shape[1], points.shape[0]))
data[:3] = points.transpose(2, 1, 0)
c3d["data"]["points"] = data
c3d.write(sys.argv[3])
)PY";

}  // namespace

std::string tracks_to_trc(const Tracks3d& t, const std::string& file_name) {
  require_rate(t, "trc");
  std::string out;
  out += fmt::format("PathFileType\t4\t(X/Y/Z)\t{}\n", file_name);
  out +=
      "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNu"
      "mFrames\n";
  out += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t1\t{}\n",
                     t.fps,
                     t.fps,
                     t.frames,
                     t.joints(),
                     t.unit,
                     t.fps,
                     t.frames);
  std::vector<std::string> markers = {"Frame#", "Time"}, axes = {"", ""};
  for (int64_t j = 0; j < t.joints(); ++j) {
    markers.push_back(t.joint_names[static_cast<std::size_t>(j)]);
    markers.emplace_back();
    markers.emplace_back();
    for (const char* axis : {"X", "Y", "Z"}) axes.push_back(fmt::format("{}{}", axis, j + 1));
  }
  out += fmt::format("{}\n{}\n\n", fmt::join(markers, "\t"), fmt::join(axes, "\t"));
  std::vector<std::string> row;
  for (int64_t f = 0; f < t.frames; ++f) {
    row = {fmt::format("{}", f + 1), fmt::format("{}", static_cast<double>(f) / t.fps)};
    for (int64_t j = 0; j < t.joints(); ++j) {
      const std::size_t k = t.at(f, j);
      for (std::size_t c = 0; c < 3; ++c) {
        row.push_back(t.valid[k] ? fmt::format("{}", t.points[3 * k + c]) : std::string());
      }
    }
    out += fmt::format("{}\n", fmt::join(row, "\t"));
  }
  return out;
}

void write_tracks_c3d(const Tracks3d& t, const fs::path& path) {
  require_rate(t, "c3d");
  const fs::path dir = fs::temp_directory_path() / fmt::format("mvpose3d-c3d-{}", ::getpid());
  fs::create_directories(dir);
  write_tracks_npy(t, dir / "points.npy");
  const nlohmann::json meta = {{"fps", t.fps}, {"labels", t.joint_names}, {"unit", t.unit}};
  write_file_atomic(dir / "meta.json", meta.dump());
  // ezc3d writes in place: write beside the target and rename, as every other export.
  const fs::path partial = path.string() + fmt::format(".tmp-{}.c3d", ::getpid());
  try {
    run_python_helper(
        kWriteC3d,
        {(dir / "points.npy").string(), (dir / "meta.json").string(), partial.string()},
        fmt::format("writing C3D {}", path.string()),
        "ezc3d");
  } catch (...) {
    fs::remove_all(dir);
    fs::remove(partial);
    throw;
  }
  fs::remove_all(dir);
  fs::rename(partial, path);
}

}  // namespace mvpose3d::mocap
