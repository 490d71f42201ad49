#include "mvpose3d/mocap/tracks3d.h"

#include "mvpose3d/core/error.h"

#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

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

namespace {

struct LengthUnit {
  const char* name;
  double per_millimetre;
};
constexpr LengthUnit kLengthUnits[] = {{"mm", 1.0}, {"cm", 0.1}, {"m", 0.001}};

}  // namespace

const std::vector<std::string>& length_unit_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const LengthUnit& unit : kLengthUnits) out.emplace_back(unit.name);
    return out;
  }();
  return names;
}

double millimetres_to(const std::string& unit, const std::string& flag) {
  for (const LengthUnit& u : kLengthUnits) {
    if (unit == u.name) return u.per_millimetre;
  }
  throw UsageError(
      fmt::format("{} '{}': expected one of {}", flag, unit, fmt::join(length_unit_names(), ", ")));
}

}  // namespace mvpose3d::mocap
