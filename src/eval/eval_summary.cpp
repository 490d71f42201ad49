#include "mvpose3d/eval/eval_summary.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/json.h"
#include "mvpose3d/core/tensor_npy.h"
#include "mvpose3d/eval/paper_tables.h"
#include "mvpose3d/eval/table.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <ATen/ATen.h>
#include <fmt/format.h>

namespace mvpose3d::eval {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct MetricInfo {
  Metric metric;
  const char* key;
  const char* label;
};

const MetricInfo& metric_info(Metric metric) {
  static const MetricInfo infos[] = {{Metric::kMpjpe, "mpjpe_mm", "MPJPE"},
                                     {Metric::kMpjpeRel, "mpjpe_rel_mm", "root-relative MPJPE"},
                                     {Metric::kPaMpjpe, "pa_mpjpe_mm", "PA-MPJPE"}};
  for (const auto& info : infos) {
    if (info.metric == metric) return info;
  }
  throw Error(fmt::format("unknown metric value {}", static_cast<int>(metric)));
}

const std::vector<Metric>& all_metrics() {
  static const std::vector<Metric> metrics{Metric::kMpjpe, Metric::kMpjpeRel, Metric::kPaMpjpe};
  return metrics;
}

// The metrics a summary has (PA-MPJPE only when Procrustes was on).
std::vector<Metric> computed_metrics(const EvalSummary& s) {
  std::vector<Metric> out{Metric::kMpjpe, Metric::kMpjpeRel};
  if (s.procrustes) out.push_back(Metric::kPaMpjpe);
  return out;
}

double sum_of(const std::vector<double>& v) {
  double total = 0;
  for (const double x : v) total += x;
  return total;
}

// Exact decimal for files: shortest round-trip form; NaN / inf as the caller's word.
std::string number(double value, const char* not_finite) {
  return std::isfinite(value) ? fmt::format("{}", value) : std::string(not_finite);
}

// A metrics table: one row per (label, MetricRow), columns frames, the metrics, invalid joints.
Table metric_table(const std::string& title,
                   const std::string& first_column,
                   const std::vector<std::pair<std::string, MetricRow>>& rows,
                   const std::vector<Metric>& metrics,
                   const std::string& invalid_label = "invalid joints") {
  Table table;
  table.title = title;
  table.header = {first_column, "frames"};
  for (const Metric m : metrics) table.header.push_back(metric_label(m));
  table.header.push_back(invalid_label);
  for (const auto& [label, row] : rows) {
    std::vector<std::string> cells{label, std::to_string(row.frames)};
    for (const Metric m : metrics) cells.push_back(metric_cell(row, m));
    cells.push_back(std::to_string(row.invalid_joints));
    table.rows.push_back(std::move(cells));
  }
  return table;
}

}  // namespace

std::string metric_key(Metric metric) {
  return metric_info(metric).key;
}

std::string metric_label(Metric metric) {
  return metric_info(metric).label;
}

double MetricRow::value(Metric metric) const {
  switch (metric) {
    case Metric::kMpjpe:
      return mpjpe_mm;
    case Metric::kMpjpeRel:
      return mpjpe_rel_mm;
    case Metric::kPaMpjpe:
      return pa_mpjpe_mm;
  }
  return kNaN;
}

std::string metric_cell(const MetricRow& row, Metric metric, int decimals) {
  return row.frames > 0 ? format_number(row.value(metric), decimals) : "-";
}

void MetricSums::add(const MetricSums& other) {
  if (other.frames == 0) return;
  if (frames == 0) {
    *this = other;
    return;
  }
  MVPOSE3D_CHECK(abs_mm.size() == other.abs_mm.size(),
                 "MetricSums::add: {} joints against {}",
                 abs_mm.size(),
                 other.abs_mm.size());
  frames += other.frames;
  for (std::size_t k = 0; k < abs_mm.size(); ++k) {
    abs_mm[k] += other.abs_mm[k];
    rel_mm[k] += other.rel_mm[k];
    invalid[k] += other.invalid[k];
  }
  if (pa_mm.size() == other.pa_mm.size()) {
    for (std::size_t k = 0; k < pa_mm.size(); ++k) pa_mm[k] += other.pa_mm[k];
  } else {
    pa_mm.clear();  // one side without Procrustes: none for the pool
  }
}

