#!/usr/bin/env python3
"""Times mvpose3d.triangulate against peers' published Python triangulation, in one process.

  python scripts/bench_python_peers.py --diffdlt PATH --learnable-triangulation PATH \
      [--points 100 1000 10000 100000 1000000] [--loop-points 1000] [--anipose-max 100000] \
      [--threads 1] [--device cpu] [--out DIR] [--overhead-only] [--interleave]
      [--only METHOD...] [--clock wall|thread]

Data: DiffDLT's benchmark protocol (run_benchmark.py of the --diffdlt checkout: its get_projection and
generate_data, loaded from the checkout at run time): points uniform in [-0.5, 0.5]^3, 4 cameras at
random azimuth/elevation 2-2.5 units away (f = 280 px, 256x256 images), float32, plus 2 px Gaussian
noise as in their timing loop. Seeds fixed (numpy and torch 0). Peers (nothing vendored: each is
imported from the checkout path given, or from the installed package):
  mvpose3d            mvpose3d.triangulate(points2d [N,V,2], proj [V,3,4]) (fused, the default)
  torch-svd-batched   one batched torch.linalg.svd of the [N, 2V, 4] DLT matrices (float32)
  torch-eigh-batched  one batched torch.linalg.eigh of A^T A [N, 4, 4] (float32)
  diffdlt-svd         DiffDLT dlt.triangulate_from_multiple_views_svd (torch.svd), as published
  diffdlt-sii-T2      DiffDLT dlt.triangulate_from_multiple_views_sii(number_of_iterations=2), as
                      published except that torch.solve (removed in torch 2) is provided as
                      torch.linalg.solve_ex (no singularity check, so a singular LU gives NaN/inf
                      instead of the exception torch 1.x raised; such points are counted)
  lt-batch-loop       learnable-triangulation mvn/utils/multiview.py triangulate_batch_of_points
                      with confidences (ones) - its Python loop over batch x joints calling
                      triangulate_point_from_multiple_views_linear_torch; timed on the first
                      --loop-points points (17 joints per batch item), per-point time scaled
  kornia-2view        kornia.geometry.epipolar.triangulate_points (solver="eigh", its default):
                      TWO views only, so it is timed on views 0 and 1 of the same data
  aniposelib          aniposelib CameraGroup.triangulate (numpy/JAX float64, undistort=True with
                      zero distortion; cameras from cv2.decomposeProjectionMatrix); forward only,
                      up to --anipose-max points
Forward, and forward + backward of the sum of the output w.r.t. points2d, per point in us (median of
repeated calls after a warm-up; large sizes get fewer repeats; with --interleave the batched methods
are called round-robin, so that they share the machine's load moment by moment). The error column is the mean
distance to the true points (scene units) at 2 px noise. --overhead-only: only the per-call time of
mvpose3d.triangulate at 17 points (one pose), median of many calls.
"""
import argparse
import ast
import csv
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path


def _threads_from_argv():
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return "1"


# Thread counts of numpy/BLAS, OpenCV and XLA (aniposelib's JAX) must be set before their import.
_T = _threads_from_argv()
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, _T)
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                      f"intra_op_parallelism_threads={_T}")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np  # noqa: E402
import torch  # noqa: E402

import mvpose3d  # noqa: E402


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_functions(path, names, namespace):
    """Defines the named top-level functions of a script without running it (no matplotlib)."""
    tree = ast.parse(Path(path).read_text())
    body = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in names]
    exec(compile(ast.Module(body=body, type_ignores=[]), str(path), "exec"), namespace)
    return namespace


