// Strict YAML loading of config structs through their FieldList: scalars, bases, --set overrides
// and the origin of every value.
//
// Composition is done by applying each YAML document, in order, onto the same struct (bases first,
// then the file, then each --set), never by merging node trees: every application knows its own
// source for error messages, and the loader keeps, per dotted key, where the final value came from.
// Constraints are checked once at the end, on the resolved values, and reported with that origin.
#include "mvpose3d/config/yaml_document.h"
#include "mvpose3d/config/yaml_io.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/limits.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>
#include <tuple>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "config/yaml_io_detail.h"

namespace mvpose3d {

namespace {

namespace fs = std::filesystem;
using namespace config_detail;

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
// Documents

// Where each document of a YAML stream starts, and its first node, without building nodes.
class DocumentMarks : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;       // per document
  std::vector<YAML::Mark> first_nodes;  // per document that has a node

  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnScalar(const YAML::Mark& mark,
                const std::string&,
                YAML::anchor_t,
                const std::string&) override {
    node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark,
                       const std::string&,
                       YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark,
                  const std::string&,
                  YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& mark) {
    if (first_nodes.size() < starts.size()) first_nodes.push_back(mark);
  }
};

// The first document of `text` (null when there is none); `marks` receives every document's
// marks. Not YAML::LoadAll: in yaml-cpp 0.7 it loops for ever, allocating, when its parser stops
// advancing (a stray ',': jbeder/yaml-cpp#1040, fixed upstream by #1319); fuzz_config found it.
// Here a document that does not start after the previous one is an error, so the loop ends.
YAML::Node load_first_document(const std::string& text, DocumentMarks* marks) {
  std::stringstream in(text);
  YAML::Parser parser(in);
  while (parser.HandleNextDocument(*marks)) {
    const std::vector<YAML::Mark>& s = marks->starts;
    if (s.size() >= 2 && s[s.size() - 1].pos <= s[s.size() - 2].pos) {
      throw YAML::ParserException(s.back(), "unexpected character; cannot parse past it");
    }
  }
  return YAML::Load(text);
}

// ------------------------------------------------------------------------------------------------
// Keys

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
// Loading

class Loader {
 public:
  Loader(const FieldList& root, CrossFieldCheck rules) : root_(root), rules_(std::move(rules)) {}

  // Applies the file's bases, then the file. `included_from` is the `base:` entry naming it.
  void apply_file(const fs::path& path, const Origin* included_from);
  // Applies "a.b.c=VALUE".
  void apply_override(const std::string& assignment);
  // Checks the constraints and the rules between fields on the resolved values.
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
  void apply_enum(const Field& field,
                  const YAML::Node& value,
                  const std::string& key,
                  const Origin& origin);
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

  // A name that is none of an enum's: reported by validate() unless a later source replaces it.
  struct UnknownName {
    std::string name;
    Constraint allowed;
  };

  FieldList root_;
  CrossFieldCheck rules_;
  std::string source_;                    // the source being applied
  bool has_positions_ = false;            // its nodes carry line/column marks
  std::map<std::string, int> ranks_;      // source -> order of first application
  std::vector<fs::path> chain_;           // files being applied (canonical), for cycles
  std::vector<std::string> chain_names_;  // the same, as shown
  std::vector<Diagnostic> errors_;
  std::map<std::string, Origin> origins_;             // dotted key -> where its value came from
  std::map<std::string, UnknownName> unknown_names_;  // enum's dotted key -> the name given
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
    text = read_regular_file(normal, kMaxConfigFileBytes);
  } catch (const Error& e) {
    fail(e.what());
    return;
  }