MetricRow MetricSums::mean() const {
  MetricRow row;
  row.frames = frames;
  for (const int64_t n : invalid) row.invalid_joints += n;
  if (frames == 0 || abs_mm.empty()) return row;
  const double n = static_cast<double>(frames) * static_cast<double>(abs_mm.size());
  row.mpjpe_mm = sum_of(abs_mm) / n;
  row.mpjpe_rel_mm = sum_of(rel_mm) / n;
  if (!pa_mm.empty()) row.pa_mpjpe_mm = sum_of(pa_mm) / n;
  return row;
}

MetricRow MetricSums::joint_mean(int64_t joint) const {
  MetricRow row;
  row.frames = frames;
  if (frames == 0) return row;
  MVPOSE3D_CHECK(joint >= 0 && joint < static_cast<int64_t>(abs_mm.size()),
                 "MetricSums::joint_mean: joint {} out of range for {} joints",
                 joint,
                 abs_mm.size());
  const auto k = static_cast<std::size_t>(joint);
  const double n = static_cast<double>(frames);
  row.mpjpe_mm = abs_mm[k] / n;
  row.mpjpe_rel_mm = rel_mm[k] / n;
  if (!pa_mm.empty()) row.pa_mpjpe_mm = pa_mm[k] / n;
  row.invalid_joints = invalid[k];
  return row;
}

std::vector<std::string> EvalSummary::camera_sets() const {
  return camera_set_order;
}

MetricRow EvalSummary::overall(const std::string& camera_set) const {
  return pooled([&](const GroupKey& k) { return k.camera_set == camera_set; }).mean();
}

MetricRow EvalSummary::action(const std::string& camera_set, const std::string& name) const {
  return pooled([&](const GroupKey& k) { return k.camera_set == camera_set && k.action == name; })
      .mean();
}

MetricRow EvalSummary::subject(const std::string& camera_set, const std::string& name) const {
  return pooled([&](const GroupKey& k) { return k.camera_set == camera_set && k.subject == name; })
      .mean();
}

MetricRow EvalSummary::subject_action(const std::string& camera_set,
                                      const std::string& subject_name,
                                      const std::string& action_name) const {
  const auto it = groups.find(GroupKey{camera_set, subject_name, action_name});
  return it == groups.end() ? MetricRow{} : it->second.mean();
}

double EvalSummary::mean_of_actions(const std::string& camera_set, Metric metric) const {
  double total = 0;
  int count = 0;
  for (const auto& name : actions(camera_set)) {
    total += action(camera_set, name).value(metric);
    ++count;
  }
  return count > 0 ? total / count : kNaN;
}

std::vector<MetricRow> EvalSummary::per_joint(const std::string& camera_set) const {
  const MetricSums sums = pooled([&](const GroupKey& k) { return k.camera_set == camera_set; });
  std::vector<MetricRow> rows;
  for (int64_t j = 0; j < num_joints; ++j) rows.push_back(sums.joint_mean(j));
  return rows;
}

std::vector<std::string> EvalSummary::actions(const std::string& camera_set) const {
  std::vector<std::string> out;
  for (const auto& name : action_names) {
    if (action(camera_set, name).frames > 0) out.push_back(name);
  }
  return out;
}

std::vector<std::string> EvalSummary::subjects(const std::string& camera_set) const {
  std::vector<std::string> out;
  for (const auto& name : subject_names) {
    if (subject(camera_set, name).frames > 0) out.push_back(name);
  }
  return out;
}

