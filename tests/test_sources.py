"""Readers: every storage format, every dataset schema, and the hub code path on local files."""

from __future__ import annotations

import csv
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from clt_plugin.errors import CLTError
from clt_plugin.languages import PAPER_LANGUAGES, XLSUM_LANGUAGES
from clt_plugin.sources import HubTable, SourceConfig, language_of, read_examples
from clt_plugin.sources.jsonstream import iter_json_array
from clt_plugin.sources.source import Source
from clt_plugin.sources.xlsum_prompts import FALLBACK_LANGUAGES, TEMPLATES

ROWS = [{"id": f"q{i}", "question": f"question {i}", "answer": f"answer {i}"} for i in range(5)]


def write(path, fmt, rows):
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    elif fmt == "json":
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    elif fmt == "parquet":
        pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=2)
    else:
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter="," if fmt == "csv" else "\t")
            w.writeheader()
            w.writerows(rows)
    return path


@pytest.mark.parametrize("fmt", ["jsonl", "json", "parquet", "csv", "tsv"])
def test_every_local_format_reads_the_same_examples(tmp_path, fmt):
    for lang in ("en", "es"):
        write(tmp_path / f"m_{lang}.{fmt}", fmt, [{**r, "question": f"{lang} {r['question']}"} for r in ROWS])
    cfg = {"path": f"m_{{lang}}.{fmt}", "fields": {"prompt": "question", "response": "answer"}}
    got = list(read_examples(cfg, "math", ["en", "es"], base_dir=tmp_path))
    assert [(e.lang, e.id) for e in got] == [("en", f"q{i}") for i in range(5)] + [("es", f"q{i}") for i in range(5)]
    assert got[6].messages == [
        {"role": "user", "content": "es question 1"},
        {"role": "assistant", "content": "answer 1"},
    ]
    assert got[6].task == "math" and got[6].meta == {"source": f"m_es.{fmt}", "row": 1}


def test_one_file_with_a_language_column_and_row_number_ids(tmp_path):
    rows = [{"lang": l, "q": f"{l}{i}", "a": "x"} for i in range(3) for l in ("en", "spa", "ja", "xx")]
    write(tmp_path / "all.jsonl", "jsonl", rows)
    cfg = {"path": "all.jsonl", "fields": {"prompt": "q", "response": "a", "language": "lang"}}
    got = list(read_examples(cfg, "t", ["es", "ja"], base_dir=tmp_path))
    assert [(e.lang, e.id, e.messages[0]["content"]) for e in got] == [
        ("es", "1", "spa0"),
        ("ja", "2", "ja0"),
        ("es", "5", "spa1"),
        ("ja", "6", "ja1"),
        ("es", "9", "spa2"),
        ("ja", "10", "ja2"),
    ]


def test_language_values_map_to_registry_codes():
    assert [language_of(v) for v in ("es", "spa", "jpn", "arb", "zho", "ZH", "klingon", None)] == [
        "es",
        "es",
        "ja",
        "ar",
        "zh",
        "zh",
        None,
        None,
    ]


def test_xlsum_schema_becomes_a_summarization_instruction(tmp_path):
    write(
        tmp_path / "x_ja.jsonl",
        "jsonl",
        [{"id": "a1", "url": "u", "title": "見出し", "summary": "要約です。", "text": "本文です。"}],
    )
    (ex,) = read_examples({"dataset": "xlsum", "path": "x_{lang}.jsonl"}, "summarize", ["ja"], base_dir=tmp_path)
    assert ex.messages == [
        {"role": "user", "content": "次のニュース記事を一、二文で要約してください。\n\nタイトル：見出し\n\n本文です。"},
        {"role": "assistant", "content": "要約です。"},
    ]


def test_xlsum_templates_cover_every_xlsum_language_and_the_paper_eight_natively():
    assert set(TEMPLATES) == set(XLSUM_LANGUAGES)
    assert not set(PAPER_LANGUAGES) & set(FALLBACK_LANGUAGES)
    for code, template in TEMPLATES.items():
        assert "{title}" in template and "{text}" in template, code


