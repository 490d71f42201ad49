#!/usr/bin/env python3
"""Triangulation of own cameras vs peers: mvpose3d against aniposelib and Pose2Sim on one session.

  python3 scripts/bench_triangulation_peers.py [--mvpose3d build/tools/mvpose3d]
      [--work build/bench-peers] [--venv build/peers-venv] [--minutes 10] [--fps 30]
      [--threads 2] [--peer-budget-s 600] [--peers NAME ...] [--reinstall] [--skip-install]
      [--merge] [--out FILE.json]

The script creates its OWN virtual environment (--venv, `python -m venv`; not the project's .venv)
and pip-installs the peers there from PyPI (aniposelib, pose2sim) plus what the bench itself needs
(numpy, pyyaml, toml). Each peer runs in a subprocess of that environment; a peer that fails to
install or to run is reported in the results, never fatal.

Session (the same files for everyone):
  - rig: `mvpose3d data rig --ring 8`: 8 pinhole cameras on a ring (4.2 m radius, 1.9 / 2.5 m high,
    1920x1080, f = 1100 px) around the capture area, world mm, z up;
  - motion: `mvpose3d data motion --layout body25`: the project's procedural motion as a 25-point
    body in OpenPose's BODY_25 order, --minutes at --fps (10 min at 30 fps = 18,000 frames; the
    action family changes every 30 s);
  - 2D: each point projected into each camera, plus Gaussian noise (--noise-px, 2 px per axis);
    --outlier-fraction (10 %) of the detections moved 30-200 px in a random direction (a wrong
    detection, with a confidence drawn like the others', so confidence does not give it away);
    --missing-fraction (5 %) missing (x = y = confidence = 0, as OpenPose writes them). Seed fixed.
  - thresholds, the same for every tool that has them: confidence >= --min-confidence (0.3), at
    least --min-views (2) views, and a reprojection error of at most --max-reproj-px (15 px, Pose2Sim's
    default) before views are rejected.

Written as each tool reads it: calibration.toml in anipose's layout ([cam_N] name, size, matrix,
distortions, rotation as a Rodrigues vector, translation; mm) for aniposelib, the same in metres
as Pose2Sim's calibration; OpenPose JSON per camera and frame plus Config.toml for Pose2Sim;
keypoints.npy [F, V, J, 3] (x_px, y_px, confidence) for aniposelib's API and for ours.

Contenders (--peers, default all):
  aniposelib-dlt      CameraGroup.triangulate(points)                   plain DLT, no rejection
  aniposelib-fast     CameraGroup.triangulate(points, fast=True)        median of pairwise DLTs
  aniposelib-ransac   CameraGroup.triangulate_ransac(points, min_cams)  best subset per point
  pose2sim            Pose2Sim.triangulation(config)                    per point: drop views while
                                                                        the error exceeds the threshold
  ours                `mvpose3d triangulate`: with --keypoints (the robust path, when the command
                      has it) or else --points2d/--weights/--cameras (plain weighted DLT); its
                      default outlier search (worst-view-first)
  ours-subsets        the same with --outlier-search subsets (every subset of one view fewer,
                      round by round: the reference search)
Low-confidence detections are NaN for aniposelib (its way of leaving a view out).

Measures: wall time of the triangulation (aniposelib: the call, data in memory; Pose2Sim: its
triangulation step, which reads the JSON files and writes a TRC; ours: the whole command, process
start and file I/O included, and, like for like with aniposelib's call, the triangulation phase
the command reports: undistortion, solves, outlier search and the tracks, from keypoints in memory
to tracks in memory), each process pinned to --threads CPUs with OMP/MKL/OPENBLAS/XLA set
to --threads; MPJPE (mm) against the ground truth over the points a tool returned, the share of
points it returned, and ours over the same frames and joints. A contender whose full session would take more than --peer-budget-s (600 s) is
timed on the first minute (or, if that too would exceed the budget, on the longest prefix that
fits) and its time scaled to the session, as the results say.

Results: a Markdown table on stdout and JSON in --out (default WORK/results.json), with versions,
command and machine.
"""
import argparse
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

