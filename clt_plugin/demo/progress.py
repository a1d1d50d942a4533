"""Run a tool as a subprocess, its output to a log file, its progress through clt_plugin.progress.

axolotl (the Trainer) and lm_eval draw tqdm bars on stderr; the last ``N/M`` such a bar printed
is the tool's own count of steps or requests, shown here instead of hundreds of log lines: as a
bar on a terminal, as a plain line every N seconds in a log (CI, Slurm, nohup).
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from clt_plugin.errors import CLTError
from clt_plugin.progress import Progress

# The count and total of a tqdm bar: "Running generate_until requests:  45%|####   | 290/640 [00:12<...".
_COUNT = rb"\s*\d+%\|[^|\r\n]*\| (\d+)/(\d+) \["
# The one bar that measures each tool's real work (a tool also draws bars for loading and saving).
PRETRAIN_BAR = re.compile(rb"pre-training the tiny model:" + _COUNT)
TRAINER_BAR = re.compile(rb"(?:^|[\r\n])" + _COUNT)  # the Trainer's bar has no description
LM_EVAL_BAR = re.compile(rb"Running generate_until requests:" + _COUNT)
CONVERT_BAR = re.compile(rb"de-quantizing GGUF tensors\.\.\.:" + _COUNT)  # transformers reading SmolLM2's GGUF


def last_count(chunk: bytes, track: re.Pattern[bytes]) -> tuple[int, int] | None:
    """The last `n/total` the tracked bar drew in `chunk`, or None."""
    hits = track.findall(chunk)
    return (int(hits[-1][0]), int(hits[-1][1])) if hits else None


@dataclass(frozen=True)
class StepCost:
    """What one tool run cost: wall seconds, and CPU seconds of the tool and every process it started."""

    wall_s: float
    cpu_s: float


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_logged(
    argv: list[str],
    *,
    log: Path,
    cwd: Path,
    env: dict[str, str],
    desc: str,
    progress: bool,
    track: re.Pattern[bytes],
    unit: str = "it",
) -> StepCost:
    """Run `argv`; everything it prints goes to `log`, its `track` bar drives the progress shown;
    a failure names the log and shows its tail. `progress=False` shows only the step's name."""
    log.parent.mkdir(parents=True, exist_ok=True)
    started, cpu = time.monotonic(), _children_cpu()  # children run one at a time: the difference is this one
    bar = Progress(desc, unit=unit, announce=True, enabled=progress)
    with open(log, "wb") as out:
        out.write(("$ " + " ".join(argv) + "\n").encode())
        out.flush()
        proc = subprocess.Popen(
            argv, cwd=cwd, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )

        def pump() -> None:
            assert proc.stdout is not None
            # read1: whatever is available, so `\r`-redrawn bars arrive as they are drawn. A bar
            # split across two reads is missed once and caught at its next redraw.
            while chunk := proc.stdout.read1(65536):
                out.write(chunk)
                out.flush()  # `tail -f` on the log shows the tool as it goes
                count = last_count(chunk, track)
                if count:
                    bar.set(*count)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            rc = proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            proc.wait()
            bar.close(failed=True)
            raise
        reader.join()
    bar.close(failed=rc != 0)
    if rc != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-25:]
        raise CLTError(
            f"{desc}: `{Path(argv[0]).name} ...` exited with status {rc}; full log: {log}\n" + "\n".join(tail)
        )
    return StepCost(round(time.monotonic() - started, 1), round(_children_cpu() - cpu, 1))
