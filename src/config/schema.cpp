#include "mvpose3d/config/schema.h"

#include "mvpose3d/core/error.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "config/yaml_io_detail.h"

namespace mvpose3d {

namespace {

using config_detail::join;

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<std::string> format_numbers(const std::vector<double>& numbers) {
  std::vector<std::string> out;
  for (double x : numbers) out.push_back(fmt::format("{}", x));
  return out;
}

}  // namespace

void throw_unknown_name(const std::string& key,
                        const std::string& name,
                        const std::vector<std::string>& known) {
  throw Error(fmt::format("unknown {} '{}' (known: {})", key, name, join(known, ", ")));
}

Constraint Constraint::range(double lo, bool lo_open, double hi, bool hi_open) {
  Constraint c;
  Check check{Check::kRange};
  check.lo = lo;
  check.hi = hi;
  check.lo_open = lo_open;
  check.hi_open = hi_open;
  c.checks_.push_back(check);
  return c;
}

Constraint Constraint::one_of(std::vector<std::string> allowed) {
  Constraint c;
  Check check{Check::kOneOfStrings};
  check.strings = std::move(allowed);
  c.checks_.push_back(check);
  return c;
}

Constraint Constraint::one_of(std::vector<double> allowed) {
  Constraint c;
  Check check{Check::kOneOfNumbers};
  check.numbers = std::move(allowed);
  c.checks_.push_back(check);
  return c;
}

Constraint Constraint::min_size(std::size_t n) {
  Constraint c;
  Check check{Check::kMinSize};
  check.lo = static_cast<double>(n);
  c.checks_.push_back(check);
  return c;
}

Constraint Constraint::strictly_increasing() {
  Constraint c;
  c.checks_.push_back(Check{Check::kStrictlyIncreasing});
  return c;
}

Constraint operator&&(Constraint a, const Constraint& b) {
  a.checks_.insert(a.checks_.end(), b.checks_.begin(), b.checks_.end());
  return a;
}

std::string Constraint::check_number(double value, const std::string& key) const {
  for (const Check& c : checks_) {
    if (c.kind == Check::kRange) {
      if (c.lo == -kInf && c.hi == kInf && c.lo_open && c.hi_open) {  // Finite()
        if (std::isfinite(value)) continue;
        return fmt::format("{} finite", key);
      }
      const bool lo_ok = c.lo_open ? value > c.lo : value >= c.lo;
      const bool hi_ok = c.hi_open ? value < c.hi : value <= c.hi;
      if (lo_ok && hi_ok) continue;
      const char* lo_op = c.lo_open ? "<" : "<=";
      const char* hi_op = c.hi_open ? "<" : "<=";
      if (c.hi == kInf) return fmt::format("{} {} {}", key, c.lo_open ? ">" : ">=", c.lo);
      if (c.lo == -kInf) return fmt::format("{} {} {}", key, hi_op, c.hi);
      return fmt::format("{} {} {} {} {}", c.lo, lo_op, key, hi_op, c.hi);
    }
    if (c.kind == Check::kOneOfNumbers) {
      bool found = false;
      for (double x : c.numbers) found = found || x == value;
      if (!found) return fmt::format("{} in {{{}}}", key, join(format_numbers(c.numbers), ", "));
    }
  }
  return "";
}

std::string Constraint::check_string(const std::string& value, const std::string& key) const {
  for (const Check& c : checks_) {
    if (c.kind != Check::kOneOfStrings) continue;
    bool found = false;
    for (const std::string& s : c.strings) found = found || s == value;
    if (!found) return fmt::format("{} in {{{}}}", key, join(c.strings, ", "));
  }
  return "";
}

std::string Constraint::check_list_size(std::size_t size, const std::string& key) const {
  for (const Check& c : checks_) {
    if (c.kind == Check::kMinSize && static_cast<double>(size) < c.lo) {
      return fmt::format("size({}) >= {}", key, c.lo);
    }
  }
  return "";
}

std::string Constraint::check_list_order(const std::vector<double>& values,
                                         const std::string& key) const {
  for (const Check& c : checks_) {
    if (c.kind != Check::kStrictlyIncreasing) continue;
    for (size_t i = 1; i < values.size(); ++i) {
      if (!(values[i - 1] < values[i])) return fmt::format("{} strictly increasing", key);
    }
  }
  return "";
}

const std::vector<std::string>* Constraint::allowed_strings() const {
  for (const Check& c : checks_) {
    if (c.kind == Check::kOneOfStrings) return &c.strings;
  }
  return nullptr;
}

std::string Constraint::summary() const {
  std::vector<std::string> parts;
  for (const Check& c : checks_) {
    switch (c.kind) {
      case Check::kRange:
        if (c.lo == -kInf && c.hi == kInf) {
          // Finite(): not shown; "lr: 0.001  # base learning rate (> 0)" reads as a number.
        } else if (c.hi == kInf) {
          parts.push_back(fmt::format("{} {}", c.lo_open ? ">" : ">=", c.lo));
        } else if (c.lo == -kInf) {
          parts.push_back(fmt::format("{} {}", c.hi_open ? "<" : "<=", c.hi));
        } else {
          parts.push_back(fmt::format(
              "in {}{}, {}{}", c.lo_open ? "(" : "[", c.lo, c.hi, c.hi_open ? ")" : "]"));
        }
        break;
      case Check::kOneOfStrings:
        parts.push_back("one of: " + join(c.strings, ", "));
        break;
      case Check::kOneOfNumbers:
        parts.push_back("one of: " + join(format_numbers(c.numbers), ", "));
        break;
      case Check::kMinSize:
        parts.push_back(fmt::format("size >= {}", c.lo));
        break;
      case Check::kStrictlyIncreasing:
        parts.push_back("strictly increasing");
        break;
    }
  }
  return join(parts, "; ");
}

Constraint Finite() {
  return Constraint::range(-kInf, true, kInf, true);
}
Constraint Positive() {
  return Constraint::range(0, true, kInf, false);
}
Constraint NonNegative() {
  return Constraint::range(0, false, kInf, false);
}
Constraint AtLeast(double lo) {
  return Constraint::range(lo, false, kInf, false);
}
Constraint InRange(double lo, double hi) {
  return Constraint::range(lo, false, hi, false);
}
Constraint InRangeOpenHigh(double lo, double hi) {
  return Constraint::range(lo, false, hi, true);
}
Constraint InRangeOpenLow(double lo, double hi) {
  return Constraint::range(lo, true, hi, false);
}
Constraint OneOf(std::initializer_list<std::string> allowed) {
  return Constraint::one_of(std::vector<std::string>(allowed));
}
Constraint OneOf(std::initializer_list<int> allowed) {
  return Constraint::one_of(std::vector<double>(allowed.begin(), allowed.end()));
}
Constraint MinSize(std::size_t n) {
  return Constraint::min_size(n);
}
Constraint StrictlyIncreasing() {
  return Constraint::strictly_increasing();
}

bool fields_equal(const FieldList& a, const FieldList& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const Field& x = a[i];
    const Field& y = b[i];
    if (x.type != y.type) return false;
    bool same = true;
    switch (x.type) {
      case FieldType::kBool:
        same = x.get<bool>() == y.get<bool>();
        break;
      case FieldType::kInt:
        same = x.get<int>() == y.get<int>();
        break;
      case FieldType::kInt64:
        same = x.get<std::int64_t>() == y.get<std::int64_t>();
        break;
      case FieldType::kDouble: {
        const double u = x.get<double>(), v = y.get<double>();
        same = u == v || (std::isnan(u) && std::isnan(v));
        break;
      }
      case FieldType::kString:
        same = x.get<std::string>() == y.get<std::string>();
        break;
      case FieldType::kEnum:
        same = x.enum_ops->name(x.value) == y.enum_ops->name(y.value);
        break;
      case FieldType::kIntList:
        same = x.get<std::vector<int>>() == y.get<std::vector<int>>();
        break;
      case FieldType::kDoubleList:
        same = x.get<std::vector<double>>() == y.get<std::vector<double>>();
        break;
      case FieldType::kStringList:
        same = x.get<std::vector<std::string>>() == y.get<std::vector<std::string>>();
        break;
      case FieldType::kStringMap:
        same = x.get<std::map<std::string, std::string>>() ==
               y.get<std::map<std::string, std::string>>();
        break;
      case FieldType::kStruct:
        same = fields_equal(x.struct_fields(x.value), y.struct_fields(y.value));
        break;
      case FieldType::kStructList: {
        const StructListOps& ops = *x.list_ops;
        const size_t n = ops.size(x.value);
        same = n == ops.size(y.value);
        for (size_t k = 0; same && k < n; ++k) {
          same = fields_equal(ops.fields(ops.at(x.value, k)), ops.fields(ops.at(y.value, k)));
        }
        break;
      }
    }
    if (!same) return false;
  }
  return true;
}

}  // namespace mvpose3d
