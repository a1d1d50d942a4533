"""`clt ifeval-score`: scores outside responses, and rejects bad input without writing anything."""

from __future__ import annotations

import json

import pytest

from clt_plugin.cli import main

EXAMPLES = [
    {
        "key": 10,
        "prompt": "猫について書いてください。読点を使わないでください。",
        "instruction_id_list": ["ja:punctuation:no_comma"],
        "kwargs": [{}],
    },
    {
        "key": 11,
        "prompt": "三文以上で答えてください。",
        "instruction_id_list": ["ja:length_constraints:number_sentences", "ja:punctuation:no_period"],
        "kwargs": [{"num_sentences": 3, "relation": "以上"}, {}],
    },
    {
        "key": 12,
        "prompt": "全体を鉤括弧で囲んでください。",
        "instruction_id_list": ["ja:startend:quotation"],
        "kwargs": [{}],
    },
]


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    write_jsonl(d / "ja_input_data.jsonl", EXAMPLES)
    return d


def test_scores_and_writes_the_four_accuracies(tmp_path, data_dir, capsys):
    responses = write_jsonl(
        tmp_path / "resp.jsonl",
        [
            {"prompt": EXAMPLES[0]["prompt"], "response": "猫はかわいいです。よく寝ます。"},  # no 、: pass
            {"key": 11, "response": "はい。いいえ。たぶん。"},  # 3 sentences: pass; has 。: fail
            {
                "prompt": "  " + EXAMPLES[2]["prompt"] + "\n",
                "response": "はい、どうぞ：\n「猫の詩」",
            },  # strict fail, loose pass
        ],
    )
    out = tmp_path / "report.json"
    assert main(["ifeval-score", str(responses), "--lang", "ja", "--data-dir", str(data_dir), "-o", str(out)]) == 0
    report = json.loads(out.read_text())
    res = report["results"]["ja"]
    # Strict: only prompt 1 passes. Loose also forgives prompt 3's first line.
    assert (res["n"], res["n_examples"]) == (3, 3)
    assert res["prompt_level_strict_acc"] == pytest.approx(1 / 3)
    assert res["inst_level_strict_acc"] == pytest.approx(2 / 4)
    assert res["prompt_level_loose_acc"] == pytest.approx(2 / 3)
    assert res["inst_level_loose_acc"] == pytest.approx(3 / 4)
    printed = capsys.readouterr().out
    assert "prompt_level_strict_acc  0.3333" in printed and "inst_level_loose_acc     0.7500" in printed


def test_default_output_is_beside_the_responses(tmp_path, data_dir):
    responses = write_jsonl(tmp_path / "r.jsonl", [{"key": 12, "response": "「題」"}])
    assert main(["ifeval-score", str(responses), "--lang", "ja", "--data", str(data_dir / "ja_input_data.jsonl")]) == 0
    report = json.loads((tmp_path / "r.clt_ifeval_ja.json").read_text())
    assert report["results"]["ja"]["prompt_level_strict_acc"] == 1.0
    assert report["schema"] == "clt-ifeval-score/1"


def test_real_mifeval_prompts_match_by_text(tmp_path, mifeval_dir):
    first = json.loads((mifeval_dir / "fr_input_data.jsonl").read_text("utf-8").splitlines()[0])
    responses = write_jsonl(tmp_path / "fr.jsonl", [{"prompt": first["prompt"], "response": "Réponse."}])
    assert (
        main(
            [
                "ifeval-score",
                str(responses),
                "--lang",
                "fr",
                "--data-dir",
                str(mifeval_dir),
                "-o",
                str(tmp_path / "o.json"),
            ]
        )
        == 0
    )
    assert json.loads((tmp_path / "o.json").read_text())["results"]["fr"]["n"] == 1


@pytest.mark.parametrize(
    "rows, message",
    [
        (["{oops"], "resp.jsonl:1: invalid JSON"),
        ([{"prompt": EXAMPLES[0]["prompt"]}], "resp.jsonl:1: field 'response' is missing"),
        (
            [{"prompt": EXAMPLES[0]["prompt"], "response": 42}],
            "resp.jsonl:1: field 'response' must be a string (got 42)",
        ),
        (
            [{"prompt": "知らない質問", "response": "x"}],
            "resp.jsonl:1: field 'prompt' value '知らない質問' matches no example",
        ),
        ([{"key": 99, "response": "x"}], "resp.jsonl:1: field 'key' value 99 matches no example"),
        ([{"response": "x"}], "resp.jsonl:1: field 'prompt' is missing"),
        (
            [{"key": 10, "response": "a"}, {"key": 10, "response": "b"}],
            "resp.jsonl:2: a second response for the prompt of line 1",
        ),
    ],
)
def test_bad_responses_exit_2_and_write_nothing(tmp_path, data_dir, capsys, rows, message):
    path = tmp_path / "resp.jsonl"
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows), encoding="utf-8"
    )
    out = tmp_path / "out.json"
    assert main(["ifeval-score", str(path), "--lang", "ja", "--data-dir", str(data_dir), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("clt ifeval-score: error: ") and message in err
    assert not out.exists() and not (tmp_path / "resp.clt_ifeval_ja.json").exists()


def test_missing_file_and_unknown_language(tmp_path, data_dir, capsys):
    assert main(["ifeval-score", str(tmp_path / "none.jsonl"), "--lang", "ja", "--data-dir", str(data_dir)]) == 2
    assert "none.jsonl: file not found" in capsys.readouterr().err
    responses = write_jsonl(tmp_path / "r.jsonl", [{"key": 10, "response": "x"}])
    assert main(["ifeval-score", str(responses), "--lang", "xx", "--data-dir", str(data_dir)]) == 2
    assert "unknown language 'xx'" in capsys.readouterr().err
    assert list(tmp_path.glob("*.json")) == []
