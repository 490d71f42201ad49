#!/usr/bin/env python3
"""Mean, spread and paired differences of finished runs over seeds, as a Markdown table.

Runs are grouped by their directory name with a trailing `_seed<N>` removed (a run without the
suffix joins the group of its name), and each run's seed is read from its config.resolved.yaml.
Differences to the reference group are paired by seed: the seed sets the initial weights, the
training order and the test draw, so variants are compared on the same test samples first.

    scripts/seed_summary.py runs/synthetic_demo/*/ runs/synthetic_seeds/*/ \
        --reference baseline --metric mpjpe_mm

A directory of `mvpose3d eval --out DIR` (eval_metrics.json, config.resolved.yaml) counts as a run.
"""
import argparse
import json
import math
import re
import statistics
import sys
from pathlib import Path


def read_run(run_dir: Path):
    # A training run's final_metrics.json, or the eval_metrics.json of `mvpose3d eval --out DIR`
    # (a checkpoint evaluated again, e.g. on other camera sets).
    metrics_file = run_dir / "final_metrics.json"
    if not metrics_file.is_file() and (run_dir / "eval_metrics.json").is_file():
        metrics_file = run_dir / "eval_metrics.json"
    config_file = run_dir / "config.resolved.yaml"
    if not metrics_file.is_file():
        raise SystemExit(f"seed_summary: {metrics_file} is missing (is the run finished?)")
    if not config_file.is_file():
        raise SystemExit(f"seed_summary: {config_file} is missing")
    match = re.search(r"^seed:\s*(\d+)\b", config_file.read_text(), re.MULTILINE)
    if not match:
        raise SystemExit(f"seed_summary: no top-level 'seed:' in {config_file}")
    with metrics_file.open() as f:
        metrics = json.load(f)
    group = re.sub(r"_seed\d+$", "", run_dir.name)
    return group, int(match.group(1)), metrics


def mean_sd(values):
    mean = statistics.fmean(values)
    sd = statistics.stdev(values) if len(values) > 1 else math.nan
    return mean, sd


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="finished run directories")
    parser.add_argument("--metric", default="mpjpe_mm", help="metric name after 'set/'")
    parser.add_argument("--reference", default="baseline", help="group the differences are to")
    parser.add_argument("--out", type=Path, help="also write the tables to this Markdown file")
    args = parser.parse_args()

    # table[group][seed] = metrics
    table = {}
    for run_dir in args.runs:
        group, seed, metrics = read_run(run_dir.resolve())
        if seed in table.setdefault(group, {}):
            raise SystemExit(f"seed_summary: two runs of group '{group}' with seed {seed}")
        table[group][seed] = metrics

    suffix = "/" + args.metric
    sets = []
    for runs in table.values():
        for metrics in runs.values():
            for key in metrics:
                name = key[: -len(suffix)]
                if key.endswith(suffix) and "/" not in name and name not in sets:
                    sets.append(name)
    if not sets:
        raise SystemExit(f"seed_summary: no '<set>/{args.metric}' in the runs' final_metrics.json")

    def value(metrics, camera_set):
        return metrics.get(camera_set + suffix, math.nan)

    lines = [f"{args.metric} over seeds: mean ± sample sd (runs)", ""]
    lines.append("| run | seeds | " + " | ".join(sets) + " |")
    lines.append("|---|---|" + "---|" * len(sets))
    for group, runs in table.items():
        cells = []
        for camera_set in sets:
            values = [value(m, camera_set) for m in runs.values()]
            mean, sd = mean_sd(values)
            cells.append(f"{mean:.1f} ± {sd:.1f}" if len(values) > 1 else f"{mean:.1f}")
        seeds = ",".join(str(s) for s in sorted(runs))
        lines.append(f"| {group} | {seeds} | " + " | ".join(cells) + " |")

    reference = table.get(args.reference)
    if reference is not None:
        lines += ["", f"Paired by seed: {args.metric} minus {args.reference}'s, mean [min, max] "
                  f"(seeds where lower / seeds)", ""]
        lines.append("| run | " + " | ".join(sets) + " |")
        lines.append("|---|" + "---|" * len(sets))
        for group, runs in table.items():
            if group == args.reference:
                continue
            seeds = sorted(set(runs) & set(reference))
            if not seeds:
                continue
            cells = []
            for camera_set in sets:
                diffs = [value(runs[s], camera_set) - value(reference[s], camera_set) for s in seeds]
                lower = sum(d < 0 for d in diffs)
                cells.append(f"{statistics.fmean(diffs):+.1f} [{min(diffs):+.1f}, "
                             f"{max(diffs):+.1f}] ({lower}/{len(diffs)})")
            lines.append(f"| {group} | " + " | ".join(cells) + " |")

    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if args.out:
        tmp = args.out.with_name(args.out.name + ".tmp")
        tmp.write_text(text)
        tmp.replace(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
