"""The clt_* tasks through the real `lm_eval` CLI on the tiny model, with local data.

One lm_eval run covers one task of each family (8-shot MGSM on the real MGSM test set, zero-shot
chat MGSM, XL-Sum, Aya Dolly). The results JSON must hold each metric per language, equal to the
clt_plugin metric functions applied to the logged samples.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from metrics_samples import SENTENCES

from clt_plugin.lm_eval_cli import options
from clt_plugin.metrics import fidelity
from clt_plugin.metrics.numbers import extract_answer
from clt_plugin.metrics.rouge import rouge_l_f
from clt_plugin.resources import tasks_path

LM_EVAL = Path(sys.executable).with_name("lm_eval")
LIMIT = 3
TASKS = ["clt_mgsm_zh", "clt_mgsm_chat_ja", "clt_xlsum_ja", "clt_dolly_fr"]

# Eight original exemplars in the hub's train-split form: the question and answer carry their
# labels ("问题：", "逐步解答："), which the loader strips.
ZH_EXEMPLARS = [
    ("小明有3个苹果，又买了5个。他现在有多少个苹果？", "小明原来有3个，又买了5个，3 + 5 = 8。答案是8。", 8),
    ("一本书12元，买4本要多少钱？", "每本12元，4本是12 × 4 = 48元。答案是48。", 48),
    ("班上有30个学生，其中一半是女生。女生有多少人？", "30的一半是30 ÷ 2 = 15。答案是15。", 15),
    ("小红每天跑2公里，一周跑多少公里？", "一周有7天，2 × 7 = 14公里。答案是14。", 14),
    ("一箱有24瓶水，喝掉了9瓶，还剩多少瓶？", "24 - 9 = 15瓶。答案是15。", 15),
    ("妈妈做了20个饺子，分给4个人，每人几个？", "20 ÷ 4 = 5个。答案是5。", 5),
    ("一辆车每小时行60公里，3小时行多少公里？", "60 × 3 = 180公里。答案是180。", 180),
    ("商店有1,000个鸡蛋，卖了250个，还剩多少个？", "1000 - 250 = 750个。答案是750。", 750),
]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def make_data_dir(root: Path, mgsm_dir: Path) -> Path:
    (root / "mgsm").mkdir(parents=True)
    for lang in ("zh", "ja"):
        shutil.copy(mgsm_dir / f"mgsm_{lang}.tsv", root / "mgsm" / f"mgsm_{lang}.tsv")
    write_jsonl(
        root / "mgsm" / "mgsm_zh_train.jsonl",
        [
            {"question": f"问题：{q}", "answer": f"逐步解答：{a}", "answer_number": n, "equation_solution": None}
            for q, a, n in ZH_EXEMPLARS
        ],
    )
    # XL-Sum release schema and naming: {config}_test.jsonl with id, url, title, summary, text.
    ja = SENTENCES["ja"]
    write_jsonl(
        root / "xlsum" / "japanese_test.jsonl",
        [
            {
                "id": f"ja-{i}",
                "url": f"https://www.bbc.com/japanese/{i}",
                "title": ja[i][:12],
                "summary": ja[i],
                "text": "".join(ja[i:] + ja[:i]),
            }
            for i in range(len(ja))
        ],
    )
    # Aya evaluation suite schema: id, inputs, targets, language, script; several languages per file.
    rows = []
    for lang, code, script in (("fr", "fra", "Latn"), ("es", "spa", "Latn"), ("ru", "rus", "Cyrl")):
        for i, s in enumerate(SENTENCES[lang]):
            rows.append({"id": 100 + i, "inputs": f"{s}\n?", "targets": s, "language": code, "script": script})
    write_jsonl(root / "aya_evaluation_suite" / "dolly_human_edited.jsonl", rows)
    return root


@pytest.fixture(scope="module")
def lm_eval_run(tmp_path_factory, tiny_model, mgsm_dir):
    tmp = tmp_path_factory.mktemp("lm-eval")
    data = make_data_dir(tmp / "data", mgsm_dir)
    out = tmp / "out"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    env.pop("CLT_DATA_DIR", None)
    cmd = [
        str(LM_EVAL),
        *options(
            {
                "model": "hf",
                "model_args": f"pretrained={tiny_model},dtype=float32",
                "device": "cpu",
                "include_path": tasks_path(),
                "tasks": ",".join(TASKS),
                "limit": LIMIT,
                "gen_kwargs": "max_gen_toks=24",
                "log_samples": True,
                "output_path": out,
                "metadata": json.dumps({"data_dir": str(data)}),
            }
        ),
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    (results_file,) = out.rglob("results_*.json")
    samples = {
        t: [json.loads(line) for line in next(out.rglob(f"samples_{t}_*.jsonl")).read_text().splitlines()]
        for t in TASKS
    }
    return json.loads(results_file.read_text()), samples, out


def mean(xs):
    return sum(xs) / len(xs)


def response(sample) -> str:
    return sample["filtered_resps"][0]


def test_results_hold_metrics_per_language(lm_eval_run):
    results, _, _ = lm_eval_run
    r = results["results"]
    assert set(r["clt_mgsm_zh"]) >= {"acc,none", "lpr,none", "wpr,none"}
    assert set(r["clt_mgsm_chat_ja"]) >= {"acc,none", "lpr,none", "wpr,none"}
    assert set(r["clt_xlsum_ja"]) >= {"rougeL,none", "lpr,none", "wpr,none"}
    assert "lpr,none" in r["clt_dolly_fr"] and "wpr,none" not in r["clt_dolly_fr"]
    for task in TASKS:
        family, lang = task[4:].rsplit("_", 1)
        assert results["configs"][task]["metadata"]["clt_family"] == family
        assert results["configs"][task]["metadata"]["clt_language"] == lang
        assert results["n-samples"][task]["effective"] == LIMIT


def test_mgsm_values_equal_metric_functions(lm_eval_run):
    results, samples, _ = lm_eval_run
    for task, lang in (("clt_mgsm_zh", "zh"), ("clt_mgsm_chat_ja", "ja")):
        rows = samples[task]
        assert [s["doc"]["answer_number"] for s in rows] == ["18", "3", "70000"]  # the real MGSM answers
        accs = [float(extract_answer(response(s), lang) == s["target"]) for s in rows]
        lpr = [fidelity.line_pass(response(s), lang) for s in rows]
        wpr = [fidelity.word_pass(response(s), lang) for s in rows]
        res = results["results"][task]
        assert res["acc,none"] == mean(accs)
        # Per document 1.0 / 0.0 / None (left out); the task's value is the benchmark's LPR / WPR.
        assert [s["lpr"] for s in rows] == [None if v is None else float(v) for v in lpr]
        assert [s["wpr"] for s in rows] == [None if v is None else float(v) for v in wpr]
        assert res["lpr,none"] == fidelity.rates([response(s) for s in rows], lang).lpr
        assert res["wpr,none"] == fidelity.rates([response(s) for s in rows], lang).wpr
        assert [s["acc"] for s in rows] == accs


def test_mgsm_prompt_is_8_shot_native(lm_eval_run):
    _, samples, _ = lm_eval_run
    prompt = samples["clt_mgsm_zh"][0]["arguments"]["gen_args_0"]["arg_0"]
    assert prompt.count("问题：") == 9 and prompt.count("逐步解答：") == 9
    assert prompt.startswith("问题： 小明有3个苹果")
    assert "答案是750。\n\n问题： 珍妮特的鸭子" in prompt
    assert prompt.endswith("逐步解答：")
    assert samples["clt_mgsm_zh"][0]["arguments"]["gen_args_0"]["arg_1"]["until"][0] == "问题："
    chat = samples["clt_mgsm_chat_ja"][0]["arguments"]["gen_args_0"]["arg_0"]
    assert chat.startswith("この算数の問題を") and "ジャネット" in chat


def test_xlsum_values_equal_rouge(lm_eval_run):
    results, samples, _ = lm_eval_run
    rows = samples["clt_xlsum_ja"]
    rouge = [rouge_l_f(s["doc"]["summary"], response(s).strip(), "ja") for s in rows]
    res = results["results"]["clt_xlsum_ja"]
    assert res["rougeL,none"] == mean(rouge)
    assert res["lpr,none"] == fidelity.rates([response(s) for s in rows], "ja").lpr
    assert [s["rougeL"] for s in rows] == rouge
    assert rows[0]["arguments"]["gen_args_0"]["arg_0"].startswith("次の記事を1〜2文で要約してください。")


def test_dolly_samples_carry_what_the_judge_needs(lm_eval_run):
    results, samples, out = lm_eval_run
    rows = samples["clt_dolly_fr"]
    for s in rows:
        doc = s["doc"]
        assert doc["language"] == "fra" and doc["clt_lang"] == "fr" and doc["clt_subset"] == "dolly_human_edited"
        assert doc["inputs"] == s["arguments"]["gen_args_0"]["arg_0"]
        assert doc["id"] and doc["targets"]
    assert [s["doc"]["id"] for s in rows] == ["100", "101", "102"]
    assert results["results"]["clt_dolly_fr"]["lpr,none"] == fidelity.rates([response(s) for s in rows], "fr").lpr
    # `clt judge` reads these very files: prompt, response, language and id all come through.
    from clt_plugin.judge.samples import read_samples_file

    sf = read_samples_file(next(out.rglob("samples_clt_dolly_fr_*.jsonl")))
    assert sf.lang == "fr"
    assert [(x.source_id, x.instruction, x.response) for x in sf.samples] == [
        (s["doc"]["id"], s["doc"]["inputs"], response(s)) for s in rows
    ]
