#include "mvpose3d/train/sweep.h"

#include "mvpose3d/config/run_config.h"
#include "mvpose3d/config/yaml_document.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/distributed/process_group.h"
#include "mvpose3d/run/run_dir.h"
#include "mvpose3d/train/hooks.h"
#include "mvpose3d/train/run.h"
#include "mvpose3d/train/trainer.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <regex>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

namespace mvpose3d::train {

namespace fs = std::filesystem;

namespace {

std::string where(const fs::path& file, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return fmt::format("{}:{}:{}", file.string(), mark.line + 1, mark.column + 1);
}

[[noreturn]] void fail(const fs::path& file, const YAML::Node& node, const std::string& what) {
  throw UsageError(fmt::format("{}: {}", where(file, node), what));
}

std::string scalar(const fs::path& file, const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) fail(file, node, key + ": expected a string");
  return node.Scalar();
}

// A YAML value as the VALUE of a "key=VALUE" override (flow style for lists and maps).
std::string override_value(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

std::vector<std::string> overrides_of(const fs::path& file, const YAML::Node& node) {
  if (!node.IsMap()) fail(file, node, "set: expected a map of dotted keys to values");
  std::vector<std::string> out;
  for (const auto& kv : node) {
    out.push_back(scalar(file, kv.first, "set") + "=" + override_value(kv.second));
  }
  return out;
}

// Safe in a directory name: letters, digits, '.', '-', '_', '='; anything else becomes '-'.
std::string directory_name(std::string name) {
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_' &&
        c != '=')
      c = '-';
  }
  return name;
}

void add_grid(const fs::path& file,
              const YAML::Node& grid,
              SweepSpec& spec,
              const std::vector<std::string>& common) {
  if (!grid.IsMap() || grid.size() == 0) fail(file, grid, "grid: expected a map of keys to lists");
  std::vector<std::pair<std::string, std::vector<YAML::Node>>> axes;
  for (const auto& kv : grid) {
    const std::string key = scalar(file, kv.first, "grid");
    if (!kv.second.IsSequence() || kv.second.size() == 0) {
      fail(file, kv.second, "grid." + key + ": expected a non-empty list of values");
    }
    std::vector<YAML::Node> values(kv.second.begin(), kv.second.end());
    axes.emplace_back(key, values);
  }
  std::vector<std::size_t> index(axes.size(), 0);
  while (true) {
    SweepRun run;
    run.overrides = common;
    for (std::size_t a = 0; a < axes.size(); ++a) {
      const std::string& key = axes[a].first;
      const std::string value = override_value(axes[a].second[index[a]]);
      run.overrides.push_back(key + "=" + value);
      const std::string tail = key.substr(key.rfind('.') + 1);
      run.name += (run.name.empty() ? "" : "_") + tail + "=" + value;
    }
    run.name = directory_name(run.name);
    spec.runs.push_back(run);
    std::size_t a = 0;
    while (a < axes.size() && ++index[a] == axes[a].second.size()) index[a++] = 0;
    if (a == axes.size()) break;
  }
}

}  // namespace

