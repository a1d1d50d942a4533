"""`clt fidelity FILE...`: the benchmark's tables over whole files, per task, source and language, and its refusals."""

from __future__ import annotations

import json

import pytest

from clt_plugin.cli import main
from clt_plugin.errors import CLTError
from clt_plugin.fidelity_file import read_rows, score_files

FR = "Les canards pondent seize œufs par jour et elle vend le reste au marché."
EN = "The ducks lay sixteen eggs every day and she sells the rest at the market."
ZH = "我们今天去学校，他说这个问题很难，但是我们都很努力。"
ZH_EN = "医生呼吁六十五岁以上的老人在冬季 flu season 开始前接种疫苗。"


def _jsonl(tmp_path, rows, name="c.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _values(lpr, wpr, n, skipped):
    return {"lpr": lpr, "wpr": wpr, "n": n, "skipped": skipped}


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
        "files": [
            {
                "file": str(path),
                "other_languages": 0,
                "tasks": {
                    "default": {
                        "cells": [
                            {"source": "dolly", "language": "fr", **_values(50.0, None, 2, 1)},
                            {"source": "okapi", "language": "fr", **_values(75.0, None, 4, 0)},
                        ],
                        "sources": [
                            {"source": "dolly", **_values(50.0, None, 2, 1)},
                            {"source": "okapi", **_values(75.0, None, 4, 0)},
                        ],
                        "languages": [{"language": "fr", **_values(62.5, None, 6, 1)}],
                        "overall": _values(62.5, None, 6, 1),
                    }
                },
            }
        ]
    }


BENCHMARK_CSV = (
    "model,completion,task,source,language\n"
    f'm,"{ZH}",monolingual,okapi,zh\n'
    f'm,"{ZH_EN}",monolingual,okapi,zh\n'
    f'm,"{ZH}\n好, 1",monolingual,okapi,zh\n'  # a quoted newline and comma
    f"m,{FR},monolingual,okapi,fr\n"
    f"m,{EN},monolingual,okapi,fr\n"
    f"m,{FR},monolingual,dolly,fr\n"
    f"m,{EN},crosslingual,okapi,fr\n"
    f"m,{ZH},crosslingual,sharegpt,zh\n"
)


def test_a_whole_benchmark_csv_in_one_call_reads_each_rows_language(tmp_path, capsys):
    path = tmp_path / "model.csv"
    path.write_text(BENCHMARK_CSV, encoding="utf-8")
    assert main(["fidelity", str(path)]) == 0
    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert lines[0] == ["task", "source", "language", "LPR", "%", "WPR", "%", "judged", "skipped"]
    # Per task, the benchmark's compute_all_metrics: cells, (source, all), (all, language), (all, all).
    # monolingual: okapi/zh 3 judged, one with "season" (WPR 2/3); okapi/fr 1/2; dolly/fr 1/1.
    assert lines[2:] == [
        ["crosslingual", "okapi", "fr", "0.00", "N/A", "1", "0"],
        ["crosslingual", "sharegpt", "zh", "100.00", "100.00", "1", "0"],
        ["crosslingual", "okapi", "all", "0.00", "N/A", "1", "0"],
        ["crosslingual", "sharegpt", "all", "100.00", "100.00", "1", "0"],
        ["crosslingual", "all", "fr", "0.00", "N/A", "1", "0"],
        ["crosslingual", "all", "zh", "100.00", "100.00", "1", "0"],
        ["crosslingual", "all", "all", "50.00", "100.00", "2", "0"],
        ["monolingual", "dolly", "fr", "100.00", "N/A", "1", "0"],
        ["monolingual", "okapi", "fr", "50.00", "N/A", "2", "0"],
        ["monolingual", "okapi", "zh", "100.00", "66.67", "3", "0"],
        ["monolingual", "dolly", "all", "100.00", "N/A", "1", "0"],
        ["monolingual", "okapi", "all", "75.00", "66.67", "5", "0"],
        ["monolingual", "all", "fr", "75.00", "N/A", "3", "0"],
        ["monolingual", "all", "zh", "100.00", "66.67", "3", "0"],
        ["monolingual", "all", "all", "87.50", "66.67", "6", "0"],
    ]
    # The same numbers as CSV, every column named, WPR empty where it does not apply.
    assert main(["fidelity", str(path), "--format", "csv"]) == 0
    csv_lines = capsys.readouterr().out.splitlines()
    assert csv_lines[0] == "file,task,source,language,lpr,wpr,judged,skipped"
    assert csv_lines[1] == f"{path},crosslingual,okapi,fr,0.0,,1,0"
    assert csv_lines[-1] == f"{path},monolingual,all,all,87.5,66.67,6,0"
    assert len(csv_lines) == 1 + 15


def test_lang_scores_one_language_of_a_file_and_counts_the_rest(tmp_path):
    path = tmp_path / "model.csv"
    path.write_text(BENCHMARK_CSV, encoding="utf-8")
    (f,) = score_files([path], lang="zh")["files"]
    assert f["other_languages"] == 4
    assert f["tasks"]["monolingual"]["overall"] == _values(100.0, 66.67, 3, 0)
    assert set(f["tasks"]) == {"monolingual", "crosslingual"}
    with pytest.raises(CLTError, match=r"model.csv: no completions in ja \(all 8 are in other languages\)"):
        score_files([path], lang="ja")


