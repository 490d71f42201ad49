#!/usr/bin/env python3
"""The network that `mvpose3d bench train` trains, written in PyTorch from Python (the twin), and a
side-by-side timing of both on the same weights, inputs, torch and threads.

The twin has the same layers, shapes and initial weights as the C++ network (the Baseline:
model.fusion none; a ResNet encoder with torchvision's layout, the Simple-Baselines decoder,
soft-argmax, the DLT of the mvpose3d Python package, the same losses and optimiser). It does not
initialise anything itself: `mvpose3d bench train --export DIR` writes the C++ model's initial
state dict (weights.pt), the preloaded batches (batches.pt) and the step's settings (twin.json),
and the twin loads them, so both start equal.

  # C++ and Python alternately, 3 rounds, 1 thread each; the ratio is C++ / Python samples/s
  python scripts/bench_train_pytorch.py compare --mvpose3d build/tools/mvpose3d \
      --config configs/_base_/synthetic_ablation.yaml --set model.fusion=none --threads 1

  # the twin alone, on what `bench train --export DIR` wrote
  python scripts/bench_train_pytorch.py time DIR --steps 20
  # the twin's losses against those of the C++ run that exported DIR (exit status 1 if apart)
  python scripts/bench_train_pytorch.py check DIR --cpp-json DIR/cpp.json
  # inference forward of the twin (compare: mvpose3d bench model --variants baseline)
  python scripts/bench_train_pytorch.py infer --backbone resnet50 --batches 1,4 --threads 2
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
RESNET_LAYERS = {  # depth -> (block, blocks per stage), torchvision's
    18: ("basic", [2, 2, 2, 2]),
    34: ("basic", [3, 4, 6, 3]),
    50: ("bottleneck", [3, 4, 6, 3]),
    101: ("bottleneck", [3, 4, 23, 3]),
    152: ("bottleneck", [3, 8, 36, 3]),
}


# --- The network (names and order of the C++ modules, so state dicts match key for key) ----------


def conv(cin, cout, kernel, stride, padding):
    return nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, bias=False)


def downsample(cin, cout, stride):
    if stride == 1 and cin == cout:
        return None
    return nn.Sequential(conv(cin, cout, 1, stride, 0), nn.BatchNorm2d(cout))


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin, width, stride):
        super().__init__()
        self.conv1 = conv(cin, width, 3, stride, 1)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = conv(width, width, 3, 1, 1)
        self.bn2 = nn.BatchNorm2d(width)
        self.downsample = downsample(cin, width, stride)

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.downsample(x) if self.downsample is not None else x
        return torch.relu(out)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, width, stride):
        super().__init__()
        self.conv1 = conv(cin, width, 1, 1, 0)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = conv(width, width, 3, stride, 1)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = conv(width, width * 4, 1, 1, 0)
        self.bn3 = nn.BatchNorm2d(width * 4)
        self.downsample = downsample(cin, width * 4, stride)

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = torch.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        out += self.downsample(x) if self.downsample is not None else x
        return torch.relu(out)


class ResNetEncoder(nn.Module):
    def __init__(self, block, layers, width, stages):
        super().__init__()
        block_type = Bottleneck if block == "bottleneck" else BasicBlock
        self.conv1 = nn.Conv2d(3, width, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        cin = width
        for s in range(stages):
            blocks = []
            for b in range(layers[s]):
                blocks.append(block_type(cin, width << s, 2 if (b == 0 and s > 0) else 1))
                cin = (width << s) * block_type.expansion
            setattr(self, f"layer{s + 1}", nn.Sequential(*blocks))
        self.stages = stages
        self.out_channels = cin

    def forward(self, images):  # [N, 3, H, W] -> [N, C, h, w]
        x = self.maxpool(torch.relu(self.bn1(self.conv1(images))))
        for s in range(self.stages):
            x = getattr(self, f"layer{s + 1}")(x)
        return x


class HeatmapDecoder(nn.Module):
    def __init__(self, cin, joints, reduce_channels, layers, channels, kernel):
        super().__init__()
        padding, output_padding = {4: (1, 0), 3: (1, 1), 2: (0, 0)}[kernel]
        if reduce_channels > 0:
            self.reduce_layer = nn.Sequential(
                nn.Conv2d(cin, reduce_channels, 1, bias=False),
                nn.BatchNorm2d(reduce_channels), nn.ReLU(inplace=True))
            cin = reduce_channels
        else:
            self.reduce_layer = None
        deconvs = []
        for _ in range(layers):
            deconvs += [nn.ConvTranspose2d(cin, channels, kernel, stride=2, padding=padding,
                                           output_padding=output_padding, bias=False),
                        nn.BatchNorm2d(channels), nn.ReLU(inplace=True)]
            cin = channels
        self.deconv_layers = nn.Sequential(*deconvs)
        self.final_layer = nn.Conv2d(cin, joints, 1, bias=True)

    def forward(self, features):
        x = self.reduce_layer(features) if self.reduce_layer is not None else features
        return self.final_layer(self.deconv_layers(x))


def soft_argmax(heatmaps, beta):
    """[..., h, w] -> coords [..., 2] in heatmap px and confidence [...], as models::soft_argmax."""
    h = heatmaps if heatmaps.dtype == torch.float64 else heatmaps.float()
    rows, cols = h.shape[-2], h.shape[-1]
    p = torch.softmax(h.flatten(-2) * beta, -1).view(h.shape)
    px, py = p.sum(-2), p.sum(-1)
    u = torch.arange(cols, dtype=h.dtype, device=h.device)
    v = torch.arange(rows, dtype=h.dtype, device=h.device)
    x, y = (px * u).sum(-1), (py * v).sum(-1)
    var = ((px * u * u).sum(-1) - x * x + (py * v * v).sum(-1) - y * y).clamp_min(1e-12)
    return torch.stack([x, y], -1), 1.0 / (1.0 + var.sqrt())


def rescale_px(coords, from_h, from_w, to_h, to_w):
    scale = torch.tensor([to_w / from_w, to_h / from_h], dtype=coords.dtype, device=coords.device)
    return (coords + 0.5) * scale - 0.5


def apply_affine_2d(points, affine):
    a = affine.to(points.dtype)
    return torch.matmul(a[..., :2], points.unsqueeze(-1)).squeeze(-1) + a[..., 2]


class PoseNet(nn.Module):
    """The Baseline of mvpose3d's MultiViewPoseNet: encoder per view, decoder, soft-argmax, DLT."""

    def __init__(self, spec):
        super().__init__()
        if spec["fusion"] != "none":
            raise SystemExit(f"bench_train_pytorch.py: the twin is the Baseline (model.fusion: "
                             f"none); this export has model.fusion: {spec['fusion']}")
        self.encoder = ResNetEncoder(spec["block"], spec["layers"], spec["width"], spec["stages"])
        self.decoder = HeatmapDecoder(self.encoder.out_channels, spec["joints"],
                                      spec["decoder_reduce_channels"], spec["deconv_layers"],
                                      spec["deconv_channels"], spec["deconv_kernel"])
        self.beta = spec["softargmax_beta"]
        self.method = spec["triangulation"]

    def forward(self, images, cameras, triangulate=True):
        """images [B, V, 3, S, S] normalised; cameras: K [B, V, 3, 3], cam_from_world [B, V, 3, 4],
        image_from_crop [B, V, 2, 3] (float64)."""
        b, v, _, crop_h, crop_w = images.shape
        features = self.encoder(images.flatten(0, 1))  # [B·V, C, h, w]
        heat = self.decoder(features)  # [B·V, J, hh, ww] (the Baseline fuses nothing)
        j, hh, ww = heat.shape[1:]
        out = {"heatmaps": heat.view(b, v, j, hh, ww)}
        coords, out["confidences"] = soft_argmax(out["heatmaps"], self.beta)
        out["joints2d_crop_px"] = rescale_px(coords, hh, ww, crop_h, crop_w)  # [B, V, J, 2]
        out["joints2d_image_px"] = apply_affine_2d(out["joints2d_crop_px"],
                                                   cameras["image_from_crop"].unsqueeze(2))
        if triangulate and v >= 2:
            import mvpose3d  # the DLT layer: the same op the C++ network calls
            points = out["joints2d_crop_px"].permute(0, 2, 1, 3).double()  # [B, J, V, 2]
            proj = torch.matmul(cameras["K"], cameras["cam_from_world"]).unsqueeze(1)
            points3d, valid = mvpose3d.triangulate(points, proj, None, method=self.method)
            out["joints3d_mm"] = points3d.to(out["joints2d_crop_px"].dtype)  # [B, J, 3]
            out["joints3d_valid"] = valid
        return out


