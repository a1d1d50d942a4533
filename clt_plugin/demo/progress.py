"""Run a tool as a subprocess, its output to a log file, its progress as a bar in the terminal.

axolotl (the Trainer) and lm_eval draw tqdm bars on stderr; the last ``N/M`` such a bar printed
is the tool's own count of steps or requests, shown here instead of hundreds of log lines.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from clt_plugin.errors import CLTError

# The count and total of a tqdm bar: "Running generate_until requests:  45%|####   | 290/640 [00:12<...".
_COUNT = rb"\s*\d+%\|[^|\r\n]*\| (\d+)/(\d+) \["
# The one bar that measures each tool's real work (a tool also draws bars for loading and saving).
PRETRAIN_BAR = re.compile(rb"pre-training the tiny model:" + _COUNT)
TRAINER_BAR = re.compile(rb"(?:^|[\r\n])" + _COUNT)  # the Trainer's bar has no description
LM_EVAL_BAR = re.compile(rb"Running generate_until requests:" + _COUNT)


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
) -> None:
    """Run `argv`; everything it prints goes to `log`, its `track` bar drives ours; a failure
    names the log and shows its tail."""
    from tqdm.auto import tqdm

    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if not progress:
        print(desc, file=sys.stderr, flush=True)  # a plain line per step in logs and pipes
    bar = tqdm(desc=desc, total=None, disable=not progress, unit=unit, leave=True, file=sys.stderr, dynamic_ncols=True)
    with open(log, "wb") as out:
        out.write(("$ " + " ".join(argv) + "\n").encode())
        out.flush()
        proc = subprocess.Popen(
            argv, cwd=cwd, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )

        def pump() -> None:
            assert proc.stdout is not None
            # read1: whatever is available, so `\r`-redrawn bars arrive as they are drawn.
            while chunk := proc.stdout.read1(65536):
                out.write(chunk)
                hits = track.findall(chunk)
                if hits:
                    n, total = (int(x) for x in hits[-1])
                    bar.total = total  # set, not reset(): the elapsed time counts the whole step
                    bar.n = n
                    bar.refresh()

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        while True:
            try:
                rc = proc.wait(timeout=1.0)
                break
            except subprocess.TimeoutExpired:
                bar.refresh()  # keep the elapsed time moving while the tool works silently
            except KeyboardInterrupt:
                proc.terminate()
                proc.wait()
                raise
        reader.join()
    bar.close()
    if not progress and rc == 0:
        print(f"    done in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    if rc != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-25:]
        raise CLTError(
            f"{desc}: `{Path(argv[0]).name} ...` exited with status {rc}; full log: {log}\n" + "\n".join(tail)
        )
