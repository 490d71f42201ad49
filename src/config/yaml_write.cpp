// Writing config structs as YAML through their FieldList: each key with its value and a comment
// made of its help and its allowed values.
#include "mvpose3d/config/yaml_io.h"

#include <cmath>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "config/yaml_io_detail.h"

namespace mvpose3d {

namespace {

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

}  // namespace

namespace config_detail {

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
    case FieldType::kEnum:
      out << f.enum_ops->name(f.value);
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

}  // namespace config_detail

namespace {

void emit_map(YAML::Emitter& out, const FieldList& fields) {
  using config_detail::emit_value;
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

}  // namespace

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

std::string format_double(double value) {
  if (std::isnan(value)) return ".nan";
  if (std::isinf(value)) return value > 0 ? ".inf" : "-.inf";
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

}  // namespace mvpose3d
