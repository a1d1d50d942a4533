"""Every hub default of the clt tasks and sources, loaded for real from a local hub stand-in.

A HubServer (tests/hub_server.py) serves repositories laid out like the real ones at their
real revisions (tests/hub_repos.py); a child process points HF_ENDPOINT at it and runs the
tasks' and sources' own loading code (tests/hub_driver.py): the real `datasets.load_dataset`
and `hf_hub_download`, nothing patched. `make compat` runs this file under datasets 5.x too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import hub_repos as R
import pytest
import wildchat_fixture as W
from conftest import SHARED_DATA
from hub_server import HubServer

REPO = Path(__file__).resolve().parents[1]

MGSM_EN = [
    {
        "question": "Tom has 3 apples and buys 4 more. How many apples does he have?",
        "answer": None,
        "answer_number": 7,
        "equation_solution": None,
    },
    {
        "question": "A box holds 12 eggs. How many eggs are in 2 boxes?",
        "answer": None,
        "answer_number": 24,
        "equation_solution": None,
    },
]
MGSM_JA = [
    {
        "question": "りんごが5個あり、2個食べました。残りは何個ですか？",
        "answer": None,
        "answer_number": 3,
        "equation_solution": None,
    }
]
# Deliberately not MGSM's exemplars: the 8-shot task must take the shipped ones, not these.
HUB_SHOTS = [
    {
        "question": f"Question: hub shot {i}",
        "answer": f"Step-by-Step Answer: {i}+0={i}. The answer is {i}.",
        "answer_number": i,
        "equation_solution": f"{i}+0={i}",
    }
    for i in range(8)
]


def _article(i: int, lang: str) -> dict:
    return {
        "id": f"{lang}-{i}",
        "url": f"https://www.bbc.com/{lang}/{i}",
        "title": f"Titre {i}",
        "summary": f"Résumé numéro {i}.",
        "text": f"Le texte de l'article numéro {i} parle de la ville.",
    }


XLSUM = {
    "french": {"test": [_article(i, "fr") for i in range(3)], "train": [_article(10 + i, "fr") for i in range(2)]},
    # spanish in the export's older layout: the split named in the file
    "spanish": {
        "train": [{**_article(20, "es"), "summary": "Resumen veinte.", "text": "El texto del artículo."}],
        "test": [{**_article(21, "es"), "summary": "Resumen veintiuno.", "text": "Otro artículo."}],
    },
}
DOLLY = {
    "dolly_human_edited": [
        {
            "id": "h1",
            "inputs": "Quelle est la capitale de la France ?",
            "targets": "Paris.",
            "language": "fra",
            "script": "Latn",
        },
        {"id": "h2", "inputs": "¿Qué es un volcán?", "targets": "Una montaña.", "language": "spa", "script": "Latn"},
        {
            "id": "h3",
            "inputs": "Nomme trois couleurs.",
            "targets": "Rouge, vert, bleu.",
            "language": "fra",
            "script": "Latn",
        },
    ],
    "dolly_machine_translated": [
        {
            "id": "m1",
            "inputs": "富士山の高さは？",
            "targets": "3776メートルです。",
            "language": "jpn",
            "script": "Jpan",
        },
        {"id": "m2", "inputs": "What is rain?", "targets": "Water.", "language": "eng", "script": "Latn"},
    ],
}
AYA = [
    {
        "inputs": "Name a fruit.",
        "targets": "An apple.",
        "language": "English",
        "language_code": "eng",
        "annotation_type": "original-annotations",
        "user_id": "u1",
    },
    {
        "inputs": "Nomme un fruit.",
        "targets": "Une pomme.",
        "language": "French",
        "language_code": "fra",
        "annotation_type": "original-annotations",
        "user_id": "u2",
    },
    {
        "inputs": "Nombra una fruta.",
        "targets": "Una manzana.",
        "language": "Spanish",
        "language_code": "spa",
        "annotation_type": "original-annotations",
        "user_id": "u3",
    },
    {
        "inputs": "Say hello.",
        "targets": "Hello!",
        "language": "English",
        "language_code": "eng",
        "annotation_type": "re-annotations",
        "user_id": "u4",
    },
]
BACTRIAN = {
    "en": [
        {"instruction": "Give a synonym of happy.", "input": "", "id": "0", "output": "Joyful."},
        {"instruction": "Translate to French.", "input": "Good morning", "id": "1", "output": "Bonjour."},
    ],
    "ja": [{"instruction": "「嬉しい」の同義語を挙げてください。", "input": "", "id": "0", "output": "楽しい。"}],
}


def _ifeval_rows() -> list[dict]:
    """The first real IFEval-schema prompts beside the checkout, with IFEval's own (unprefixed) ids."""
    lines = (SHARED_DATA / "m-ifeval" / "en_input_data.jsonl").read_text(encoding="utf-8").splitlines()[:3]
    rows = [json.loads(line) for line in lines]
    return [{**r, "instruction_id_list": [i.removeprefix("en:") for i in r["instruction_id_list"]]} for r in rows]


