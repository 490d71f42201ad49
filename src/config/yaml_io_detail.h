// What the parts of yaml_io.h share (private to src/config): dotted keys, origins of values and
// problems, validation of a field list, "did you mean", and writing one value as YAML.
#pragma once

#include "mvpose3d/config/schema.h"
#include "mvpose3d/config/yaml_io.h"
#include "mvpose3d/core/file_io.h"

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace YAML {
class Emitter;
}

namespace mvpose3d::config_detail {

// "a, b, c" for separator ", ".
std::string join(const std::vector<std::string>& items, const std::string& separator);

inline std::string join_key(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

inline std::string index_key(const std::string& key, std::size_t i) {
  return fmt::format("{}[{}]", key, i);
}

// Where a value or a problem comes from.
struct Origin {
  std::string source;  // file name, "--set k=v", "default", or "" (unknown: no prefix)
  int line = -1;       // 1-based; -1 when the source has no positions
  int column = -1;

  std::string str() const {
    return line < 0 ? source : fmt::format("{}:{}:{}", source, line, column);
  }
};

struct Diagnostic {
  Origin origin;
  std::string message;

  // Escaped and shortened: a key or value from a binary file must not print raw bytes.
  std::string str() const {
    const std::string text = printable_excerpt(message, 1000);
    return origin.source.empty() ? text : origin.str() + ": " + text;
  }
};

// The origin of the value of a dotted key.
using OriginOf = std::function<Origin(const std::string& key)>;

// The closest candidate within a typo's distance of `word`, or "".
std::string closest(const std::string& word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" for the closest allowed string of a OneOf, or "".
std::string did_you_mean_value(const Constraint& constraint, const std::string& value);

// "KEY = SHOWN; violated constraint: VIOLATED HINT", at the origin of KEY.
Diagnostic constraint_violation(const OriginOf& origin_of,
                                const std::string& key,
                                const std::string& shown,
                                const std::string& violated,
                                const std::string& hint = "");

// Appends one diagnostic per violated constraint of `fields` (keys under `prefix`).
void validate_struct(const FieldList& fields,
                     const std::string& prefix,
                     const OriginOf& origin_of,
                     std::vector<Diagnostic>* out);

// The order in which the sources of origins were applied (a later source has a larger rank).
using RankOf = std::function<int(const Origin& origin)>;

// Appends one diagnostic per broken cross-field rule, at the origin of the rule's key whose value
// was applied last (the change that broke the rule), or else of the first key that has an origin.
void check_rules(const CrossFieldCheck& rules,
                 const OriginOf& origin_of,
                 const RankOf& rank_of,
                 std::vector<Diagnostic>* out);

// Writes a field's value (a nested struct as a block map).
void emit_value(YAML::Emitter& out, const Field& f);

// The value as inline YAML, for the reference's default column ("" for a section).
std::string inline_yaml(const Field& f);

}  // namespace mvpose3d::config_detail