def test_hub_reader_code_path_on_local_parquet_in_the_xlsum_schema(tmp_path):
    path = write(
        tmp_path / "train.parquet",
        "parquet",
        [{"id": f"n{i}", "url": "u", "title": f"T{i}", "summary": f"S{i}", "text": f"B{i}"} for i in range(4)],
    )
    table = HubTable("parquet", split="train", data_files=str(path), cache_dir=str(tmp_path / "hf"))
    src = Source(SourceConfig(dataset="xlsum", hub="csebuetnlp/xlsum"), "summarize", ["en"])
    src.bindings = [(table, "en")]  # same reader, local bytes instead of the hub
    rows = np.array([1, 3])
    got = list(src.fetch(0, rows, ["en", "en"]))
    assert [e.id for e in got] == ["n1", "n3"] and got[1].messages[1]["content"] == "S3"
    assert got[1].messages[0]["content"].endswith("Title: T3\n\nB3")
    assert [ids for _, _, _, ids in src.scan()] == [["n0", "n1", "n2", "n3"]]
    assert table.fingerprint().startswith("sha256:")
    assert (
        HubTable("csebuetnlp/xlsum", "english", revision="abc").fingerprint() == "hf:csebuetnlp/xlsum@abc/english/train"
    )


def test_mcot_math_default_field_map_on_a_streamed_json_array(tmp_path):
    rows = [{"question": f"q{i}", "answer": f"a{i}", "lang": l} for i in range(2) for l in ("en", "ja", "zh")]
    write(tmp_path / "mcot_math.json", "json", rows)
    got = list(read_examples({"dataset": "mcot_math", "path": "mcot_math.json"}, "math", ["ja"], base_dir=tmp_path))
    assert [(e.id, e.messages[0]["content"], e.messages[1]["content"]) for e in got] == [
        ("1", "q0", "a0"),
        ("4", "q1", "a1"),
    ]


def test_mcot_math_mismatch_lists_the_columns_found(tmp_path):
    write(tmp_path / "m.json", "json", [{"problem": "p", "solution": "s", "lang": "en"}])
    with pytest.raises(
        CLTError,
        match=r"m.json: missing field 'question' \(fields.prompt\) for dataset 'mcot_math'; "
        r"columns found: problem, solution, lang",
    ):
        list(read_examples({"dataset": "mcot_math", "path": "m.json"}, "math", ["en"], base_dir=tmp_path))
    got = list(
        read_examples(
            {"dataset": "mcot_math", "path": "m.json", "fields": {"prompt": "problem", "response": "solution"}},
            "math",
            ["en"],
            base_dir=tmp_path,
        )
    )
    assert got[0].messages[1]["content"] == "s"


def test_chat_messages_and_sharegpt_conversations(tmp_path):
    write(
        tmp_path / "c.jsonl",
        "jsonl",
        [
            {
                "id": "a",
                "language": "fr",
                "messages": [
                    {"role": "system", "content": "S"},
                    {"role": "user", "content": "U"},
                    {"role": "assistant", "content": "A"},
                ],
            },
            {
                "id": "b",
                "language": "fr",
                "messages": [{"role": "user", "content": "U2"}, {"role": "assistant", "content": "A2"}],
            },
        ],
    )
    write(
        tmp_path / "g.jsonl",
        "jsonl",
        [
            {
                "id": "s1",
                "language": "fr",
                "conversations": [{"from": "human", "value": "H"}, {"from": "gpt", "value": "G"}],
            }
        ],
    )
    got = list(read_examples({"dataset": "chat", "path": "c.jsonl"}, "chat", ["fr"], base_dir=tmp_path))
    assert [m["role"] for m in got[0].messages] == ["system", "user", "assistant"]
    (sg,) = read_examples({"dataset": "chat", "path": "g.jsonl"}, "chat", ["fr"], base_dir=tmp_path)
    assert sg.messages == [{"role": "user", "content": "H"}, {"role": "assistant", "content": "G"}]


def test_chat_turn_with_an_unknown_role_names_the_line(tmp_path):
    write(
        tmp_path / "g.jsonl",
        "jsonl",
        [{"language": "fr", "conversations": [{"from": "robot", "value": "H"}, {"from": "gpt", "value": "G"}]}],
    )
    with pytest.raises(CLTError, match=r"g.jsonl:1: conversations\[0\]: unknown role 'robot'"):
        list(read_examples({"dataset": "chat", "path": "g.jsonl"}, "chat", ["fr"], base_dir=tmp_path))


def test_aya_dataset_adapter(tmp_path):
    rows = [
        {
            "inputs": "¿Hola?",
            "targets": "Hola.",
            "language": "Spanish",
            "language_code": "spa",
            "annotation_type": "original-annotations",
            "user_id": "u",
        },
        {
            "inputs": "Hi?",
            "targets": "Hi.",
            "language": "English",
            "language_code": "eng",
            "annotation_type": "original-annotations",
            "user_id": "u",
        },
    ]
    write(tmp_path / "aya.parquet", "parquet", rows)
    got = list(read_examples({"dataset": "aya", "path": "aya.parquet"}, "chat", ["es", "en"], base_dir=tmp_path))
    assert sorted((e.lang, e.id, e.messages[1]["content"]) for e in got) == [("en", "1", "Hi."), ("es", "0", "Hola.")]


