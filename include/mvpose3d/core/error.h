// Error types and checks used across mvpose3d.
//
// Every user-facing failure is an mvpose3d::Error whose message is one line that names what was
// wrong and where (file, key, argument). The command-line tool prints it without a stack trace.
#pragma once

#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace mvpose3d {

// A failure caused by what the user gave us (a file, an option, a tensor argument).
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Bad usage or configuration: the command line tool exits with status 2 for these.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(message) {}
};

// Runs f(); an Error it throws is thrown again with `context` in front ("calib.cal:12: camera 3:
// Camera: focal lengths must be positive ..."), so errors from shared code name the file and row.
template <class F>
decltype(auto) with_error_context(const std::string& context, F&& f) {
  try {
    return f();
  } catch (const UsageError& e) {
    throw UsageError(context + ": " + e.what());
  } catch (const Error& e) {
    throw Error(context + ": " + e.what());
  }
}

}  // namespace mvpose3d

// MVPOSE3D_CHECK(cond, "format {}", args...): throws mvpose3d::Error with the formatted message.
#define MVPOSE3D_CHECK(cond, ...)                                     \
  do {                                                                \
    if (!(cond)) throw ::mvpose3d::Error(::fmt::format(__VA_ARGS__)); \
  } while (false)
