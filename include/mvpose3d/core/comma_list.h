// A flag's comma-separated list ("a,b,,c" → {"a", "b", "c"}): one rule for every command option
// and calibration request that takes such a list. Empty items are dropped.
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace mvpose3d {

inline std::vector<std::string> split_comma_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

}  // namespace mvpose3d