def test_hub_defaults_fill_in_without_a_path():
    x = SourceConfig(dataset="xlsum")
    assert (x.hub, x.data_dir, x.revision, x.per_language) == (
        "csebuetnlp/xlsum",
        "{xlsum}",
        "refs/convert/parquet",
        True,
    )
    m = SourceConfig(dataset="mcot_math")
    assert (m.hub, m.file, m.format) == ("laihuiyuan/mCoT-MATH", "mcot_math.json", "json")
    assert SourceConfig(dataset="aya").hub == "CohereForAI/aya_dataset"


def test_streamed_json_array_across_buffer_boundaries(tmp_path, monkeypatch):
    import io

    import clt_plugin.sources.jsonstream as js

    monkeypatch.setattr(js, "_READ", 7)
    text = '[\n {"a": "x,]y"},\n {"a": [1, 2]}\n]'
    assert list(iter_json_array(io.StringIO(text), "f")) == [(2, {"a": "x,]y"}), (3, {"a": [1, 2]})]
    with pytest.raises(CLTError, match=r"f:3: malformed JSON"):
        list(iter_json_array(io.StringIO('[\n {"a": 1},\n {"a": }\n]'), "f"))


def test_xlsum_from_a_repository_laid_out_like_the_hub_parquet_export(tmp_path, monkeypatch):
    """The default XLSum reader (load_dataset on a repo, one folder per language config, split
    from file names) pointed at a local folder with that exact layout and schema."""
    import datasets

    from clt_plugin.mixture import build_mixture, load_spec

    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    repo = tmp_path / "xlsum"
    for config, lang in (("english", "en"), ("spanish", "es")):
        (repo / config).mkdir(parents=True)
        for split, n in (("train", 6), ("test", 2)):
            rows = [
                {
                    "id": f"{lang}-{split}-{i}",
                    "url": f"https://example.org/{i}",
                    "title": f"{lang} title {i}",
                    "summary": f"{lang} summary {i}",
                    "text": f"{lang} text {i}",
                }
                for i in range(n)
            ]
            write(repo / config / f"xlsum-{split}-00000-of-00001.parquet", "parquet", rows)
    spec = {
        "seed": 4,
        "tasks": {
            "summarize": {
                "source": {"dataset": "xlsum", "hub": str(repo), "data_dir": "{xlsum}"},
                "english": 3,
                "per_language": 2,
                "languages": ["es"],
            }
        },
    }
    m = build_mixture(load_spec(spec), tmp_path / "out", use_cache=False)
    rows = [json.loads(l) for l in (tmp_path / "out" / "train.jsonl").read_text().splitlines()]
    assert m["counts"] == {"summarize": {"en": 3, "es": 2}}
    assert all("-train-" in r["clt"]["source_id"] for r in rows)
    es = [r for r in rows if r["clt"]["lang"] == "es"]
    assert es[0]["messages"][0]["content"].startswith(
        "Resume la siguiente noticia en una o dos frases.\n\nTítulo: es title "
    )
    assert set(m["sources"]["summarize"]) == {f"{repo} (english) [train]", f"{repo} (spanish) [train]"}
    assert all(
        v.startswith("sha256:english/") or v.startswith("sha256:spanish/") for v in m["sources"]["summarize"].values()
    )


def test_malformed_csv_row_and_broken_parquet_name_the_file(tmp_path):
    (tmp_path / "m_es.csv").write_text("id,prompt,response\nq0,p,r\nq1,p\n", encoding="utf-8")
    with pytest.raises(CLTError, match=r"^m_es.csv:3: malformed row \(2 fields, the header has 3\)"):
        list(read_examples({"path": "m_{lang}.csv"}, "t", ["es"], base_dir=tmp_path))
    (tmp_path / "m_es.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(CLTError, match=r"^m_es.parquet: not a readable Parquet file"):
        list(read_examples({"path": "m_{lang}.parquet"}, "t", ["es"], base_dir=tmp_path))


def test_json_file_that_is_neither_an_array_nor_lines(tmp_path):
    (tmp_path / "d.json").write_text('"just a string"', encoding="utf-8")
    with pytest.raises(CLTError, match=r"^d.json:1: expected a JSON array of objects or JSON Lines"):
        list(read_examples({"path": "d.json"}, "t", ["es"], base_dir=tmp_path))
    (tmp_path / "d.json").write_text('[{"prompt": "p", "response": "r", "language": "es"}, 3]', encoding="utf-8")
    with pytest.raises(CLTError, match=r"^d.json:1: expected a JSON object, got int"):
        list(read_examples({"path": "d.json"}, "t", ["es"], base_dir=tmp_path))