def camera_batch(batch):
    """data::camera_batch_from in Python: K, cam_from_world and image_from_crop, float64."""
    a = batch["crop_from_original"].double()
    m_inv = torch.linalg.inv(a[..., :2])
    return {"K": batch["K"].double(),
            "cam_from_world": torch.cat([batch["R"], batch["t"].unsqueeze(-1)], -1).double(),
            "image_from_crop": torch.cat([m_inv, -torch.matmul(m_inv, a[..., 2:])], -1)}


def imagenet_normalize(images):
    mean = torch.tensor(IMAGENET_MEAN, dtype=images.dtype).view(3, 1, 1)
    std = torch.tensor(IMAGENET_STD, dtype=images.dtype).view(3, 1, 1)
    return (images - mean) / std


def losses(out, batch, spec):
    """train::compute_losses: {"loss_2d", "loss_3d"} and the weighted total."""
    pred2d = out["joints2d_crop_px"]
    gt2d = batch["joints_2d_px"].to(pred2d.dtype)
    kind = spec["loss_2d"]
    if kind == "l1":
        l2d = nn.functional.l1_loss(pred2d, gt2d)
    elif kind == "mse":
        l2d = nn.functional.mse_loss(pred2d, gt2d)
    elif kind == "smooth_l1":
        l2d = nn.functional.smooth_l1_loss(pred2d, gt2d, beta=1.0)
    else:
        raise SystemExit(f"bench_train_pytorch.py: train.loss.loss_2d {kind} is not in the twin")
    terms = {"loss_2d": l2d}
    total = spec["weight_2d"] * l2d
    if spec["with_3d_loss"]:
        gt = batch["joints_world_mm"].to(out["joints3d_mm"].dtype)
        valid = out["joints3d_valid"].to(gt.dtype)
        count = valid.sum().clamp_min(1.0)
        diff = out["joints3d_mm"] - gt
        if spec["loss_3d"] == "mpjpe":
            l3d = (((diff.square().sum(-1) + 1e-9).sqrt()) * valid).sum() / count
        else:
            l3d = (diff.abs().sum(-1) * valid).sum() / (3.0 * count)
        terms["loss_3d"] = l3d
        total = total + spec["weight_3d"] * l3d
    return total, terms


