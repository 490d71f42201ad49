// A tensor's shape as text for error messages: "[2, 3]", or "undefined" for an undefined tensor.
#pragma once

#include <string>

#include <ATen/core/Tensor.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace mvpose3d::models {

inline std::string shape_text(at::IntArrayRef sizes) {
  return fmt::format("[{}]", fmt::join(sizes, ", "));
}

inline std::string shape_of(const at::Tensor& t) {
  return t.defined() ? shape_text(t.sizes()) : "undefined";
}

}  // namespace mvpose3d::models