  YAML::Node document;
  DocumentMarks documents;
  try {
    document = load_first_document(text, &documents);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own message for this is "bad file".
    begin_source(shown, true);
    error(origin_at(e.mark),
          fmt::format("invalid YAML: lists or maps nested {} levels deep (a config has a few)",
                      e.depth()));
    return;
  } catch (const YAML::Exception& e) {
    begin_source(shown, true);
    error(origin_at(e.mark), "invalid YAML: " + e.msg);
    return;
  }
  source_ = shown;
  has_positions_ = true;
  if (documents.starts.size() > 1) {
    error(origin_at(documents.first_nodes.size() > 1 ? documents.first_nodes[1]
                                                     : documents.starts[1]),
          fmt::format("expected one YAML document, found {}", documents.starts.size()));
  }
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
      // A copy (a node is a handle): `it->` returns a temporary, and a reference to its member
      // dangled (AddressSanitizer, fuzz_config: stack-use-after-scope).
      const YAML::Node value = it->second;
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
    } catch (const YAML::DeepRecursion& e) {
      error(origin, fmt::format("invalid YAML value: nested {} levels deep", e.depth()));
      return;
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
    case FieldType::kEnum:
      apply_enum(field, value, key, origin);
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

void Loader::apply_enum(const Field& field,
                        const YAML::Node& value,
                        const std::string& key,
                        const Origin& origin) {
  std::string why;
  const std::optional<std::string> name = parse_string(value, &why);
  if (!name) {
    error(origin, fmt::format("{}: {}", key, why));
    return;
  }
  if (field.enum_ops->set(field.value, *name)) {
    unknown_names_.erase(key);
  } else {
    unknown_names_[key] = UnknownName{*name, field.constraint};
  }
  origins_[key] = origin;
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
      unknown_names_.erase(k);
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
  const OriginOf origin_of = [this](const std::string& key) {
    auto it = origins_.find(key);
    if (it == origins_.end() && !key.empty() && key.back() == ']')
      it = origins_.find(key.substr(0, key.rfind('[')));
    return it == origins_.end() ? Origin{"default"} : it->second;
  };
  validate_struct(root_, "", origin_of, &errors_);
  for (const auto& [key, unknown] : unknown_names_) {
    errors_.push_back(constraint_violation(origin_of,
                                           key,
                                           fmt::format("'{}'", unknown.name),
                                           unknown.allowed.check_string(unknown.name, key),
                                           did_you_mean_value(unknown.allowed, unknown.name)));
  }
  const RankOf rank_of = [this](const Origin& origin) {
    const auto rank = ranks_.find(origin.source);
    return rank == ranks_.end() ? -1 : rank->second;
  };
  check_rules(rules_, origin_of, rank_of, &errors_);
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
  std::set<std::string> seen;  // a set: a file may have a million problems
  for (const Diagnostic& d : sorted) {
    std::string text = d.str();
    // A base included twice (a diamond) would report its problems twice.
    if (seen.insert(text).second) out.push_back(std::move(text));
  }
  return out;
}

ConfigOrigins Loader::origins() const {
  ConfigOrigins out;
  for (const auto& [key, origin] : origins_) out[key] = origin.str();
  return out;
}

}  // namespace

namespace {

// The message of a ConfigError: every problem, up to kMaxConfigErrorsShown (a file with a million
// unknown keys printed a million lines).
std::string config_error_text(const std::vector<std::string>& messages) {
  if (messages.size() == 1) return messages[0];
  const std::size_t shown = std::min(messages.size(), kMaxConfigErrorsShown);
  std::string text =
      fmt::format("{} errors in the configuration:\n{}",
                  messages.size(),
                  config_detail::join(
                      std::vector<std::string>(
                          messages.begin(), messages.begin() + static_cast<std::ptrdiff_t>(shown)),
                      "\n"));
  if (shown < messages.size())
    text +=
        fmt::format("\n... and {} more (the first {} are shown)", messages.size() - shown, shown);
  return text;
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> messages)
    : UsageError(config_error_text(messages)), messages_(std::move(messages)) {}

void load_fields(const FieldList& root,
                 const fs::path& file,
                 const std::vector<std::string>& overrides,
                 ConfigOrigins* origins,
                 const CrossFieldCheck& rules) {
  Loader loader(root, rules);
  if (!file.empty()) loader.apply_file(file, nullptr);
  for (const std::string& assignment : overrides) loader.apply_override(assignment);
  loader.validate();
  if (origins != nullptr) *origins = loader.origins();
  std::vector<std::string> messages = loader.messages();
  if (!messages.empty()) throw ConfigError(std::move(messages));
}

YAML::Node load_yaml_document(const fs::path& file, const std::string& kind) {
  std::string text;
  try {
    text = read_regular_file(file, kMaxConfigFileBytes);
  } catch (const Error& e) {
    throw UsageError(fmt::format("cannot read the {}: {}", kind, e.what()));
  }
  const auto at = [&](const YAML::Mark& mark) {
    return fmt::format("{}:{}:{}", file.string(), mark.line + 1, mark.column + 1);
  };
  DocumentMarks documents;
  YAML::Node document;
  try {
    document = load_first_document(text, &documents);
  } catch (const YAML::DeepRecursion& e) {
    throw UsageError(
        fmt::format("{}: invalid YAML: lists or maps nested {} levels deep (a {} has a few)",
                    at(e.mark),
                    e.depth(),
                    kind));
  } catch (const YAML::Exception& e) {
    throw UsageError(
        fmt::format("{}: invalid YAML: {}", at(e.mark), printable_excerpt(e.msg, 300)));
  }
  if (documents.starts.size() > 1) {
    throw UsageError(fmt::format("{}: expected one YAML document in the {}, found {}",
                                 at(documents.starts[1]),
                                 kind,
                                 documents.starts.size()));
  }
  return document;
}

}  // namespace mvpose3d
