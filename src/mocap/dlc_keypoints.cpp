// DeepLabCut's CSV (libcsv) and H5 (through pandas) keypoint files.
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/mocap/keypoint_import.h"
#include "mvpose3d/mocap/python_helper.h"

#include <cmath>
#include <cstdlib>
#include <csv.h>
#include <limits>
#include <map>
#include <unistd.h>

#include <fmt/format.h>

#include "mocap/csv_rows.h"

namespace mvpose3d::mocap {

namespace fs = std::filesystem;

namespace {

struct CsvState {
  std::vector<CsvRow> rows;
  CsvRow current;
  int line = 1;
};

void on_field(void* text, std::size_t size, void* data) {
  auto* state = static_cast<CsvState*>(data);
  state->current.cells.emplace_back(static_cast<const char*>(text), size);
}

void on_record(int, void* data) {
  auto* state = static_cast<CsvState*>(data);
  state->current.line = state->line;
  state->rows.push_back(std::move(state->current));
  state->current = CsvRow{};
}

// The coordinate a DLC column holds.
enum class Coord { kX, kY, kLikelihood };

struct Column {
  std::size_t person;  // index into the individuals, in order of appearance
  std::size_t joint;   // index into the body parts, in order of appearance
  Coord coord;
};

// Whole numbers up to 2^53 are exact in a double (and fit in int64_t).
constexpr double kMaxExactWholeDouble = 9007199254740992.0;

bool parse_number(const std::string& text, double& value) {
  if (text.empty()) return false;
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

template <class T>
std::size_t index_of(std::vector<T>& items, const T& item) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i] == item) return i;
  }
  items.push_back(item);
  return items.size() - 1;
}

// The pandas table of a DLC H5 written out as DLC's CSV layout.
constexpr const char* kH5ToCsv = R"PY(
import sys
import pandas as pd
frame = pd.read_hdf(sys.argv[1])
frame.to_csv(sys.argv[2])
)PY";

}  // namespace

std::vector<CsvRow> read_csv_rows(const fs::path& file) {
  const std::string text = read_text_file(file);
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
    throw Error("libcsv: could not initialise the parser");
  }
  CsvState state;
  std::size_t start = 0;
  // Fed line by line, so a record's callback knows its line.
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end + 1;
    if (csv_parse(&parser, text.data() + start, end - start, on_field, on_record, &state) !=
        end - start) {
      const std::string what = csv_strerror(csv_error(&parser));
      csv_free(&parser);
      throw Error(fmt::format("{}:{}: malformed CSV: {}", file.string(), state.line, what));
    }
    start = end;
    ++state.line;
  }
  --state.line;
  if (csv_fini(&parser, on_field, on_record, &state) != 0) {
    const std::string what = csv_strerror(csv_error(&parser));
    csv_free(&parser);
    throw Error(fmt::format("{}:{}: malformed CSV: {}", file.string(), state.line, what));
  }
  csv_free(&parser);
  return std::move(state.rows);
}

