"""Signs of life for long steps: a bar on a terminal, a plain line every N seconds elsewhere.

Under CI, Slurm or `nohup` stderr is a file: a tqdm bar there is either hidden or hundreds of
`\\r`-joined redraws on one line. So when the stream is not a terminal, a `Progress` writes one
ordinary line every `interval` seconds while work goes on (elapsed time, count, ETA) and a last
line when it ends, and nothing at all for work shorter than one interval. `CLT_PROGRESS_INTERVAL`
sets the interval (seconds; default 30).

A background ticker keeps both forms alive while the caller waits on something silent (a child
process, one slow item): the bar's elapsed time moves, the lines keep coming.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Callable, TextIO

INTERVAL_ENV = "CLT_PROGRESS_INTERVAL"
DEFAULT_INTERVAL = 30.0
_BAR_REFRESH = 1.0  # seconds between redraws of a terminal bar while no count arrives


def interval_from_env() -> float:
    """The plain-line interval: $CLT_PROGRESS_INTERVAL when it is a positive number, else 30 s."""
    raw = os.environ.get(INTERVAL_ENV, "")
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_INTERVAL
    return value if value > 0 and value == value and value != float("inf") else DEFAULT_INTERVAL


def is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or file-less stream
        return False


def duration(seconds: float) -> str:
    """`45 s`, `2 min 05 s`, `1 h 02 min`: short enough for a log line, exact enough to plan by."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def status_line(desc: str, elapsed: float, n: int, total: int | None, unit: str, counting: float | None = None) -> str:
    """One plain progress line: `desc: 2 min 10 s elapsed, step 40/120, ETA 4 min 20 s`.

    The ETA extrapolates the rate over the last `counting` seconds (default: all of `elapsed`),
    once 5% is done (before that, one batch that finished first says little about the rest)."""
    parts = [f"{duration(elapsed)} elapsed"]
    if total:
        parts.append(f"{unit} {n}/{total}")
        if 0 < n <= total and n * 20 >= total:
            parts.append(f"ETA {duration((elapsed if counting is None else counting) / n * (total - n))}")
    elif n:
        parts.append(f"{unit} {n}")
    return f"    {desc}: " + ", ".join(parts)


class Progress:
    """Progress of one step, shown as a bar (terminal) or as periodic lines (anything else).

    `update(k)` adds to the count, `set(n, total)` sets it (the form of a callback that reports
    `done, total`); `close()` (or leaving the `with` block) ends it. `enabled=False` shows no bar
    and no periodic line. `announce=True` also names the step in a first line and reports its time
    in a last one (`done in ...` or `failed after ...`) whenever no bar does it.
    """

    def __init__(
        self,
        desc: str,
        total: int | None = None,
        *,
        unit: str = "it",
        stream: TextIO | None = None,
        enabled: bool = True,
        announce: bool = False,
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.desc, self.total, self.unit, self.n = desc, total, unit, 0
        self.stream = stream if stream is not None else sys.stderr
        self.enabled, self.announce = enabled, announce
        self.interval = interval if interval is not None else interval_from_env()
        self._clock = clock
        self.started = self._last_line = clock()
        # When the count was last 0: a tool that loads for a minute and then draws "0/120" started
        # its 120 steps then, and the ETA follows the rate since.
        self._zero_at = self.started
        self.lines = 0  # periodic lines written so far
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._bar = None
        self._ticker: threading.Thread | None = None
        self._closed = False
        if enabled and is_terminal(self.stream):
            from tqdm.auto import tqdm

            self._bar = tqdm(desc=desc, total=total, unit=unit, file=self.stream, dynamic_ncols=True, leave=True)
        elif announce:
            self._print(desc)
        if enabled:
            self._ticker = threading.Thread(target=self._tick_until_closed, name="clt-progress", daemon=True)
            self._ticker.start()

    @property
    def terminal(self) -> bool:
        return self._bar is not None

    def elapsed(self) -> float:
        return self._clock() - self.started

    def update(self, k: int = 1) -> None:
        self.set(self.n + k)

    def set(self, n: int, total: int | None = None) -> None:
        with self._lock:
            self.n = n
            if n == 0:
                self._zero_at = self._clock()
            if total is not None:
                self.total = total
            if self._bar is not None:
                self._bar.total = self.total  # set, not reset(): elapsed time counts the whole step
                self._bar.n = n
                self._bar.refresh()
        self.tick()

    def tick(self) -> None:
        """Redraw the bar, or write a line when one interval has passed since the last."""
        with self._lock:
            if not self.enabled or self._closed:
                return
            if self._bar is not None:
                self._bar.refresh()
                return
            now = self._clock()
            if now - self._last_line < self.interval:
                return
            self._last_line = now
            self.lines += 1
            self._print(status_line(self.desc, now - self.started, self.n, self.total, self.unit, now - self._zero_at))

    def _print(self, line: str) -> None:
        print(line, file=self.stream, flush=True)

    def _tick_until_closed(self) -> None:
        wait = min(self.interval, _BAR_REFRESH)
        while not self._stop.wait(wait):
            self.tick()

    def close(self, failed: bool = False) -> None:
        """End the step. In the plain form, a step that wrote periodic lines (or was announced)
        gets a last line with its total time."""
        self._stop.set()
        with self._lock:
            if self._closed:
                return
            self._closed = True
            ended = "failed after" if failed else "done in"
            if self._bar is not None:
                self._bar.close()
            elif self.announce:
                self._print(f"    {ended} {duration(self.elapsed())}")
            elif self.lines:
                count = f", {self.unit} {self.n}/{self.total}" if self.total else ""
                self._print(f"    {self.desc}: {ended} {duration(self.elapsed())}{count}")
        if self._ticker is not None and self._ticker is not threading.current_thread():
            self._ticker.join()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(failed=exc_type is not None)
