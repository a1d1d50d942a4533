"""A real `lm_eval` run of the clt_ifeval group on the tiny model over the real M-IFEval data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clt_plugin.ifeval import scoring
from clt_plugin.ifeval.lm_eval_task import doc_from_logged

REPO = Path(__file__).resolve().parents[1]
TASKS = REPO / "lm_eval_tasks" / "ifeval"
METRICS = (*scoring.METRICS, "lpr")


@pytest.fixture(scope="module")
def lm_eval_run(tiny_model, mifeval_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("lm-eval-ifeval")
    cmd = [
        sys.executable,
        "-m",
        "lm_eval",
        "--model",
        "hf",
        "--model_args",
        f"pretrained={tiny_model}",
        "--include_path",
        str(TASKS),
        "--tasks",
        "clt_ifeval",
        "--limit",
        "3",
        "--log_samples",
        "--output_path",
        str(out),
        "--gen_kwargs",
        "max_gen_toks=24",
        "--metadata",
        json.dumps({"data_dir": str(mifeval_dir)}),
        "--device",
        "cpu",
        "--seed",
        "0",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    results_file = next(out.rglob("results_*.json"))
    samples = {p.name.split("_20")[0].removeprefix("samples_"): p for p in out.rglob("samples_*.jsonl")}
    return json.loads(results_file.read_text()), samples


def test_results_have_every_metric_for_every_language(lm_eval_run):
    results, _ = lm_eval_run
    for lang in ("en", "es", "fr", "ja"):
        task = results["results"][f"clt_ifeval_{lang}"]
        for metric in METRICS:
            assert 0.0 <= task[f"{metric},none"] <= 1.0
        meta = results["configs"][f"clt_ifeval_{lang}"]["metadata"]
        assert meta["clt_family"] == "ifeval" and meta["clt_language"] == lang
        assert results["n-samples"][f"clt_ifeval_{lang}"]["effective"] == 3
    group = results["results"]["clt_ifeval"]
    for metric in METRICS:
        expected = sum(results["results"][f"clt_ifeval_{l}"][f"{metric},none"] for l in ("en", "es", "fr", "ja")) / 4
        assert group[f"{metric},none"] == pytest.approx(expected)  # equal sizes: weighted = plain mean


def test_values_equal_the_scorer_on_the_logged_samples(lm_eval_run):
    results, samples = lm_eval_run
    for lang in ("en", "es", "fr", "ja"):
        rows = [json.loads(line) for line in samples[f"clt_ifeval_{lang}"].read_text("utf-8").splitlines()]
        assert len(rows) == 3
        rescored = []
        for row in rows:
            out = scoring.process(doc_from_logged(row["doc"]), row["resps"][0][0], lang)
            for metric in METRICS:
                assert row[metric] == out[metric], (lang, row["doc_id"], metric)
            rescored.append(out)
        agg = scoring.aggregate(rescored)
        # WPR beside LPR where the task's language is not written in Latin script.
        assert ("wpr" in agg) == ("wpr,none" in results["results"][f"clt_ifeval_{lang}"]) == (lang == "ja")
        for metric in (*METRICS, *(["wpr"] if lang == "ja" else [])):
            assert results["results"][f"clt_ifeval_{lang}"][f"{metric},none"] == pytest.approx(agg[metric])
