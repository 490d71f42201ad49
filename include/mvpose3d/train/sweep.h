// Sweeps: one base config and a list (or a grid) of overrides, trained and evaluated in turn,
// then compared in one table like the paper's ablation tables.
//
// Sweep file (YAML; every key is checked, unknown ones are errors naming file:line:col):
//   name: synthetic_ablation          # run directories: <output_root>/<name>/<run name>/
//   base: ../synthetic/base.yaml      # the config every run starts from (relative to this file)
//   set: {train.steps: 600}           # overrides applied to every run (optional)
//   runs:                             # a list of runs ...
//     - {name: baseline, set: {model.fusion: none}}
//     - {name: canonical, set: {model.fusion: canonical}}
//   grid:                             # ... and/or the product of value lists (named key=value_...)
//     model.fusion: [none, canonical]
//   metrics: [mpjpe_mm, pa_mpjpe_mm]  # table columns per camera set (default [mpjpe_mm])
//
// A finished run (final_metrics.json) is skipped, an interrupted one resumed from its last
// checkpoint, so re-running a sweep continues it. A failing run is reported and the others run.
//
// Several workers (shells, a SLURM array) split a sweep: worker I of N runs the runs I, I + N,
// I + 2N, ... of the file's order; once all are done, collect_sweep makes the one table.
//
// Under torchrun or SLURM (SweepOptions::launch of several processes) the processes train every
// run together, data-parallel, as `mvpose3d train` does: rank 0 alone decides each run's state,
// prepares its directory and writes the metrics and tables; the others follow its decisions and
// log to rank<N>.log. Such a job with --worker I/N is worker I: its processes train worker I's
// runs together.
#pragma once

#include "mvpose3d/distributed/launch_environment.h"
#include "mvpose3d/eval/table.h"

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mvpose3d::train {

struct SweepRun {
  std::string name;
  std::vector<std::string> overrides;  // "key=VALUE" (sweep-wide ones first)
};

struct SweepSpec {
  std::string name;
  std::filesystem::path base;  // absolute or relative to the working directory
  std::vector<SweepRun> runs;
  std::vector<std::string> metrics{"mpjpe_mm"};
};

// Parses a sweep file; throws UsageError naming file:line:col and the key for every mistake.
SweepSpec load_sweep(const std::filesystem::path& file);

struct SweepRunResult {
  std::string name;
  std::filesystem::path run_dir;
  std::string status;                     // "trained", "resumed", "skipped (finished)", "failed"
  std::string error;                      // why it failed
  std::map<std::string, double> metrics;  // final_metrics.json
};

struct SweepResult {
  std::filesystem::path dir;  // <output_root>/<name>
  std::vector<SweepRunResult> runs;
  eval::Table table;
  // False on the ranks of a job other than 0: their runs carry the statuses rank 0 decided but no
  // metrics, and they have no table to show.
  bool has_table = true;
  int failed() const;
};

struct SweepOptions {
  std::vector<std::string> extra_overrides;  // applied to every run after the sweep's own
  std::vector<std::string> only;             // run only these runs (all when empty)
  std::vector<std::string> argv;             // for each run's env.txt
  int worker_index = 0;                      // this worker runs the runs i with
  int worker_count = 1;                      //   i % worker_count == worker_index
  // The job this process belongs to (distributed::read_launch_environment); one process by
  // default. Every process of a job must be given the same options.
  distributed::LaunchEnvironment launch;
};

// "I/N" (--worker) as {I, N} with 0 <= I < N; throws UsageError otherwise.
std::pair<int, int> parse_sweep_worker(const std::string& text);

// Runs (or skips, or resumes) every run of this worker, then writes
// <dir>/sweep_results.{md,csv,tex} (a worker of several writes no table: it has only its share of
// the runs). In a job of several processes it joins the job once (with the train.distributed keys
// of the sweep's first run that loads; a run that sets other backend or timeout_s values fails)
// and trains each run with all of them. A run that cannot start fails on every rank alike and the
// others still run; a failure while training (a collective the ranks no longer share) ends the
// job with an Error naming the run and the rank, as under `mvpose3d train`: re-running resumes.
SweepResult run_sweep(const SweepSpec& spec, const SweepOptions& options);

// The table of a sweep whose runs have all finished, by one worker or many, trained by none here
// (status "trained"), written to <dir>/sweep_results.{md,csv,tex}. Throws Error naming every run
// that has not finished.
SweepResult collect_sweep(const SweepSpec& spec, const SweepOptions& options);

// The comparison table: one row per run, a column per (camera set, metric) in the order the runs
// report them; failed runs show their status.
eval::Table sweep_table(const SweepSpec& spec, const std::vector<SweepRunResult>& runs);

// Numbers of a flat JSON object such as final_metrics.json ({"seen/mpjpe_mm": 41.2, ...}).
std::map<std::string, double> read_flat_json_numbers(const std::string& text);

}  // namespace mvpose3d::train
