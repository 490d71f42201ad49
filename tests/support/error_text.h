// The message of the mvpose3d::Error a callable throws, for tests that check what an error says.
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

}  // namespace mvpose3d::testing
