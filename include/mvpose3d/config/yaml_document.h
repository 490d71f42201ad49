// A YAML file other than a config (a sweep file), read with the checks configs get: a regular file
// of at most kMaxConfigFileBytes (core/limits.h), nesting bounded by yaml-cpp's depth guard, one
// document, errors naming file:line:column.
#pragma once

#include <filesystem>
#include <string>

#include <yaml-cpp/yaml.h>

namespace mvpose3d {

// The one YAML document of `file` (a null node when the file is empty). `kind` names the file in
// messages ("sweep file"). Throws UsageError naming the file, and the line and column of a YAML
// error.
YAML::Node load_yaml_document(const std::filesystem::path& file, const std::string& kind);

}  // namespace mvpose3d
