#include "mvpose3d/eval/paper_tables.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>

namespace mvpose3d::eval {

namespace {

// Lower-case letters and digits only ("Walking Dog-1" -> "walkingdog1").
std::string squeeze(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

// Human3.6M action name without its trial suffix: "Directions-1", "Directions 2", "Directions_1".
std::string without_trial(const std::string& action) {
  std::size_t end = action.size();
  while (end > 0 && std::isdigit(static_cast<unsigned char>(action[end - 1]))) --end;
  if (end < action.size() && end > 0 &&
      (action[end - 1] == '-' || action[end - 1] == ' ' || action[end - 1] == '_')) {
    return action.substr(0, end - 1);
  }
  return action;
}

const std::string kOther = "Other";
const std::string kAvgFrames = "Avg (frames)";
const std::string kAvgActions = "Avg (actions)";
const std::string kAveragesNote =
    "Avg (frames): frame-weighted over every frame of the row; Avg (actions): unweighted mean of "
    "the action columns that have frames.";

// One row per camera set: label, the cells of `columns` (frames pooled by `column_of`), then the
// averages. `column_of` maps a group to a column name, or "" for kOther.
struct ColumnLayout {
  std::vector<std::string> columns;  // without Other and the averages
  std::function<std::string(const GroupKey&)> column_of;
  bool mean_of_actions = true;  // add "Avg (actions)"
  std::string average_label = kAvgFrames;
};

bool has_other(const EvalSummary& summary, const ColumnLayout& layout) {
  return std::any_of(summary.groups.begin(), summary.groups.end(), [&](const auto& g) {
    return layout.column_of(g.first).empty();
  });
}

std::vector<std::vector<std::string>> layout_rows(const EvalSummary& summary,
                                                  const ColumnLayout& layout,
                                                  Metric metric,
                                                  const std::vector<std::string>& row_sets,
                                                  const std::vector<std::string>& row_labels) {
  const bool other = has_other(summary, layout);
  std::vector<std::vector<std::string>> rows;
  for (std::size_t r = 0; r < row_sets.size(); ++r) {
    const std::string& set = row_sets[r];
    std::vector<std::string> row{row_labels[r]};
    std::vector<std::string> columns = layout.columns;
    if (other) columns.push_back("");
    double action_sum = 0;
    int actions = 0;
    for (const auto& column : columns) {
      const MetricRow cell = summary
                                 .pooled([&](const GroupKey& k) {
                                   return k.camera_set == set && layout.column_of(k) == column;
                                 })
                                 .mean();
      row.push_back(metric_cell(cell, metric));
      if (cell.frames > 0) {
        action_sum += cell.value(metric);
        ++actions;
      }
    }
    row.push_back(metric_cell(summary.overall(set), metric));
    if (layout.mean_of_actions) {
      row.push_back(actions > 0 ? format_number(action_sum / actions) : "-");
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

Table layout_table(const EvalSummary& summary,
                   const ColumnLayout& layout,
                   Metric metric,
                   const std::string& first_column,
                   const std::vector<std::string>& row_sets,
                   const std::vector<std::string>& row_labels) {
  Table table;
  table.header.push_back(first_column);
  table.header.insert(table.header.end(), layout.columns.begin(), layout.columns.end());
  if (has_other(summary, layout)) table.header.push_back(kOther);
  table.header.push_back(layout.average_label);
  if (layout.mean_of_actions) table.header.push_back(kAvgActions);
  table.rows = layout_rows(summary, layout, metric, row_sets, row_labels);
  return table;
}

std::string dataset_key(const std::string& dataset) {
  return squeeze(dataset);
}

}  // namespace

const std::vector<std::string>& h36m_columns() {
  static const std::vector<std::string> columns{"Dir",
                                                "Disc",
                                                "Eat",
                                                "Greet",
                                                "Phone",
                                                "Photo",
                                                "Pose",
                                                "Purch",
                                                "Sit",
                                                "SitD",
                                                "Smoke",
                                                "Wait",
                                                "WalkD",
                                                "Walk",
                                                "WalkT"};
  return columns;
}

std::string h36m_column(const std::string& action) {
  // Every spelling of datasets.md §1.4: metadata, LT / h36m-fetch folders, file stems, Qiu.
  static const std::map<std::string, std::string> names{{"directions", "Dir"},
                                                        {"direction", "Dir"},
                                                        {"discussion", "Disc"},
                                                        {"discuss", "Disc"},
                                                        {"eating", "Eat"},
                                                        {"eat", "Eat"},
                                                        {"greeting", "Greet"},
                                                        {"greet", "Greet"},
                                                        {"phoning", "Phone"},
                                                        {"phone", "Phone"},
                                                        {"takingphoto", "Photo"},
                                                        {"photo", "Photo"},
                                                        {"posing", "Pose"},
                                                        {"pose", "Pose"},
                                                        {"purchases", "Purch"},
                                                        {"purchase", "Purch"},
                                                        {"sitting", "Sit"},
                                                        {"sit", "Sit"},
                                                        {"sittingdown", "SitD"},
                                                        {"sitdown", "SitD"},
                                                        {"smoking", "Smoke"},
                                                        {"smoke", "Smoke"},
                                                        {"waiting", "Wait"},
                                                        {"wait", "Wait"},
                                                        {"walkingdog", "WalkD"},
                                                        {"walkdog", "WalkD"},
                                                        {"walking", "Walk"},
                                                        {"walk", "Walk"},
                                                        {"walkingtogether", "WalkT"},
                                                        {"walktogether", "WalkT"}};
  const auto it = names.find(squeeze(without_trial(action)));
  return it == names.end() ? "" : it->second;
}

std::string totalcapture_sequence(const std::string& action) {
  static const std::map<std::string, std::string> names{{"walking2", "W2"},
                                                        {"w2", "W2"},
                                                        {"freestyle3", "FS3"},
                                                        {"fs3", "FS3"},
                                                        {"acting3", "A3"},
                                                        {"a3", "A3"}};
  const auto it = names.find(squeeze(action));
  return it == names.end() ? "" : it->second;
}

int totalcapture_subject(const std::string& subject) {
  std::string s = squeeze(subject);
  for (const std::string prefix : {"subject", "s"}) {
    if (s.rfind(prefix, 0) == 0) {
      s = s.substr(prefix.size());
      break;
    }
  }
  if (s.size() != 1 || s[0] < '1' || s[0] > '5') return 0;
  return s[0] - '0';
}

PaperLayout paper_layout(const EvalSummary& summary) {
  const std::string dataset = dataset_key(summary.dataset);
  if (dataset == "h36m" || dataset == "human36m") return PaperLayout::kHuman36m;
  if (dataset == "totalcapture") return PaperLayout::kTotalCapture;
  if (!dataset.empty()) return PaperLayout::kSynthetic;
  std::set<std::string> h36m;
  bool tc_sequence = false, tc_subjects = true;
  for (const auto& [key, sums] : summary.groups) {
    const std::string column = h36m_column(key.action);
    if (!column.empty()) h36m.insert(column);
    tc_sequence = tc_sequence || !totalcapture_sequence(key.action).empty();
    tc_subjects = tc_subjects && totalcapture_subject(key.subject) > 0;
  }
  if (h36m.size() >= 8) return PaperLayout::kHuman36m;
  if (tc_sequence && tc_subjects) return PaperLayout::kTotalCapture;
  return PaperLayout::kSynthetic;
}

Table h36m_table(const EvalSummary& summary, Metric metric) {
  ColumnLayout layout;
  layout.columns = h36m_columns();
  layout.column_of = [](const GroupKey& k) { return h36m_column(k.action); };
  const auto sets = summary.camera_sets();
  Table table = layout_table(summary, layout, metric, "Camera set", sets, sets);
  table.title = fmt::format("Human3.6M, {} (mm) per action, trials pooled", metric_label(metric));
  table.note = kAveragesNote;
  return table;
}

Table totalcapture_table(const EvalSummary& summary, Metric metric) {
  ColumnLayout layout;
  for (const std::string subjects : {"S1-3", "S4-5"}) {
    for (const std::string sequence : {"W2", "FS3", "A3"}) {
      layout.columns.push_back(subjects + " " + sequence);
    }
  }
  layout.column_of = [](const GroupKey& k) -> std::string {
    const int subject = totalcapture_subject(k.subject);
    const std::string sequence = totalcapture_sequence(k.action);
    if (subject == 0 || sequence.empty()) return "";
    return (subject <= 3 ? "S1-3 " : "S4-5 ") + sequence;
  };
  layout.mean_of_actions = false;
  layout.average_label = "Mean";
  // Rows: seen cameras, unseen cameras, then the other camera sets in processing order.
  std::vector<std::string> sets, labels;
  const auto all = summary.camera_sets();
  for (const auto& [set, label] : std::vector<std::pair<std::string, std::string>>{
           {"seen", "Seen cameras (1,3,5,7)"}, {"unseen", "Unseen cameras (2,4,6,8)"}}) {
    if (std::find(all.begin(), all.end(), set) != all.end()) {
      sets.push_back(set);
      labels.push_back(label);
    }
  }
  for (const auto& set : all) {
    if (set != "seen" && set != "unseen") {
      sets.push_back(set);
      labels.push_back(set);
    }
  }
  Table table = layout_table(summary, layout, metric, "Cameras", sets, labels);
  table.title = fmt::format("Total Capture, {} (mm): seen subjects S1-3 and unseen subjects S4-5",
                            metric_label(metric));
  table.note = "Mean: frame-weighted over every frame of the row.";
  return table;
}

Table synthetic_table(const EvalSummary& summary, Metric metric) {
  ColumnLayout layout;
  const auto sets = summary.camera_sets();
  for (const auto& action : summary.action_names) {
    const bool has_frames = std::any_of(summary.groups.begin(),
                                        summary.groups.end(),
                                        [&](const auto& g) { return g.first.action == action; });
    if (has_frames) layout.columns.push_back(action);
  }
  layout.column_of = [](const GroupKey& k) { return k.action; };
  Table table = layout_table(summary, layout, metric, "Camera set", sets, sets);
  const bool synthetic = summary.dataset.empty() || dataset_key(summary.dataset) == "synthetic";
  table.title = fmt::format("{}, {} (mm) per action",
                            synthetic ? std::string("Synthetic") : summary.dataset,
                            metric_label(metric));
  table.note = kAveragesNote;
  return table;
}

std::vector<Table> paper_tables(const EvalSummary& summary) {
  std::vector<Metric> metrics;
  Table (*make)(const EvalSummary&, Metric) = nullptr;
  switch (paper_layout(summary)) {
    case PaperLayout::kHuman36m:
      metrics = {Metric::kMpjpeRel, Metric::kMpjpe};
      make = h36m_table;
      break;
    case PaperLayout::kTotalCapture:
      metrics = {Metric::kMpjpe};
      make = totalcapture_table;
      break;
    case PaperLayout::kSynthetic:
      metrics = {Metric::kMpjpe, Metric::kMpjpeRel};
      make = synthetic_table;
      break;
  }
  if (summary.procrustes) metrics.push_back(Metric::kPaMpjpe);
  std::vector<Table> tables;
  for (const Metric metric : metrics) tables.push_back(make(summary, metric));
  return tables;
}

}  // namespace mvpose3d::eval