SweepSpec load_sweep(const fs::path& file) {
  // Read as configs are (size, regular file, nesting, one document): a FIFO or /dev/zero given as
  // the sweep file is refused at once.
  YAML::Node root = load_yaml_document(file, "sweep file");
  if (!root.IsMap()) throw UsageError(file.string() + ": a sweep file is a YAML map");
  static const std::set<std::string> kKeys{"name", "base", "set", "runs", "grid", "metrics"};
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    if (!kKeys.count(key)) {
      fail(file,
           kv.first,
           "unknown key '" + key + "' (known: name, base, set, runs, grid, metrics)");
    }
  }
  SweepSpec spec;
  spec.name = root["name"] ? scalar(file, root["name"], "name") : file.stem().string();
  spec.name = directory_name(spec.name);
  if (!root["base"]) throw UsageError(file.string() + ": 'base' (the base config file) is missing");
  spec.base = file.parent_path() / scalar(file, root["base"], "base");
  if (!fs::exists(spec.base)) {
    fail(file, root["base"], "base: no such config file " + spec.base.string());
  }
  const std::vector<std::string> common =
      root["set"] ? overrides_of(file, root["set"]) : std::vector<std::string>{};
  if (root["runs"]) {
    const YAML::Node runs = root["runs"];
    if (!runs.IsSequence()) fail(file, runs, "runs: expected a list of {name, set}");
    for (const auto& item : runs) {
      if (!item.IsMap() || !item["name"]) fail(file, item, "runs: each run needs a 'name'");
      for (const auto& kv : item) {
        if (kv.first.Scalar() != "name" && kv.first.Scalar() != "set") {
          fail(file, kv.first, "runs: unknown key '" + kv.first.Scalar() + "' (known: name, set)");
        }
      }
      SweepRun run;
      run.name = directory_name(scalar(file, item["name"], "runs.name"));
      run.overrides = common;
      if (item["set"]) {
        for (auto& o : overrides_of(file, item["set"])) run.overrides.push_back(o);
      }
      spec.runs.push_back(run);
    }
  }
  if (root["grid"]) add_grid(file, root["grid"], spec, common);
  if (spec.runs.empty())
    throw UsageError(file.string() + ": the sweep has no runs (add runs or grid)");
  std::set<std::string> names;
  for (const auto& run : spec.runs) {
    if (!names.insert(run.name).second) {
      throw UsageError(fmt::format("{}: two runs are named '{}'", file.string(), run.name));
    }
  }
  if (root["metrics"]) {
    spec.metrics.clear();
    const YAML::Node m = root["metrics"];
    if (!m.IsSequence() || m.size() == 0) fail(file, m, "metrics: expected a non-empty list");
    for (const auto& item : m) spec.metrics.push_back(scalar(file, item, "metrics"));
  }
  return spec;
}