PEERS = ["aniposelib-dlt", "aniposelib-fast", "aniposelib-ransac", "pose2sim", "ours",
         "ours-subsets"]
# Ours with another --outlier-search than the command's default (the reference subset search).
OURS_SEARCH = {"ours": None, "ours-subsets": "subsets"}
# What each peer needs importable in the venv, and the PyPI packages that install it.
PEER_PACKAGES = {
    "aniposelib-dlt": ("aniposelib", ["aniposelib"]),
    "aniposelib-fast": ("aniposelib", ["aniposelib"]),
    "aniposelib-ransac": ("aniposelib", ["aniposelib"]),
    "pose2sim": ("Pose2Sim", ["pose2sim"]),
}
BENCH_PACKAGES = ["numpy", "pyyaml", "toml"]
BODY25 = ["Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
          "MidHip", "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye", "REar",
          "LEar", "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel"]


def thread_env(threads):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                "NUMEXPR_NUM_THREADS", "NUMBA_NUM_THREADS"):
        env[var] = str(threads)
    env["XLA_FLAGS"] = ("--xla_cpu_multi_thread_eigen=false "
                        f"intra_op_parallelism_threads={threads}")
    return env


def pin_to_cpus(threads):
    """Restricts this process (and its children) to the first `threads` CPUs it may use."""
    if hasattr(os, "sched_setaffinity"):
        allowed = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, set(allowed[:threads]))


# --------------------------------------------------------------------------------------------
# Orchestrator (any python3, standard library only)
# --------------------------------------------------------------------------------------------

def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def run(cmd, **kw):
    log("$ " + " ".join(shlex.quote(str(c)) for c in cmd))
    return subprocess.run([str(c) for c in cmd], **kw)


def venv_python(venv):
    return Path(venv) / "bin" / "python"


def importable(py, module):
    return subprocess.run([str(py), "-c", f"import {module}"], capture_output=True).returncode == 0


def setup_venv(args):
    """Creates the venv and installs the bench's and each peer's packages; returns
    {peer: error or None}."""
    py = venv_python(args.venv)
    if not py.exists():
        run([sys.executable, "-m", "venv", args.venv], check=True)
        run([py, "-m", "pip", "install", "-q", "--upgrade", "pip"], check=False)
    if args.reinstall or not all(importable(py, m) for m in ("numpy", "yaml", "toml")):
        run([py, "-m", "pip", "install", "-q"] + BENCH_PACKAGES, check=True)
    problems = {}
    for peer in args.peers:
        if peer not in PEER_PACKAGES:
            continue
        module, packages = PEER_PACKAGES[peer]
        if not args.reinstall and importable(py, module):
            continue
        if args.skip_install:
            problems[peer] = f"{module} is not importable in {args.venv} (--skip-install)"
            continue
        r = run([py, "-m", "pip", "install", "-q"] + packages, capture_output=True, text=True)
        if r.returncode != 0 or not importable(py, module):
            problems[peer] = f"pip install {' '.join(packages)} failed: {r.stderr.strip()[-800:]}"
    return problems


