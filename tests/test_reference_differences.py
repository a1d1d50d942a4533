"""The counts docs/reference-differences.md gives, on the real data they were measured on."""

from __future__ import annotations

import json

import langdetect
from conftest import shared_data_dir
from test_metrics_numbers import lm_eval_mgsm

from clt_plugin.ifeval.language import is_in
from clt_plugin.metrics.numbers import canonical, extract_answer
from clt_plugin.tasks.mgsm import shipped_exemplars

ZH = "我们今天去学校，他说这个问题很难，但是我们都很努力。医生呼吁六十五岁以上的老人在冬季流感季节开始前接种疫苗。"
MGSM = ("bn", "de", "en", "es", "fr", "ja", "ru", "sw", "te", "th", "zh")


def test_mgsm_exemplar_solutions_read_the_same_here_and_in_lm_evals_flexible_extract():
    right = {"project": {}, "flexible-extract": {}, "strict-match": {}}
    for lang in MGSM:
        rows = [json.loads(line) for line in shipped_exemplars(lang).read_text(encoding="utf-8").splitlines()]
        golds = [(r["answer"], str(r["answer_number"])) for r in rows]
        right["project"][lang] = sum(extract_answer(a, lang) == canonical(g) for a, g in golds)
        for name in ("flexible-extract", "strict-match"):
            right[name][lang] = sum(lm_eval_mgsm(a, lang, g, name)[1] for a, g in golds)
    assert right["project"] == right["flexible-extract"] == dict.fromkeys(MGSM, 8)  # 88 of 88 each
    # strict-match wants "The answer is N" as lm-eval spells it per language: 12 misses.
    misses = {lang: 8 - n for lang, n in right["strict-match"].items() if n < 8}
    assert misses == {"bn": 8, "ja": 3, "de": 1}


def test_m_ifeval_asks_for_chinese_once_and_the_reference_would_fail_a_chinese_reply():
    data = shared_data_dir("m-ifeval")
    asks = {}
    sizes = {}
    for lang in ("en", "es", "fr", "ja"):
        rows = [
            json.loads(line) for line in (data / f"{lang}_input_data.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        sizes[lang] = (len(rows), sum(len(r["instruction_id_list"]) for r in rows))
        for r in rows:
            for iid, kwargs in zip(r["instruction_id_list"], r["kwargs"]):
                if iid.endswith("language:response_language") and kwargs.get("language") == "zh":
                    asks.setdefault(lang, []).append((r["key"], len(r["instruction_id_list"])))
    assert asks == {"fr": [(99, 1)]}
    assert sizes["fr"] == (235, 345)
    # The reference compares langdetect's code with the requested one; langdetect says zh-cn.
    langdetect.DetectorFactory.seed = 0
    assert langdetect.detect(ZH) == "zh-cn" != "zh"
    assert is_in(ZH, "zh")  # the project passes the Chinese reply
