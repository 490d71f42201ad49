#!/usr/bin/env python3
"""Registers, local-memory stack and spills of every CUDA kernel, as ptxas reports them.

Needs no GPU: it recompiles each .cu file of a configured build with the build's own nvcc command
(from compile_commands.json) plus `-Xptxas -v`, into a temporary object, and prints one Markdown row
per kernel. These static numbers bound the occupancy a kernel can reach (65536 registers per SM on
Hopper) and show per-thread arrays that live in local memory instead of registers.

    scripts/cuda_resources.py build            # all kernels of the build
    scripts/cuda_resources.py build --filter forward_kernel
"""
import argparse
import json
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ENTRY = re.compile(r"Compiling entry function '(?P<name>[^']+)' for '(?P<arch>sm_\d+a?)'")
FRAME = re.compile(r"(?P<stack>\d+) bytes stack frame, (?P<st>\d+) bytes spill stores, "
                   r"(?P<ld>\d+) bytes spill loads")
USED = re.compile(r"Used (?P<regs>\d+) registers")


def demangle(names):
    try:
        out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True,
                             check=True).stdout.splitlines()
        return out if len(out) == len(names) else names
    except (OSError, subprocess.CalledProcessError):
        return names


def short_name(full: str) -> str:
    # "void ns::(anonymous namespace)::kernel<float, double>(args...)" -> "kernel<float, double>"
    name = full.replace("(anonymous namespace)::", "")
    name = name[len("void "):] if name.startswith("void ") else name
    depth = 0
    for i, ch in enumerate(name):  # cut at the parameter list: the first '(' outside <...>
        depth += (ch == "<") - (ch == ">")
        if ch == "(" and depth == 0:
            name = name[:i]
            break
    template = name.find("<")
    scope = name.rfind("::", 0, template if template >= 0 else len(name))
    return name[scope + 2:] if scope >= 0 else name


def kernels_of(command: str, source: str):
    with tempfile.TemporaryDirectory() as tmp:
        args = shlex.split(command)
        if "-o" not in args:
            raise SystemExit(f"cuda_resources: no '-o' in the compile command of {source}")
        args[args.index("-o") + 1] = str(Path(tmp) / "kernel.o")
        run = subprocess.run(args + ["-Xptxas", "-v"], capture_output=True, text=True)
        if run.returncode != 0:
            sys.stderr.write(run.stderr)
            raise SystemExit(f"cuda_resources: nvcc failed on {source} (exit {run.returncode})")
    rows, current = [], None
    for line in run.stderr.splitlines():
        if m := ENTRY.search(line):
            current = {"name": m["name"], "arch": m["arch"]}
        elif current and (m := FRAME.search(line)):
            current.update(stack=int(m["stack"]), spill=int(m["st"]) + int(m["ld"]))
        elif current and (m := USED.search(line)):
            current["regs"] = int(m["regs"])
            rows.append(current)
            current = None
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build_dir", type=Path, help="configured build directory")
    parser.add_argument("--filter", default="", help="only kernels whose name contains this")
    args = parser.parse_args()
    database = args.build_dir / "compile_commands.json"
    if not database.is_file():
        raise SystemExit(f"cuda_resources: {database} is missing (configure the build first)")
    units = [e for e in json.loads(database.read_text()) if e["file"].endswith(".cu")]
    if not units:
        raise SystemExit(f"cuda_resources: no .cu file in {database} (built without CUDA?)")
    print("| kernel | arch | registers | stack frame (B) | spills (B) | threads/SM by registers |")
    print("|---|---|---|---|---|---|")
    for unit in units:
        rows = kernels_of(unit["command"], unit["file"])
        for row, name in zip(rows, demangle([r["name"] for r in rows])):
            if args.filter and args.filter not in name:
                continue
            # Registers are allocated per warp in units of 256: 65536 per SM, at most 2048 threads.
            per_warp = -(-row["regs"] * 32 // 256) * 256
            threads = min(2048, 65536 // per_warp * 32)
            print(f"| `{short_name(name)}` | {row['arch']} | {row['regs']} | {row.get('stack', 0)} "
                  f"| {row.get('spill', 0)} | {threads} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