def git_head(path):
    try:
        import subprocess
        return subprocess.run(["git", "-C", str(path), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except Exception:
        return "unknown (not a git work tree)"


def dlt_matrix(points2d, proj):
    x = points2d[..., 0:1] * proj[..., 2, :] - proj[..., 0, :]
    y = points2d[..., 1:2] * proj[..., 2, :] - proj[..., 1, :]
    return torch.stack([x, y], dim=-2).flatten(-3, -2)


def torch_svd_batched(points2d, proj):
    v = torch.linalg.svd(dlt_matrix(points2d, proj)).Vh[..., -1, :]
    return v[..., :3] / v[..., 3:]


def torch_eigh_batched(points2d, proj):
    a = dlt_matrix(points2d, proj)
    v = torch.linalg.eigh(a.transpose(-1, -2) @ a).eigenvectors[..., :, 0]
    return v[..., :3] / v[..., 3:]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--diffdlt", type=Path, help="a checkout of edoRemelli/DiffDLT")
    parser.add_argument("--learnable-triangulation", type=Path,
                        help="a checkout of karfly/learnable-triangulation-pytorch")
    parser.add_argument("--points", type=int, nargs="+",
                        default=[100, 1000, 10000, 100000, 1000000])
    parser.add_argument("--loop-points", type=int, default=1020,
                        help="points (a multiple of 17) the per-point Python loops run on")
    parser.add_argument("--anipose-max", type=int, default=100000)
    parser.add_argument("--views", type=int, default=4)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--budget-s", type=float, default=2.0,
                        help="stop repeating a measurement after this long (at least one sample)")
    parser.add_argument("--interleave", action="store_true",
                        help="time the batched methods round-robin, one call each per round, "
                        "--repeats rounds (no time budget): on a shared machine every method then "
                        "sees the same load, so their ratios are not skewed by when each ran")
    parser.add_argument("--only", nargs="+", metavar="METHOD",
                        help="time only these methods (names as in the table)")
    parser.add_argument("--clock", choices=["wall", "thread"], default="wall",
                        help="wall: time.perf_counter (the default); thread: the calling thread's "
                        "CPU time (time.thread_time), which excludes time spent waiting for a core "
                        "on a busy machine, but not the cache sharing with other processes")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--overhead-only", action="store_true")
    parser.add_argument("--overhead-calls", type=int, default=20000)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    clock = time.perf_counter if args.clock == "wall" else time.thread_time
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

    print(f"torch {torch.__version__}, numpy {np.__version__}, mvpose3d op from "
          f"{Path(mvpose3d.__file__).parent}, {device}, {args.threads} thread(s)")
    rows = []


    # ---- data: DiffDLT's protocol --------------------------------------------------------------
    n_max = max(args.points + [17, args.loop_points])
    np.random.seed(0)
    torch.manual_seed(0)
    if args.diffdlt:
        dlt = load_module("diffdlt_dlt", args.diffdlt / "dlt.py")
        # torch.solve (DiffDLT's SII calls it) was removed in torch 2 (a stub that raises remains)
        torch.solve = lambda b, a: (torch.linalg.solve_ex(a, b)[0], None)
        ns = load_functions(args.diffdlt / "run_benchmark.py", {"get_projection", "generate_data"},
                            {"np": np, "torch": torch, "project": dlt.project})
        truth, projections, points2d = ns["generate_data"](n_max, args.views)
        points2d = points2d + 2 * torch.randn(points2d.shape)  # their timing loop's noise
        proj = projections[0].contiguous()  # [V, 3, 4], the same for every point
        print(f"data: DiffDLT run_benchmark.py protocol from {args.diffdlt} "
              f"(commit {git_head(args.diffdlt)}), 2 px noise")
    else:
        dlt = None
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "python"))
        from scenes import random_scene
        truth, proj, points2d = random_scene(1, n_max, args.views, noise_px=2.0)
        truth, points2d, proj = truth[0].float(), points2d[0].float(), proj.float()
        print("--diffdlt not given: DiffDLT peers skipped; data: tests/python/scenes.py ring rig")
    points2d = points2d.float().to(device)
    proj = proj.float().to(device)
    truth = truth.float()

    # ---- per-call overhead at 17 points -------------------------------------------------------
    x17 = points2d[:17].contiguous()
    op = torch.ops.mvpose3d.triangulate.default
    kw = dict(method="fused", normalize=True, iterations=0, shift=0.0, accumulate="float64",
              tolerance=0.0, max_distance=1e7, strict=False)

    def per_call_us(call, calls):
        for _ in range(200):
            call()
        samples = []
        for _ in range(calls // 100):
            start = clock()
            for _ in range(100):
                call()
            samples.append((clock() - start) * 1e4)  # us per call
        return statistics.median(samples)

    with torch.no_grad():
        wrapper = per_call_us(lambda: mvpose3d.triangulate(x17, proj), args.overhead_calls)
        direct = per_call_us(lambda: op(x17, proj, None, **kw), args.overhead_calls)
        empty = per_call_us(lambda: torch.ops.aten.alias.default(x17), args.overhead_calls)
    x17g = x17.clone().requires_grad_(True)
    both17 = per_call_us(lambda: mvpose3d.triangulate(x17g, proj)[0].sum().backward(),
                         args.overhead_calls // 4)
    print(f"17 points (one pose), {args.views} views: mvpose3d.triangulate {wrapper:.2f} us per call "
          f"(torch.ops.mvpose3d.triangulate direct {direct:.2f} us, an empty torch op "
          f"{empty:.2f} us; forward+backward of the sum {both17:.2f} us); medians of "
          f"{args.overhead_calls // 100} x 100 calls, no grad")
    rows.append(dict(method="mvpose3d-call-17pts", points=17, views=args.views, timed_points=17,
                     forward_us_per_point=wrapper / 17, fwd_bwd_us_per_point=both17 / 17,
                     forward_call_us=wrapper, fwd_bwd_call_us=both17, mean_error=""))
    rows.append(dict(method="torch.ops-direct-call-17pts", points=17, views=args.views,
                     timed_points=17, forward_us_per_point=direct / 17, fwd_bwd_us_per_point="",
                     forward_call_us=direct, fwd_bwd_call_us="", mean_error=""))
    if args.overhead_only:
        write_csv(args.out, rows)
        return

    # ---- methods --------------------------------------------------------------------------------
    def ours(x, n):
        return mvpose3d.triangulate(x, proj)[0]

    def svd_b(x, n):
        return torch_svd_batched(x, proj)

    def eigh_b(x, n):
        return torch_eigh_batched(x, proj)

    methods = [("mvpose3d", ours, None, True), ("torch-svd-batched", svd_b, None, True),
               ("torch-eigh-batched", eigh_b, None, True)]
    if dlt is not None:
        def dd_svd(x, n):
            return dlt.triangulate_from_multiple_views_svd(proj.expand(n, -1, -1, -1), x)

        def dd_sii(x, n):
            return dlt.triangulate_from_multiple_views_sii(proj.expand(n, -1, -1, -1), x,
                                                           number_of_iterations=2)
        methods += [("diffdlt-svd", dd_svd, None, True), ("diffdlt-sii-T2", dd_sii, None, True)]
    if args.learnable_triangulation:
        lt = load_module("lt_multiview", args.learnable_triangulation / "mvn" / "utils" /
                         "multiview.py")
        print(f"learnable-triangulation: mvn/utils/multiview.py from {args.learnable_triangulation}"
              f" (commit {git_head(args.learnable_triangulation)})")

        def lt_loop(x, n):  # [N, V, 2] -> [B, V, 17, 2] with confidences [B, V, 17]
            b = n // 17
            pts = x[:b * 17].reshape(b, 17, args.views, 2).transpose(1, 2)
            conf = torch.ones(b, args.views, 17, device=x.device)
            out = lt.triangulate_batch_of_points(proj.expand(b, -1, -1, -1), pts, conf)
            return out.reshape(b * 17, 3)
        methods.append(("lt-batch-loop", lt_loop, args.loop_points, True))
    else:
        print("--learnable-triangulation not given: skipped")
    try:
        import kornia
        from kornia.geometry.epipolar import triangulate_points as kornia_tri
        print(f"kornia {kornia.__version__}: triangulate_points takes two views; timed on views 0, 1")

        def kornia2(x, n):
            return kornia_tri(proj[0], proj[1], x[:, 0], x[:, 1])
        methods.append(("kornia-2view", kornia2, None, True))
    except ImportError as e:
        print(f"kornia not installed ({e}): skipped")
    try:
        import aniposelib
        import cv2
        cv2.setNumThreads(args.threads)
        cams = []
        for v in range(args.views):
            k, r, c = cv2.decomposeProjectionMatrix(proj[v].double().cpu().numpy())[:3]
            c = (c[:3] / c[3]).ravel()
            cams.append(aniposelib.cameras.Camera(matrix=k / k[2, 2], dist=np.zeros(5),
                                                  rvec=cv2.Rodrigues(r)[0].ravel(), tvec=-r @ c))
        group = aniposelib.cameras.CameraGroup(cams)
        print(f"aniposelib {getattr(aniposelib, '__version__', '?')}: CameraGroup.triangulate, "
              f"numpy/JAX float64, forward only, up to {args.anipose_max} points")

        def anipose(x, n):
            return torch.from_numpy(np.asarray(group.triangulate(
                x.detach().cpu().double().numpy().transpose(1, 0, 2), progress=False))).float()
        methods.append(("aniposelib", anipose, None, False))
    except ImportError as e:
        print(f"aniposelib not installed ({e}): skipped")

    def call_us(fn, x, n, backward):
        """One call (and backward of the sum), in us per point."""
        xi = x.detach().requires_grad_(backward)
        sync()
        start = clock()
        y = fn(xi, n)
        if backward:
            y.sum().backward()
        sync()
        return (clock() - start) * 1e6 / n

    def time_us(fn, x, n, backward, warm):
        samples = []
        total = time.perf_counter()
        for i in range(args.repeats + (1 if warm else 0)):
            t = call_us(fn, x, n, backward)
            if i or not warm:
                samples.append(t)
            if samples and time.perf_counter() - total > args.budget_s:
                break
        return statistics.median(samples), len(samples)

    def time_interleaved(jobs):
        """Round-robin over (fn, x, n, backward) jobs, one call each per round after a warm-up
        round, so that every method sees the same moments of a shared machine's load."""
        for job in jobs:
            call_us(*job)
        samples = [[] for _ in jobs]
        for _ in range(args.repeats):
            for k, job in enumerate(jobs):
                samples[k].append(call_us(*job))
        return [(statistics.median(s), len(s)) for s in samples]

    print(f"us per point (median, {args.clock} clock), {args.views} views, float32 (aniposelib "
          f"float64), {args.threads} thread(s), {device}")
    print(f"{'method':<20} {'points':>8} {'timed':>8} {'forward':>10} {'fwd+bwd':>10} "
          f"{'mean err':>9} {'nonfinite':>9}")

    if args.only:
        unknown = set(args.only) - {name for name, *_ in methods}
        if unknown:
            parser.error(f"--only: unknown or unavailable methods {sorted(unknown)}")
        methods = [m for m in methods if m[0] in args.only]
    for n in sorted(args.points):
        interleaved = {}
        if args.interleave:
            jobs, keys = [], []
            for name, fn, cap, grad in methods:
                if cap or name == "aniposelib":
                    continue  # per-point loops and numpy peers: timed on their own below
                x = points2d[:n].contiguous()
                for backward in ([False, True] if grad else [False]):
                    jobs.append((fn, x, n, backward))
                    keys.append((name, backward))
            interleaved = dict(zip(keys, time_interleaved(jobs)))
        for name, fn, cap, grad in methods:
            if name == "aniposelib" and n > args.anipose_max:
                continue
            m = min(n, cap) if cap else n
            if cap:
                m = max(17, m // 17 * 17)
            x = points2d[:m].contiguous()
            try:
                warm = m <= 100000
                if (name, False) in interleaved:
                    fwd, k1 = interleaved[(name, False)]
                    both, k2 = interleaved.get((name, True), (float("nan"), 0))
                else:
                    fwd, k1 = time_us(fn, x, m, False, warm)
                    both, k2 = time_us(fn, x, m, True, warm) if grad else (float("nan"), 0)
                with torch.no_grad():
                    y = fn(x, m).float().cpu()
                ok = torch.isfinite(y).all(-1)
                err = (y[ok] - truth[:m][ok]).norm(dim=-1).mean().item()
                bad = int((~ok).sum())
            except Exception as e:  # a peer failing is a result, not a crash of the benchmark
                print(f"{name:<20} {n:>8} failed: {type(e).__name__}: {str(e)[:120]}")
                continue
            note = "" if m == n else f" (scaled from {m})"
            print(f"{name:<20} {n:>8} {m:>8} {fwd:>10.4f} {both:>10.4f} {err:>9.2e} {bad:>9}{note}",
                  flush=True)
            rows.append(dict(method=name, points=n, views=2 if name == "kornia-2view" else args.views,
                             timed_points=m, forward_us_per_point=fwd, fwd_bwd_us_per_point=both,
                             forward_call_us=fwd * n, fwd_bwd_call_us=both * n, mean_error=err,
                             nonfinite=bad, samples_fwd=k1, samples_bwd=k2))
    write_csv(args.out, rows)


def write_csv(out, rows):
    if not out:
        return
    out.mkdir(parents=True, exist_ok=True)
    fields = []
    for r in rows:
        fields += [k for k in r if k not in fields]
    with open(out / "results.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {out / 'results.csv'}")


if __name__ == "__main__":
    main()
