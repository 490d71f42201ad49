// The JSON export (nlohmann-json; layout in track_export.h).
#include "mvpose3d/mocap/track_export.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace mvpose3d::mocap {

std::string tracks_to_json(const Tracks3d& t) {
  using nlohmann::json;
  json doc;
  doc["unit"] = t.unit;
  doc["fps"] = t.fps > 0 ? json(t.fps) : json(nullptr);
  doc["joint_names"] = t.joint_names;
  doc["cameras"] = t.view_names;
  json frames = json::array();
  for (int64_t f = 0; f < t.frames; ++f) {
    json joints = json::object();
    for (int64_t j = 0; j < t.joints(); ++j) {
      const std::size_t k = t.at(f, j);
      const std::string& name = t.joint_names[static_cast<std::size_t>(j)];
      if (!t.valid[k]) {
        joints[name] = nullptr;
        continue;
      }
      json cameras = json::array();
      for (int64_t v = 0; v < t.views(); ++v) {
        if (t.views_used[k * static_cast<std::size_t>(t.views()) + static_cast<std::size_t>(v)]) {
          cameras.push_back(t.view_names[static_cast<std::size_t>(v)]);
        }
      }
      const bool solved = !t.interpolated[k];
      joints[name] = {{"x", t.points[3 * k]},
                      {"y", t.points[3 * k + 1]},
                      {"z", t.points[3 * k + 2]},
                      {"error_px", solved ? json(t.reproj_error_px[k]) : json(nullptr)},
                      {"ncams", cameras.size()},
                      {"cameras", cameras},
                      {"score", solved ? json(t.score[k]) : json(nullptr)},
                      {"interpolated", !solved}};
    }
    frames.push_back({{"frame", f}, {"joints", joints}});
  }
  doc["frames"] = std::move(frames);
  return doc.dump(1) + "\n";
}

}  // namespace mvpose3d::mocap
