"""clt_plugin.progress: a bar on a terminal, a plain line every N seconds anywhere else."""

from __future__ import annotations

import io
import re
import sys
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clt_plugin.demo.progress import PRETRAIN_BAR, last_count, run_logged
from clt_plugin.errors import CLTError
from clt_plugin.progress import DEFAULT_INTERVAL, INTERVAL_ENV, Progress, duration, interval_from_env, status_line


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_plain_stream_gets_a_line_per_interval_with_count_and_eta():
    out, clock = io.StringIO(), Clock()
    with Progress("clt mix", total=40, unit="row", stream=out, interval=30, clock=clock) as bar:
        bar.update(10)
        clock.now += 29.0
        bar.tick()  # not yet an interval
        clock.now += 2.0
        bar.tick()
        bar.set(20)  # within the next interval: no line
        clock.now += 30.0
        bar.tick()
    assert out.getvalue().splitlines() == [
        "    clt mix: 31 s elapsed, row 10/40, ETA 1 min 33 s",
        "    clt mix: 1 min 01 s elapsed, row 20/40, ETA 1 min 01 s",
        "    clt mix: done in 1 min 01 s, row 20/40",
    ]


def test_short_work_prints_nothing_and_disabled_prints_nothing():
    out, clock = io.StringIO(), Clock()
    with Progress("quick", total=3, stream=out, interval=30, clock=clock) as bar:
        bar.update(3)
        clock.now += 29.9
        bar.tick()
    assert out.getvalue() == ""
    with Progress("off", total=3, stream=out, interval=1, clock=clock, enabled=False) as bar:
        clock.now += 100
        bar.update(1)
        bar.tick()
    assert out.getvalue() == ""


def test_announced_steps_name_themselves_and_say_how_they_ended():
    out, clock = io.StringIO(), Clock()
    with Progress("[1/2] train", stream=out, interval=10, clock=clock, announce=True, unit="step") as bar:
        clock.now += 12
        bar.set(5, 50)
    with pytest.raises(RuntimeError):
        with Progress("[2/2] eval", stream=out, clock=clock, announce=True, enabled=False):
            clock.now += 61
            raise RuntimeError("boom")
    assert out.getvalue().splitlines() == [
        "[1/2] train",
        "    [1/2] train: 12 s elapsed, step 5/50, ETA 1 min 48 s",
        "    done in 12 s",
        "[2/2] eval",
        "    failed after 1 min 01 s",
    ]


def test_the_ticker_writes_while_the_caller_is_silent():
    """A child that prints nothing for minutes still gets a line per interval: no call needed."""
    out, clock = io.StringIO(), Clock()
    bar = Progress("axolotl train", stream=out, interval=0.5, clock=clock, unit="step")
    clock.now += 90
    deadline = time.monotonic() + 20
    while "elapsed" not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.05)
    bar.close()
    assert out.getvalue().splitlines()[0] == "    axolotl train: 1 min 30 s elapsed"
    assert out.getvalue().splitlines()[-1] == "    axolotl train: done in 1 min 30 s"


def test_a_terminal_gets_a_bar_and_no_plain_lines():
    out, clock = Terminal(), Clock()
    with Progress("report", total=4, unit="task", stream=out, interval=1, clock=clock) as bar:
        assert bar.terminal
        clock.now += 10
        bar.update(3)
        bar.tick()
    text = out.getvalue()
    assert "report:  75%" in text and "3/4" in text
    assert "elapsed" not in text and "done in" not in text


@pytest.mark.parametrize(
    "raw, expected", [("", DEFAULT_INTERVAL), ("5", 5.0), ("0.5", 0.5), ("0", 30.0), ("-3", 30.0), ("x", 30.0)]
)
def test_interval_from_the_environment(monkeypatch, raw, expected):
    monkeypatch.setenv(INTERVAL_ENV, raw)
    assert interval_from_env() == expected
    monkeypatch.setenv(INTERVAL_ENV, "nan")
    assert interval_from_env() == DEFAULT_INTERVAL


