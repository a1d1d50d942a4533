"""The Manifest model: what `clt mix` writes, every reader accepts, and old files stay readable."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clt_plugin.errors import CLTError
from clt_plugin.io import sha256_file
from clt_plugin.manifest import SCHEMA, Manifest, count_summary, load_manifest, parse_manifest, write_manifest
from clt_plugin.mixture import build_mixture, load_spec

# A manifest exactly as `clt mix` 0.1.0 wrote it (before the model existed): it must stay readable.
OLD_MANIFEST = {
    "schema": "clt-manifest/1",
    "tool_version": "0.1.0",
    "seed": 7,
    "spec": {"seed": 7, "tasks": {"math": {"english": 2, "per_language": 1, "languages": ["es"]}}},
    "counts": {"math": {"en": 2, "es": 1}},
    "total_rows": 3,
    "languages": {"english": "en", "seen": ["es"]},
    "per_language": 1,
    "english_only": False,
    "sources": {"math": {"en": "sha256:ab"}},
    "language_check": {
        "mode": "report",
        "flagged": {"math": {"en": 0, "es": 1}},
        "dropped": {"math": {"en": 0, "es": 0}},
    },
    "train_file": "train.jsonl",
    "train_sha256": "a" * 64,
    "spec_sha256": "b" * 64,
}


def test_clt_mix_writes_what_the_model_reads(tmp_path):
    for lang in ("en", "es", "fr"):
        (tmp_path / f"m_{lang}.jsonl").write_text(
            "".join(json.dumps({"id": f"{lang}{i}", "q": f"{lang} q{i}", "a": f"{lang} a{i}"}) + "\n" for i in range(5))
        )
    spec = {
        "seed": 3,
        "tasks": {
            "math": {
                "source": {"path": "m_{lang}.jsonl", "fields": {"prompt": "q", "response": "a"}},
                "english": 4,
                "per_language": 2,
                "languages": ["es", "fr"],
            }
        },
    }
    returned = build_mixture(load_spec(spec, base_dir=tmp_path), tmp_path / "out", use_cache=False)
    m = load_manifest(tmp_path / "out" / "manifest.json")
    assert m.to_dict() == returned
    assert m.sha256() == sha256_file(tmp_path / "out" / "manifest.json")
    assert (m.seen, m.per_language, m.english_only, m.total_rows) == (("es", "fr"), 2, False, 8)
    assert m.counts == {"math": {"en": 4, "es": 2, "fr": 2}} and m.language_check.mode == "off"


def test_what_the_plugin_adds_is_typed_and_kept_exactly(tmp_path):
    batch = {
        "global_batch_size": 64,
        "micro_batch_size": 4,
        "gradient_accumulation_steps": 8,
        "data_parallel": 2,
        "world_size": 2,
        "requested_global_batch_size": 64,
    }
    m = write_manifest(tmp_path / "m.json", {**OLD_MANIFEST, "batch": batch, "training_seed": 7})
    read = load_manifest(m)
    assert read.batch.gradient_accumulation_steps == 8 and read.training_seed == 7
    assert read.to_dict() == {**OLD_MANIFEST, "batch": batch, "training_seed": 7}


def test_old_files_stay_readable_and_unknown_fields_are_kept(tmp_path):
    path = tmp_path / "clt_manifest.json"
    path.write_text(json.dumps({**OLD_MANIFEST, "added_later": {"x": 1}}))
    m = load_manifest(path)
    assert m.to_dict() == {**OLD_MANIFEST, "added_later": {"x": 1}}
    assert m.trained_languages() == ("es",) and m.examples_per_language() == 1
    copy = write_manifest(tmp_path / "copy.json", m)
    assert load_manifest(copy) == m


@pytest.mark.parametrize(
    "patch,match",
    [
        ({"schema": "clt-manifest/9"}, r"schema: expected 'clt-manifest/1', got 'clt-manifest/9'"),
        ({"languages": {"english": "en", "seen": ["es", "xx"]}}, r"languages\.seen\[1\]: unknown language 'xx'"),
        ({"per_language": True}, r"per_language: expected an integer or null, got True"),
        ({"english_only": "no"}, r"english_only: expected true or false, got 'no'"),
        ({"counts": {"math": {"es": 1.5}}}, r"counts\.math\.es: expected a count >= 0, got 1\.5"),
        (
            {"language_check": {"flagged": {"math": {"es": -2}}}},
            r"language_check\.flagged\.math\.es: expected a count >= 0",
        ),
        ({"training_seed": "42"}, r"training_seed: expected an integer or null, got '42'"),
        (
            {
                "validation": {
                    "file": "validation.jsonl",
                    "counts": {"math": {"es": 1}},
                    "total_rows": -1,
                    "sha256": "c" * 64,
                }
            },
            r"validation\.total_rows: expected a count >= 0, got -1",
        ),
    ],
)
def test_bad_manifest_names_file_and_field(tmp_path, patch, match):
    with pytest.raises(CLTError, match=r"^m\.json: " + match):
        parse_manifest({**OLD_MANIFEST, **patch}, "m.json")
    # A writer refuses it too, and writes nothing.
    with pytest.raises(CLTError, match=match):
        write_manifest(tmp_path / "m.json", {**OLD_MANIFEST, **patch})
    assert not (tmp_path / "m.json").exists()


def test_missing_required_field_is_named():
    data = {k: v for k, v in OLD_MANIFEST.items() if k != "counts"}
    with pytest.raises(CLTError, match=r"^<manifest>: counts: field required$"):
        parse_manifest(data)
    with pytest.raises(CLTError, match=r"<root>: expected an object, got list"):
        parse_manifest([OLD_MANIFEST], "m.json")


counts_st = st.dictionaries(
    st.sampled_from(["math", "summ"]),
    st.dictionaries(st.sampled_from(["en", "es", "ja", "ko"]), st.integers(0, 3), min_size=1),
    min_size=1,
)


@settings(max_examples=60, deadline=None)
@given(counts=counts_st)
def test_count_summary_and_round_trip(counts):
    per_language, english_only = count_summary(counts)
    non_en = [n for per in counts.values() for lang, n in per.items() if lang != "en"]
    assert english_only == (sum(non_en) == 0)
    assert per_language == (non_en[0] if len(set(non_en)) == 1 else (0 if not non_en else None))
    m = Manifest(
        schema=SCHEMA,
        counts=counts,
        languages={"english": "en", "seen": ["es", "ja"]},
        per_language=per_language,
        english_only=english_only,
    )
    assert parse_manifest(json.loads(m.to_json())) == m
    assert set(m.trained_languages()) == {l for per in counts.values() for l, n in per.items() if n and l != "en"}
