// The precisions a network runs in for inference: float32, float16, bfloat16. One list for
// `mvpose3d bench model --dtypes` and `mvpose3d infer --precision`.
#pragma once

#include "mvpose3d/core/error.h"

#include <string>
#include <vector>

#include <c10/core/ScalarType.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace mvpose3d::models {

inline const std::vector<std::string>& network_precision_names() {
  static const std::vector<std::string> names{"float32", "float16", "bfloat16"};
  return names;
}

// One of network_precision_names() as a dtype; throws UsageError naming `flag` otherwise.
inline c10::ScalarType network_dtype(const std::string& name, const std::string& flag) {
  if (name == "float32") return c10::kFloat;
  if (name == "float16") return c10::kHalf;
  if (name == "bfloat16") return c10::kBFloat16;
  throw UsageError(fmt::format("{}: unknown precision '{}' (known: {})",
                               flag,
                               name,
                               fmt::join(network_precision_names(), ", ")));
}

}  // namespace mvpose3d::models
