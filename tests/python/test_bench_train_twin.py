"""`mvpose3d bench train` and its PyTorch twin (scripts/bench_train_pytorch.py): on the weights and
batches the C++ side exports, both compute the same training loss, at the first step (same weights
and input) and at the next ones (so the gradients and the optimiser step agree too).

Needs the mvpose3d program: $MVPOSE3D_BIN, else build/tools/mvpose3d (CTest sets the variable)."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("MVPOSE3D_BIN", ROOT / "build" / "tools" / "mvpose3d"))
SCRIPT = ROOT / "scripts" / "bench_train_pytorch.py"
TINY = ROOT / "tests" / "train" / "tiny_train.yaml"


def run(command):
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.mark.skipif(not BIN.exists(), reason=f"no mvpose3d program at {BIN}")
@pytest.mark.parametrize("overrides", [
    [],  # the tiny Baseline: ResNet-18 width 8, 3 views of 32 px, Adam, 2D + 3D (l1) losses
    ["train.optimizer.type=sgd", "train.loss.loss_2d=smooth_l1", "train.loss.loss_3d=mpjpe",
     "model.backbone=resnet50", "model.backbone_stages=2", "model.decoder_reduce_channels=8",
     "model.deconv_kernel=3", "train.grad_clip_norm=1"],
])
def test_twin_gives_the_cpp_loss_on_the_same_weights_and_inputs(tmp_path, overrides):
    sets = [x for o in ["model.fusion=none", *overrides] for x in ("--set", o)]
    export, cpp_json = tmp_path / "export", tmp_path / "cpp.json"
    run([BIN, "bench", "train", "--config", TINY, *sets, "--data", "preloaded", "--steps", "2",
         "--warmup", "1", "--preload-batches", "2", "--threads", "1", "--out", tmp_path / "t",
         "--export", export, "--json", cpp_json])
    result = json.loads(cpp_json.read_text())
    assert result["world_size"] == 1 and result["runs"][0]["data"] == "preloaded"
    assert len(result["runs"][0]["losses"]) == 3  # warm-up included
    check = run([sys.executable, SCRIPT, "check", export, "--cpp-json", cpp_json, "--steps", "3",
                 "--tolerance", "1e-4"])
    assert "ok: the losses agree" in check.stdout, check.stdout


@pytest.mark.skipif(not BIN.exists(), reason=f"no mvpose3d program at {BIN}")
def test_a_different_loss_is_caught(tmp_path):
    # The check can fail: the twin against the losses of a run with other weights (another seed).
    export, cpp_json, other_json = tmp_path / "e", tmp_path / "a.json", tmp_path / "b.json"
    common = ["bench", "train", "--config", TINY, "--set", "model.fusion=none", "--data",
              "preloaded", "--steps", "1", "--warmup", "0", "--threads", "1", "--out", tmp_path]
    run([BIN, *common, "--export", export, "--json", cpp_json])
    run([BIN, *common, "--set", "seed=11", "--json", other_json])
    result = subprocess.run([sys.executable, SCRIPT, "check", export, "--cpp-json", other_json],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "FAILED" in result.stdout, result.stdout + result.stderr


def free_loopback_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_rank_whose_peer_never_joins_fails_naming_it(tmp_path):
    # bench train joins the c10d job the environment describes: rank 0 of 2 alone must give up
    # within train.distributed.timeout_s and say which rank it waited for.
    if not BIN.exists():
        pytest.skip(f"no mvpose3d program at {BIN}")
    env = dict(os.environ, WORLD_SIZE="2", RANK="0", MASTER_ADDR="127.0.0.1",
               MASTER_PORT=str(free_loopback_port()))
    result = subprocess.run([str(BIN), "bench", "train", "--config", str(TINY), "--steps", "1",
                             "--set", "train.distributed.timeout_s=5", "--out", str(tmp_path)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode != 0
    assert "rank(s) 1 of WORLD_SIZE 2 have not joined" in result.stderr, result.stderr
