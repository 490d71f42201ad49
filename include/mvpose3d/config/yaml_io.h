// Strict YAML loading, writing, validation and the Markdown reference for any config struct,
// through its FieldList (schema.h). RunConfig's wrappers are in run_config.h.
//
// Loading (yacs semantics, Ceres-style messages, all problems reported at once):
//   - an unknown key, a duplicate key, a wrong type (a string where a number belongs, a map where a
//     scalar belongs, a quoted "5" where an integer belongs) or a violated constraint is an error
//     naming the file:line:column (1-based) and the dotted key:
//       bad.yaml:3:3: unknown key 'model.backbonee' (did you mean 'model.backbone'?)
//       bad.yaml:7:3: train.batch_size: expected an integer, got 'abc'
//       bad.yaml:14:5: train.optimizer.lr = -0.001; violated constraint: train.optimizer.lr > 0
//   - `base:` (a file name or a list of them, relative to the including file) at the top of a file
//     applies those files first, in order, recursively; then the file itself. Each document is
//     applied onto the same struct, so later values win key by key and a list is replaced whole.
//     A cycle is an error naming the chain.
//   - overrides "a.b.c=VALUE" (--set) are applied last, in order; VALUE is parsed as YAML
//     ("[1, 2]", "{lr: 0.1}", "x"); an empty VALUE is the empty string.
//   - constraints are checked once, on the resolved values; each message names the place the
//     offending value came from (file:line:col, "--set a.b=v" or "default"). So are the rules
//     between fields (CrossFieldCheck), e.g. "model.equivariant needs model.fusion = canonical".
#pragma once

#include "mvpose3d/config/schema.h"
#include "mvpose3d/core/error.h"

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace mvpose3d {

// A configuration that could not be loaded. messages() holds one line per problem, each starting
// with its origin; what() is the single message, or "N errors in the configuration:" followed by
// one message per line (so that "mvpose3d: error: " + what() prints well).
class ConfigError : public UsageError {
 public:
  explicit ConfigError(std::vector<std::string> messages);

  const std::vector<std::string>& messages() const { return messages_; }

 private:
  std::vector<std::string> messages_;
};

// Where each value of a loaded config came from: dotted key ("train.optimizer.lr",
// "eval.camera_sets[1]", "views[0].name") -> "file:line:col", "--set k=v" or "default" (absent).
using ConfigOrigins = std::map<std::string, std::string>;

// The rules between the fields of a struct: every one the struct's current values break.
using CrossFieldCheck = std::function<std::vector<RuleViolation>()>;

// Applies `file` (after its bases) and then `overrides` onto the struct that `root` views, and
// validates the result (constraints, then `rules`). An empty `file` applies the overrides onto the
// current values only. Throws ConfigError listing every problem; `origins` (optional) receives
// where values came from.
void load_fields(const FieldList& root,
                 const std::filesystem::path& file,
                 const std::vector<std::string>& overrides,
                 ConfigOrigins* origins = nullptr,
                 const CrossFieldCheck& rules = {});

// Checks every constraint and `rules`; returns one message per violation ("" origins give no
// prefix).
std::vector<std::string> validate_fields(const FieldList& root,
                                         const ConfigOrigins& origins = {},
                                         const CrossFieldCheck& rules = {});

// YAML text of the values, each key followed by "# help (constraint)". `header` lines (may be
// empty) are written first as comments.
std::string fields_to_yaml(const FieldList& root, const std::string& header = "");

// A Markdown section per struct: a table of key, type, default, allowed values and description,
// using the current values as defaults.
std::string fields_reference_markdown(const FieldList& root);

// Formats a value the way the YAML writer does: 0.001, 1.0, 1e-05, .inf ("[1, 2]" for lists).
std::string format_double(double value);

}  // namespace mvpose3d
