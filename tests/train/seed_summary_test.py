"""scripts/seed_summary.py on hand-made run directories: grouping, mean and sd, pairing by seed."""
import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "seed_summary.py"


def make_run(root: Path, name: str, seed: int, seen_mm: float, unseen_mm: float) -> Path:
    run = root / name
    run.mkdir(parents=True)
    (run / "config.resolved.yaml").write_text(f"version: 1\nseed: {seed}  # comment\n")
    metrics = {"step": 10, "seen/mpjpe_mm": seen_mm, "unseen/mpjpe_mm": unseen_mm,
               "seen/pa_mpjpe_mm": 1.0, "seen/mpjpe_mm_mean_of_actions": 999.0}
    (run / "final_metrics.json").write_text(json.dumps(metrics))
    return run


def summarize(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)],
                          capture_output=True, text=True)


class SeedSummaryTest(unittest.TestCase):
    def test_groups_pairs_and_writes(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            runs = [make_run(root / "a", "baseline", 0, 60.0, 50.0),
                    make_run(root / "b", "baseline_seed1", 1, 70.0, 54.0),
                    make_run(root / "a", "canonical", 0, 57.0, 51.0),
                    make_run(root / "b", "canonical_seed1", 1, 71.0, 50.0)]
            out = root / "summary.md"
            result = summarize(*runs, "--out", out)
            self.assertEqual(result.returncode, 0, result.stderr)
            text = result.stdout
            # Mean and sample sd: (60, 70) -> 65.0 ± 7.1; the camera sets in file order.
            self.assertIn("| run | seeds | seen | unseen |", text)
            self.assertIn("| baseline | 0,1 | 65.0 ± 7.1 | 52.0 ± 2.8 |", text)
            # Paired: canonical - baseline = (-3, +1) seen, (+1, -4) unseen.
            self.assertIn("| canonical | -1.0 [-3.0, +1.0] (1/2) | -1.5 [-4.0, +1.0] (1/2) |", text)
            self.assertEqual(out.read_text(), text)
            self.assertFalse(any(p.name.endswith(".tmp") for p in root.iterdir()))

    def test_duplicate_seed_and_missing_metrics_are_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            a = make_run(root / "a", "baseline", 3, 60.0, 50.0)
            b = make_run(root / "b", "baseline_seed3", 3, 61.0, 50.0)
            result = summarize(a, b)
            self.assertNotEqual(result.returncode, 0)
            self.assertIn("two runs of group 'baseline' with seed 3", result.stderr)
            (b / "final_metrics.json").unlink()
            result = summarize(b)
            self.assertNotEqual(result.returncode, 0)
            self.assertIn(str(b / "final_metrics.json"), result.stderr)


if __name__ == "__main__":
    unittest.main()
