#include "mvpose3d/eval/table.h"

#include "mvpose3d/core/error.h"

#include <cmath>
#include <cstddef>

#include <fmt/format.h>

namespace mvpose3d::eval {

namespace {

// Markdown cells: '|' would end the cell and a line break the row.
std::string markdown_cell(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& cells,
                 const std::string& separator,
                 std::string (*escape)(const std::string&)) {
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out += separator;
    out += escape(cells[i]);
  }
  return out;
}

}  // namespace

void Table::check() const {
  MVPOSE3D_CHECK(!header.empty(), "table \"{}\": the header has no columns", title);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    MVPOSE3D_CHECK(rows[r].size() == header.size(),
                   "table \"{}\": row {} has {} cells, expected {} (one per header column)",
                   title,
                   r,
                   rows[r].size(),
                   header.size());
  }
}

std::string Table::to_markdown() const {
  check();
  std::string out;
  if (!title.empty()) out += "### " + markdown_cell(title) + "\n\n";
  out += "| " + join(header, " | ", markdown_cell) + " |\n|";
  for (std::size_t c = 0; c < header.size(); ++c) out += c == 0 ? ":---|" : "---:|";
  out += "\n";
  for (const auto& row : rows) out += "| " + join(row, " | ", markdown_cell) + " |\n";
  if (!note.empty()) out += "\n*" + markdown_cell(note) + "*\n";
  return out;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Table::to_csv() const {
  check();
  std::string out = join(header, ",", csv_field) + "\r\n";
  for (const auto& row : rows) out += join(row, ",", csv_field) + "\r\n";
  return out;
}

std::string latex_escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '\\':
        out += "\\textbackslash{}";
        break;
      case '~':
        out += "\\textasciitilde{}";
        break;
      case '^':
        out += "\\textasciicircum{}";
        break;
      case '{':
      case '}':
      case '$':
      case '&':
      case '%':
      case '#':
      case '_':
        out += '\\';
        out += c;
        break;
      case '\n':
      case '\r':
        out += ' ';
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Table::to_latex() const {
  check();
  std::string spec = "l";
  for (std::size_t c = 1; c < header.size(); ++c) spec += 'r';
  std::string out = "\\begin{table}[t]\n\\centering\n";
  if (!title.empty()) out += "\\caption{" + latex_escape(title) + "}\n";
  out += "\\begin{tabular}{" + spec + "}\n\\toprule\n";
  out += join(header, " & ", latex_escape) + " \\\\\n\\midrule\n";
  for (const auto& row : rows) out += join(row, " & ", latex_escape) + " \\\\\n";
  out += "\\bottomrule\n\\end{tabular}\n";
  if (!note.empty()) out += "\\par\\footnotesize " + latex_escape(note) + "\n";
  out += "\\end{table}\n";
  return out;
}

std::string format_number(double value, int decimals) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return fmt::format("{:.{}f}", value, decimals);
}

}  // namespace mvpose3d::eval