def load_export(file):
    """A dict of tensors written by torch::pickle_save (typed C++ dicts carry a type tag)."""
    import torch.jit._pickle as tags
    with torch.serialization.safe_globals([tags.restore_type_tag]):
        return dict(torch.load(file, weights_only=True))


# --- One training step, as train::Trainer::run_step -----------------------------------------------


class Twin:
    def __init__(self, export_dir):
        export_dir = Path(export_dir)
        self.spec = json.loads((export_dir / "twin.json").read_text())
        torch.set_num_threads(self.spec["threads"])
        self.model = PoseNet(self.spec)
        state = load_export(export_dir / "weights.pt")
        missing = self.model.load_state_dict(state, strict=True)
        assert not missing.missing_keys and not missing.unexpected_keys, missing
        stacked = load_export(export_dir / "batches.pt")
        self.batches = [{k: v[i] for k, v in stacked.items()}
                        for i in range(stacked["images"].shape[0])]
        params = list(self.model.parameters())
        s = self.spec
        if s["optimizer"] == "adam":
            self.optimizer = torch.optim.Adam(params, lr=s["learning_rate"],
                                              weight_decay=s["weight_decay"])
        else:
            self.optimizer = torch.optim.SGD(params, lr=s["learning_rate"], momentum=s["momentum"],
                                             weight_decay=s["weight_decay"])
        self.params = params

    def step(self, batch):
        """Forward, losses, backward, gradient norm (clipped when grad_clip_norm > 0), update.
        Returns the total loss (a Python float)."""
        self.model.train()
        out = self.model(imagenet_normalize(batch["images"]), camera_batch(batch),
                         triangulate=self.spec["with_3d_loss"])
        total, terms = losses(out, batch, self.spec)
        host = torch.stack([total.detach()] + [t.detach() for t in terms.values()]).double()
        loss = host.tolist()[0]
        self.optimizer.zero_grad(set_to_none=True)
        if not math.isfinite(loss):
            return loss
        total.backward()
        clip = self.spec["grad_clip_norm"]
        if clip > 0:
            norm = nn.utils.clip_grad_norm_(self.params, clip).item()
        else:  # the norm only, as the C++ trainer measures it without clipping
            norm = nn.utils.get_total_norm([p.grad for p in self.params if p.grad is not None])
            norm = norm.item()
        if math.isfinite(norm):
            self.optimizer.step()
        else:
            self.optimizer.zero_grad(set_to_none=True)
        return loss

    def run(self, steps, warmup):
        """warmup + steps steps cycling through the batches; the timing of the last `steps`."""
        losses_seen, times = [], []
        cpu_start = 0.0
        for i in range(warmup + steps):
            if i == warmup:
                cpu_start = time.process_time()
            start = time.perf_counter()
            losses_seen.append(self.step(self.batches[i % len(self.batches)]))
            if i >= warmup:
                times.append(time.perf_counter() - start)
        if not times:
            return None
        seconds, cpu_seconds = sum(times), time.process_time() - cpu_start
        return {"data": "preloaded", "steps": steps, "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "samples_per_cpu_s": steps * self.spec["batch_size"] / cpu_seconds,
                "median_step_ms": 1e3 * statistics.median(times),
                "steps_per_s": steps / seconds,
                "samples_per_s": steps / seconds * self.spec["batch_size"],
                "losses": losses_seen}


