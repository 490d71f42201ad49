#!/usr/bin/env python3
"""Plots and tabulates the results of `mvpose3d bench dlt`.

    scripts/plot_dlt_bench.py DIR [DIR ...] [--out OUT_DIR] [--markdown]

Reads accuracy.csv and timing_<device>.csv from each DIR and writes accuracy.png (3D error against
2D noise, the paper's Fig. 3b protocol) and timing.png (time per point against batch size, Fig. 3d)
into OUT_DIR (default: the first DIR). With --markdown it prints the tables of docs/benchmarks.md.
Uses matplotlib from the project's virtual environment (.venv/bin/python).
"""
import argparse
import csv
import os
import sys
import tempfile


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def load(dirs):
    accuracy, timing = [], []
    for d in dirs:
        if not os.path.isdir(d):
            sys.exit(f"plot_dlt_bench.py: {d}: no such directory")
        for name in sorted(os.listdir(d)):
            path = os.path.join(d, name)
            if name == "accuracy.csv":
                accuracy += read_csv(path)
            elif name.startswith("timing_") and name.endswith(".csv"):
                timing += read_csv(path)
    if not accuracy and not timing:
        sys.exit(f"plot_dlt_bench.py: no accuracy.csv or timing_*.csv in {', '.join(dirs)}")
    return accuracy, timing


def save_atomic(fig, path):
    # Write next to the target and rename, so a failed run leaves no partial PNG.
    fd, tmp = tempfile.mkstemp(suffix=".png", dir=os.path.dirname(path) or ".")
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=120, bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


ACCURACY_METHODS = [
    ("svd", "float32", "SVD (torch.linalg.svd)"),
    ("sii_official_T1", "float32", "DLT-SII official, T=1"),
    ("sii_official_T2", "float32", "DLT-SII official, T=2"),
    ("sii_official_T3", "float32", "DLT-SII official, T=3"),
    ("fused", "float32", "fused (ours)"),
]


def plot_accuracy(rows, out_dir, plt):
    views = max(int(r["views"]) for r in rows if int(r["views"]) == 4) if rows else 4
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for method, dtype, label in ACCURACY_METHODS:
        pts = sorted((float(r["noise_px"]), float(r["mean_err"]), int(r["invalid"]))
                     for r in rows if r["method"] == method and r["dtype"] == dtype and int(r["views"]) == views)
        if not pts:
            continue
        # Mean 2D error of Gaussian noise of std s per coordinate is s * sqrt(pi / 2).
        xs = [p[0] * 1.2533 for p in pts]
        ax.plot(xs, [p[1] for p in pts], marker="o", ms=3, label=label)
    ax.set_xlabel("mean 2D error (px)")
    ax.set_ylabel("mean 3D error (scene units, log)")
    ax.set_yscale("log")  # noise-free errors are ~1e-8, the official T=1 diverges to ~1
    ax.set_title(f"DLT accuracy, DiffDLT protocol ({views} views, 4352 points)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    save_atomic(fig, os.path.join(out_dir, "accuracy.png"))
    plt.close(fig)


def plot_timing(rows, out_dir, plt):
    devices = sorted({r["device"] for r in rows})
    fig, axes = plt.subplots(1, len(devices), figsize=(6.4 * len(devices), 4.4), squeeze=False)
    for ax, device in zip(axes[0], devices):
        for method in ["fused", "fused_acc32", "svd", "linalg_eigh_only", "sii_official_T2"]:
            for pass_, style in [("forward", "-"), ("forward_backward", "--")]:
                pts = sorted((int(r["points"]), float(r["us_per_point"])) for r in rows
                             if r["device"] == device and r["method"] == method and r["pass"] == pass_)
                if pts:
                    ax.plot([p[0] for p in pts], [p[1] for p in pts], style, marker="o", ms=3,
                            label=f"{method} {pass_.replace('_', '+')}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("points per call")
        ax.set_ylabel("µs per point")
        ax.set_title(f"time per point, {device}")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7, loc="best", framealpha=0.6)
    save_atomic(fig, os.path.join(out_dir, "timing.png"))
    plt.close(fig)


def markdown(accuracy, timing):
    out = []
    if accuracy:
        out.append("| method | dtype | views | noise px | mean err | median | p99 | invalid | max rel. vs svd64 |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        for r in accuracy:
            if float(r["noise_px"]) in (0.0, 2.2222, 10.0, 20.0) or r["noise_px"] in ("0.0000", "2.2222", "10.0000", "20.0000"):
                out.append("| {method} | {dtype} | {views} | {noise_px} | {mean_err} | {median_err} | {p99_err} | "
                           "{invalid} | {max_rel_vs_svd64} |".format(**r))
        out.append("")
    if timing:
        out.append("| device | threads | method | points | pass | µs/point | GB/s |")
        out.append("|---|---|---|---|---|---|---|")
        for r in timing:
            out.append("| {device} | {threads} | {method} | {points} | {pass} | {us_per_point} | {gb_per_s} |".format(**r))
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dirs", nargs="+", help="output directories of `mvpose3d bench dlt`")
    parser.add_argument("--out", help="where to write the PNGs (default: the first directory)")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    args = parser.parse_args()
    accuracy, timing = load(args.dirs)
    out_dir = args.out or args.dirs[0]
    os.makedirs(out_dir, exist_ok=True)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    if accuracy:
        plot_accuracy(accuracy, out_dir, plt)
    if timing:
        plot_timing(timing, out_dir, plt)
    if args.markdown:
        print(markdown(accuracy, timing))
    print(f"plots written to {out_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
