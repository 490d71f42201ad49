// The field schema behind every config struct: constraints, and a type-erased list of fields.
//
// Each config struct lists its fields exactly once, in a member template
//
//   template <class Visitor>
//   void visit(Visitor& v) {
//     v("lr", lr, "learning rate", Positive());
//     v("milestones", milestones, "steps at which the rate is multiplied by gamma",
//       NonNegative() && StrictlyIncreasing());
//   }
//
// and everything generic (strict YAML loading, writing with comments, validation, --set overrides,
// the Markdown reference, equality) works on the FieldList that fields_of() builds from it. Only
// this header is needed to declare a config struct; YAML stays out of it (see yaml_io.h).
//
// The help string is a field's one description (it is written into configs/default.yaml and
// docs/config_reference.md): a member comment only adds what the help does not say.
//
// Supported field types: bool, int, int64_t, double, std::string, std::vector<int|double|
// std::string>, std::map<std::string, std::string>, enums with an EnumNames table (below), nested
// config structs and std::vector of them. Another type fails to compile at the visit() call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace mvpose3d {

// What values a field accepts. Built with the helpers below (Positive(), InRange(0, 1), ...) and
// combined with &&. Numeric checks apply to a number, or to every element of a list of numbers;
// OneOf applies to a string (or number), or to every element of a list; MinSize and
// StrictlyIncreasing apply to a list as a whole. Bools ignore constraints.
class Constraint {
 public:
  Constraint() = default;

  // lo <= x <= hi, with either end open (exclusive) or infinite.
  static Constraint range(double lo, bool lo_open, double hi, bool hi_open);
  static Constraint one_of(std::vector<std::string> allowed);
  static Constraint one_of(std::vector<double> allowed);
  static Constraint min_size(std::size_t n);
  static Constraint strictly_increasing();

  // Both constraints must hold.
  friend Constraint operator&&(Constraint a, const Constraint& b);

  bool empty() const { return checks_.empty(); }

  // Each check_* returns "" when the value satisfies every applicable part of the constraint, or
  // else the violated part written in terms of `key`, e.g. "train.optimizer.lr > 0",
  // "0 <= train.optimizer.momentum < 1", "model.backbone in {resnet18, resnet34}".
  std::string check_number(double value, const std::string& key) const;
  std::string check_string(const std::string& value, const std::string& key) const;
  std::string check_list_size(std::size_t size, const std::string& key) const;
  std::string check_list_order(const std::vector<double>& values, const std::string& key) const;

  // The allowed strings of a OneOf, or nullptr: used for "did you mean" hints.
  const std::vector<std::string>* allowed_strings() const;

  // The whole constraint in a few words for the reference: "> 0", "in [32, 512]",
  // "one of: adam, sgd", "size >= 1", "strictly increasing"; parts joined by "; ".
  std::string summary() const;

 private:
  struct Check {
    enum Kind { kRange, kOneOfStrings, kOneOfNumbers, kMinSize, kStrictlyIncreasing };
    explicit Check(Kind k) : kind(k) {}
    Kind kind;
    double lo = 0, hi = 0;  // kRange (±infinity for an open-ended side); kMinSize uses lo
    bool lo_open = false, hi_open = false;
    std::vector<std::string> strings;  // kOneOfStrings
    std::vector<double> numbers;       // kOneOfNumbers
  };
  std::vector<Check> checks_;
};

Constraint Finite();                                           // not ±inf (nor NaN)
Constraint Positive();                                         // x > 0
Constraint NonNegative();                                      // x >= 0
Constraint AtLeast(double lo);                                 // x >= lo
Constraint InRange(double lo, double hi);                      // lo <= x <= hi
Constraint InRangeOpenHigh(double lo, double hi);              // lo <= x < hi
Constraint InRangeOpenLow(double lo, double hi);               // lo < x <= hi
Constraint OneOf(std::initializer_list<std::string> allowed);  // x is one of the strings
Constraint OneOf(std::initializer_list<int> allowed);          // x is one of the integers
Constraint MinSize(std::size_t n);                             // a list with at least n elements
Constraint StrictlyIncreasing();  // a list of numbers in strictly increasing order

// A choice between a few names, held as a C++ enum: specialise EnumNames with the one table of its
// values and their YAML names, e.g.
//
//   enum class Pooling { kConcat, kMean };
//   template <>
//   struct EnumNames<Pooling> {
//     static constexpr EnumName<Pooling> table[] = {{Pooling::kConcat, "concat"},
//                                                  {Pooling::kMean, "mean"}};
//   };
//
// The table is everything else's source: the YAML reader and writer, the allowed values of error
// messages and the reference, "did you mean" hints, to_string() and parse_enum().
template <class E>
struct EnumName {
  E value;
  const char* name;
};

