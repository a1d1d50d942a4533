"""`clt demo` end to end, timed: the figures the README states for it, kept true.

Runs `clt demo` through its console script, as a user would, with its output going to files (no
terminal), and measures its wall time and the CPU time of it and of every process it starts
(getrusage RUSAGE_CHILDREN: pre-training, each `axolotl train`, each `lm_eval`). Prints the cost
of each step from the demo's own record (demo.json: wall and CPU seconds per step), then compares
both totals with the README's timing table, the row of the same command:

    | `clt demo` | ~N min | ~M min |      (wall on an idle 2-core machine, CPU time)

Exit status 1 when a measured total differs from the stated one by more than --tolerance (default
25%), or when the README has no row for the command. Wall time is stated for an idle machine: on a
busy one it comes out longer, and the check says so (the load average is printed beside it); CPU
time hardly depends on the load. There is no other tool to compare a demo with: the reference is
the README's promise.

Run: .venv/bin/python benchmarks/bench_demo.py [--quick] [--model smollm2] [--keep DIR] [--tolerance 0.25]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
CLT = str(Path(sys.executable).with_name("clt"))
ROW = re.compile(r"^\| `(?P<command>clt demo[^`]*)` \| ~(?P<wall>[\d.]+) min \| ~(?P<cpu>[\d.]+) min \|", re.M)
ENV = {
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "AXOLOTL_DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def stated_figures(readme: str) -> dict[str, tuple[float, float]]:
    """command -> (wall minutes, CPU minutes) from the README's timing table."""
    return {m["command"]: (float(m["wall"]), float(m["cpu"])) for m in ROW.finditer(readme)}


def within(measured: float, stated: float, tolerance: float) -> bool:
    return abs(measured - stated) <= tolerance * stated


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="time `clt demo --quick`")
    parser.add_argument("--model", choices=("tiny", "smollm2"), default="tiny")
    parser.add_argument("--keep", metavar="DIR", help="run the demo in DIR and keep it (default: a temporary folder)")
    parser.add_argument("--tolerance", type=float, default=0.25, help="allowed relative difference (default 0.25)")
    args = parser.parse_args()

    options = (["--quick"] if args.quick else []) + (["--model", args.model] if args.model != "tiny" else [])
    command = " ".join(["clt demo", *options])
    figures = stated_figures(README.read_text(encoding="utf-8"))
    if command not in figures:
        print(f"bench_demo: README.md states no time for `{command}` (a row `| `{command}` | ~N min | ~M min |`)")
        return 1
    stated_wall, stated_cpu = figures[command]

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-demo-"))
    out = work / "demo"
    log = work / "bench-demo.log"
    print(f"== {command} -o {out}  (output in {log})")
    started, cpu = time.monotonic(), children_cpu()
    with open(log, "w", encoding="utf-8") as f:
        proc = subprocess.run(
            [CLT, "demo", *options, "-o", str(out)], stdout=f, stderr=subprocess.STDOUT, env={**os.environ, **ENV}
        )
    wall, cpu = time.monotonic() - started, children_cpu() - cpu
    if proc.returncode != 0:
        print(log.read_text(encoding="utf-8")[-3000:])
        print(f"bench_demo: `{command}` exited with status {proc.returncode}")
        return 1

    record = json.loads((out / "demo.json").read_text(encoding="utf-8"))
    print(f"{'wall s':>8} {'CPU s':>8}  step")
    for step in record["steps"]:
        print(f"{step['wall_s']:8.1f} {step['cpu_s']:8.1f}  {step['step']}")
    longest = max(record["steps"], key=lambda s: s["cpu_s"])
    print(f"longest step (CPU): {longest['step']} ({longest['cpu_s']:.0f} s)")

    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    ok = True
    for what, measured, stated in (("wall", wall / 60, stated_wall), ("CPU", cpu / 60, stated_cpu)):
        good = within(measured, stated, args.tolerance)
        ok &= good
        print(
            f"{what:>4}: {measured:5.1f} min measured, README says ~{stated:g} min "
            f"(±{args.tolerance:.0%}): {'ok' if good else 'OFF'}"
        )
    if load > cores:
        print(f"note: load average {load:.1f} on {cores} cores: the README's wall time is for an idle machine")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print(f"bench_demo: {'PASSED' if ok else 'FAILED: update the README timing table or find what got slower'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