def test_many_files_in_one_process_each_with_its_own_table(tmp_path, capsys):
    a = _jsonl(tmp_path, [{"completion": FR, "lang": "fr"}, {"completion": EN, "lang": "fr"}], "a.jsonl")
    b = _jsonl(tmp_path, [{"completion": ZH, "language": "zh", "source": "s", "task": "t"}], "b.jsonl")
    assert main(["fidelity", str(a), str(b), "--task", "mine"]) == 0
    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert lines[0] == ["file", "task", "source", "language", "LPR", "%", "WPR", "%", "judged", "skipped"]
    assert [line[:4] + line[4:6] for line in lines[2:]] == [
        [str(a), "mine", "default", "fr", "50.00", "N/A"],
        [str(a), "mine", "default", "all", "50.00", "N/A"],
        [str(a), "mine", "all", "fr", "50.00", "N/A"],
        [str(a), "mine", "all", "all", "50.00", "N/A"],
        [str(b), "t", "s", "zh", "100.00", "100.00"],  # the row's own task wins over --task
        [str(b), "t", "s", "all", "100.00", "100.00"],
        [str(b), "t", "all", "zh", "100.00", "100.00"],
        [str(b), "t", "all", "all", "100.00", "100.00"],
    ]


def test_rows_without_a_source_form_one_source(tmp_path):
    path = _jsonl(tmp_path, [{"completion": FR}, {"completion": EN, "source": None}])
    assert [(r.source, r.completion) for r in read_rows(path)] == [("default", FR), ("default", EN)]
    (f,) = score_files([path], lang="fr")["files"]
    assert f["tasks"]["default"]["overall"]["lpr"] == 50.0


@pytest.mark.parametrize(
    "args,content,suffix,message",
    [
        (["--lang", "fr"], '{"completion": 3}\n', ".jsonl", "c.jsonl:1: field 'completion': expected a string, got 3"),
        (["--lang", "fr"], '\n{"source": "x"}\n', ".jsonl", "c.jsonl:2: field 'completion': missing"),
        (
            ["--lang", "fr"],
            '{"completion": "a"}\n{"completion": "b", "source": ""}\n',
            ".jsonl",
            "c.jsonl:2: field 'source': expected a non-empty string, got ''",
        ),
        (
            ["--lang", "fr"],
            '{"completion": "a"}\nnot json\n',
            ".jsonl",
            "c.jsonl:2: not JSON (Expecting value): 'not json'",
        ),
        (
            ["--lang", "fr"],
            '["a list"]\n',
            ".jsonl",
            "c.jsonl:1: expected an object with a 'completion' field, got ['a list']",
        ),
        (["--lang", "fr"], "", ".jsonl", "c.jsonl: no completions in the file"),
        (
            ["--lang", "fr"],
            "text,source\nhello,x\n",
            ".csv",
            "c.csv:1: no 'completion' column in the header ['text', 'source']",
        ),
        (
            ["--lang", "fr"],
            "completion,source\nhello,x,extra\n",
            ".csv",
            "c.csv:2: more cells than the header has columns: ['extra']",
        ),
        # A row's own language is checked before anything is scored.
        ([], '{"completion": "a", "lang": "xx"}\n', ".jsonl", "c.jsonl:1: field 'lang': unknown language 'xx'"),
        (
            [],
            "completion,language\nbonjour,fr\nhello,ha\n",
            ".csv",
            "c.csv:3: field 'language': language fidelity (LPR/WPR) is not available for 'ha'",
        ),
        (
            [],
            '{"completion": "a", "lang": 3}\n',
            ".jsonl",
            "c.jsonl:1: field 'lang': expected a non-empty string, got 3",
        ),
        (
            [],
            '{"completion": "a", "task": ""}\n',
            ".jsonl",
            "c.jsonl:1: field 'task': expected a non-empty string, got ''",
        ),
        ([], '{"completion": "a"}\n', ".jsonl", "c.jsonl:1: no language: give the file a 'language' column (CSV)"),
    ],
)
def test_bad_input_exits_2_naming_file_line_field_and_value(tmp_path, capsys, args, content, suffix, message):
    path = tmp_path / f"c{suffix}"
    path.write_text(content, encoding="utf-8")
    assert main(["fidelity", str(path), *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"clt fidelity: error: {tmp_path}/{message}") and captured.err.count("\n") == 1


def test_a_bad_second_file_stops_the_run_before_the_first_is_scored(tmp_path, capsys, monkeypatch):
    good = _jsonl(tmp_path, [{"completion": FR, "lang": "fr"}], "good.jsonl")
    bad = _jsonl(tmp_path, [{"completion": FR}], "bad.jsonl")
    scored = []
    monkeypatch.setattr("clt_plugin.metrics.fidelity.rates", lambda texts, lang: scored.append(lang))
    assert main(["fidelity", str(good), str(bad)]) == 2
    assert scored == [] and "bad.jsonl:1: no language" in capsys.readouterr().err


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