template <class E>
struct EnumNames {};  // no table: E is not a config enum

template <class E, class = void>
struct IsConfigEnum : std::false_type {};
template <class E>
struct IsConfigEnum<E, std::void_t<decltype(EnumNames<E>::table)>> : std::true_type {};

// The names of E's values, in table order.
template <class E>
std::vector<std::string> enum_names() {
  std::vector<std::string> names;
  for (const EnumName<E>& entry : EnumNames<E>::table) names.emplace_back(entry.name);
  return names;
}

// The value named `name`, or nullopt.
template <class E>
std::optional<E> enum_from_name(const std::string& name) {
  for (const EnumName<E>& entry : EnumNames<E>::table) {
    if (name == entry.name) return entry.value;
  }
  return std::nullopt;
}

// The YAML name of a config enum's value.
template <class E, class = std::enable_if_t<IsConfigEnum<E>::value>>
std::string to_string(E value) {
  for (const EnumName<E>& entry : EnumNames<E>::table) {
    if (entry.value == value) return entry.name;
  }
  return "?";
}

// Throws Error "unknown KEY 'name' (known: a, b, c)"; for names that did not come through a config.
[[noreturn]] void throw_unknown_name(const std::string& key,
                                     const std::string& name,
                                     const std::vector<std::string>& known);

// The value named `name`; an unknown name throws Error naming `key` and the known names.
template <class E>
E parse_enum(const std::string& name, const std::string& key) {
  if (const std::optional<E> value = enum_from_name<E>(name)) return *value;
  throw_unknown_name(key, name, enum_names<E>());
}

enum class FieldType {
  kBool,
  kInt,
  kInt64,
  kDouble,
  kString,
  kIntList,
  kDoubleList,
  kStringList,
  kStringMap,
  kEnum,        // a config enum (EnumNames), read and written by name
  kStruct,      // a nested config struct
  kStructList,  // std::vector of a config struct: a YAML list of maps
};

struct Field;
using FieldList = std::vector<Field>;

// Operations on a std::vector<S> of config structs without knowing S (for kStructList fields).
struct StructListOps {
  std::size_t (*size)(const void* list);
  void (*reset)(void* list, std::size_t n);  // n default-constructed elements
  void* (*at)(void* list, std::size_t i);
  FieldList (*fields)(void* element);
  // A default-constructed element, for the reference's default values.
  std::shared_ptr<void> (*make_default)();
};

// Operations on a config enum without knowing its type (for kEnum fields).
struct EnumOps {
  std::string (*name)(const void* value);
  bool (*set)(void* value, const std::string& name);  // false for an unknown name
};

// One field of a config struct: a view onto the member, valid while the struct lives. A FieldList
// made from a const struct (fields_of(const S&)) must only be read.
struct Field {
  const char* name = "";
  const char* help = "";
  FieldType type = FieldType::kBool;
  void* value = nullptr;  // the member: bool*, int*, ..., S* or std::vector<S>*
  Constraint constraint;
  FieldList (*struct_fields)(void* value) = nullptr;  // kStruct: the nested struct's fields
  const StructListOps* list_ops = nullptr;            // kStructList
  const EnumOps* enum_ops = nullptr;                  // kEnum; constraint holds the names

  template <class T>
  T& get() const {
    return *static_cast<T*>(value);
  }
};

template <class S>
FieldList fields_of(S& config);

