#!/usr/bin/env python3
"""Training curves from the metrics.jsonl of one or more run directories.

    scripts/plot_training.py RUN_DIR [RUN_DIR ...] [--out FILE.png] [--metric mpjpe_mm]

Left: the training loss (and its 2D / 3D terms) against the step; right: the evaluation MPJPE of
every camera set against the step, or grouped bars of the final evaluation when each run was
evaluated once. Several runs share the axes, labelled by their directory
names (an ablation at a glance). Writes FILE.png (default: training.png in the first RUN_DIR)
atomically. Uses matplotlib from the project's virtual environment (.venv/bin/python).
"""
import argparse
import json
import os
import sys
import tempfile


def read_metrics(run_dir):
    path = os.path.join(run_dir, "metrics.jsonl")
    if not os.path.isfile(path):
        sys.exit(f"plot_training.py: {path}: no such file (is {run_dir} a run directory?)")
    train, evals = [], []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"plot_training.py: {path}:{number}: not JSON ({e})")
            if "step" not in record:
                sys.exit(f"plot_training.py: {path}:{number}: no 'step'")
            (evals if record.get("kind") == "eval" else train).append(record)
    return train, evals


def label_of(run_dir):
    parts = os.path.normpath(os.path.abspath(run_dir)).split(os.sep)
    return "/".join(parts[-2:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="run directories with metrics.jsonl")
    parser.add_argument("--out", help="output PNG (default: RUN_DIR/training.png)")
    parser.add_argument("--metric", default="mpjpe_mm", help="evaluation metric to plot")
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_eval) = plt.subplots(1, 2, figsize=(12, 4.5))
    finals = {}  # run -> {camera set: metric at its last evaluation}
    curves = False
    for run_dir in args.runs:
        train, evals = read_metrics(run_dir)
        name = label_of(run_dir)
        steps = [r["step"] for r in train]
        if train:
            line, = ax_loss.plot(steps, [r.get("loss") for r in train], label=f"{name} total")
            for term, style in (("loss_2d", "--"), ("loss_3d", ":")):
                if any(term in r for r in train):
                    ax_loss.plot([r["step"] for r in train if term in r],
                                 [r[term] for r in train if term in r], style,
                                 color=line.get_color(), label=f"{name} {term}")
        keys = sorted({k for r in evals for k in r if k.endswith("/" + args.metric)})
        if evals:
            finals[name] = {k.split("/")[0]: evals[-1].get(k) for k in keys}
        if len(evals) > 1:
            curves = True
            for key in keys:
                points = [(r["step"], r[key]) for r in evals if r.get(key) is not None]
                ax_eval.plot(*zip(*points), marker="o", label=f"{name} {key.split('/')[0]}")
    if finals and not curves:
        # One evaluation per run (the end): grouped bars, camera sets on the x axis.
        sets = []
        for values in finals.values():
            sets += [s for s in values if s not in sets]
        sets.sort(key=lambda s: (s != "seen", s))
        width = 0.8 / len(finals)
        for i, (name, values) in enumerate(finals.items()):
            xs = [j + (i - (len(finals) - 1) / 2) * width for j in range(len(sets))]
            ys = [values.get(s) or 0.0 for s in sets]
            bars = ax_eval.bar(xs, ys, width, label=name)
            ax_eval.bar_label(bars, fmt="%.1f", fontsize=7)
        ax_eval.set_xticks(range(len(sets)), sets)
        ax_eval.set_xlabel("camera set")
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss")
    ax_loss.set_yscale("log")
    ax_loss.set_title("training loss")
    ax_loss.legend(fontsize=7)
    if curves:
        ax_eval.set_xlabel("step")
    ax_eval.set_ylabel(f"{args.metric}")
    ax_eval.set_title(f"final evaluation, {args.metric} per camera set")
    if ax_eval.get_legend_handles_labels()[0]:
        ax_eval.legend(fontsize=7)
    fig.tight_layout()

    out = args.out or os.path.join(args.runs[0], "training.png")
    out_dir = os.path.dirname(os.path.abspath(out))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".png")
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=110)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    print(out)


if __name__ == "__main__":
    main()