std::map<std::string, double> read_flat_json_numbers(const std::string& text) {
  std::map<std::string, double> out;
  static const std::regex kPair(R"re("([^"]+)"\s*:\s*(-?[0-9][0-9.eE+\-]*))re");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kPair);
       it != std::sregex_iterator();
       ++it) {
    out[(*it)[1].str()] = std::stod((*it)[2].str());
  }
  return out;
}

int SweepResult::failed() const {
  return static_cast<int>(std::count_if(
      runs.begin(), runs.end(), [](const SweepRunResult& r) { return r.status == "failed"; }));
}

eval::Table sweep_table(const SweepSpec& spec, const std::vector<SweepRunResult>& runs) {
  // Columns: every "<camera set>/<metric>" some run reported, camera sets in first-seen order.
  std::vector<std::string> sets;
  for (const auto& run : runs) {
    for (const auto& [key, value] : run.metrics) {
      const auto slash = key.find('/');
      if (slash == std::string::npos) continue;
      const std::string set = key.substr(0, slash);
      if (std::find(sets.begin(), sets.end(), set) == sets.end()) sets.push_back(set);
    }
  }
  // "seen" first, then the others alphabetically (a stable, readable order).
  std::stable_sort(sets.begin(), sets.end(), [](const std::string& a, const std::string& b) {
    return (a == "seen") > (b == "seen");
  });
  eval::Table table;
  table.title =
      fmt::format("Sweep {}: {} per camera set (mm)", spec.name, fmt::join(spec.metrics, ", "));
  table.header.push_back("run");
  std::vector<std::string> keys;
  for (const auto& set : sets) {
    for (const auto& metric : spec.metrics) {
      if (std::none_of(runs.begin(), runs.end(), [&](const SweepRunResult& r) {
            return r.metrics.count(set + "/" + metric) > 0;
          }))
        continue;
      keys.push_back(set + "/" + metric);
      table.header.push_back(set + " " + metric);
    }
  }
  table.header.push_back("status");
  for (const auto& run : runs) {
    std::vector<std::string> row{run.name};
    for (const auto& key : keys) {
      const auto it = run.metrics.find(key);
      row.push_back(it == run.metrics.end() ? "-" : fmt::format("{:.1f}", it->second));
    }
    row.push_back(run.status);
    table.rows.push_back(row);
  }
  return table;
}

std::pair<int, int> parse_sweep_worker(const std::string& text) {
  static const std::regex kWorker(R"(([0-9]+)/([0-9]+))");
  std::smatch m;
  if (std::regex_match(text, m, kWorker)) {
    const int index = std::stoi(m[1].str()), count = std::stoi(m[2].str());
    if (count >= 1 && index < count) return {index, count};
  }
  throw UsageError(fmt::format(
      "--worker {}: expected I/N with 0 <= I < N (worker I of N, e.g. 0/4 ... 3/4)", text));
}

namespace {

// The runs this invocation handles: --only's, and of those every worker_count-th (by position in
// the sweep file, so the workers' shares do not depend on --only).
std::vector<SweepRun> selected_runs(const SweepSpec& spec, const SweepOptions& options) {
  for (const auto& only : options.only) {
    if (std::none_of(spec.runs.begin(), spec.runs.end(), [&](const SweepRun& r) {
          return r.name == only;
        })) {
      throw UsageError(fmt::format("sweep {}: no run named '{}'", spec.name, only));
    }
  }
  MVPOSE3D_CHECK(options.worker_count >= 1 && options.worker_index >= 0 &&
                     options.worker_index < options.worker_count,
                 "sweep {}: worker {} of {} does not exist",
                 spec.name,
                 options.worker_index,
                 options.worker_count);
  std::vector<SweepRun> runs;
  for (std::size_t i = 0; i < spec.runs.size(); ++i) {
    const SweepRun& run = spec.runs[i];
    if (static_cast<int>(i % options.worker_count) != options.worker_index) continue;
    if (!options.only.empty() &&
        std::find(options.only.begin(), options.only.end(), run.name) == options.only.end()) {
      continue;
    }
    runs.push_back(run);
  }
  return runs;
}

// The resolved config of one run of the sweep (its overrides, then options.extra_overrides).
LoadedConfig load_run_config(const SweepSpec& spec,
                             const SweepRun& run,
                             const SweepOptions& options) {
  std::vector<std::string> overrides = run.overrides;
  overrides.insert(overrides.end(), options.extra_overrides.begin(), options.extra_overrides.end());
  overrides.push_back("name=" + run.name);
  return load_config_with_origins(spec.base, overrides);
}

void write_sweep_tables(const SweepResult& result) {
  if (result.dir.empty()) return;
  write_file_atomic(result.dir / "sweep_results.md", result.table.to_markdown());
  write_file_atomic(result.dir / "sweep_results.csv", result.table.to_csv());
  write_file_atomic(result.dir / "sweep_results.tex", result.table.to_latex());
}

}  // namespace

namespace {

// What rank 0 decided about a run, shared with the other ranks of a job as text: train it anew,
// resume it, skip it (finished), or report it failed ("failed: <why>").
constexpr char kNew[] = "new";
constexpr char kResume[] = "resume";
constexpr char kFinished[] = "finished";
constexpr char kFailed[] = "failed: ";

// The train.distributed keys a job of several processes joins with, once for the whole sweep:
// those of the first run of the file whose config loads (a run that does not load fails on its
// turn, with the reason; if none loads, every run fails so and the defaults serve).
DistributedConfig job_settings(const SweepSpec& spec, const SweepOptions& options) {
  for (const SweepRun& run : spec.runs) {
    try {
      return load_run_config(spec, run, options).config.train.distributed;
    } catch (const std::exception&) {
    }
  }
  return {};
}

// Throws UsageError when a run asks for another process group than the one the job made.
void check_job_settings(const RunConfig& config, const DistributedConfig& joined) {
  const DistributedConfig& wanted = config.train.distributed;
  if (wanted.backend == joined.backend && wanted.timeout_s == joined.timeout_s) return;
  throw UsageError(fmt::format(
      "train.distributed.backend = {} and timeout_s = {}, but this sweep's processes joined with "
      "{} and {} (the values of its first run): a sweep makes its process group once, so set "
      "these keys for every run (the sweep's `set:` or --set)",
      to_string(wanted.backend),
      wanted.timeout_s,
      to_string(joined.backend),
      joined.timeout_s));
}

// What a rank needs to train a run: its config and its model.
struct RunToTrain {
  std::optional<LoadedConfig> loaded;
  std::optional<models::MultiViewPoseNet> model;
};

// Rank 0's part of a run before it trains: its state on disk and its directory, and the config
// and model of a run to train (into `out`). Returns the decision; every failure becomes
// "failed: <why>".
std::string decide_run(const SweepSpec& spec,
                       const SweepRun& run,
                       const SweepOptions& options,
                       const DistributedConfig* joined,
                       SweepResult& result,
                       SweepRunResult& r,
                       RunToTrain& out) {
  try {
    const LoadedConfig& loaded = out.loaded.emplace(load_run_config(spec, run, options));
    if (joined) check_job_settings(loaded.config, *joined);
    result.dir = fs::path(loaded.config.output_root) / spec.name;
    r.run_dir = result.dir / run.name;
    const RunState state = run_state(r.run_dir);
    if (state == RunState::kFinished) {
      // Only a run of this very config counts as done (not, e.g., a shorter smoke run).
      prepare_run_dir(loaded.config, r.run_dir, options.argv);
      spdlog::info("sweep {}: {} is finished, skipped", spec.name, run.name);
      return kFinished;
    }
    spdlog::info("sweep {}: {} {} in {}",
                 spec.name,
                 state == RunState::kResumable ? "resuming" : "training",
                 run.name,
                 r.run_dir.string());
    out.model = state == RunState::kNew ? check_run_can_start(loaded.config)
                                        : make_run_model(loaded.config);
    prepare_run_dir(loaded.config, r.run_dir, options.argv);
    return state == RunState::kResumable ? kResume : kNew;
  } catch (const std::exception& e) {
    return kFailed + std::string(e.what());
  }
}

// One run of the sweep on this rank of `job`: rank 0 decides, every rank trains.
SweepRunResult sweep_one_run(const SweepSpec& spec,
                             const SweepRun& run,
                             const SweepOptions& options,
                             const DistributedConfig* joined,
                             const std::shared_ptr<distributed::DistributedContext>& job,
                             SweepResult& result) {
  SweepRunResult r;
  r.name = run.name;
  job->set_phase(fmt::format("preparing run {} of sweep {}", run.name, spec.name));
  RunToTrain prepared;
  std::string decision;
  if (job->is_main()) decision = decide_run(spec, run, options, joined, result, r, prepared);
  decision = job->share_from_main(
      fmt::format("decision on run {} of sweep {}", run.name, spec.name), decision);
  if (decision.rfind(kFailed, 0) == 0) {
    r.status = "failed";
    r.error = decision.substr(std::string(kFailed).size());
    if (job->is_main()) spdlog::error("sweep {}: run {} failed: {}", spec.name, run.name, r.error);
    return r;
  }
  if (decision == kFinished) {
    r.status = "skipped (finished)";
  } else {
    const bool resume = decision == kResume;
    if (!job->is_main()) {
      // The same config and model as rank 0's (whose weights DataParallel takes at start); a
      // failure here is this rank's alone and ends the job.
      const LoadedConfig& loaded = prepared.loaded.emplace(load_run_config(spec, run, options));
      result.dir = fs::path(loaded.config.output_root) / spec.name;
      r.run_dir = result.dir / run.name;
      prepared.model = make_run_model(loaded.config);
    }
    try {
      RunOptions run_options;
      run_options.resume = resume;
      run_options.job = job;
      run_training(prepared.loaded->config, r.run_dir, run_options, std::move(*prepared.model));
      r.status = resume ? "resumed" : "trained";
    } catch (const std::exception& e) {
      if (job->distributed()) {
        // The ranks may now stand at different collectives, so none can be trusted to match.
        throw Error(fmt::format(
            "sweep {}: run {} failed while training on rank {} of {}: {}; the sweep stops here "
            "(run it again: finished runs are skipped, this one resumes from its last checkpoint)",
            spec.name,
            run.name,
            job->rank(),
            job->world_size(),
            e.what()));
      }
      r.status = "failed";
      r.error = e.what();
      spdlog::error("sweep {}: run {} failed: {}", spec.name, run.name, e.what());
      return r;
    }
  }
  if (job->is_main()) {
    try {
      r.metrics = read_flat_json_numbers(read_text_file(final_metrics_path(r.run_dir)));
    } catch (const std::exception& e) {
      r.status = "failed";
      r.error = e.what();
      spdlog::error("sweep {}: run {} failed: {}", spec.name, run.name, e.what());
    }
  }
  return r;
}

}  // namespace

SweepResult run_sweep(const SweepSpec& spec, const SweepOptions& options) {
  const std::vector<SweepRun> runs = selected_runs(spec, options);
  // One process group for the whole sweep; a job of one process has none.
  const std::optional<DistributedConfig> joined =
      options.launch.distributed() ? std::optional(job_settings(spec, options)) : std::nullopt;
  const auto job = distributed::join_job(options.launch, joined.value_or(DistributedConfig{}));
  SweepResult result;
  result.has_table = job->is_main();
  try {
    std::vector<std::string> names;
    for (const SweepRun& run : runs) names.push_back(run.name);
    const std::string mine = fmt::format("{}", fmt::join(names, ", "));
    const std::string mains =
        job->share_from_main(fmt::format("list of the runs of sweep {}", spec.name), mine);
    if (mains != mine) {
      throw UsageError(fmt::format(
          "sweep {}: rank {} would train the runs [{}], rank 0 the runs [{}]: give every process "
          "of the job the same sweep file, --worker, --only and --set",
          spec.name,
          job->rank(),
          mine,
          mains));
    }
    for (const SweepRun& run : runs) {
      result.runs.push_back(
          sweep_one_run(spec, run, options, joined ? &*joined : nullptr, job, result));
    }
  } catch (const std::exception& e) {
    job->report_failure(e.what());  // so that the other ranks' messages name the cause
    throw;
  }
  if (!result.has_table) return result;
  result.table = sweep_table(spec, result.runs);
  if (options.worker_count == 1) write_sweep_tables(result);
  return result;
}

SweepResult collect_sweep(const SweepSpec& spec, const SweepOptions& options) {
  SweepOptions every_worker = options;
  every_worker.worker_index = 0;
  every_worker.worker_count = 1;
  SweepResult result;
  std::vector<std::string> missing;
  for (const SweepRun& run : selected_runs(spec, every_worker)) {
    const LoadedConfig loaded = load_run_config(spec, run, options);
    result.dir = fs::path(loaded.config.output_root) / spec.name;
    SweepRunResult r;
    r.name = run.name;
    r.run_dir = result.dir / run.name;
    if (run_state(r.run_dir) != RunState::kFinished) {
      missing.push_back(fmt::format("{} ({})", run.name, r.run_dir.string()));
      continue;
    }
    r.status = "trained";
    r.metrics = read_flat_json_numbers(read_text_file(final_metrics_path(r.run_dir)));
    result.runs.push_back(r);
  }
  if (!missing.empty()) {
    throw Error(fmt::format(
        "sweep {}: {} of {} runs have not finished (no final_metrics.json): {}; run them "
        "(`mvpose3d sweep FILE --worker I/N` for each worker, or without --worker), then --table",
        spec.name,
        missing.size(),
        missing.size() + result.runs.size(),
        fmt::join(missing, ", ")));
  }
  result.table = sweep_table(spec, result.runs);
  write_sweep_tables(result);
  return result;
}

}  // namespace mvpose3d::train
