// A small text table rendered as Markdown, CSV or LaTeX: the evaluation reports, the paper layouts
// (paper_tables.h) and the sweep's comparison table all go through it.
//
//   Table t{"Human3.6M, MPJPE (mm)", {"method", "Dir", "Avg"}, {{"ours", "30.1", "31.0"}}};
//   write_file_atomic(dir / "table.tex", t.to_latex());
//
// Cells are plain text; each format escapes what it must. Every row has header.size() cells (a
// table with a longer or shorter row is refused by the renderers with an Error naming the title
// and the row).
#pragma once

#include <string>
#include <vector>

namespace mvpose3d::eval {

struct Table {
  std::string title;                           // caption; "" = none
  std::vector<std::string> header;             // [C] column names
  std::vector<std::vector<std::string>> rows;  // [R][C] cells
  std::string note;                            // one line under the table ("" = none)

  // GitHub Markdown: "### title", the pipe table (cells' '|' escaped as "\|", line breaks as
  // spaces; first column left-aligned, the others right-aligned), then the note in italics.
  std::string to_markdown() const;
  // RFC 4180: header line then one line per row, CRLF line ends; a field that holds a comma, a
  // double quote, CR or LF is enclosed in double quotes, with its quotes doubled. Title and note
  // are not written (CSV has no place for them).
  std::string to_csv() const;
  // A booktabs table: \begin{table} with \caption{title} (when set), a tabular with the first
  // column left-aligned and the others right-aligned, \toprule / \midrule / \bottomrule, and the
  // note as a footnotesize line. Escapes \ { } $ & % # _ ~ ^ in every cell, the title and the note.
  // Needs \usepackage{booktabs}.
  std::string to_latex() const;

  // Throws Error naming the table and the first row whose cell count differs from the header's.
  void check() const;
};

// A number with `decimals` digits after the point ("30.2"); NaN and infinities as "nan", "inf",
// "-inf" (a diverged model shows as such; cells without data are the caller's "-").
std::string format_number(double value, int decimals = 1);

// Escapes for LaTeX text mode (see Table::to_latex).
std::string latex_escape(const std::string& text);
// One CSV field per RFC 4180 (see Table::to_csv).
std::string csv_field(const std::string& text);

}  // namespace mvpose3d::eval