@given(st.floats(min_value=0, max_value=3599.4))
def test_duration_under_an_hour_reads_back_as_the_rounded_seconds(seconds):
    text = duration(seconds)
    m = re.fullmatch(r"(?:(\d+) min (\d\d)|(\d+)) s", text)
    assert m, text
    total = int(m.group(1)) * 60 + int(m.group(2)) if m.group(1) else int(m.group(3))
    assert total == round(seconds)


def test_status_line_without_a_total_and_past_an_hour():
    assert status_line("x", 3725, 0, None, "step") == "    x: 1 h 02 min elapsed"
    assert status_line("x", 10, 7, None, "reply") == "    x: 10 s elapsed, reply 7"
    assert status_line("x", 10, 0, 9, "reply") == "    x: 10 s elapsed, reply 0/9"
    # No ETA from the first 5%: lm_eval reports a batch's replies one by one after the batch.
    assert status_line("x", 90, 1, 72, "reply") == "    x: 1 min 30 s elapsed, reply 1/72"
    assert status_line("x", 90, 4, 72, "reply") == "    x: 1 min 30 s elapsed, reply 4/72, ETA 25 min 30 s"


def test_last_count_reads_the_tracked_bar_only():
    chunk = b"Loading: 100%|##| 1/1 [00:00]\rpre-training the tiny model:  30%|###   | 3/10 [00:01<00:02]"
    assert last_count(chunk, PRETRAIN_BAR) == (3, 10)
    assert last_count(b"Loading: 100%|##| 1/1 [00:00]", PRETRAIN_BAR) is None


CHILD = (
    "import sys, time\n"
    "sys.stderr.write('pre-training the tiny model:  30%|###   | 3/10 [00:01<00:02]\\r'); sys.stderr.flush()\n"
    "time.sleep(1.5)\n"
    "sys.exit(int(sys.argv[1]))\n"
)


def run_child(tmp_path, status: int, desc: str, progress: bool):
    """CHILD through the demo's runner (its bar tracked as the pre-training's); the log's path."""
    log = tmp_path / "logs" / "child.log"
    cmd = [sys.executable, "-c", CHILD, str(status)]
    run_logged(cmd, log=log, cwd=tmp_path, env={}, desc=desc, progress=progress, track=PRETRAIN_BAR, unit="step")
    return log


def test_a_logged_tool_run_shows_its_own_count_on_a_plain_stream(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(INTERVAL_ENV, "0.2")
    log = run_child(tmp_path, 0, "[1/3] pre-train", progress=True)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "[1/3] pre-train"
    assert re.fullmatch(r"    done in \d+ s", lines[-1])
    counted = [line for line in lines[1:-1] if "step 3/10" in line]
    assert counted and all(
        re.fullmatch(r"    \[1/3\] pre-train: \d+ s elapsed, step 3/10, ETA \d+ s", c) for c in counted
    )
    assert "3/10 [00:01<00:02]" in log.read_text(encoding="utf-8")  # the tool's own output, in full, in the log


def test_a_failed_tool_run_names_its_log_and_shows_its_tail(tmp_path, capsys):
    with pytest.raises(CLTError, match=r"\[2/3\] eval: `python\S* \.\.\.` exited with status 3; full log: "):
        run_child(tmp_path, 3, "[2/3] eval", progress=False)
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "[2/3] eval" and re.fullmatch(r"    failed after \d+ s", err[-1])


def test_the_eta_follows_the_rate_since_the_count_started():
    """A tool that loads for a minute and then counts 0..120 has its ETA from the counting rate."""
    out, clock = io.StringIO(), Clock()
    with Progress("train", stream=out, interval=30, clock=clock, unit="step") as bar:
        clock.now += 60
        bar.set(0, 120)
        clock.now += 30
        bar.set(40, 120)
        bar.tick()
    assert out.getvalue().splitlines()[1] == "    train: 1 min 30 s elapsed, step 40/120, ETA 1 min 00 s"
