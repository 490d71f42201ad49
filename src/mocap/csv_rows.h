// A CSV file as rows of text cells with their line numbers (libcsv, RFC 4180 quoting).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace mvpose3d::mocap {

struct CsvRow {
  int line = 0;  // 1-based line on which the record ends
  std::vector<std::string> cells;
};

// Throws Error "file:line: ..." on malformed quoting; blank lines are skipped.
std::vector<CsvRow> read_csv_rows(const std::filesystem::path& file);

}  // namespace mvpose3d::mocap
