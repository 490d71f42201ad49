// The Markdown reference of config structs: a table per section of each key's type, default,
// allowed values and description.
#include "mvpose3d/config/yaml_io.h"

#include <memory>

#include <fmt/format.h>

#include "config/yaml_io_detail.h"

namespace mvpose3d {

namespace {

using namespace config_detail;

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
    case FieldType::kEnum:  // a string of the YAML file
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

std::string fields_reference_markdown(const FieldList& root) {
  std::string out;
  reference_section("Top level", 2, root, "", &out);
  return out;
}

}  // namespace mvpose3d
