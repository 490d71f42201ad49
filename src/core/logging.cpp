#include "mvpose3d/core/logging.h"

#include "mvpose3d/core/error.h"

#include <cstdio>
#include <mutex>
#include <utility>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace mvpose3d {

void init_console_logging(const std::string& level) {
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("mvpose3d", console);
  logger->set_pattern("[%H:%M:%S.%e] [%^%l%$] %v");
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    throw UsageError(
        fmt::format("unknown log level '{}' (expected trace, debug, info, warn, error)", level));
  }
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

namespace {

std::mutex log_error_mutex;
std::string first_log_error;  // guarded by log_error_mutex

void record_log_error(const std::string& message) {
  std::lock_guard<std::mutex> lock(log_error_mutex);
  if (first_log_error.empty()) {
    first_log_error = message;
    std::fprintf(stderr, "log write failed: %s\n", message.c_str());
  }
}

}  // namespace

std::string take_log_write_error() {
  std::lock_guard<std::mutex> lock(log_error_mutex);
  return std::exchange(first_log_error, std::string());
}

void add_log_file(const std::filesystem::path& log_file) {
  spdlog::default_logger()->set_error_handler(record_log_error);
  for (const auto& existing : spdlog::default_logger()->sinks()) {
    auto file_sink = std::dynamic_pointer_cast<spdlog::sinks::basic_file_sink_mt>(existing);
    if (file_sink && std::filesystem::path(file_sink->filename()) == log_file) return;
  }
  auto sink =
      std::make_shared<spdlog::sinks::basic_file_sink_mt>(log_file.string(), /*truncate=*/false);
  sink->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  spdlog::default_logger()->sinks().push_back(sink);
}

void remove_log_file(const std::filesystem::path& log_file) {
  auto& sinks = spdlog::default_logger()->sinks();
  for (auto it = sinks.begin(); it != sinks.end();) {
    auto file_sink = std::dynamic_pointer_cast<spdlog::sinks::basic_file_sink_mt>(*it);
    if (file_sink && std::filesystem::path(file_sink->filename()) == log_file) {
      try {  // a full disk: recorded, not thrown (this runs in destructors)
        file_sink->flush();
      } catch (const std::exception& e) {
        record_log_error(e.what());
      }
      it = sinks.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace mvpose3d
