// The message of the mvpose3d::Error a callable throws, and a substring check, for tests that check
// what an error says.
#pragma once

#include "mvpose3d/core/error.h"

#include <functional>
#include <string>

namespace mvpose3d::testing {

// e.what() of the Error `f` throws, or "(no error)" when it returns normally.
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// Whether `text` (an error message) contains `part`.
inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace mvpose3d::testing
