#include "mvpose3d/mocap/python_helper.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <fmt/format.h>

#ifndef MVPOSE3D_DEFAULT_PYTHON
#define MVPOSE3D_DEFAULT_PYTHON ""
#endif

namespace mvpose3d::mocap {

namespace fs = std::filesystem;

namespace {

// Single quotes for the shell: ' becomes '\''.
std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string last_line(const std::string& text) {
  std::string line, last;
  std::istringstream in(text);
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

}  // namespace

std::string helper_python() {
  if (const char* env = std::getenv("MVPOSE3D_PYTHON"); env != nullptr && *env != '\0') return env;
  const std::string configured = MVPOSE3D_DEFAULT_PYTHON;
  return configured.empty() ? "python3" : configured;
}

void run_python_helper(const std::string& script,
                       const std::vector<std::string>& args,
                       const std::string& purpose,
                       const std::string& module) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("mvpose3d-py-{}", ::getpid());
  fs::create_directories(dir);
  const fs::path script_file = dir / "helper.py", log_file = dir / "helper.log";
  write_file_atomic(script_file, script);
  const std::string python = helper_python();
  // Check the import first, so a missing package gets its own message.
  std::string command = fmt::format("{} -c {} > {} 2>&1",
                                    shell_quote(python),
                                    shell_quote("import " + module),
                                    shell_quote(log_file.string()));
  if (std::system(command.c_str()) != 0) {
    fs::remove_all(dir);
    std::string pip_names = module;
    pip_names.erase(std::remove(pip_names.begin(), pip_names.end(), ','), pip_names.end());
    throw Error(fmt::format(
        "{}: the Python '{}' cannot import {} (pip install {}; set MVPOSE3D_PYTHON to another "
        "Python)",
        purpose,
        python,
        module,
        pip_names));
  }
  command = shell_quote(python) + " " + shell_quote(script_file.string());
  for (const std::string& a : args) command += " " + shell_quote(a);
  command += " > " + shell_quote(log_file.string()) + " 2>&1";
  const int status = std::system(command.c_str());
  std::string log;
  if (fs::exists(log_file)) log = read_text_file(log_file);
  fs::remove_all(dir);
  if (status != 0) {
    throw Error(fmt::format("{}: {} failed: {}", purpose, python, last_line(log)));
  }
}

}  // namespace mvpose3d::mocap
