#include "mvpose3d/core/json.h"

#include <cmath>
#include <cstdint>

namespace mvpose3d {

JsonObject json_number(double x) {
  if (!std::isfinite(x)) return nullptr;
  // nlohmann prints a whole double as "2.0"; as an integer it prints "2", as fmt's "{}" does.
  // Below 2^53 every whole double is an exact int64, so the value is unchanged.
  if (x == std::trunc(x) && std::abs(x) < 9007199254740992.0) {
    return static_cast<std::int64_t>(x);
  }
  return x;  // nlohmann writes the shortest round-trip decimal
}

std::string json_line(const JsonObject& value) {
  if (value.is_object()) {
    std::string out = "{";
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (it != value.begin()) out += ", ";
      out += JsonObject(it.key()).dump() + ": " + json_line(it.value());
    }
    return out + "}";
  }
  if (value.is_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (i > 0) out += ", ";
      out += json_line(value[i]);
    }
    return out + "]";
  }
  return value.dump();
}

}  // namespace mvpose3d