# --- Commands ------------------------------------------------------------------------------------


def cmd_time(args):
    twin = Twin(args.export_dir)
    if args.profile:
        # The steps under PyTorch's profiler, as `mvpose3d bench train --profile` records the C++
        # ones: compare the two traces with `profile-compare`.
        twin.run(0, args.warmup)
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
            twin.run(args.steps, 0)
        prof.export_chrome_trace(args.profile)
        print(f"twin: trace of {args.steps} steps in {args.profile}")
        return
    result = twin.run(args.steps, args.warmup)
    result.update(torch_version=torch.__version__, threads=torch.get_num_threads())
    print(f"twin: {result['steps_per_s']:.3f} steps/s, {result['samples_per_s']:.2f} samples/s "
          f"(median step {result['median_step_ms']:.1f} ms, {torch.get_num_threads()} threads)")
    if args.json:
        Path(args.json).write_text(json.dumps(result) + "\n")


def cmd_check(args):
    cpp = json.loads(Path(args.cpp_json).read_text())
    cpp_losses = next(r for r in cpp["runs"] if r["data"] == "preloaded")["losses"]
    n = min(args.steps, len(cpp_losses))
    twin = Twin(args.export_dir)
    worst = 0.0
    for i in range(n):
        loss = twin.step(twin.batches[i % len(twin.batches)])
        rel = abs(loss - cpp_losses[i]) / max(1.0, abs(cpp_losses[i]))
        worst = max(worst, rel)
        print(f"step {i}: C++ {cpp_losses[i]:.9g}  Python {loss:.9g}  relative difference {rel:.2e}")
    if worst > args.tolerance:
        print(f"FAILED: the losses differ by {worst:.2e} > {args.tolerance:.0e}")
        sys.exit(1)
    print(f"ok: the losses agree to {worst:.2e} (tolerance {args.tolerance:.0e})")


