"""`clt fidelity COMPLETIONS --lang L`: the benchmark's aggregation over a file, and its refusals."""

from __future__ import annotations

import json

import pytest

from clt_plugin.cli import main
from clt_plugin.fidelity_file import read_completions, score_file

FR = "Les canards pondent seize œufs par jour et elle vend le reste au marché."
EN = "The ducks lay sixteen eggs every day and she sells the rest at the market."
ZH = "我们今天去学校，他说这个问题很难，但是我们都很努力。"
ZH_EN = "医生呼吁六十五岁以上的老人在冬季 flu season 开始前接种疫苗。"


def _jsonl(tmp_path, rows, name="c.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_json_output_is_the_benchmark_aggregation_in_percent(tmp_path, capsys):
    path = _jsonl(
        tmp_path,
        [
            {"completion": FR, "source": "okapi"},
            {"completion": FR, "source": "okapi"},
            {"completion": FR, "source": "okapi"},
            {"completion": EN, "source": "okapi"},
            {"completion": EN, "source": "dolly"},
            {"completion": FR, "source": "dolly"},
            {"completion": "42", "source": "dolly"},
        ],
    )
    assert main(["fidelity", str(path), "--lang", "fr", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # Hand-worked: okapi 3/4 = 75, dolly 1/2 = 50 ("42" left out); the mean over sources is 62.5.
    assert out == {
        "lang": "fr",
        "lpr": 62.5,
        "wpr": None,
        "n": 6,
        "skipped": 1,
        "sources": {
            "dolly": {"lpr": 50.0, "wpr": None, "n": 2, "skipped": 1},
            "okapi": {"lpr": 75.0, "wpr": None, "n": 4, "skipped": 0},
        },
    }


def test_csv_in_the_benchmarks_own_layout_and_the_table(tmp_path, capsys):
    path = tmp_path / "model.csv"
    path.write_text(
        "model,completion,task,source,language\n"
        f'm,"{ZH}",monolingual,okapi,zh\n'
        f'm,"{ZH_EN}",monolingual,okapi,zh\n'
        f'm,"{ZH}\n好, 1",monolingual,okapi,zh\n',  # a quoted newline and comma
        encoding="utf-8",
    )
    assert main(["fidelity", str(path), "--lang", "zh"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["source", "language", "LPR", "%", "WPR", "%", "judged", "skipped"]
    # 3 judged, all Chinese; one has "season": WPR 2/3.
    assert lines[2].split() == ["okapi", "zh", "100.00", "66.67", "3", "0"]
    assert score_file(path, "zh")["wpr"] == 66.67


def test_rows_without_a_source_form_one_source(tmp_path):
    path = _jsonl(tmp_path, [{"completion": FR}, {"completion": EN, "source": None}])
    assert read_completions(path) == [("default", FR), ("default", EN)]
    assert score_file(path, "fr")["lpr"] == 50.0


@pytest.mark.parametrize(
    "content,suffix,message",
    [
        ('{"completion": 3}\n', ".jsonl", "c.jsonl:1: field 'completion': expected a string, got 3"),
        ('\n{"source": "x"}\n', ".jsonl", "c.jsonl:2: field 'completion': missing"),
        (
            '{"completion": "a"}\n{"completion": "b", "source": ""}\n',
            ".jsonl",
            "c.jsonl:2: field 'source': expected a non-empty string, got ''",
        ),
        ('{"completion": "a"}\nnot json\n', ".jsonl", "c.jsonl:2: not JSON (Expecting value): 'not json'"),
        ('["a list"]\n', ".jsonl", "c.jsonl:1: expected an object with a 'completion' field, got ['a list']"),
        ("", ".jsonl", "c.jsonl: no completions in the file"),
        ("text,source\nhello,x\n", ".csv", "c.csv:1: no 'completion' column in the header ['text', 'source']"),
        ("completion,source\nhello,x,extra\n", ".csv", "c.csv:2: more cells than the header has columns: ['extra']"),
    ],
)
def test_bad_input_exits_2_naming_file_line_field_and_value(tmp_path, capsys, content, suffix, message):
    path = tmp_path / f"c{suffix}"
    path.write_text(content, encoding="utf-8")
    assert main(["fidelity", str(path), "--lang", "fr"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"clt fidelity: error: {tmp_path}/{message}\n"


def test_bad_language_or_file_exits_2(tmp_path, capsys):
    path = _jsonl(tmp_path, [{"completion": FR}])
    assert main(["fidelity", str(path), "--lang", "ha"]) == 2
    assert "lid.176 does not identify Hausa" in capsys.readouterr().err
    assert main(["fidelity", str(path), "--lang", "xx"]) == 2
    assert "unknown language 'xx'" in capsys.readouterr().err
    assert main(["fidelity", str(tmp_path / "missing.jsonl"), "--lang", "fr"]) == 2
    assert capsys.readouterr().err == f"clt fidelity: error: {tmp_path}/missing.jsonl: no such file\n"
    (tmp_path / "latin1.jsonl").write_bytes(b'{"completion": "caf\xe9"}\n')
    assert main(["fidelity", str(tmp_path / "latin1.jsonl"), "--lang", "fr"]) == 2
    assert "latin1.jsonl: not UTF-8 (byte 19: b'\\xe9')" in capsys.readouterr().err
