"""Property: for every command, a broken input gives exit 2 and a one-line error naming it,
never a traceback, and changes no file but the command's own output.

Each example copies a small workspace of valid inputs (tests/reliability_inputs.py), breaks one
input file, and runs the command in-process through clt_plugin.cli.main.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_inputs import COMMANDS, MUST_REFUSE, break_file, build_workspace, snapshot

from clt_plugin.cli import main

CASES = [(cmd, inp) for cmd, (_, _, inputs) in COMMANDS.items() for inp in inputs]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("reliability")
    base = root / "base"
    paths = build_workspace(base)
    return root, base, {name: p.relative_to(base) for name, p in paths.items()}


def run_clt(cwd: Path, argv: list[str]) -> tuple[int, str]:
    err, out = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            rc = main(list(argv))  # an exception here (a traceback for a user) fails the test
    finally:
        os.chdir(old)
    return rc, err.getvalue()


def fresh_copy(workspace) -> tuple[Path, dict[str, Path]]:
    root, base, rel = workspace
    copy = Path(tempfile.mkdtemp(dir=root)) / "w"
    shutil.copytree(base, copy, symlinks=True)
    return copy, rel


def check_refusal(cmd: str, rc: int, err: str, broken: Path) -> None:
    lines = err.strip().splitlines()
    assert rc == 2, err
    assert lines and lines[0].startswith(f"clt {cmd}: error: "), err
    assert "Traceback" not in err
    if cmd == "leaderboard":  # a header, then one line per bad submission file (here one)
        assert len(lines) == 2 and lines[1].startswith(f"{broken}: "), err
    else:
        assert len(lines) == 1, err
        # The message names the file, or the folder given on the command line that holds it.
        assert any(part in lines[0] for part in broken.parts), err


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.sampled_from(CASES), how=st.sampled_from(MUST_REFUSE))
def test_a_broken_input_is_refused_in_one_line_and_nothing_else_changes(workspace, case, how):
    cmd, which = case
    argv, output, _ = COMMANDS[cmd]
    root, rel = fresh_copy(workspace)
    target = root / rel[which]
    break_file(target, how)
    before = snapshot(root, skip=(output, "cache"))
    rc, err = run_clt(root, argv)
    check_refusal(cmd, rc, err, rel[which])
    assert snapshot(root, skip=(output, "cache")) == before
    assert not (root / output).exists()  # nothing half-written either


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.sampled_from(CASES), data=st.binary(max_size=64))
def test_random_bytes_in_an_input_never_give_a_traceback(workspace, case, data):
    cmd, which = case
    argv, output, _ = COMMANDS[cmd]
    root, rel = fresh_copy(workspace)
    break_file(root / rel[which], "bytes", data)
    before = snapshot(root, skip=(output, "cache"))
    rc, err = run_clt(root, argv)
    # Some byte strings are valid input (an empty source under on_shortage: error is still a
    # refusal; `{}` results are "no results"); whatever the answer, it is an answer.
    assert "Traceback" not in err
    if cmd == "judge":
        assert rc in (1, 2), err  # 1: the (unreachable) judge was asked, only after every check
    else:
        assert rc in (0, 2), err
    if rc == 2:
        assert err.startswith(f"clt {cmd}: error: "), err
    assert snapshot(root, skip=(output, "cache")) == before


@pytest.mark.parametrize("cmd", ["matrix", "submit", "ifeval-score"])
def test_an_output_file_that_names_a_folder_or_an_input_is_refused_before_any_work(workspace, cmd):
    argv, output, inputs = COMMANDS[cmd]
    root, rel = fresh_copy(workspace)
    (root / "taken").mkdir()
    (root / "taken" / "keep.txt").write_text("mine", encoding="utf-8")
    i = argv.index("-o")
    before = snapshot(root)
    rc, err = run_clt(root, [*argv[: i + 1], "taken", *argv[i + 2 :]])
    assert (
        rc == 2
        and err.strip()
        == f"clt {cmd}: error: taken: is a folder; the {_what(cmd)} must name a file (e.g. taken/out.json)"
    ), err
    input_path = str(rel[inputs[0]])
    rc, err = run_clt(root, [*argv[: i + 1], input_path, *argv[i + 2 :]])
    assert rc == 2 and "would replace the input" in err and len(err.strip().splitlines()) == 1, err
    rc, err = run_clt(root, [*argv[: i + 1], "taken/keep.txt/x.json", *argv[i + 2 :]])
    assert rc == 2 and "keep.txt is a file, not a folder" in err, err
    assert snapshot(root) == before


def _what(cmd: str) -> str:
    return {"matrix": "output file", "submit": "submission file", "ifeval-score": "report file"}[cmd]


def test_judge_settings_that_cannot_work_are_refused(workspace):
    argv = COMMANDS["judge"][0]
    root, _ = fresh_copy(workspace)
    (root / "plain").write_text("x", encoding="utf-8")
    bad = [
        (["--endpoint", "http:///v1"], "--endpoint: the URL names no host (got 'http:///v1')"),
        (
            ["--endpoint", "http://judge:99999/v1"],
            "--endpoint: not a valid URL (Port out of range 0-65535) (got 'http://judge:99999/v1')",
        ),
        (["--endpoint", "http://[::1/v1"], "--endpoint: not a valid URL (Invalid IPv6 URL) (got 'http://[::1/v1')"),
        (["--endpoint", "ftp://judge/v1"], "--endpoint: expected an http:// or https:// URL (got 'ftp://judge/v1')"),
        (["--endpoint", "http://judge:0/v1"], "--endpoint: port 0 is not a usable port (got 'http://judge:0/v1')"),
        (["--timeout", "inf"], "--timeout: must be a finite number of seconds (got inf)"),
        (["--timeout", "nan"], "--timeout: must be a finite number of seconds (got nan)"),
        (["--max-backoff", "inf"], "--max-backoff: must be a finite number of seconds (got inf)"),
        (["--min-coverage", "1.5"], "--min-coverage: must be between 0 and 1 (got 1.5)"),
        (["--cache", "plain/judge.sqlite"], "plain/judge.sqlite: cannot create the judge cache (File exists)"),
        (["--cache", "run"], "run: is a folder; the judge cache must be a file (e.g. run/judge.sqlite)"),
    ]
    for extra, message in bad:
        args = list(argv)
        for k in range(0, len(extra), 2):
            if extra[k] in args:
                j = args.index(extra[k])
                args[j + 1] = extra[k + 1]
            else:
                args += extra[k : k + 2]
        rc, err = run_clt(root, args)
        assert (rc, err.strip()) == (2, f"clt judge: error: {message}"), (extra, err)
    assert not (root / "jout").exists()


def test_a_model_config_that_is_not_an_object_is_refused(workspace):
    argv, _, _ = COMMANDS["submit"]
    root, rel = fresh_copy(workspace)
    (root / "model").mkdir()
    (root / "model" / "config.json").write_text("[1, 2]", encoding="utf-8")
    results = root / rel["scored"]
    doc = json.loads(results.read_text(encoding="utf-8"))
    doc["config"]["model_args"] = f"pretrained={root / 'model'}"
    results.write_text(json.dumps(doc), encoding="utf-8")
    rc, err = run_clt(root, argv)
    assert (rc, err.strip()) == (
        2,
        f"clt submit: error: {root / 'model' / 'config.json'}: expected a JSON object at "
        "the top of the model config (got array)",
    )
    assert not (root / "sub.json").exists()


@pytest.mark.parametrize("cmd,which", CASES)
def test_an_integer_too_long_for_python_is_refused_naming_file_and_line(workspace, cmd, which):
    """Python refuses to convert an integer of more than 4,300 digits (a bare ValueError from
    json and yaml alike): every reader says which file and line, in one line, exit 2."""
    argv, output, _ = COMMANDS[cmd]
    root, rel = fresh_copy(workspace)
    break_file(root / rel[which], "huge_int")
    before = snapshot(root, skip=(output, "cache"))
    rc, err = run_clt(root, argv)
    check_refusal(cmd, rc, err, rel[which])
    assert "an integer of 5000 digits, over Python's limit of 4300" in err, err
    assert f"{rel[which]}:1:" in err or "line 1, column " in err, err
    assert snapshot(root, skip=(output, "cache")) == before
    assert not (root / output).exists()


def test_fidelity_refuses_an_integer_too_long_for_python(tmp_path):
    completions = tmp_path / "c.jsonl"
    completions.write_text(
        '{"completion": "El mar es grande."}\n{"completion": "x", "n": ' + "7" * 5000 + "}\n", encoding="utf-8"
    )
    rc, err = run_clt(tmp_path, ["fidelity", "c.jsonl", "--lang", "es"])
    assert (rc, err.strip()) == (
        2,
        "clt fidelity: error: c.jsonl:2: not JSON (column 26: an integer of 5000 digits, over Python's limit of 4300)",
    )


# Where a number outside float range can sit: a metric and a stderr of an lm-eval results file,
# a score of a submission. Python reads a 400-digit integer exactly, and float() of it overflows.
BIG = 10**400
BIG_METRIC = {
    ("matrix", "results", "value"): lambda d: d["results"]["clt_dolly_es"].update({"lpr,none": BIG}),
    ("matrix", "results", "stderr"): lambda d: d["results"]["clt_dolly_es"].update({"lpr_stderr,none": BIG}),
    ("report", "results", "value"): lambda d: d["results"]["clt_dolly_es"].update({"lpr,none": BIG}),
    ("submit", "scored", "value"): lambda d: d["results"]["clt_mgsm_es"].update({"acc,none": BIG}),
    ("submit", "scored", "stderr"): lambda d: d["results"]["clt_mgsm_es"].update({"acc_stderr,none": BIG}),
    ("leaderboard", "submission", "score"): lambda d: d["families"]["mgsm"]["scores"].update(es=BIG),
    ("leaderboard", "submission", "metric"): lambda d: d["tasks"]["clt_mgsm_es"]["metrics"].update(acc=BIG),
}


@pytest.mark.parametrize("cmd,which,where", list(BIG_METRIC))
def test_a_number_outside_float_range_is_refused_naming_file_and_field(workspace, cmd, which, where):
    argv, output, _ = COMMANDS[cmd]
    root, rel = fresh_copy(workspace)
    path = root / rel[which]
    doc = json.loads(path.read_text(encoding="utf-8"))
    BIG_METRIC[(cmd, which, where)](doc)
    path.write_text(json.dumps(doc), encoding="utf-8")
    before = snapshot(root, skip=(output, "cache"))
    rc, err = run_clt(root, argv)
    check_refusal(cmd, rc, err, rel[which])
    assert "1000000000" in err or "outside" in err or "out of range" in err or "too large" in err, err
    assert snapshot(root, skip=(output, "cache")) == before
    assert not (root / output).exists()