std::string EvalSummary::brief_report() const {
  std::string out;
  for (const auto& set : camera_sets()) {
    const MetricRow row = overall(set);
    out += fmt::format("{}: MPJPE {} mm, root-relative {} mm",
                       set,
                       format_number(row.mpjpe_mm),
                       format_number(row.mpjpe_rel_mm));
    if (procrustes) out += fmt::format(", PA-MPJPE {} mm", format_number(row.pa_mpjpe_mm));
    out += fmt::format(" (mean of actions {} mm), {} frames, {} invalid joints\n",
                       format_number(mean_of_actions(set, Metric::kMpjpe)),
                       row.frames,
                       row.invalid_joints);
  }
  return out;
}

std::vector<Table> EvalSummary::report_tables() const {
  const std::vector<Metric> metrics = computed_metrics(*this);
  std::vector<Table> tables;

  Table summary;
  summary.title = "Summary (mm)";
  summary.header = {"camera set", "frames"};
  for (const Metric m : metrics) summary.header.push_back(metric_label(m));
  for (const Metric m : metrics) summary.header.push_back(metric_label(m) + " (mean of actions)");
  summary.header.push_back("invalid joints");
  for (const auto& set : camera_sets()) {
    const MetricRow row = overall(set);
    std::vector<std::string> cells{set, std::to_string(row.frames)};
    for (const Metric m : metrics) cells.push_back(metric_cell(row, m));
    for (const Metric m : metrics) cells.push_back(format_number(mean_of_actions(set, m)));
    cells.push_back(std::to_string(row.invalid_joints));
    summary.rows.push_back(std::move(cells));
  }
  const std::string root_name = root_joint < static_cast<int64_t>(joint_names.size())
                                    ? joint_names[static_cast<std::size_t>(root_joint)]
                                    : std::to_string(root_joint);
  summary.note = fmt::format(
      "MPJPE: absolute, world frame. Root-relative: both poses minus their own root joint ({}). "
      "PA: after similarity Procrustes alignment. Frame-weighted over all frames unless 'mean of "
      "actions' (unweighted mean of the per-action means).",
      root_name);
  tables.push_back(std::move(summary));

  for (auto& table : paper_tables(*this)) tables.push_back(std::move(table));

  for (const auto& set : camera_sets()) {
    std::vector<std::pair<std::string, MetricRow>> rows;
    for (const auto& name : actions(set)) rows.emplace_back(name, action(set, name));
    rows.emplace_back("all frames", overall(set));
    Table table =
        metric_table(fmt::format("Per action, camera set {} (mm)", set), "action", rows, metrics);
    std::vector<std::string> mean_row{"mean of actions", "-"};
    for (const Metric m : metrics) mean_row.push_back(format_number(mean_of_actions(set, m)));
    mean_row.push_back("-");
    table.rows.push_back(std::move(mean_row));
    tables.push_back(std::move(table));
  }
  for (const auto& set : camera_sets()) {
    std::vector<std::pair<std::string, MetricRow>> rows;
    for (const auto& name : subjects(set)) rows.emplace_back(name, subject(set, name));
    tables.push_back(metric_table(
        fmt::format("Per subject, camera set {} (mm)", set), "subject", rows, metrics));
  }
  for (const auto& set : camera_sets()) {
    std::vector<std::pair<std::string, MetricRow>> rows;
    const auto joints = per_joint(set);
    for (std::size_t j = 0; j < joints.size(); ++j) rows.emplace_back(joint_names[j], joints[j]);
    tables.push_back(metric_table(fmt::format("Per joint, camera set {} (mm)", set),
                                  "joint",
                                  rows,
                                  metrics,
                                  "invalid frames"));
  }
  return tables;
}

std::string EvalSummary::full_report() const {
  std::string out = "# Evaluation\n\n";
  if (camera_sets().empty()) return out + "No frames were evaluated.\n";
  for (const auto& table : report_tables()) out += table.to_markdown() + "\n";
  return out;
}