# A training source for the decontamination check: row "a" copies an MGSM question served by the
# hub (its Japanese translation "a" goes by lineage), Japanese "b" the Japanese one with other punctuation.
DECONTAM_ROWS = {
    "en": [
        {"id": "a", "prompt": MGSM_EN[0]["question"], "response": "7"},
        {"id": "c", "prompt": "Name three rivers of Europe, please.", "response": "Rhine, Danube, Seine."},
        {"id": "d", "prompt": "What is the tallest animal on land?", "response": "The giraffe."},
    ],
    "ja": [
        {"id": "a", "prompt": "トムはりんごを3個持っています。", "response": "7個"},
        {"id": "b", "prompt": MGSM_JA[0]["question"].replace("、", ",").replace("？", "?"), "response": "3個"},
        {"id": "c", "prompt": "ヨーロッパの川を三つ挙げてください。", "response": "ライン川。"},
    ],
}

MCOT = [
    {"question": "小明有3个苹果，又买了2个。他有几个？", "answer": "3+2=5。答案是5。", "lang": "zh"},
    {"question": "Tom has 2 pens.", "answer": "The answer is 2.", "lang": "en"},
]


@pytest.fixture(scope="module")
def hub(tmp_path_factory, mifeval_dir):
    repos = [
        R.mgsm_repo({"en": MGSM_EN, "ja": MGSM_JA}, {"en": HUB_SHOTS, "ja": HUB_SHOTS}),
        R.xlsum_repo(XLSUM, flat=("spanish",)),
        R.aya_eval_repo(DOLLY),
        R.aya_dataset_repo(AYA),
        R.bactrian_repo(BACTRIAN),
        R.mcot_repo(MCOT),
        R.ifeval_repo(_ifeval_rows()),
        R.wildchat_repo(W.rows()),
    ]
    home = tmp_path_factory.mktemp("hf_home")
    (home / "decontam_rows.json").write_text(json.dumps(DECONTAM_ROWS), encoding="utf-8")
    with HubServer(repos) as server:
        env = {
            **os.environ,
            "HF_ENDPOINT": server.url,
            "HF_HOME": str(home),
            "HF_HUB_OFFLINE": "0",
            "HF_DATASETS_OFFLINE": "0",
            "PYTHONPATH": str(REPO),
            "HF_HUB_DISABLE_TELEMETRY": "1",
        }
        env.pop("CLT_DATA_DIR", None)
        proc = subprocess.run(
            [sys.executable, str(REPO / "tests" / "hub_driver.py"), str(home / "decontam_rows.json")],
            env=env,
            cwd=home,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        yield json.loads(proc.stdout), server.downloads()


def _ok(result: dict, key: str):
    assert "ok" in result[key], result[key].get("error")
    return result[key]["ok"]


def test_the_loading_script_branch_is_refused_which_is_why_the_export_is_read(hub):
    result, _ = hub
    assert (
        result["mgsm_main_branch"]["error"]
        == "RuntimeError: Dataset scripts are no longer supported, but found mgsm.py"
    )


def test_mgsm_reads_the_parquet_export_and_the_shipped_exemplars(hub):
    result, downloads = hub
    rows = _ok(result, "mgsm_en")
    assert [(r["question"], r["answer_number"]) for r in rows["test"]] == [
        (MGSM_EN[0]["question"], "7"),
        (MGSM_EN[1]["question"], "24"),
    ]
    shipped = [
        json.loads(line)
        for line in (REPO / "clt_plugin/data/mgsm_exemplars/mgsm_en_train.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
    ]
    assert len(rows["train"]) == 8
    assert [r["answer_number"] for r in rows["train"]] == [str(s["answer_number"]) for s in shipped]
    assert rows["train"][0]["question"] == shipped[0]["question"].removeprefix("Question:").strip()
    mgsm_files = [d for d in downloads if "/juletxara/mgsm/" in d and d.endswith(".parquet")]
    assert mgsm_files and all(
        d.endswith("/en/test/0000.parquet") or d.endswith("/ja/test/0000.parquet") for d in mgsm_files
    ), mgsm_files  # never the hub's train split
    chat = _ok(result, "mgsm_chat_ja")
    assert list(chat) == ["test"] and chat["test"][0]["answer_number"] == "3"


def test_xlsum_task_and_source_read_the_export_folders(hub):
    result, downloads = hub
    docs = _ok(result, "xlsum_fr")["test"]
    from clt_plugin.tasks.xlsum import sample_indices

    assert [d["id"] for d in docs] == [f"fr-{i}" for i in sample_indices(3, 2, 1234, "fr")]
    assert all(d["clt_lang"] == "fr" and d["summary"].startswith("Résumé") for d in docs)
    src = _ok(result, "xlsum_source")
    assert [(e["id"], e["lang"], e["messages"][-1]["content"]) for e in src] == [("es-20", "es", "Resumen veinte.")]
    assert any(d.endswith("/french/test/0000.parquet") for d in downloads)
    assert not any(d.endswith("/french/train/0000.parquet") for d in downloads)  # the task reads its split only
    assert any(d.endswith("/spanish/xlsum-train.parquet") for d in downloads)
    assert [(d["id"], d["summary"]) for d in _ok(result, "xlsum_es")["test"]] == [("es-21", "Resumen veintiuno.")]


def test_dolly_reads_both_subsets_and_keeps_one_language(hub):
    result, _ = hub
    fr = _ok(result, "dolly_fr")["test"]
    assert [(d["id"], d["inputs"], d["clt_subset"]) for d in fr] == [
        ("h1", "Quelle est la capitale de la France ?", "dolly_human_edited"),
        ("h3", "Nomme trois couleurs.", "dolly_human_edited"),
    ]
    ja = _ok(result, "dolly_ja")["test"]
    assert [(d["id"], d["clt_subset"]) for d in ja] == [("m1", "dolly_machine_translated")]


def test_bactrian_default_instruction_source(hub):
    result, downloads = hub
    rows = _ok(result, "bactrian")
    assert [(e["id"], e["lang"], e["messages"]) for e in rows] == [
        (
            "0",
            "en",
            [{"role": "user", "content": "Give a synonym of happy."}, {"role": "assistant", "content": "Joyful."}],
        ),
        (
            "1",
            "en",
            [
                {"role": "user", "content": "Translate to French.\n\nGood morning"},
                {"role": "assistant", "content": "Bonjour."},
            ],
        ),
        (
            "0",
            "ja",
            [
                {"role": "user", "content": "「嬉しい」の同義語を挙げてください。"},
                {"role": "assistant", "content": "楽しい。"},
            ],
        ),
    ]
    assert any(
        d.endswith("/MBZUAI/Bactrian-X/resolve/" + d.split("/resolve/")[1].split("/")[0] + "/en/train/0000.parquet")
        for d in downloads
    )


def test_aya_and_mcot_sources(hub):
    result, _ = hub
    aya = _ok(result, "aya")
    assert [(e["lang"], e["messages"][0]["content"]) for e in aya] == [
        ("en", "Name a fruit."),
        ("fr", "Nomme un fruit."),
        ("en", "Say hello."),
    ]
    mcot = _ok(result, "mcot")
    assert [(e["id"], e["lang"], e["messages"][-1]["content"]) for e in mcot] == [("0", "zh", "3+2=5。答案是5。")]


def test_ifeval_english_from_the_hub_parses_like_the_file(hub):
    from clt_plugin.ifeval.data import parse_examples

    result, _ = hub
    got = _ok(result, "ifeval_en")
    # datasets fills every kwargs dict with all keys seen in the column (None where absent):
    # the parsed examples must still equal those parsed from the JSON Lines themselves.
    expected = [e.as_doc() for e in parse_examples(_ifeval_rows(), "en", "file")]
    assert got == expected and len(got) == 3


def test_wildchat_default_instruction_source(hub):
    result, downloads = hub
    rows = _ok(result, "wildchat")
    assert [(e["lang"], e["messages"][-1]["content"]) for e in rows] == [
        ("en", "Joyful."),
        ("ja", "楽しい。"),
        ("en", "Blue."),  # the repeated conversation (same hash, other shard) is read once
    ]
    assert any(d.endswith("/data/train-00001-of-00014.parquet") for d in downloads if "WildChat-1M" in d)


def test_decontamination_reads_the_evaluation_sets_from_the_hub(hub):
    result, _ = hub
    got = _ok(result, "decontam")
    d = got["decontamination"]
    status = {(n, l): (s["status"], s["items"]) for n, per in d["evaluation_sets"].items() for l, s in per.items()}
    assert status == {
        ("mgsm", "en"): ("checked", 2),
        ("mgsm", "ja"): ("checked", 1),
        ("dolly", "en"): ("checked", 1),
        ("dolly", "ja"): ("checked", 1),
        ("ifeval", "en"): ("checked", 3),
        # not in this hub stand-in: named, never counted as clean
        ("ifeval", "ja"): ("unchecked", 0),
        ("xlsum", "en"): ("unchecked", 0),
        ("xlsum", "ja"): ("unchecked", 0),
    }
    assert d["removed"]["t"]["ja"]["mgsm"] == {"ngram": 1, "lineage": 1}
    assert d["removed"]["t"]["ja"]["xlsum"] == {"ngram": None, "lineage": None}
    (en, ja) = got["kept"]  # one row each: never "a" (nor its translation) nor Japanese "b"
    assert en[0] == "en" and en[1] in ("c", "d") and ja == ["ja", "c"]