namespace config_detail {

class FieldCollector;

template <class T, class = void>
struct IsConfigStruct : std::false_type {};
template <class T>
struct IsConfigStruct<
    T,
    std::void_t<decltype(std::declval<T&>().visit(std::declval<FieldCollector&>()))>>
    : std::true_type {};

inline Field make_field(
    const char* name, const char* help, FieldType type, void* value, Constraint constraint) {
  Field f;
  f.name = name;
  f.help = help;
  f.type = type;
  f.value = value;
  f.constraint = std::move(constraint);
  return f;
}

// Maps a member type to its FieldType; unsupported types have no `value`.
template <class T>
struct ScalarType {};
template <>
struct ScalarType<bool> {
  static constexpr FieldType value = FieldType::kBool;
};
template <>
struct ScalarType<int> {
  static constexpr FieldType value = FieldType::kInt;
};
template <>
struct ScalarType<std::int64_t> {
  static constexpr FieldType value = FieldType::kInt64;
};
template <>
struct ScalarType<double> {
  static constexpr FieldType value = FieldType::kDouble;
};
template <>
struct ScalarType<std::string> {
  static constexpr FieldType value = FieldType::kString;
};
template <>
struct ScalarType<std::vector<int>> {
  static constexpr FieldType value = FieldType::kIntList;
};
template <>
struct ScalarType<std::vector<double>> {
  static constexpr FieldType value = FieldType::kDoubleList;
};
template <>
struct ScalarType<std::vector<std::string>> {
  static constexpr FieldType value = FieldType::kStringList;
};
template <>
struct ScalarType<std::map<std::string, std::string>> {
  static constexpr FieldType value = FieldType::kStringMap;
};

template <class T>
Field make_field(const char* name, const char* help, T& value, Constraint constraint) {
  if constexpr (IsConfigEnum<T>::value) {
    static const EnumOps ops{
        [](const void* p) { return to_string(*static_cast<const T*>(p)); },
        [](void* p, const std::string& n) {
          const std::optional<T> parsed = enum_from_name<T>(n);
          if (parsed) *static_cast<T*>(p) = *parsed;
          return parsed.has_value();
        },
    };
    Field f = make_field(
        name, help, FieldType::kEnum, &value, Constraint::one_of(enum_names<T>()) && constraint);
    f.enum_ops = &ops;
    return f;
  } else if constexpr (IsConfigStruct<T>::value) {
    Field f = make_field(name, help, FieldType::kStruct, &value, std::move(constraint));
    f.struct_fields = [](void* p) { return fields_of(*static_cast<T*>(p)); };
    return f;
  } else {
    return make_field(name, help, ScalarType<T>::value, &value, std::move(constraint));
  }
}

template <class S>
Field make_field(const char* name, const char* help, std::vector<S>& value, Constraint constraint) {
  if constexpr (IsConfigStruct<S>::value) {
    static const StructListOps ops{
        [](const void* list) { return static_cast<const std::vector<S>*>(list)->size(); },
        [](void* list, std::size_t n) {
          auto* v = static_cast<std::vector<S>*>(list);
          v->clear();
          v->resize(n);
        },
        [](void* list, std::size_t i) -> void* {
          return &(*static_cast<std::vector<S>*>(list))[i];
        },
        [](void* element) { return fields_of(*static_cast<S*>(element)); },
        []() -> std::shared_ptr<void> { return std::make_shared<S>(); },
    };
    Field f = make_field(name, help, FieldType::kStructList, &value, std::move(constraint));
    f.list_ops = &ops;
    return f;
  } else {
    return make_field(name, help, ScalarType<std::vector<S>>::value, &value, std::move(constraint));
  }
}

// The visitor that fields_of() passes to a struct's visit(): records each field.
class FieldCollector {
 public:
  explicit FieldCollector(FieldList* out) : out_(out) {}

  template <class T>
  void operator()(const char* name, T& value, const char* help, Constraint constraint = {}) {
    out_->push_back(make_field(name, help, value, std::move(constraint)));
  }

 private:
  FieldList* out_;
};

}  // namespace config_detail

// The fields of a config struct, in declaration order.
template <class S>
FieldList fields_of(S& config) {
  FieldList fields;
  config_detail::FieldCollector collector(&fields);
  config.visit(collector);
  return fields;
}

// Read-only view of a const struct (visit() is not const; nothing is written through the list).
template <class S>
FieldList fields_of(const S& config) {
  return fields_of(const_cast<S&>(config));
}

// A rule between fields that a struct's values break (e.g. "model.equivariant needs model.fusion =
// canonical"): the message names the dotted keys, and the first of `keys` whose value came from a
// file or --set places the message (yaml_io.h).
struct RuleViolation {
  std::vector<std::string> keys;
  std::string message;
};

// True when both lists (of the same struct type) hold equal values, recursively.
bool fields_equal(const FieldList& a, const FieldList& b);

// Field-by-field equality of two config structs of the same type.
template <class S>
bool config_equal(const S& a, const S& b) {
  return fields_equal(fields_of(a), fields_of(b));
}

}  // namespace mvpose3d

// Defines == and != for a config struct through its field list.
#define MVPOSE3D_CONFIG_EQUALITY(Type)                   \
  inline bool operator==(const Type& a, const Type& b) { \
    return ::mvpose3d::config_equal(a, b);               \
  }                                                      \
  inline bool operator!=(const Type& a, const Type& b) { \
    return !(a == b);                                    \
  }