JsonObject EvalSummary::to_json_object() const {
  JsonObject out = JsonObject::object();
  for (const auto& set : camera_sets()) {
    const MetricRow row = overall(set);
    for (const Metric m : computed_metrics(*this)) {
      out[set + "/" + metric_key(m)] = json_number(row.value(m));
    }
    for (const Metric m : computed_metrics(*this)) {
      out[set + "/" + metric_key(m) + "_mean_of_actions"] = json_number(mean_of_actions(set, m));
    }
    out[set + "/frames"] = row.frames;
    out[set + "/invalid_joints"] = row.invalid_joints;
  }
  return out;
}

std::string EvalSummary::to_json() const {
  return json_line(to_json_object());
}

void EvalSummary::write(const std::filesystem::path& dir, const std::string& stem) const {
  MVPOSE3D_CHECK(
      !stem.empty(), "EvalSummary::write: empty file stem for directory {}", dir.string());
  const std::vector<Table> tables = report_tables();
  write_file_atomic(dir / (stem + ".md"), full_report());

  std::string tex = fmt::format("% mvpose3d evaluation tables; needs \\usepackage{{booktabs}}\n");
  for (const auto& table : tables) tex += table.to_latex() + "\n";
  write_file_atomic(dir / (stem + ".tex"), tex);

  // The long CSV: every scope of every camera set, full precision.
  Table csv;
  csv.header = {"camera_set", "scope", "subject", "action", "joint", "frames"};
  for (const Metric m : all_metrics()) csv.header.push_back(metric_key(m));
  csv.header.push_back("invalid_joints");
  const auto add = [&](const std::string& set,
                       const std::string& scope,
                       const std::string& subj,
                       const std::string& act,
                       const std::string& joint,
                       const MetricRow& row) {
    std::vector<std::string> cells{set, scope, subj, act, joint, std::to_string(row.frames)};
    for (const Metric m : all_metrics()) cells.push_back(number(row.value(m), "nan"));
    cells.push_back(std::to_string(row.invalid_joints));
    csv.rows.push_back(std::move(cells));
  };
  for (const auto& set : camera_sets()) {
    add(set, "all", "", "", "", overall(set));
    for (const auto& a : actions(set)) add(set, "action", "", a, "", action(set, a));
    for (const auto& s : subjects(set)) add(set, "subject", s, "", "", subject(set, s));
    for (const auto& s : subjects(set)) {
      for (const auto& a : actions(set)) {
        const MetricRow row = subject_action(set, s, a);
        if (row.frames > 0) add(set, "subject_action", s, a, "", row);
      }
    }
    const auto joints = per_joint(set);
    for (std::size_t j = 0; j < joints.size(); ++j) {
      add(set, "joint", "", "", joint_names[j], joints[j]);
    }
  }
  write_file_atomic(dir / (stem + ".csv"), csv.to_csv());

  if (predictions.size() > 0) {
    const EvalPredictions& p = predictions;
    save_npy_tensor(dir / (stem + "_predictions.npy"), p.joints3d_mm.contiguous());
    Table index;
    index.header = {
        "row", "camera_set", "index", "subject", "action", "sequence", "frame", "invalid_joints"};
    const auto invalid = p.valid.logical_not().sum(-1).to(at::kLong).contiguous();  // [N]
    const auto ids = p.index.contiguous(), sequences = p.sequence.contiguous(),
               frames = p.frame.contiguous();
    const auto n = [](const at::Tensor& t, int64_t i) {
      return std::to_string(t.data_ptr<int64_t>()[i]);
    };
    for (int64_t i = 0; i < p.size(); ++i) {
      const auto k = static_cast<std::size_t>(i);
      index.rows.push_back({std::to_string(i),
                            p.camera_set[k],
                            n(ids, i),
                            p.subject[k],
                            p.action[k],
                            n(sequences, i),
                            n(frames, i),
                            n(invalid, i)});
    }
    write_file_atomic(dir / (stem + "_predictions_index.csv"), index.to_csv());
  }
}

}  // namespace mvpose3d::eval
