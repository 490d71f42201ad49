// Strict YAML loading and writing of config structs through their FieldList.
//
// Composition is done by applying each YAML document, in order, onto the same struct (bases first,
// then the file, then each --set), never by merging node trees: every application knows its own
// source for error messages, and the loader keeps, per dotted key, where the final value came from.
// Constraints are checked once at the end, on the resolved values, and reported with that origin.
#include "mvpose3d/config/yaml_io.h"

#include "mvpose3d/core/file_io.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <system_error>
#include <tuple>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace mvpose3d {

namespace {

namespace fs = std::filesystem;

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

std::string join_key(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

std::string index_key(const std::string& key, size_t i) {
  return fmt::format("{}[{}]", key, i);
}

// ------------------------------------------------------------------------------------------------
// Origins and diagnostics

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

  std::string str() const {
    return origin.source.empty() ? message : origin.str() + ": " + message;
  }
};

using OriginOf = std::function<Origin(const std::string& key)>;

// ------------------------------------------------------------------------------------------------
// Scalars

// A scalar written without quotes or tag: only those may be read as numbers or booleans.
bool is_plain_scalar(const YAML::Node& node) {
  return node.IsScalar() && (node.Tag() == "?" || node.Tag().empty());
}

std::string describe_node(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Scalar:
      if (is_plain_scalar(node)) return fmt::format("'{}'", node.Scalar());
      if (node.Tag() == "!") return fmt::format("the quoted string '{}'", node.Scalar());
      return fmt::format("'{}' (tagged {})", node.Scalar(), node.Tag());
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

std::string expected(const char* what, const YAML::Node& node) {
  return fmt::format("expected {}, got {}", what, describe_node(node));
}

std::optional<bool> parse_bool(const YAML::Node& node, std::string* why) {
  if (is_plain_scalar(node)) {
    const std::string& s = node.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  *why = expected("true or false", node);
  return std::nullopt;
}

template <class Int>
std::optional<Int> parse_integer(const YAML::Node& node, std::string* why) {
  if (is_plain_scalar(node)) {
    const std::string& s = node.Scalar();
    const char* begin = s.data();
    const char* end = s.data() + s.size();
    if (begin != end && *begin == '+' && end - begin > 1 && begin[1] != '-') ++begin;
    long long value = 0;
    const auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ptr == end && begin != end) {
      if (ec == std::errc() && value >= std::numeric_limits<Int>::min() &&
          value <= std::numeric_limits<Int>::max()) {
        return static_cast<Int>(value);
      }
      if (ec == std::errc() || ec == std::errc::result_out_of_range) {
        *why = fmt::format("expected an integer in [{}, {}], got '{}'",
                           std::numeric_limits<Int>::min(),
                           std::numeric_limits<Int>::max(),
                           s);
        return std::nullopt;
      }
    }
  }
  *why = expected("an integer", node);
  return std::nullopt;
}

std::optional<double> parse_double(const YAML::Node& node, std::string* why) {
  if (is_plain_scalar(node)) {
    const std::string& s = node.Scalar();
    constexpr double kInf = std::numeric_limits<double>::infinity();
    for (const char* inf : {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"}) {
      if (s == inf) return kInf;
    }
    for (const char* inf : {"-.inf", "-.Inf", "-.INF"}) {
      if (s == inf) return -kInf;
    }
    for (const char* nan : {".nan", ".NaN", ".NAN"}) {
      if (s == nan) return std::numeric_limits<double>::quiet_NaN();
    }
    // Decimal notation only: no hex, no "inf"/"nan" spellings that YAML would read as strings.
    if (!s.empty() && s.find_first_not_of("0123456789+-.eE") == std::string::npos &&
        s.find_first_of("0123456789") != std::string::npos) {
      const char* begin = s.data();
      const char* end = s.data() + s.size();
      if (*begin == '+' && end - begin > 1 && begin[1] != '-') ++begin;
      double value = 0;
      const auto [ptr, ec] = std::from_chars(begin, end, value);
      if (ptr == end && ec == std::errc()) return value;
      if (ptr == end && ec == std::errc::result_out_of_range) {
        *why = fmt::format("expected a number within double range, got '{}'", s);
        return std::nullopt;
      }
    }
  }
  *why = expected("a number", node);
  return std::nullopt;
}

std::optional<std::string> parse_string(const YAML::Node& node, std::string* why) {
  if (node.IsScalar()) return node.Scalar();
  *why = node.IsNull() ? "expected a string, got null (write \"\" for the empty string)"
                       : expected("a string", node);
  return std::nullopt;
}

// ------------------------------------------------------------------------------------------------
// "Did you mean"

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The closest candidate within a typo's distance of `word`, or "".
std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  const size_t limit = std::clamp<size_t>(word.size() / 3, 1, 3);
  std::string best;
  size_t best_distance = limit + 1;
  for (const std::string& candidate : candidates) {
    const size_t d = edit_distance(word, candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

// Every dotted key under `fields` whose last part is `name` (nested structs only).
void find_keys_named(const FieldList& fields,
                     const std::string& prefix,
                     const std::string& name,
                     std::vector<std::string>* out) {
  for (const Field& f : fields) {
    const std::string key = join_key(prefix, f.name);
    if (f.name == name) out->push_back(key);
    if (f.type == FieldType::kStruct) find_keys_named(f.struct_fields(f.value), key, name, out);
  }
}

const Field* find_field(const FieldList& fields, const std::string& name) {
  for (const Field& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// ------------------------------------------------------------------------------------------------
// Validation

std::string format_string_list(const std::vector<std::string>& values) {
  return "[" + join(values, ", ") + "]";
}

template <class T>
std::string format_number_list(const std::vector<T>& values) {
  std::vector<std::string> items;
  for (const T& x : values) {
    if constexpr (std::is_floating_point_v<T>) {
      items.push_back(format_double(x));
    } else {
      items.push_back(fmt::format("{}", x));
    }
  }
  return "[" + join(items, ", ") + "]";
}

void report(const OriginOf& origin_of,
            const std::string& key,
            const std::string& shown,
            const std::string& violated,
            std::vector<Diagnostic>* out,
            const std::string& hint = "") {
  out->push_back({origin_of(key),
                  fmt::format("{} = {}; violated constraint: {}{}", key, shown, violated, hint)});
}

void check_number(const Field& f,
                  double value,
                  const std::string& shown,
                  const std::string& key,
                  const OriginOf& origin_of,
                  std::vector<Diagnostic>* out) {
  const std::string violated = f.constraint.check_number(value, key);
  if (!violated.empty()) report(origin_of, key, shown, violated, out);
}

void check_string(const Field& f,
                  const std::string& value,
                  const std::string& key,
                  const OriginOf& origin_of,
                  std::vector<Diagnostic>* out) {
  const std::string violated = f.constraint.check_string(value, key);
  if (violated.empty()) return;
  std::string hint;
  if (const auto* allowed = f.constraint.allowed_strings()) {
    const std::string guess = closest(value, *allowed);
    if (!guess.empty()) hint = fmt::format(" (did you mean '{}'?)", guess);
  }
  report(origin_of, key, fmt::format("'{}'", value), violated, out, hint);
}

template <class T>
void check_number_list(const Field& f,
                       const std::vector<T>& values,
                       const std::string& key,
                       const OriginOf& origin_of,
                       std::vector<Diagnostic>* out) {
  const std::string shown = format_number_list(values);
  std::string violated = f.constraint.check_list_size(values.size(), key);
  if (violated.empty()) {
    violated =
        f.constraint.check_list_order(std::vector<double>(values.begin(), values.end()), key);
  }
  if (!violated.empty()) report(origin_of, key, shown, violated, out);
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string element = index_key(key, i);
    if constexpr (std::is_floating_point_v<T>) {
      check_number(f, values[i], format_double(values[i]), element, origin_of, out);
    } else {
      check_number(
          f, static_cast<double>(values[i]), fmt::format("{}", values[i]), element, origin_of, out);
    }
  }
}

void validate_struct(const FieldList& fields,
                     const std::string& prefix,
                     const OriginOf& origin_of,
                     std::vector<Diagnostic>* out) {
  for (const Field& f : fields) {
    const std::string key = join_key(prefix, f.name);
    switch (f.type) {
      case FieldType::kBool:
        break;
      case FieldType::kInt:
        check_number(f, f.get<int>(), fmt::format("{}", f.get<int>()), key, origin_of, out);
        break;
      case FieldType::kInt64: {
        const std::int64_t v = f.get<std::int64_t>();
        check_number(f, static_cast<double>(v), fmt::format("{}", v), key, origin_of, out);
        break;
      }
      case FieldType::kDouble:
        check_number(f, f.get<double>(), format_double(f.get<double>()), key, origin_of, out);
        break;
      case FieldType::kString:
        check_string(f, f.get<std::string>(), key, origin_of, out);
        break;
      case FieldType::kIntList:
        check_number_list(f, f.get<std::vector<int>>(), key, origin_of, out);
        break;
      case FieldType::kDoubleList:
        check_number_list(f, f.get<std::vector<double>>(), key, origin_of, out);
        break;
      case FieldType::kStringList: {
        const auto& values = f.get<std::vector<std::string>>();
        const std::string violated = f.constraint.check_list_size(values.size(), key);
        if (!violated.empty()) report(origin_of, key, format_string_list(values), violated, out);
        for (size_t i = 0; i < values.size(); ++i) {
          check_string(f, values[i], index_key(key, i), origin_of, out);
        }
        break;
      }
      case FieldType::kStringMap: {
        const auto& values = f.get<std::map<std::string, std::string>>();
        const std::string violated = f.constraint.check_list_size(values.size(), key);
        if (!violated.empty()) {
          report(origin_of, key, fmt::format("({} entries)", values.size()), violated, out);
        }
        break;
      }
      case FieldType::kStruct:
        validate_struct(f.struct_fields(f.value), key, origin_of, out);
        break;
      case FieldType::kStructList: {
        const StructListOps& ops = *f.list_ops;
        const size_t n = ops.size(f.value);
        const std::string violated = f.constraint.check_list_size(n, key);
        if (!violated.empty()) {
          report(origin_of, key, fmt::format("({} entries)", n), violated, out);
        }
        for (size_t i = 0; i < n; ++i) {
          validate_struct(ops.fields(ops.at(f.value, i)), index_key(key, i), origin_of, out);
        }
        break;
      }
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Loading

class Loader {
 public:
  explicit Loader(const FieldList& root) : root_(root) {}

  // Applies the file's bases, then the file. `included_from` is the `base:` entry naming it.
  void apply_file(const fs::path& path, const Origin* included_from);
  // Applies "a.b.c=VALUE".
  void apply_override(const std::string& assignment);
  // Checks the constraints on the resolved values.
  void validate();

  // All problems, grouped by source in the order sources were applied, then by line and column.
  std::vector<std::string> messages() const;
  ConfigOrigins origins() const;

 private:
  Origin origin_at(const YAML::Mark& mark) const {
    if (!has_positions_ || mark.is_null()) return Origin{source_};
    return Origin{source_, mark.line + 1, mark.column + 1};
  }
  void error(const Origin& origin, std::string message) {
    errors_.push_back({origin, std::move(message)});
  }
  // Starts applying a new source (a document or an override).
  void begin_source(const std::string& source, bool has_positions) {
    source_ = source;
    has_positions_ = has_positions;
    ranks_.emplace(source, static_cast<int>(ranks_.size()));
  }

  void apply_map(const FieldList& fields,
                 const YAML::Node& map,
                 const std::string& prefix,
                 bool file_top_level);
  void apply_value(const Field& field,
                   const YAML::Node& value,
                   const std::string& key,
                   const Origin& origin);
  template <class T, class Parse>
  void apply_scalar(const Field& field,
                    const YAML::Node& value,
                    const std::string& key,
                    const Origin& origin,
                    Parse parse);
  template <class T, class Parse>
  void apply_list(const Field& field,
                  const YAML::Node& value,
                  const std::string& key,
                  const Origin& origin,
                  Parse parse,
                  const char* what);
  void apply_string_map(const Field& field,
                        const YAML::Node& value,
                        const std::string& key,
                        const Origin& origin);
  void apply_struct_list(const Field& field,
                         const YAML::Node& value,
                         const std::string& key,
                         const Origin& origin);

  // Forgets the origins of the elements of a list that is being replaced.
  void forget_elements(const std::string& key);
  std::string suggestion(const FieldList& fields,
                         const std::string& prefix,
                         const std::string& name) const;

  FieldList root_;
  std::string source_;                    // the source being applied
  bool has_positions_ = false;            // its nodes carry line/column marks
  std::map<std::string, int> ranks_;      // source -> order of first application
  std::vector<fs::path> chain_;           // files being applied (canonical), for cycles
  std::vector<std::string> chain_names_;  // the same, as shown
  std::vector<Diagnostic> errors_;
  std::map<std::string, Origin> origins_;  // dotted key -> where its value came from
};

void Loader::apply_file(const fs::path& path, const Origin* included_from) {
  const fs::path normal = path.lexically_normal();
  const std::string shown = normal.string();
  auto fail = [&](const std::string& message) {
    if (included_from != nullptr) {
      error(*included_from, "cannot load base file: " + message);
    } else {
      error(Origin{}, message);
    }
  };

  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(normal, ec);
  if (ec) canonical = fs::absolute(normal, ec).lexically_normal();
  const auto seen = std::find(chain_.begin(), chain_.end(), canonical);
  if (seen != chain_.end()) {
    std::vector<std::string> cycle(chain_names_.begin() + (seen - chain_.begin()),
                                   chain_names_.end());
    cycle.push_back(shown);
    error(*included_from, "base cycle: " + join(cycle, " -> "));
    return;
  }

  std::string text;
  try {
    text = read_text_file(normal);
  } catch (const Error& e) {
    fail(e.what());
    return;
  }

  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    begin_source(shown, true);
    error(origin_at(e.mark), "invalid YAML: " + e.msg);
    return;
  }
  source_ = shown;
  has_positions_ = true;
  if (documents.size() > 1) {
    error(origin_at(documents[1].Mark()),
          fmt::format("expected one YAML document, found {}", documents.size()));
  }
  const YAML::Node document = documents.empty() ? YAML::Node() : documents[0];
  if (!document.IsNull() && !document.IsMap()) {
    begin_source(shown, true);
    error(origin_at(document.Mark()),
          "expected a map of config keys at the top level, got " + describe_node(document));
    return;
  }

  // Bases first, in order, each relative to this file.
  if (document.IsMap()) {
    for (auto it = document.begin(); it != document.end(); ++it) {
      if (!it->first.IsScalar() || it->first.Scalar() != "base") continue;
      source_ = shown;
      has_positions_ = true;
      std::vector<std::pair<std::string, Origin>> bases;
      const YAML::Node& value = it->second;
      const Origin key_origin = origin_at(it->first.Mark());
      if (value.IsScalar()) {
        bases.emplace_back(value.Scalar(), key_origin);
      } else if (value.IsSequence()) {
        for (const YAML::Node& entry : value) {
          const Origin entry_origin = origin_at(entry.Mark());
          if (entry.IsScalar()) {
            bases.emplace_back(entry.Scalar(), entry_origin);
          } else {
            error(entry_origin, "base: " + expected("a file name", entry));
          }
        }
      } else {
        error(key_origin, "base: " + expected("a file name or a list of file names", value));
      }
      chain_.push_back(canonical);
      chain_names_.push_back(shown);
      for (const auto& [name, origin] : bases) {
        if (name.empty()) {
          error(origin, "base: empty file name");
          continue;
        }
        apply_file(normal.parent_path() / name, &origin);
      }
      chain_.pop_back();
      chain_names_.pop_back();
    }
  }

  begin_source(shown, true);
  if (document.IsMap()) apply_map(root_, document, "", true);
}

void Loader::apply_override(const std::string& assignment) {
  begin_source("--set " + assignment, false);
  const Origin origin{source_};
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos) {
    error(origin, "expected KEY=VALUE, e.g. --set train.optimizer.lr=0.001");
    return;
  }
  std::string key = assignment.substr(0, eq);
  key.erase(0, key.find_first_not_of(" \t"));
  key.erase(key.find_last_not_of(" \t") + 1);
  if (key.empty()) {
    error(origin, "empty key before '=' (expected KEY=VALUE)");
    return;
  }
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    const size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  for (const std::string& part : parts) {
    if (part.empty()) {
      error(origin, fmt::format("malformed key '{}' (expected names separated by '.')", key));
      return;
    }
  }

  const std::string text = assignment.substr(eq + 1);
  YAML::Node value;
  if (text.empty()) {
    value = YAML::Node(std::string());
  } else {
    try {
      value = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      error(origin, fmt::format("invalid YAML value '{}': {}", text, e.msg));
      return;
    }
  }
  // Wrap the value as {a: {b: {c: VALUE}}} and apply it like a document: the same parser, the
  // same messages ("unknown key ... did you mean ...").
  YAML::Node document = value;
  for (auto part = parts.rbegin(); part != parts.rend(); ++part) {
    YAML::Node map(YAML::NodeType::Map);
    map[*part] = document;
    document = map;
  }
  apply_map(root_, document, "", false);
}

void Loader::apply_map(const FieldList& fields,
                       const YAML::Node& map,
                       const std::string& prefix,
                       bool file_top_level) {
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const Origin origin = origin_at(it->first.Mark());
    if (!it->first.IsScalar()) {
      error(
          origin,
          fmt::format(
              "{}: {}", prefix.empty() ? "top level" : prefix, expected("a key name", it->first)));
      continue;
    }
    const std::string name = it->first.Scalar();
    const std::string key = join_key(prefix, name);
    if (file_top_level && name == "base") continue;  // applied before the document
    if (!seen.insert(name).second) {
      error(origin, fmt::format("duplicate key '{}'", key));
      continue;
    }
    const Field* field = find_field(fields, name);
    if (field == nullptr) {
      error(origin, fmt::format("unknown key '{}'{}", key, suggestion(fields, prefix, name)));
      continue;
    }
    apply_value(*field, it->second, key, origin);
  }
}

void Loader::apply_value(const Field& field,
                         const YAML::Node& value,
                         const std::string& key,
                         const Origin& origin) {
  switch (field.type) {
    case FieldType::kBool:
      apply_scalar<bool>(field, value, key, origin, parse_bool);
      break;
    case FieldType::kInt:
      apply_scalar<int>(field, value, key, origin, parse_integer<int>);
      break;
    case FieldType::kInt64:
      apply_scalar<std::int64_t>(field, value, key, origin, parse_integer<std::int64_t>);
      break;
    case FieldType::kDouble:
      apply_scalar<double>(field, value, key, origin, parse_double);
      break;
    case FieldType::kString:
      apply_scalar<std::string>(field, value, key, origin, parse_string);
      break;
    case FieldType::kIntList:
      apply_list<int>(field, value, key, origin, parse_integer<int>, "a list of integers");
      break;
    case FieldType::kDoubleList:
      apply_list<double>(field, value, key, origin, parse_double, "a list of numbers");
      break;
    case FieldType::kStringList:
      apply_list<std::string>(field, value, key, origin, parse_string, "a list of strings");
      break;
    case FieldType::kStringMap:
      apply_string_map(field, value, key, origin);
      break;
    case FieldType::kStruct:
      if (value.IsNull()) break;  // an empty section changes nothing
      if (!value.IsMap()) {
        error(origin, fmt::format("{}: {}", key, expected("a map of keys", value)));
        break;
      }
      apply_map(field.struct_fields(field.value), value, key, false);
      break;
    case FieldType::kStructList:
      apply_struct_list(field, value, key, origin);
      break;
  }
}

template <class T, class Parse>
void Loader::apply_scalar(const Field& field,
                          const YAML::Node& value,
                          const std::string& key,
                          const Origin& origin,
                          Parse parse) {
  std::string why;
  std::optional<T> parsed = parse(value, &why);
  if (!parsed) {
    error(origin, fmt::format("{}: {}", key, why));
    return;
  }
  field.get<T>() = std::move(*parsed);
  origins_[key] = origin;
}

template <class T, class Parse>
void Loader::apply_list(const Field& field,
                        const YAML::Node& value,
                        const std::string& key,
                        const Origin& origin,
                        Parse parse,
                        const char* what) {
  if (!value.IsSequence()) {
    error(origin, fmt::format("{}: {}", key, expected(what, value)));
    return;
  }
  std::vector<T> values;
  std::vector<Origin> element_origins;
  bool ok = true;
  for (const YAML::Node& element : value) {
    Origin element_origin = origin_at(element.Mark());
    if (element_origin.line < 0) element_origin = origin;
    std::string why;
    std::optional<T> parsed = parse(element, &why);
    if (parsed) {
      values.push_back(std::move(*parsed));
    } else {
      error(element_origin, fmt::format("{}: {}", index_key(key, element_origins.size()), why));
      ok = false;
    }
    element_origins.push_back(element_origin);
  }
  if (!ok) return;
  field.get<std::vector<T>>() = std::move(values);  // a list is replaced whole
  forget_elements(key);
  origins_[key] = origin;
  for (size_t i = 0; i < element_origins.size(); ++i) {
    origins_[index_key(key, i)] = element_origins[i];
  }
}

void Loader::apply_string_map(const Field& field,
                              const YAML::Node& value,
                              const std::string& key,
                              const Origin& origin) {
  if (!value.IsMap()) {
    error(origin, fmt::format("{}: {}", key, expected("a map of strings", value)));
    return;
  }
  std::map<std::string, std::string> values;
  bool ok = true;
  for (auto it = value.begin(); it != value.end(); ++it) {
    Origin entry_origin = origin_at(it->first.Mark());
    if (entry_origin.line < 0) entry_origin = origin;
    std::string why;
    const std::optional<std::string> name = parse_string(it->first, &why);
    if (!name) {
      error(entry_origin, fmt::format("{}: {}", key, expected("a key name", it->first)));
      ok = false;
      continue;
    }
    const std::optional<std::string> text = parse_string(it->second, &why);
    if (!text) {
      error(entry_origin, fmt::format("{}: {}", join_key(key, *name), why));
      ok = false;
    } else if (!values.emplace(*name, *text).second) {
      error(entry_origin, fmt::format("duplicate key '{}'", join_key(key, *name)));
      ok = false;
    }
  }
  if (!ok) return;
  field.get<std::map<std::string, std::string>>() = std::move(values);
  forget_elements(key);
  origins_[key] = origin;
}

void Loader::apply_struct_list(const Field& field,
                               const YAML::Node& value,
                               const std::string& key,
                               const Origin& origin) {
  if (!value.IsSequence()) {
    error(origin, fmt::format("{}: {}", key, expected("a list of maps", value)));
    return;
  }
  const StructListOps& ops = *field.list_ops;
  ops.reset(field.value, value.size());  // replaced whole, starting from default elements
  forget_elements(key);
  origins_[key] = origin;
  size_t i = 0;
  for (const YAML::Node& element : value) {
    const std::string element_key = index_key(key, i);
    Origin element_origin = origin_at(element.Mark());
    if (element_origin.line < 0) element_origin = origin;
    origins_[element_key] = element_origin;
    if (element.IsMap()) {
      apply_map(ops.fields(ops.at(field.value, i)), element, element_key, false);
    } else if (!element.IsNull()) {
      error(element_origin, fmt::format("{}: {}", element_key, expected("a map of keys", element)));
    }
    ++i;
  }
}

void Loader::forget_elements(const std::string& key) {
  const std::string element_prefix = key + "[";
  const std::string member_prefix = key + ".";
  for (auto it = origins_.lower_bound(key); it != origins_.end();) {
    const std::string& k = it->first;
    if (k.compare(0, element_prefix.size(), element_prefix) == 0 ||
        k.compare(0, member_prefix.size(), member_prefix) == 0) {
      it = origins_.erase(it);
    } else if (k.compare(0, key.size(), key) == 0) {
      ++it;
    } else {
      break;
    }
  }
}

std::string Loader::suggestion(const FieldList& fields,
                               const std::string& prefix,
                               const std::string& name) const {
  std::vector<std::string> names;
  for (const Field& f : fields) names.emplace_back(f.name);
  const std::string sibling = closest(name, names);
  if (!sibling.empty()) return fmt::format(" (did you mean '{}'?)", join_key(prefix, sibling));
  std::vector<std::string> elsewhere;
  find_keys_named(root_, "", name, &elsewhere);
  if (!elsewhere.empty()) return fmt::format(" (did you mean '{}'?)", join(elsewhere, "' or '"));
  return "";
}

void Loader::validate() {
  validate_struct(
      root_,
      "",
      [this](const std::string& key) {
        auto it = origins_.find(key);
        if (it == origins_.end() && key.back() == ']')
          it = origins_.find(key.substr(0, key.rfind('[')));
        return it == origins_.end() ? Origin{"default"} : it->second;
      },
      &errors_);
}

std::vector<std::string> Loader::messages() const {
  std::vector<Diagnostic> sorted = errors_;
  auto order = [this](const Diagnostic& d) {
    const auto rank = ranks_.find(d.origin.source);
    return std::make_tuple(
        rank == ranks_.end() ? -1 : rank->second, d.origin.line, d.origin.column);
  };
  std::stable_sort(sorted.begin(), sorted.end(), [&](const Diagnostic& a, const Diagnostic& b) {
    return order(a) < order(b);
  });
  std::vector<std::string> out;
  for (const Diagnostic& d : sorted) {
    std::string text = d.str();
    // A base included twice (a diamond) would report its problems twice.
    if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(std::move(text));
  }
  return out;
}

ConfigOrigins Loader::origins() const {
  ConfigOrigins out;
  for (const auto& [key, origin] : origins_) out[key] = origin.str();
  return out;
}

// ------------------------------------------------------------------------------------------------
// Writing

// "help (allowed values)", leaving the allowed values out where the help already names them all.
std::string comment_for(const Field& f) {
  std::string comment = f.help;
  if (f.type == FieldType::kBool) return comment;
  if (const auto* allowed = f.constraint.allowed_strings()) {
    bool all_named = true;
    for (const std::string& s : *allowed)
      all_named = all_named && comment.find(s) != std::string::npos;
    if (all_named) return comment;
  }
  const std::string summary = f.constraint.summary();
  if (!summary.empty()) comment += " (" + summary + ")";
  return comment;
}

void emit_map(YAML::Emitter& out, const FieldList& fields);

// Writes a field's value (not a nested struct).
void emit_value(YAML::Emitter& out, const Field& f) {
  switch (f.type) {
    case FieldType::kBool:
      out << f.get<bool>();
      break;
    case FieldType::kInt:
      out << f.get<int>();
      break;
    case FieldType::kInt64:
      out << f.get<std::int64_t>();
      break;
    case FieldType::kDouble:
      out << format_double(f.get<double>());
      break;
    case FieldType::kString:
      out << f.get<std::string>();
      break;
    case FieldType::kIntList:
      out << YAML::Flow << YAML::BeginSeq;
      for (int x : f.get<std::vector<int>>()) out << x;
      out << YAML::EndSeq;
      break;
    case FieldType::kDoubleList:
      out << YAML::Flow << YAML::BeginSeq;
      for (double x : f.get<std::vector<double>>()) out << format_double(x);
      out << YAML::EndSeq;
      break;
    case FieldType::kStringList:
      out << YAML::Flow << YAML::BeginSeq;
      for (const std::string& x : f.get<std::vector<std::string>>()) out << x;
      out << YAML::EndSeq;
      break;
    case FieldType::kStringMap: {
      const auto& values = f.get<std::map<std::string, std::string>>();
      if (values.empty()) out << YAML::Flow;
      out << YAML::BeginMap;
      for (const auto& [k, v] : values) out << YAML::Key << k << YAML::Value << v;
      out << YAML::EndMap;
      break;
    }
    case FieldType::kStruct:
      emit_map(out, f.struct_fields(f.value));
      break;
    case FieldType::kStructList: {
      const StructListOps& ops = *f.list_ops;
      const size_t n = ops.size(f.value);
      if (n == 0) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (size_t i = 0; i < n; ++i) emit_map(out, ops.fields(ops.at(f.value, i)));
      out << YAML::EndSeq;
      break;
    }
  }
}

void emit_map(YAML::Emitter& out, const FieldList& fields) {
  out << YAML::BeginMap;
  for (const Field& f : fields) {
    const bool block = f.type == FieldType::kStruct ||
                       (f.type == FieldType::kStructList && f.list_ops->size(f.value) > 0);
    out << YAML::Key << f.name;
    if (block) {
      // The comment goes on the key's line, before the nested block.
      out << YAML::Comment(comment_for(f)) << YAML::Value;
      emit_value(out, f);
    } else {
      out << YAML::Value;
      emit_value(out, f);
      out << YAML::Comment(comment_for(f));
    }
  }
  out << YAML::EndMap;
}

// The value as inline YAML, for the reference's default column.
std::string inline_yaml(const Field& f) {
  if (f.type == FieldType::kStruct) return "";
  if (f.type == FieldType::kStructList) {
    const size_t n = f.list_ops->size(f.value);
    return n == 0 ? "[]" : fmt::format("({} entries)", n);
  }
  YAML::Emitter out;
  out << YAML::Flow;
  emit_value(out, f);
  return out.c_str();
}

// ------------------------------------------------------------------------------------------------
// Reference

const char* type_name(FieldType type) {
  switch (type) {
    case FieldType::kBool:
      return "bool";
    case FieldType::kInt:
      return "int";
    case FieldType::kInt64:
      return "int64";
    case FieldType::kDouble:
      return "float";
    case FieldType::kString:
      return "string";
    case FieldType::kIntList:
      return "list of int";
    case FieldType::kDoubleList:
      return "list of float";
    case FieldType::kStringList:
      return "list of string";
    case FieldType::kStringMap:
      return "map of string to string";
    case FieldType::kStruct:
      return "section";
    case FieldType::kStructList:
      return "list of sections";
  }
  return "?";
}

std::string markdown_cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '<') {
      out += "&lt;";  // not an HTML tag
    } else {
      out += c;
    }
  }
  return out;
}

void reference_section(const std::string& title,
                       int level,
                       const FieldList& fields,
                       const std::string& prefix,
                       std::string* out) {
  *out += fmt::format("{} {}\n\n", std::string(static_cast<size_t>(level), '#'), title);
  *out += "| Key | Type | Default | Allowed | Description |\n";
  *out += "|---|---|---|---|---|\n";
  for (const Field& f : fields) {
    const std::string value = inline_yaml(f);
    const std::string allowed = f.constraint.summary();
    *out += fmt::format("| `{}` | {} | {} | {} | {} |\n",
                        join_key(prefix, f.name),
                        type_name(f.type),
                        value.empty() ? "" : "`" + markdown_cell(value) + "`",
                        markdown_cell(allowed),
                        markdown_cell(f.help));
  }
  *out += "\n";
  // The top level's sections get the same heading level as the top level itself.
  const int child_level = prefix.empty() ? level : level + 1;
  for (const Field& f : fields) {
    const std::string key = join_key(prefix, f.name);
    if (f.type == FieldType::kStruct) {
      reference_section("`" + key + "`", child_level, f.struct_fields(f.value), key, out);
    } else if (f.type == FieldType::kStructList) {
      const std::shared_ptr<void> element = f.list_ops->make_default();
      reference_section("`" + key + "[]` (each element)",
                        child_level,
                        f.list_ops->fields(element.get()),
                        key + "[]",
                        out);
    }
  }
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> messages)
    : UsageError(messages.size() == 1 ? messages[0]
                                      : fmt::format("{} errors in the configuration:\n{}",
                                                    messages.size(),
                                                    join(messages, "\n"))),
      messages_(std::move(messages)) {}

void load_fields(const FieldList& root,
                 const fs::path& file,
                 const std::vector<std::string>& overrides,
                 ConfigOrigins* origins) {
  Loader loader(root);
  if (!file.empty()) loader.apply_file(file, nullptr);
  for (const std::string& assignment : overrides) loader.apply_override(assignment);
  loader.validate();
  if (origins != nullptr) *origins = loader.origins();
  std::vector<std::string> messages = loader.messages();
  if (!messages.empty()) throw ConfigError(std::move(messages));
}

std::vector<std::string> validate_fields(const FieldList& root, const ConfigOrigins& origins) {
  std::vector<Diagnostic> diagnostics;
  validate_struct(
      root,
      "",
      [&origins](const std::string& key) {
        auto it = origins.find(key);
        if (it == origins.end() && key.back() == ']')
          it = origins.find(key.substr(0, key.rfind('[')));
        return it == origins.end() ? Origin{} : Origin{it->second};
      },
      &diagnostics);
  std::vector<std::string> out;
  for (const Diagnostic& d : diagnostics) out.push_back(d.str());
  return out;
}

std::string fields_to_yaml(const FieldList& root, const std::string& header) {
  YAML::Emitter out;
  emit_map(out, root);
  std::string body = out.c_str();
  // A blank line before each top-level section (the emitter writes none). Only top-level keys
  // start a line at column 0, and multi-line strings are written quoted on one line.
  for (const Field& f : root) {
    if (f.type != FieldType::kStruct && f.type != FieldType::kStructList) continue;
    const std::string line = "\n" + std::string(f.name) + ":";
    const size_t at = body.find(line);
    if (at != std::string::npos) body.insert(at, "\n");
  }
  std::string text;
  size_t start = 0;
  while (start < header.size()) {
    size_t end = header.find('\n', start);
    if (end == std::string::npos) end = header.size();
    const std::string line = header.substr(start, end - start);
    text += line.empty() ? "#\n" : "# " + line + "\n";
    start = end + 1;
  }
  text += body;
  text += "\n";
  return text;
}

std::string fields_reference_markdown(const FieldList& root) {
  std::string out;
  reference_section("Top level", 2, root, "", &out);
  return out;
}

std::string format_double(double value) {
  if (std::isnan(value)) return ".nan";
  if (std::isinf(value)) return value > 0 ? ".inf" : "-.inf";
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

}  // namespace mvpose3d
