"""The whole path: real `lm_eval --log_samples` on the tiny model, then `clt judge` on its samples,
writing beside lm-eval's own results so one run directory holds both and loads as one run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from judge_server import JudgeServer, default_rating

from clt_plugin.analysis.results import load_results
from clt_plugin.lm_eval_cli import options
from clt_plugin.metrics.fidelity import passes
from clt_plugin.resources import tasks_path

LM_EVAL = Path(sys.executable).with_name("lm_eval")
ROWS = [
    {
        "id": 1,
        "inputs": "Escribe una frase sobre el mar y las ballenas.",
        "targets": "El mar es inmenso.",
        "language": "spa",
        "script": "Latn",
    },
    {
        "id": 2,
        "inputs": "Explica qué es la fotosíntesis en pocas palabras.",
        "targets": "Luz en energía.",
        "language": "spa",
        "script": "Latn",
    },
    {
        "id": 3,
        "inputs": "Écris une phrase sur la mer.",
        "targets": "La mer est grande.",
        "language": "fra",
        "script": "Latn",
    },
]


def test_lm_eval_samples_to_judge_results(tmp_path, tiny_model):
    data = tmp_path / "data" / "aya_evaluation_suite"
    data.mkdir(parents=True)
    (data / "dolly_human_edited.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS), encoding="utf-8"
    )
    out = tmp_path / "lm"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    env.pop("CLT_DATA_DIR", None)
    lm = subprocess.run(
        [
            str(LM_EVAL),
            *options(
                {
                    "model": "hf",
                    "model_args": f"pretrained={tiny_model},dtype=float32",
                    "device": "cpu",
                    "include_path": tasks_path(),
                    "tasks": "clt_dolly_es",
                    "gen_kwargs": "max_gen_toks=8",
                    "log_samples": True,
                    "output_path": out,
                    "metadata": json.dumps({"data_dir": str(tmp_path / "data")}),
                }
            ),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert lm.returncode == 0, lm.stderr[-4000:]
    (run_dir,) = {p.parent for p in out.rglob("results_*.json")}
    samples = [json.loads(l) for l in next(run_dir.glob("samples_clt_dolly_es_*.jsonl")).read_text().splitlines()]
    assert len(samples) == 2

    with JudgeServer() as server:

        def judge():
            res = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "clt_plugin.cli",
                    "judge",
                    str(run_dir),
                    "--endpoint",
                    server.url,
                    "--model",
                    "judge-test",
                    "-o",
                    str(run_dir),
                    "--cache",
                    str(tmp_path / "c.db"),
                    "--quiet",
                ],
                capture_output=True,
                text=True,
                timeout=300,
                env={k: v for k, v in env.items() if k != "OPENAI_API_KEY"},
            )
            assert res.returncode == 0, res.stderr
            return next(run_dir.glob("results_judge_*.json")).read_bytes()

        first = judge()
        # Again, into the same directory: its own results file is not taken for lm-eval's.
        assert judge() == first
        prompts = list(server.answered)
    assert len(prompts) == 2 and set(server.answered.values()) == {1}
    (source,) = set(run_dir.glob("results_*.json")) - set(run_dir.glob("results_judge_*.json"))
    assert json.loads(first)["clt_judge"]["source_results"] == source.name

    # Expected ratings, computed independently: the server's rating per prompt, gated by fidelity.
    expected = []
    for s in sorted(samples, key=lambda s: s["doc_id"]):
        prompt = next(p for p in prompts if f"[Instruction]\n{s['doc']['inputs']}\n" in p)
        raw = default_rating(prompt)
        expected.append(raw if passes(s["filtered_resps"][0], "es") else 1)
    run = load_results(run_dir)  # lm-eval's results and the judge's, merged as one run
    metrics = run.tasks["clt_dolly_es"].metrics
    assert metrics["judge_rating"]["none"].value == sum(expected) / 2
    assert "lpr" in metrics
    assert run.model_args["pretrained"] == str(tiny_model)
    judgments = [json.loads(l) for l in next(run_dir.glob("judgments_clt_dolly_es_*.jsonl")).read_text().splitlines()]
    assert [j["rating"] for j in judgments] == expected
    assert [j["id"] for j in judgments] == [s["doc"]["id"] for s in sorted(samples, key=lambda s: s["doc_id"])]