def op_totals(trace_file):
    """Total microseconds and calls per ATen operator (aten::*) in a Chrome trace of the profiler."""
    events = json.loads(Path(trace_file).read_text())
    events = events["traceEvents"] if isinstance(events, dict) else events
    totals = {}
    for e in events:
        if e.get("ph") == "X" and str(e.get("name", "")).startswith("aten::"):
            t = totals.setdefault(e["name"], [0.0, 0])
            t[0] += float(e.get("dur", 0))
            t[1] += 1
    return totals


def cmd_profile_compare(args):
    """Side by side: time per operator in the C++ and the Python trace (inclusive times, so
    nested operators count in their parents too), sorted by the larger difference."""
    cpp, py = op_totals(args.cpp_trace), op_totals(args.python_trace)
    rows = sorted(set(cpp) | set(py),
                  key=lambda n: -abs(cpp.get(n, [0, 0])[0] - py.get(n, [0, 0])[0]))
    print(f"{'operator':<44} {'C++ ms':>10} {'calls':>7} {'Python ms':>10} {'calls':>7}")
    for name in rows[:args.top]:
        c, p = cpp.get(name, [0.0, 0]), py.get(name, [0.0, 0])
        print(f"{name[:44]:<44} {c[0] / 1e3:>10.1f} {c[1]:>7} {p[0] / 1e3:>10.1f} {p[1]:>7}")


def run_logged(command, env):
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"failed ({result.returncode}): {' '.join(map(str, command))}")
    return result


def cmd_compare(args):
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    overrides = [x for s in args.set for x in ("--set", s)]
    config = ["--config", args.config] if args.config else []
    work = Path(tempfile.mkdtemp(prefix="bench_train_"))
    export = work / "export"
    cpp_bench = [args.mvpose3d, "bench", "train", *config, *overrides, "--data", "preloaded",
                 "--threads", str(args.threads), "--preload-batches", str(args.preload_batches),
                 "--out", str(work / "trainer")]
    run_logged(cpp_bench + ["--steps", "1", "--warmup", "0", "--export", str(export)], env)
    py_bench = [sys.executable, __file__, "time", str(export)]
    py_env = dict(env)
    if args.same_allocator:  # what `mvpose3d` sets with mallopt at start (tools/main.cpp)
        py_env.update(MALLOC_MMAP_THRESHOLD_=str(32 << 20), MALLOC_TRIM_THRESHOLD_=str(1 << 30))
    rows = []
    for r in range(args.rounds):
        cpp_json, py_json = work / f"cpp_{r}.json", work / f"py_{r}.json"
        cpp = cpp_bench + ["--steps", str(args.steps), "--warmup", str(args.warmup),
                           "--json", str(cpp_json)]
        py = py_bench + ["--steps", str(args.steps), "--warmup", str(args.warmup),
                         "--json", str(py_json)]
        # Alternate who goes first, so a drift in the machine's load hits both alike.
        for command in ([cpp, py] if r % 2 == 0 else [py, cpp]):
            run_logged(command, py_env if command is py else env)
        cr, pr = json.loads(cpp_json.read_text())["runs"][0], json.loads(py_json.read_text())
        c, p = cr["samples_per_s"], pr["samples_per_s"]
        cc, pc = cr["samples_per_cpu_s"], pr["samples_per_cpu_s"]
        rows.append((c, p, c / p, cc / pc))
        print(f"round {r + 1}: C++ {c:.2f} samples/s, Python {p:.2f} samples/s, ratio {c / p:.3f}; "
              f"per CPU second {cc:.2f} vs {pc:.2f}, ratio {cc / pc:.3f}", flush=True)
    spec = json.loads((export / "twin.json").read_text())
    summary = {
        "torch_version": torch.__version__, "threads": args.threads,
        "architecture": spec["architecture"], "batch_size": spec["batch_size"],
        "steps": args.steps, "warmup": args.warmup, "same_allocator": args.same_allocator,
        "cpp_samples_per_s": [r[0] for r in rows], "python_samples_per_s": [r[1] for r in rows],
        "ratios": [r[2] for r in rows], "median_ratio": statistics.median(r[2] for r in rows),
        "cpu_ratios": [r[3] for r in rows],
        "median_cpu_ratio": statistics.median(r[3] for r in rows),
    }
    print(f"{spec['architecture']}, batch {spec['batch_size']}, {args.threads} thread(s), "
          f"torch {torch.__version__}: C++ / Python samples/s = {summary['median_ratio']:.3f} "
          f"(median of {args.rounds} rounds); per CPU second {summary['median_cpu_ratio']:.3f}")
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1) + "\n")


