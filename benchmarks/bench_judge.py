"""Judge throughput vs concurrency against the local test server with a fixed delay per request.

Target (issue 6): with concurrency N <= 16, at least 0.8 x N times the throughput of N = 1.
Each N judges the same samples from an empty cache, through the whole `judge_run` (cache writes,
fidelity gating and output files included). Run by hand:

    .venv/bin/python benchmarks/bench_judge.py [--samples 128] [--delay 0.2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from judge_server import write_lm_eval_run  # noqa: E402

from clt_plugin.judge.client import EndpointJudge  # noqa: E402
from clt_plugin.judge.run import judge_run  # noqa: E402
from clt_plugin.metrics.fidelity import passes  # noqa: E402

RESPONSES = {
    "es": "Las ballenas son mamíferos marinos que respiran aire y viven en todos los océanos del mundo.",
    "ja": "クジラは空気を呼吸する海洋哺乳類で、世界中の海に住んでいます。",
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=128, help="samples judged per setting (default 128)")
    ap.add_argument("--delay", type=float, default=0.2, help="server seconds per request (default 0.2)")
    ap.add_argument("--levels", default="1,2,4,8,16")
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",")]

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        half = args.samples // 2
        run = write_lm_eval_run(
            tmp / "lm",
            {
                lang: [(f"Instrucción número {i} ({lang})", text) for i in range(n)]
                for (lang, text), n in zip(RESPONSES.items(), (half, args.samples - half))
            },
        )
        passes(RESPONSES["es"], "es")  # load the language identifier before timing
        rows = []
        # The server runs in its own process, as a remote API would: it must not share the GIL
        # with the client being measured.
        server = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "judge_server.py"), str(args.delay)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            url = server.stdout.readline().strip()
            for n in levels:
                judge = EndpointJudge(url, "bench-judge", concurrency=n, backoff=0.0, timeout=30.0)
                start = time.perf_counter()
                report = judge_run([run], tmp / f"out{n}", judge, cache_path=tmp / f"cache{n}.sqlite")
                seconds = time.perf_counter() - start
                assert report.requests == args.samples and report.cache_hits == 0
                rows.append((n, seconds, args.samples / seconds))
        finally:
            server.kill()
            server.wait()

    base = rows[0][2]
    print(f"clt judge throughput, {args.samples} samples, server delay {args.delay:g} s/request, one run")
    print(f"{'N':>3} {'seconds':>8} {'req/s':>8} {'x N=1':>7} {'target':>7}  ok")
    ok_all = True
    for n, seconds, rate in rows:
        speedup, target = rate / base, 0.8 * n
        ok = speedup >= target
        ok_all &= ok
        print(f"{n:>3} {seconds:>8.2f} {rate:>8.2f} {speedup:>7.2f} {target:>7.1f}  {'yes' if ok else 'NO'}")
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
