// Logging through spdlog: one default logger writing to the console (stderr) and, once a run
// directory exists, to <run_dir>/log.txt as well.
#pragma once

#include <filesystem>
#include <string>

#include <spdlog/spdlog.h>

namespace mvpose3d {

// Sets up the default logger for the console. `level` is one of trace, debug, info, warn, error.
void init_console_logging(const std::string& level = "info");

// Adds a file sink so that everything logged from now on also goes to `log_file` (once: adding
// the same file again changes nothing).
void add_log_file(const std::filesystem::path& log_file);

// The first failure to write a log file (a full disk: "Failed flush to file runs/x/log.txt: No
// space left on device") since the last call, or "" when there was none. spdlog reports such a
// failure to the logger's error handler, not to the caller; add_log_file installs a handler that
// records it here, so that a run can stop instead of going on without its log.
std::string take_log_write_error();

// Stops logging to `log_file` (a run of a sweep is over; the next one has its own log).
void remove_log_file(const std::filesystem::path& log_file);

}  // namespace mvpose3d