def cmd_infer(args):
    """Median seconds of an inference forward of the twin (random weights, random images)."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    depth = int(args.backbone.removeprefix("resnet"))
    block, layers = RESNET_LAYERS[depth]
    spec = {"fusion": "none", "block": block, "layers": layers, "width": 64, "stages": 4,
            "joints": 17, "decoder_reduce_channels": 0, "deconv_layers": 3,
            "deconv_channels": 256, "deconv_kernel": 4, "softargmax_beta": 1.0,
            "triangulation": "fused"}
    model = PoseNet(spec).eval()
    print(f"{args.backbone}: {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M parameters, "
          f"{torch.get_num_threads()} threads, torch {torch.__version__}")
    for frames in args.batches:
        images = torch.randn(frames, args.views, 3, args.size, args.size)
        eye = torch.eye(3, dtype=torch.float64).expand(frames, args.views, 3, 3)
        t = torch.tensor([0.0, 0.0, 4500.0], dtype=torch.float64).expand(frames, args.views, 3)
        cams = {"K": eye * 512, "cam_from_world": torch.cat([eye, t.unsqueeze(-1)], -1),
                "image_from_crop": torch.eye(2, 3, dtype=torch.float64).expand(
                    frames, args.views, 2, 3)}
        times = []
        with torch.inference_mode():
            for i in range(2 + args.runs):
                start = time.perf_counter()
                model(images, cams)
                if i >= 2:
                    times.append(time.perf_counter() - start)
        ms = 1e3 * statistics.median(times) / frames
        print(f"batch {frames}: {ms:.2f} ms/frame, {1e3 / ms:.2f} frames/s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("compare", help="C++ and Python alternately on the same inputs")
    p.add_argument("--mvpose3d", default="build/tools/mvpose3d", help="the mvpose3d program")
    p.add_argument("--config", default="", help="run config (default: the built-in defaults)")
    p.add_argument("--set", action="append", default=[], help="config override KEY=VALUE")
    p.add_argument("--threads", type=int, default=1, help="intra-op threads of each process")
    p.add_argument("--steps", type=int, default=20, help="timed steps per measurement")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps before them")
    p.add_argument("--preload-batches", type=int, default=4, help="distinct batches cycled")
    p.add_argument("--rounds", type=int, default=3, help="measurements of each, alternating")
    p.add_argument("--json", help="write the summary here")
    p.add_argument("--same-allocator", action="store_true",
                   help="give Python glibc's allocator settings that mvpose3d sets for itself")
    p.set_defaults(run=cmd_compare)
    p = sub.add_parser("time", help="time the twin on an export")
    p.add_argument("export_dir")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--json")
    p.add_argument("--profile", help="write a Chrome trace of the timed steps here instead")
    p.set_defaults(run=cmd_time)
    p = sub.add_parser("profile-compare", help="operators of a C++ and a Python trace")
    p.add_argument("cpp_trace")
    p.add_argument("python_trace")
    p.add_argument("--top", type=int, default=25)
    p.set_defaults(run=cmd_profile_compare)
    p = sub.add_parser("check", help="the twin's losses against the C++ run's")
    p.add_argument("export_dir")
    p.add_argument("--cpp-json", required=True, help="`bench train --json` of the exporting run")
    p.add_argument("--steps", type=int, default=1, help="steps to compare")
    p.add_argument("--tolerance", type=float, default=1e-4, help="relative")
    p.set_defaults(run=cmd_check)
    p = sub.add_parser("infer", help="inference forward time of the twin")
    p.add_argument("--backbone", default="resnet50", choices=[f"resnet{d}" for d in RESNET_LAYERS])
    p.add_argument("--batches", type=lambda s: [int(x) for x in s.split(",")], default=[1, 4])
    p.add_argument("--views", type=int, default=4)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    p.set_defaults(run=cmd_infer)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
