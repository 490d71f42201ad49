#!/usr/bin/env python3
"""Times torch.ops.mvpose3d.triangulate against the Python ways peers triangulate, per point.

  python scripts/bench_python_peers.py [--points 4352] [--views 4] [--device cpu|cuda] [--threads 1]

Peers, re-implemented here from their descriptions in docs/triangulation.md (Sources):
  loop-svd     learnable-triangulation: one torch SVD of the weighted DLT matrix per point (timed on
               a subset of --loop-points points, the loop being the cost)
  batched-svd  one batched torch.linalg.svd of every point's DLT matrix (EasyMocap-style, in torch)
  sii-T2       DiffDLT's Algorithm 1: two shifted inverse-iteration steps (sigma = 1e-3) on A^T A
Each is timed for the forward and for forward + backward (of the sum of the points), in float32 as
networks run it; the error is the largest distance to the true points (metres) on noise-free views,
so it measures the solver's numerical accuracy (with noise each method minimises its own error). Requires `pip install .`.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "python"))
import mvpose3d  # noqa: E402
from scenes import random_scene  # noqa: E402


def dlt_matrix(points2d, proj):
    """points2d [N, V, 2], proj [V, 3, 4] -> A [N, 2V, 4]."""
    x = points2d[..., 0:1] * proj[:, 2] - proj[:, 0]
    y = points2d[..., 1:2] * proj[:, 2] - proj[:, 1]
    return torch.stack([x, y], dim=-2).flatten(-3, -2)


def loop_svd(points2d, proj):
    out = []
    for a in dlt_matrix(points2d, proj):
        v = torch.linalg.svd(a).Vh[-1]
        out.append(v[:3] / v[3])
    return torch.stack(out)


def batched_svd(points2d, proj):
    v = torch.linalg.svd(dlt_matrix(points2d, proj)).Vh[..., -1, :]
    return v[..., :3] / v[..., 3:]


def sii_t2(points2d, proj, steps=2, sigma=1e-3):
    a = dlt_matrix(points2d, proj)
    ata = a.transpose(-1, -2) @ a
    shifted = ata + sigma * torch.eye(4, dtype=a.dtype, device=a.device)
    x = torch.ones(a.shape[0], 4, 1, dtype=a.dtype, device=a.device)
    for _ in range(steps):
        x = torch.linalg.solve(shifted, x)
        x = x / x.norm(dim=-2, keepdim=True)
    x = x[..., 0]
    return x[..., :3] / x[..., 3:]


def ours(points2d, proj):
    return mvpose3d.triangulate(points2d, proj)[0]


def time_us_per_point(fn, points2d, proj, backward, repeats, sync):
    samples = []
    for i in range(repeats + 1):
        x = points2d.detach().requires_grad_(backward)
        sync()
        start = time.perf_counter()
        y = fn(x, proj)
        if backward:
            y.sum().backward()
        sync()
        if i:  # the first call warms up
            samples.append((time.perf_counter() - start) * 1e6 / points2d.shape[0])
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=4352)
    parser.add_argument("--loop-points", type=int, default=256)
    parser.add_argument("--views", type=int, default=4)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

    truth, proj, points2d = random_scene(1, args.points, args.views)
    truth = truth[0]  # [N, 3] float64
    points2d = points2d[0].float().to(device)  # [N, V, 2]
    proj = proj.float().to(device)  # [V, 3, 4]

    print(f"{args.points} points, {args.views} views, float32, {device}, "
          f"{args.threads} thread(s); µs per point, median of {args.repeats}")
    print(f"{'method':<12} {'forward':>10} {'fwd+bwd':>10} {'error m':>10}")
    for name, fn in (("mvpose3d", ours), ("batched-svd", batched_svd), ("sii-T2", sii_t2),
                     ("loop-svd", loop_svd)):
        n = args.loop_points if name == "loop-svd" else args.points
        x = points2d[:n]
        forward = time_us_per_point(fn, x, proj, False, args.repeats, sync)
        both = time_us_per_point(fn, x, proj, True, args.repeats, sync)
        with torch.no_grad():
            error = (fn(x, proj).double().cpu() - truth[:n]).norm(dim=-1).max().item()
        print(f"{name:<12} {forward:>10.3f} {both:>10.3f} {error:>10.2e}")


if __name__ == "__main__":
    main()