ViewDetections read_dlc_csv(const fs::path& file) {
  const std::vector<CsvRow> rows = read_csv_rows(file);
  const std::string name = file.string();
  std::map<std::string, const CsvRow*> header;
  std::size_t first_data = 0;
  while (first_data < rows.size() && !rows[first_data].cells.empty()) {
    const std::string& key = rows[first_data].cells[0];
    if (key != "scorer" && key != "individuals" && key != "bodyparts" && key != "coords") break;
    header[key] = &rows[first_data];
    ++first_data;
  }
  for (const char* key : {"scorer", "bodyparts", "coords"}) {
    if (header.count(key) == 0) {
      throw UsageError(fmt::format(
          "{}:{}: no '{}' header row (DeepLabCut CSV starts with rows scorer, [individuals,] "
          "bodyparts, coords)",
          name,
          rows.empty() ? 1 : rows.front().line,
          key));
    }
  }
  const CsvRow& coords = *header["coords"];
  const CsvRow& parts = *header["bodyparts"];
  const CsvRow* individuals = header.count("individuals") ? header["individuals"] : nullptr;
  // Leading index columns: those whose coords cell is not a coordinate.
  std::size_t index_columns = 0;
  while (index_columns < coords.cells.size() && coords.cells[index_columns] != "x" &&
         coords.cells[index_columns] != "y" && coords.cells[index_columns] != "likelihood") {
    ++index_columns;
  }
  if (index_columns == 0 || index_columns == coords.cells.size()) {
    throw UsageError(
        fmt::format("{}:{}: the coords row names no x, y, likelihood columns", name, coords.line));
  }
  ViewDetections view;
  view.source = name;
  std::vector<std::string> people;
  std::vector<Column> columns;
  for (std::size_t c = index_columns; c < coords.cells.size(); ++c) {
    const std::string& coord = coords.cells[c];
    Column column{};
    if (coord == "x") {
      column.coord = Coord::kX;
    } else if (coord == "y") {
      column.coord = Coord::kY;
    } else if (coord == "likelihood") {
      column.coord = Coord::kLikelihood;
    } else {
      throw UsageError(fmt::format("{}:{}: column {}: coords '{}' (expected x, y or likelihood)",
                                   name,
                                   coords.line,
                                   c + 1,
                                   coord));
    }
    if (c >= parts.cells.size() || (individuals && c >= individuals->cells.size())) {
      throw UsageError(fmt::format(
          "{}:{}: column {}: the header rows differ in length", name, coords.line, c + 1));
    }
    column.joint = index_of(view.joint_names, parts.cells[c]);
    column.person = index_of(people, individuals ? individuals->cells[c] : std::string());
    columns.push_back(column);
  }
  view.joints = static_cast<int64_t>(view.joint_names.size());
  bool has_likelihood = false;
  for (const Column& column : columns) has_likelihood |= column.coord == Coord::kLikelihood;

  const double nan = std::numeric_limits<double>::quiet_NaN();
  int64_t position = 0;
  for (std::size_t r = first_data; r < rows.size(); ++r) {
    const CsvRow& row = rows[r];
    // A row shorter than the index columns has no index (and is refused below if it has values).
    const std::string index =
        row.cells.size() >= index_columns ? row.cells[index_columns - 1] : std::string();
    bool any_value = false;
    for (std::size_t c = index_columns; c < row.cells.size(); ++c)
      any_value |= !row.cells[c].empty();
    double number = 0.0;
    const bool numeric_index = parse_number(index, number) && number == std::floor(number);
    if (!any_value && !numeric_index) continue;  // pandas' row with the index's name
    if (numeric_index && !(std::abs(number) <= kMaxExactWholeDouble)) {
      throw UsageError(fmt::format("{}:{}: row index '{}' is not a frame number (at most {})",
                                   name,
                                   row.line,
                                   index,
                                   kMaxExactWholeDouble));
    }
    if (row.cells.size() != coords.cells.size()) {
      throw UsageError(fmt::format("{}:{}: {} cells, the header has {}",
                                   name,
                                   row.line,
                                   row.cells.size(),
                                   coords.cells.size()));
    }
    int64_t frame = numeric_index ? static_cast<int64_t>(number) : last_number_in(index);
    if (frame < 0) frame = position;
    ++position;
    std::vector<DetectedPerson> found(people.size());
    for (DetectedPerson& p : found) {
      p.xyc.assign(static_cast<std::size_t>(3 * view.joints), nan);
      for (int64_t j = 0; j < view.joints; ++j) p.xyc[3 * j + 2] = has_likelihood ? 0.0 : 1.0;
    }
    for (std::size_t k = 0; k < columns.size(); ++k) {
      const std::string& cell = row.cells[index_columns + k];
      double value = nan;
      if (!cell.empty() && !parse_number(cell, value)) {
        throw UsageError(fmt::format("{}:{}: column {} ({} {}): '{}' is not a number",
                                     name,
                                     row.line,
                                     index_columns + k + 1,
                                     view.joint_names[columns[k].joint],
                                     coords.cells[index_columns + k],
                                     cell));
      }
      if (cell.empty() && columns[k].coord == Coord::kLikelihood) value = 0.0;
      found[columns[k].person]
          .xyc[3 * columns[k].joint + static_cast<std::size_t>(columns[k].coord)] = value;
    }
    for (DetectedPerson& p : found) {
      double sum = 0.0;
      for (int64_t j = 0; j < view.joints; ++j) {
        if (std::isnan(p.xyc[3 * j]) || std::isnan(p.xyc[3 * j + 1])) p.xyc[3 * j + 2] = 0.0;
        sum += p.xyc[3 * j + 2];
      }
      p.score = view.joints > 0 ? sum / static_cast<double>(view.joints) : 0.0;
    }
    view.frames[frame] = std::move(found);
  }
  return view;
}

ViewDetections read_dlc_h5(const fs::path& file) {
  const fs::path csv = fs::temp_directory_path() /
                       fmt::format("mvpose3d-dlc-{}-{}.csv", ::getpid(), file.stem().string());
  run_python_helper(kH5ToCsv,
                    {file.string(), csv.string()},
                    fmt::format("reading DeepLabCut H5 {}", file.string()),
                    "pandas, tables");
  ViewDetections view = read_dlc_csv(csv);
  fs::remove(csv);
  view.source = file.string();
  return view;
}

}  // namespace mvpose3d::mocap
