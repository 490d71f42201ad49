// Validation of a field list: every constraint on the resolved values, the rules between fields,
// and the "did you mean" hints of their messages.
#include <algorithm>
#include <map>
#include <type_traits>

#include "config/yaml_io_detail.h"

namespace mvpose3d {

namespace config_detail {

namespace {

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

void check_number(const Field& f,
                  double value,
                  const std::string& shown,
                  const std::string& key,
                  const OriginOf& origin_of,
                  std::vector<Diagnostic>* out) {
  const std::string violated = f.constraint.check_number(value, key);
  if (!violated.empty()) out->push_back(constraint_violation(origin_of, key, shown, violated));
}

void check_string(const Field& f,
                  const std::string& value,
                  const std::string& key,
                  const OriginOf& origin_of,
                  std::vector<Diagnostic>* out) {
  const std::string violated = f.constraint.check_string(value, key);
  if (violated.empty()) return;
  out->push_back(constraint_violation(origin_of,
                                      key,
                                      fmt::format("'{}'", value),
                                      violated,
                                      did_you_mean_value(f.constraint, value)));
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
  if (!violated.empty()) out->push_back(constraint_violation(origin_of, key, shown, violated));
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

// A list whose size breaks the constraint, shown as `shown`.
void check_size(const Field& f,
                size_t size,
                const std::string& shown,
                const std::string& key,
                const OriginOf& origin_of,
                std::vector<Diagnostic>* out) {
  const std::string violated = f.constraint.check_list_size(size, key);
  if (!violated.empty()) out->push_back(constraint_violation(origin_of, key, shown, violated));
}

}  // namespace

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

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

std::string did_you_mean_value(const Constraint& constraint, const std::string& value) {
  const auto* allowed = constraint.allowed_strings();
  if (allowed == nullptr) return "";
  const std::string guess = closest(value, *allowed);
  return guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess);
}

Diagnostic constraint_violation(const OriginOf& origin_of,
                                const std::string& key,
                                const std::string& shown,
                                const std::string& violated,
                                const std::string& hint) {
  return {origin_of(key),
          fmt::format("{} = {}; violated constraint: {}{}", key, shown, violated, hint)};
}

void validate_struct(const FieldList& fields,
                     const std::string& prefix,
                     const OriginOf& origin_of,
                     std::vector<Diagnostic>* out) {
  for (const Field& f : fields) {
    const std::string key = join_key(prefix, f.name);
    switch (f.type) {
      case FieldType::kBool:
      case FieldType::kEnum:  // holds one of its names by construction
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
        check_size(f, values.size(), format_string_list(values), key, origin_of, out);
        for (size_t i = 0; i < values.size(); ++i) {
          check_string(f, values[i], index_key(key, i), origin_of, out);
        }
        break;
      }
      case FieldType::kStringMap: {
        const size_t n = f.get<std::map<std::string, std::string>>().size();
        check_size(f, n, fmt::format("({} entries)", n), key, origin_of, out);
        break;
      }
      case FieldType::kStruct:
        validate_struct(f.struct_fields(f.value), key, origin_of, out);
        break;
      case FieldType::kStructList: {
        const StructListOps& ops = *f.list_ops;
        const size_t n = ops.size(f.value);
        check_size(f, n, fmt::format("({} entries)", n), key, origin_of, out);
        for (size_t i = 0; i < n; ++i) {
          validate_struct(ops.fields(ops.at(f.value, i)), index_key(key, i), origin_of, out);
        }
        break;
      }
    }
  }
}

void check_rules(const CrossFieldCheck& rules,
                 const OriginOf& origin_of,
                 const RankOf& rank_of,
                 std::vector<Diagnostic>* out) {
  if (!rules) return;
  for (const RuleViolation& v : rules()) {
    Origin origin = origin_of(v.keys.empty() ? "" : v.keys.front());
    bool known = false;
    for (const std::string& key : v.keys) {
      const Origin o = origin_of(key);
      if (o.source.empty() || o.source == "default") continue;
      if (!known || rank_of(o) > rank_of(origin)) origin = o;
      known = true;
    }
    out->push_back({origin, v.message});
  }
}

}  // namespace config_detail

std::vector<std::string> validate_fields(const FieldList& root,
                                         const ConfigOrigins& origins,
                                         const CrossFieldCheck& rules) {
  using namespace config_detail;
  const OriginOf origin_of = [&origins](const std::string& key) {
    auto it = origins.find(key);
    if (it == origins.end() && !key.empty() && key.back() == ']')
      it = origins.find(key.substr(0, key.rfind('[')));
    return it == origins.end() ? Origin{} : Origin{it->second};
  };
  std::vector<Diagnostic> diagnostics;
  validate_struct(root, "", origin_of, &diagnostics);
  check_rules(
      rules, origin_of, [](const Origin&) { return 0; }, &diagnostics);
  std::vector<std::string> out;
  for (const Diagnostic& d : diagnostics) out.push_back(d.str());
  return out;
}

}  // namespace mvpose3d
