#include "mvpose3d/mocap/tracks3d.h"

#include "mvpose3d/core/error.h"

#include <limits>

#include <fmt/format.h>

namespace mvpose3d::mocap {

int Tracks3d::cameras_used(int64_t frame, int64_t joint) const {
  int count = 0;
  const std::size_t base = at(frame, joint) * static_cast<std::size_t>(views());
  for (int64_t v = 0; v < views(); ++v) count += views_used[base + static_cast<std::size_t>(v)];
  return count;
}

void Tracks3d::resize_invalid(int64_t frame_count) {
  frames = frame_count;
  const auto n = static_cast<std::size_t>(frames * joints());
  points.assign(3 * n, std::numeric_limits<double>::quiet_NaN());
  valid.assign(n, 0);
  reproj_error_px.assign(n, std::numeric_limits<double>::quiet_NaN());
  score.assign(n, 0.0);
  views_used.assign(n * static_cast<std::size_t>(views()), 0);
  interpolated.assign(n, 0);
}

void Tracks3d::rescale(double factor, const std::string& new_unit) {
  for (double& p : points) p *= factor;
  unit = new_unit;
}

double millimetres_to(const std::string& unit, const std::string& flag) {
  if (unit == "mm") return 1.0;
  if (unit == "cm") return 0.1;
  if (unit == "m") return 0.001;
  throw UsageError(fmt::format("{} '{}': expected mm, cm or m", flag, unit));
}

}  // namespace mvpose3d::mocap
