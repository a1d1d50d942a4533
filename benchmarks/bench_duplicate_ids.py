"""Benchmark: reporting a duplicated id among many sampled rows (issue #16).

`clt mix` refuses a mixture whose sampled rows repeat an id and names the id. The check used to
find that id with `ids.count(i)` for each id in turn (quadratic); it is now one pass over a set
(`clt_plugin.mixture.select.first_duplicate`). This script times both on the same ids, and a
whole `clt mix` of a source with that many rows and one duplicate, in one run:

    .venv/bin/python benchmarks/bench_duplicate_ids.py              # 200k rows
    .venv/bin/python benchmarks/bench_duplicate_ids.py --rows 50000

Measured (2-core CPU box shared with other jobs, the duplicate last): the linear check takes
0.107 s for 200k ids; the old check 8.23 s for 20k ids against 0.008 s (996x), about 820 s at
200k by its n^2 growth; a whole `clt mix` of 200k rows with one duplicated id exits 2 naming it
in 5.5 s (the issue's probe: 84 s before the fix).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def quadratic_first_duplicate(ids: list[str]) -> str | None:
    """What the check did before: a count per id."""
    if len(set(ids)) == len(ids):
        return None
    return next(i for i in ids if ids.count(i) > 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument(
        "--quadratic-rows",
        type=int,
        default=20_000,
        help="ids for the old check (quadratic: at 200k it runs for many minutes on a shared box); "
        "its time at --rows is extrapolated as n^2",
    )
    args = parser.parse_args()
    from clt_plugin.mixture.select import first_duplicate

    # The duplicate is the last id: the quadratic scan pays for every id before it.
    ids = [f"id{i}" for i in range(args.rows - 1)] + [f"id{args.rows - 2}"]
    t = time.perf_counter()
    assert first_duplicate(ids) == ids[-1]
    linear = time.perf_counter() - t
    small = [f"id{i}" for i in range(args.quadratic_rows - 1)] + [f"id{args.quadratic_rows - 2}"]
    t = time.perf_counter()
    assert quadratic_first_duplicate(small) == small[-1]
    quadratic = time.perf_counter() - t
    scaled = quadratic * (args.rows / args.quadratic_rows) ** 2
    t = time.perf_counter()
    assert first_duplicate(small) == small[-1]
    linear_small = time.perf_counter() - t
    print(f"{args.rows} ids, duplicate last: linear check {linear:.3f} s")
    print(
        f"{args.quadratic_rows} ids: old check {quadratic:.2f} s, linear {linear_small:.4f} s "
        f"(ratio {quadratic / linear_small:.0f}x); old check at {args.rows} ids ~ {scaled:.0f} s (n^2)"
    )

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with open(tmp / "m_es.jsonl", "w", encoding="utf-8") as f:
            for i in ids:
                f.write(json.dumps({"id": i, "question": f"q {i}", "answer": f"a {i}"}) + "\n")
        (tmp / "m_en.jsonl").write_text(json.dumps({"id": "e", "question": "q", "answer": "a"}) + "\n")
        (tmp / "spec.yaml").write_text(
            'seed: 1\ntasks:\n  math:\n    source: {format: jsonl, path: "m_{lang}.jsonl", '
            "fields: {id: id, prompt: question, response: answer}}\n"
            f"    english: 1\n    per_language: {args.rows}\n    languages: [es]\n",
            encoding="utf-8",
        )
        clt = Path(sys.executable).with_name("clt")
        t = time.perf_counter()
        res = subprocess.run(
            [str(clt), "mix", str(tmp / "spec.yaml"), "-o", str(tmp / "out"), "--no-cache"],
            capture_output=True,
            text=True,
        )
        whole = time.perf_counter() - t
        assert res.returncode == 2 and "appears more than once" in res.stderr, res.stderr
        print(
            f"clt mix over {args.rows} rows with one duplicated id: exit 2 in {whole:.1f} s "
            f"({res.stderr.strip()[-70:]})"
        )


if __name__ == "__main__":
    main()
