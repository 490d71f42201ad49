#include "mvpose3d/mocap/keypoints2d.h"

#include "mvpose3d/core/error.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace mvpose3d::mocap {

void Keypoints2d::resize_missing(int64_t frame_count) {
  frames = frame_count;
  const auto points = static_cast<std::size_t>(frames * views() * joints());
  xy_px.assign(points * 2, std::numeric_limits<double>::quiet_NaN());
  confidence.assign(points, 0.0);
}

PersonChoice parse_person_choice(const std::string& text, const std::string& flag) {
  PersonChoice choice;
  if (text == "best") {
    choice.best = true;
    return choice;
  }
  try {
    std::size_t used = 0;
    choice.index = std::stoi(text, &used);
    if (used == text.size() && choice.index >= 0) return choice;
  } catch (const std::exception&) {
  }
  throw UsageError(fmt::format("{} '{}': expected 'best' or a person index >= 0", flag, text));
}

void put_view(const ViewDetections& view,
              int64_t view_index,
              PersonChoice choice,
              Keypoints2d& out) {
  MVPOSE3D_CHECK(view.joints == out.joints(),
                 "{}: {} joints, but the other cameras' sources have {}",
                 view.source,
                 view.joints,
                 out.joints());
  for (const auto& [frame, people] : view.frames) {
    if (frame < 0 || frame >= out.frames || people.empty()) continue;
    const DetectedPerson* person = nullptr;
    if (choice.best) {
      for (const DetectedPerson& p : people) {
        if (person == nullptr || p.score > person->score) person = &p;
      }
    } else if (choice.index < static_cast<int>(people.size())) {
      person = &people[static_cast<std::size_t>(choice.index)];
    }
    if (person == nullptr) continue;
    for (int64_t j = 0; j < view.joints; ++j) {
      const double x = person->xyc[3 * j], y = person->xyc[3 * j + 1], c = person->xyc[3 * j + 2];
      // Detectors write undetected joints as (0, 0, 0) or NaN: both stay missing.
      if (!(c > 0) || !std::isfinite(x) || !std::isfinite(y)) continue;
      const std::size_t i = out.at(frame, view_index, j);
      out.xy_px[2 * i] = x;
      out.xy_px[2 * i + 1] = y;
      out.confidence[i] = c;
    }
  }
}

}  // namespace mvpose3d::mocap