def versions(py):
    code = ("import importlib.metadata as m, json\n"
            "out = {}\n"
            "for p in ['aniposelib', 'pose2sim', 'numpy', 'opencv-python', 'jax', 'jaxlib',"
            " 'scipy', 'pandas']:\n"
            "    try: out[p] = m.version(p)\n"
            "    except Exception: out[p] = None\n"
            "print(json.dumps(out))")
    r = subprocess.run([str(py), "-c", code], capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 else {}


def machine():
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cpus": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version()}


def worker(args, mode, extra, timeout=None):
    """Runs this script in the venv as `--worker MODE`; returns its JSON answer or {'error': ...}."""
    cmd = [venv_python(args.venv), __file__, "--worker", mode, "--work", args.work,
           "--threads", str(args.threads)] + [str(e) for e in extra]
    try:
        r = run(cmd, capture_output=True, text=True, env=thread_env(args.threads), timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    if r.returncode != 0:
        return {"error": (r.stderr or r.stdout).strip()[-1500:]}
    try:
        return json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": "no result: " + (r.stderr or r.stdout).strip()[-1500:]}


def ours_route(mvpose3d):
    r = subprocess.run([mvpose3d, "triangulate", "--help"], capture_output=True, text=True)
    return "keypoints" if "--keypoints" in r.stdout else "points2d"


# The command's report of its triangulation phase (tools/cmd_triangulate.cpp, run_keypoints).
PHASE_LINE = re.compile(r"triangulated \d+ joint-frames: .* in ([0-9.]+) s \(([0-9.]+) s of CPU\)")


def run_ours(args, route, frames, search=None):
    """Runs `mvpose3d triangulate` on the first `frames` frames; returns the whole command's
    seconds, the triangulation phase's seconds (keypoint route) and the output."""
    work = Path(args.work)
    out = work / "ours" / f"points3d_{search or 'default'}_{frames}.npy"
    out.parent.mkdir(parents=True, exist_ok=True)
    if route == "keypoints":
        cmd = [args.mvpose3d, "triangulate", "--cameras", work / "rig.yaml",
               "--keypoints", work / "keypoints.npy", "--keypoints-format", "npy",
               "--min-confidence", args.min_confidence, "--min-views", args.min_views,
               "--max-reproj-px", args.max_reproj_px, "--out", out, "--threads", args.threads]
        if search:
            cmd += ["--outlier-search", search]
    else:
        # Today's route: points [F*J, V, 2], weights = confidence (0 below the threshold).
        cmd = [args.mvpose3d, "triangulate", "--cameras", work / "rig.yaml",
               "--points2d", work / "ours" / "points2d.npy", "--weights",
               work / "ours" / "weights.npy", "--mask-out", work / "ours" / "mask.npy",
               "--out", out, "--threads", args.threads]
    threads = args.threads
    t0 = time.perf_counter()
    r = run(cmd, capture_output=True, text=True, env=thread_env(threads),
            preexec_fn=lambda: pin_to_cpus(threads))
    seconds = time.perf_counter() - t0
    if r.returncode != 0:
        return {"error": (r.stderr or r.stdout).strip()[-1500:]}
    phase = PHASE_LINE.search(r.stderr)
    return {"seconds": seconds, "call_seconds": float(phase.group(1)) if phase else None,
            "call_cpu_seconds": float(phase.group(2)) if phase else None,
            "log": [line for line in r.stderr.splitlines() if "triangulated" in line],
            "points3d": str(out), "frames": frames,
            "mask": str(work / "ours" / "mask.npy") if route == "points2d" else None}


# What accuracy() writes into a contender's results (replaced on every run).
ACCURACY_KEYS = ("mpjpe_mm", "returned", "ours_same_part_mm", "mpjpe_common_mm", "returned_common",
                 "common_joints")
# Frames a peer needs at least (Pose2Sim drops a person seen in fewer than 10 frames in a row).
MIN_FRAMES = {"pose2sim": 30}


def time_with_budget(args, name, total_frames, one_minute):
    """Times a peer on growing prefixes of the session (see the module doc); returns the largest
    run. While a run is cheap (under a twentieth of the budget) the prefix grows fourfold, so that
    the time per frame is measured beyond fixed costs (imports, JIT compilation); then the peer
    runs the whole session if its estimate fits the budget, else the first minute, else the
    longest prefix that fits."""
    n = min(total_frames, max(args.probe_frames, MIN_FRAMES.get(name, 1)))
    runs, best = [], None
    while True:
        res = worker(args, "peer", ["--peer", name, "--frames", n] + threshold_args(args),
                     timeout=args.peer_budget_s * 3 + 300)
        if "error" in res:
            return res if best is None else dict(best, note=f"larger run failed: {res['error']}")
        best = res
        runs.append((n, res["seconds"]))
        if n >= total_frames:
            return best
        (n0, t0), (n1, t1) = (runs[-2] if len(runs) > 1 else (0, 0.0)), runs[-1]
        per_frame = (t1 - t0) / (n1 - n0) if t1 > t0 else t1 / n1
        fixed = max(0.0, t1 - per_frame * n1)

        def fits(frames):
            return fixed + per_frame * frames <= args.peer_budget_s

        if t1 < args.peer_budget_s / 20 and fits(4 * n) and 4 * n < total_frames:
            nxt = 4 * n
        elif fits(total_frames):
            nxt = total_frames
        elif fits(one_minute):
            nxt = one_minute
        else:
            nxt = int((args.peer_budget_s - fixed) / per_frame)
        nxt = min(nxt, total_frames)
        if nxt <= n:
            return best
        n = nxt


def threshold_args(args):
    return ["--min-confidence", args.min_confidence, "--min-views", args.min_views,
            "--max-reproj-px", args.max_reproj_px]


def orchestrate(args):
    args.peers = args.peers or PEERS
    args.work = str(Path(args.work).resolve())  # Pose2Sim runs in its own directory
    args.mvpose3d = str(Path(args.mvpose3d).resolve())
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    out = Path(args.out or work / "results.json")
    results = {"command": " ".join(shlex.quote(a) for a in sys.argv), "machine": machine(),
               "threads": args.threads, "peer_budget_s": args.peer_budget_s, "contenders": {}}
    if args.merge and out.exists():
        # Earlier contenders of the same session stay; those named in --peers are run again.
        old = json.loads(out.read_text())
        results["contenders"] = {k: v for k, v in old.get("contenders", {}).items()
                                 if k not in args.peers}
        results["earlier_commands"] = old.get("earlier_commands", []) + [old.get("command")]
    install_problems = setup_venv(args)
    py = venv_python(args.venv)
    results["versions"] = versions(py)
    frames = int(round(args.minutes * 60 * args.fps))
    one_minute = int(round(60 * args.fps))

    # The session: rig and motion from the C++ side, the rest in the venv.
    run([args.mvpose3d, "data", "rig", "--ring", args.cameras, "--out", work / "rig.yaml"],
        check=True, capture_output=True)
    run([args.mvpose3d, "data", "motion", "--frames", frames, "--fps", args.fps, "--layout",
         "body25", "--out", work / "gt_joints_mm.npy"], check=True, capture_output=True)
    made = worker(args, "make-data", ["--seed", args.seed, "--noise-px", args.noise_px,
                                      "--outlier-fraction", args.outlier_fraction,
                                      "--missing-fraction", args.missing_fraction,
                                      "--fps", args.fps])
    if "error" in made:
        raise SystemExit(f"making the session failed: {made['error']}")
    results["session"] = made
    results["session"].update({"frames": frames, "fps": args.fps, "cameras": args.cameras,
                               "min_confidence": args.min_confidence,
                               "min_views": args.min_views, "max_reproj_px": args.max_reproj_px})

    for name in args.peers:
        log(f"--- {name}")
        if name in install_problems:
            results["contenders"][name] = {"error": install_problems[name]}
            continue
        if name in OURS_SEARCH:
            route = ours_route(args.mvpose3d)
            res = run_ours(args, route, frames, OURS_SEARCH[name])
            res["route"] = route
        else:
            res = time_with_budget(args, name, frames, one_minute)
            if "error" not in res and name.startswith("aniposelib-"):
                res["call_seconds"] = res["seconds"]  # aniposelib is timed on its call
        if "error" not in res:
            res["seconds_session"] = res["seconds"] * frames / res["frames"]
            for key in ("call_seconds", "call_cpu_seconds"):
                if res.get(key) is not None:
                    res[key + "_session"] = res[key] * frames / res["frames"]
            res["scaled"] = res["frames"] < frames
            res["load_average"] = os.getloadavg()
        results["contenders"][name] = res
        log(f"{name}: " + json.dumps({k: v for k, v in res.items() if k != "points3d"}))

    # Accuracy, in the venv (numpy): each contender, and ours on the same frames and joints.
    done = {k: v for k, v in results["contenders"].items() if "error" not in v}
    if done:
        spec = {k: {"points3d": v["points3d"], "frames": v["frames"], "mask": v.get("mask"),
                    "unit_mm": v.get("unit_mm", 1.0)} for k, v in done.items()}
        spec_file = work / "accuracy_spec.json"
        spec_file.write_text(json.dumps({"contenders": spec}))
        acc = worker(args, "accuracy", ["--spec", spec_file])
        if "error" in acc:
            log("accuracy failed: " + acc["error"])
        else:
            for k, v in acc.items():
                for stale in ACCURACY_KEYS:  # from an earlier, merged run
                    results["contenders"][k].pop(stale, None)
                results["contenders"][k].update(v)
    out.write_text(json.dumps(results, indent=2))
    print(markdown(results))
    log(f"results in {out}")


def markdown(results):
    c = results["contenders"]
    fast = c.get("aniposelib-fast", {}).get("seconds_session")
    fast_cpu = c.get("aniposelib-fast", {}).get("call_cpu_seconds_session")
    lines = ["| contender | wall time, session (s) | triangulation call, data in memory (s) | "
             "CPU time of the call (s) | timed on | aniposelib fast=True / wall time | "
             "aniposelib fast=True / call | aniposelib fast=True / CPU of the call | "
             "MPJPE (mm) | points returned | ours on the same frames and joints (mm) |",
             "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for name, v in c.items():
        if "error" in v:
            lines.append(f"| {name} | failed: {v['error'].splitlines()[-1][:120]} |" + " |" * 10)
            continue
        timed = (f"first {v['frames']} frames, scaled" if v.get("scaled") else "whole session")
        speed = f"{fast / v['seconds_session']:.3g}" if fast else "-"
        call = v.get("call_seconds_session")
        call_speed = f"{fast / call:.3g}" if fast and call else "-"
        cpu = v.get("call_cpu_seconds_session")
        cpu_speed = f"{fast_cpu / cpu:.3g}" if fast_cpu and cpu else "-"
        same = v.get("ours_same_part_mm")
        lines.append(f"| {name}{' (' + v['route'] + ')' if 'route' in v else ''} | "
                     f"{v['seconds_session']:.4g} | {'-' if call is None else f'{call:.4g}'} | "
                     f"{'-' if cpu is None else f'{cpu:.4g}'} | "
                     f"{timed} | {speed} | {call_speed} | {cpu_speed} | "
                     f"{v.get('mpjpe_mm', float('nan')):.2f} | "
                     f"{100 * v.get('returned', float('nan')):.1f} % | "
                     f"{'-' if same is None else f'{same:.2f}'} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Workers (in the venv: numpy, pyyaml, toml, the peers)
# --------------------------------------------------------------------------------------------

def load_rig(path):
    """The rig YAML (geometry/rig.h): names, K, R, t (mm), image sizes."""
    import numpy as np
    import yaml
    doc = yaml.safe_load(Path(path).read_text())
    cams = []
    for c in doc["cameras"]:
        if c.get("distortion", {"model": "none"}).get("model", "none") != "none":
            raise SystemExit(f"{path}: camera {c['name']}: the bench writes pinhole calibrations")
        K = np.array([[c["fx"], 0, c["cx"]], [0, c["fy"], c["cy"]], [0, 0, 1]], dtype=float)
        R = np.array(c["R_cam_from_world"], dtype=float)
        t = (np.array(c["t_mm"], dtype=float) if "t_mm" in c
             else -R @ np.array(c["center_world_mm"], dtype=float))
        cams.append({"name": str(c["name"]), "K": K, "R": R, "t": t,
                     "size": [int(c["width"]), int(c["height"])]})
    return cams


def rodrigues(R):
    import cv2  # noqa: F401  (opencv comes with both peers)
    import numpy as np
    rvec, _ = cv2.Rodrigues(np.asarray(R, dtype=float))
    return rvec.ravel()


def write_anipose_toml(cams, path, unit_scale):
    """anipose's calibration layout (aniposelib CameraGroup.dump); translation × unit_scale."""
    import numpy as np
    import toml
    doc = {}
    for i, c in enumerate(cams):
        doc[f"cam_{i}"] = {"name": c["name"], "size": c["size"], "matrix": c["K"].tolist(),
                           "distortions": [0.0] * 5, "rotation": rodrigues(c["R"]).tolist(),
                           "translation": (np.asarray(c["t"]) * unit_scale).tolist(),
                           "fisheye": False}
    doc["metadata"] = {"adjusted": False, "error": 0.0}
    Path(path).write_text(toml.dumps(doc))


def make_data(a):
    import numpy as np
    work = Path(a.work)
    cams = load_rig(work / "rig.yaml")
    gt = np.load(work / "gt_joints_mm.npy")  # [F, J, 3] world mm
    F, J, _ = gt.shape
    V = len(cams)
    rng = np.random.default_rng(a.seed)
    uv = np.empty((F, V, J, 2))
    for v, c in enumerate(cams):
        cam = gt @ c["R"].T + c["t"]  # [F, J, 3] camera mm
        pix = cam @ c["K"].T
        uv[:, v] = pix[..., :2] / pix[..., 2:3]
    uv += rng.normal(0.0, a.noise_px, uv.shape)
    outlier = rng.random((F, V, J)) < a.outlier_fraction
    radius = rng.uniform(30.0, 200.0, (F, V, J))
    angle = rng.uniform(0.0, 2 * np.pi, (F, V, J))
    shift = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=-1)
    uv = np.where(outlier[..., None], uv + shift, uv)
    conf = rng.uniform(0.5, 1.0, (F, V, J))
    missing = rng.random((F, V, J)) < a.missing_fraction
    uv[missing] = 0.0
    conf[missing] = 0.0
    keypoints = np.concatenate([uv, conf[..., None]], axis=-1)  # [F, V, J, 3]
    np.save(work / "keypoints.npy", keypoints)
    write_anipose_toml(cams, work / "calibration.toml", 1.0)
    # Ours on today's route: [F*J, V, 2] points and [F*J, V] weights.
    ours = work / "ours"
    ours.mkdir(exist_ok=True)
    np.save(ours / "points2d.npy", np.ascontiguousarray(uv.transpose(0, 2, 1, 3).reshape(F * J, V, 2)))
    w = np.where(conf >= a.min_confidence, conf, 0.0)
    np.save(ours / "weights.npy", np.ascontiguousarray(w.transpose(0, 2, 1).reshape(F * J, V)))
    return {"points": int(F * J), "detections": int(F * V * J),
            "outliers": int((outlier & ~missing).sum()), "missing": int(missing.sum()),
            "in_image": float(np.mean((uv[..., 0] >= 0) & (uv[..., 0] < cams[0]["size"][0]) &
                                      (uv[..., 1] >= 0) & (uv[..., 1] < cams[0]["size"][1])))}


def aniposelib_points(keypoints, frames, min_confidence):
    import numpy as np
    kp = keypoints[:frames]  # [F, V, J, 3]
    F, V, J, _ = kp.shape
    pts = kp[..., :2].transpose(1, 0, 2, 3).reshape(V, F * J, 2).copy()  # [V, F*J, 2]
    low = kp[..., 2].transpose(1, 0, 2).reshape(V, F * J) < min_confidence
    pts[low] = np.nan
    return pts


def peer_aniposelib(a, mode):
    import numpy as np
    from aniposelib.cameras import CameraGroup
    work = Path(a.work)
    keypoints = np.load(work / "keypoints.npy")
    group = CameraGroup.load(str(work / "calibration.toml"))
    pts = aniposelib_points(keypoints, a.frames, a.min_confidence)
    t0, cpu0 = time.perf_counter(), time.process_time()
    if mode == "dlt":
        p3d = group.triangulate(pts, progress=False)
    elif mode == "fast":
        p3d = group.triangulate(pts, progress=False, fast=True)
    else:
        p3d = group.triangulate_ransac(pts, min_cams=a.min_views, progress=False)[0]
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - cpu0
    out = work / f"{mode}_points3d_{a.frames}.npy"
    np.save(out, p3d.reshape(a.frames, -1, 3))
    return {"seconds": seconds, "call_cpu_seconds": cpu_seconds, "points3d": str(out),
            "frames": a.frames}


def write_pose2sim_project(a, cams, keypoints):
    """A Pose2Sim trial folder: calibration/ (metres), pose/<cam>_json/ with one OpenPose JSON per
    frame (written up to the frames asked for; later calls add the rest)."""
    root = Path(a.work) / "pose2sim"
    calib_dir = root / "calibration"
    calib_dir.mkdir(parents=True, exist_ok=True)
    write_anipose_toml(cams, calib_dir / "Calib_board.toml", 1e-3)
    written = root / "frames_written"
    have = int(written.read_text()) if written.exists() else 0
    F = keypoints.shape[0]
    for v, c in enumerate(cams):
        d = root / "pose" / f"{c['name']}_json"
        d.mkdir(parents=True, exist_ok=True)
        for f in range(have, a.frames):
            flat = [float(x) for x in keypoints[f, v].reshape(-1)]
            doc = {"version": 1.3, "people": [{"person_id": [-1], "pose_keypoints_2d": flat}]}
            (d / f"{c['name']}.{f:012d}_keypoints.json").write_text(json.dumps(doc))
    written.write_text(str(max(have, a.frames)))
    assert a.frames <= F
    return root


def pose2sim_config(a, root):
    """Pose2Sim's own single-trial Config.toml (from the installed package) with our thresholds;
    no filtering, no C3D, no left/right swap, no undistortion (the cameras are pinhole)."""
    import toml
    import Pose2Sim
    base = Path(Pose2Sim.__file__).parent
    default = base / "Demo_SinglePerson" / "Config.toml"
    if not default.is_file():
        found = sorted(base.glob("**/Config.toml"), key=lambda p: len(p.parts))
        if not found:
            raise SystemExit(f"no Config.toml under {base}")
        default = found[0]
    cfg = toml.load(default)
    cfg["project"].update({"project_dir": str(root), "multi_person": False,
                           "frame_rate": int(round(a.fps)), "frame_range": [0, a.frames]})
    cfg["pose"]["pose_model"] = "BODY_25"
    cfg["triangulation"].update({"reproj_error_threshold_triangulation": a.max_reproj_px,
                                 "likelihood_threshold_triangulation": a.min_confidence,
                                 "min_cameras_for_triangulation": a.min_views,
                                 "undistort_points": False, "make_c3d": False,
                                 "handle_LR_swap": False})
    (root / "Config.toml").write_text(toml.dumps(cfg))
    return cfg


def read_trc(path, frames, num_markers):
    """A TRC's markers as [frames, M, 3] by its Frame# column (NaN where it has no row)."""
    import numpy as np
    out = np.full((frames, num_markers, 3), np.nan)
    for line in Path(path).read_text().splitlines()[5:]:
        r = line.split("\t")
        if len(r) < 2 + 3 * num_markers or not r[0].strip():
            continue
        f = int(float(r[0]))
        if 0 <= f < frames:
            out[f] = np.array([float(x) if x.strip() else np.nan
                               for x in r[2:2 + 3 * num_markers]]).reshape(num_markers, 3)
    return out


def pose2sim_body25_ids():
    """OpenPose indices of the TRC's markers, in the order Pose2Sim writes them (its skeleton tree
    for BODY_25, walked as triangulation.py walks it)."""
    from anytree import RenderTree
    from Pose2Sim import skeletons
    return [node.id for _, _, node in RenderTree(skeletons.BODY_25) if node.id is not None]


def peer_pose2sim(a):
    import numpy as np
    from Pose2Sim import Pose2Sim
    work = Path(a.work)
    cams = load_rig(work / "rig.yaml")
    keypoints = np.load(work / "keypoints.npy", mmap_mode="r")
    root = write_pose2sim_project(a, cams, keypoints)
    cfg = pose2sim_config(a, root)
    for old in (root / "pose-3d").glob("*.trc") if (root / "pose-3d").exists() else []:
        old.unlink()
    cwd = os.getcwd()
    os.chdir(root)
    try:
        t0 = time.perf_counter()
        Pose2Sim.triangulation(cfg)
        seconds = time.perf_counter() - t0
    finally:
        os.chdir(cwd)
    trcs = sorted((root / "pose-3d").glob("*.trc"))
    if not trcs:
        raise SystemExit(f"Pose2Sim wrote no TRC under {root / 'pose-3d'}")
    ids = pose2sim_body25_ids()
    xyz = read_trc(trcs[0], a.frames, len(ids))
    # Pose2Sim writes metres, Y up (its zup2yup: X' = Y, Y' = Z, Z' = X); back to world mm, z up.
    world = np.stack([xyz[..., 2], xyz[..., 0], xyz[..., 1]], axis=-1) * 1000.0
    p3d = np.full((a.frames, len(BODY25), 3), np.nan)
    p3d[:, ids] = world
    out = work / f"pose2sim_points3d_{a.frames}.npy"
    np.save(out, p3d)
    return {"seconds": seconds, "points3d": str(out), "frames": a.frames}


def accuracy(a):
    """MPJPE (mm) of each contender over the points it returned, and of ours over the same frames
    and joints (a peer timed on a prefix, Pose2Sim's BODY_25 without eyes and ears)."""
    import numpy as np
    work = Path(a.work)
    spec = json.loads(Path(a.spec).read_text())["contenders"]
    gt = np.load(work / "gt_joints_mm.npy")  # [F, J, 3]
    J = gt.shape[1]
    loaded = {}
    for name, s in spec.items():
        p = np.load(s["points3d"]).reshape(-1, J, 3)[: s["frames"]] * s["unit_mm"]
        valid = np.isfinite(p).all(-1)
        if s.get("mask"):
            valid &= np.load(s["mask"]).reshape(-1, J)[: s["frames"]].astype(bool)
        loaded[name] = (p, valid, np.linalg.norm(p - gt[: len(p)], axis=-1))
    out = {}
    for name, (p, valid, err) in loaded.items():
        out[name] = {"mpjpe_mm": float(err[valid].mean()) if valid.any() else float("nan"),
                     "returned": float(valid.mean())}
        if "ours" in loaded and name != "ours":
            _, ours_valid, ours_err = loaded["ours"]
            joints = valid.any(0)
            v = ours_valid[: len(p)][:, joints]
            out[name]["ours_same_part_mm"] = (float(ours_err[: len(p)][:, joints][v].mean())
                                              if v.any() else float("nan"))
    return out


def run_worker(a):
    pin_to_cpus(a.threads)
    if a.worker == "make-data":
        res = make_data(a)
    elif a.worker == "accuracy":
        res = accuracy(a)
    elif a.peer.startswith("aniposelib-"):
        res = peer_aniposelib(a, a.peer.split("-", 1)[1])
    elif a.peer == "pose2sim":
        res = peer_pose2sim(a)
    else:
        raise SystemExit(f"unknown peer {a.peer}")
    print(json.dumps(res))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mvpose3d", default="build/tools/mvpose3d")
    p.add_argument("--work", default="build/bench-peers")
    p.add_argument("--venv", default="build/peers-venv")
    p.add_argument("--out", default=None)
    p.add_argument("--peers", nargs="*", choices=PEERS, default=None)
    p.add_argument("--minutes", type=float, default=10.0)
    p.add_argument("--fps", type=float, default=30.0)
    p.add_argument("--cameras", type=int, default=8)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--peer-budget-s", type=float, default=600.0)
    p.add_argument("--probe-frames", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--noise-px", type=float, default=2.0)
    p.add_argument("--outlier-fraction", type=float, default=0.10)
    p.add_argument("--missing-fraction", type=float, default=0.05)
    p.add_argument("--min-confidence", type=float, default=0.3)
    p.add_argument("--min-views", type=int, default=2)
    p.add_argument("--max-reproj-px", type=float, default=15.0)
    p.add_argument("--reinstall", action="store_true")
    p.add_argument("--skip-install", action="store_true")
    p.add_argument("--merge", action="store_true",
                   help="keep the other contenders of an earlier results file of the same session")
    # Internal: the per-peer subprocesses in the venv.
    p.add_argument("--worker", choices=["make-data", "peer", "accuracy"], help=argparse.SUPPRESS)
    p.add_argument("--peer", help=argparse.SUPPRESS)
    p.add_argument("--frames", type=int, help=argparse.SUPPRESS)
    p.add_argument("--spec", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker:
        run_worker(a)
    else:
        orchestrate(a)


if __name__ == "__main__":
    main()
