"""The mixture engine: exact counts, nesting, determinism, alignment invariants, cache, grids."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clt_plugin.errors import CLTError
from clt_plugin.mixture import build as build_mod
from clt_plugin.mixture import build_mixture, load_spec
from clt_plugin.mixture.grid import build_grid, grid_points

LANGS = ("es", "fr", "ja", "zh")
N = 200  # rows per language in the fixture sources
MANIFEST_KEYS = {
    "schema",
    "tool_version",
    "seed",
    "spec",
    "counts",
    "total_rows",
    "languages",
    "per_language",
    "english_only",
    "sources",
    "language_check",
    "train_file",
    "train_sha256",
    "spec_sha256",
}
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("src")
    for lang in ("en", *LANGS):
        with open(d / f"math_{lang}.jsonl", "w", encoding="utf-8") as f:
            for i in range(N):
                f.write(json.dumps({"id": f"q{i:03d}", "question": f"{lang} q {i}", "answer": f"{lang} a {i}"}) + "\n")
    return d


def spec(data: Path, **kw) -> dict:
    task = {
        "source": {"path": "math_{lang}.jsonl", "fields": {"prompt": "question", "response": "answer"}},
        "english": kw.pop("english", 20),
        "per_language": kw.pop("per_language", 10),
        "languages": kw.pop("languages", list(LANGS)),
    }
    return {"seed": kw.pop("seed", 0), "tasks": {"math": task}, **kw}


def build(data: Path, out: Path, **kw) -> tuple[dict, list[dict]]:
    manifest = build_mixture(load_spec(spec(data, **kw), base_dir=data), out, use_cache=False)
    rows = [json.loads(l) for l in (out / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    return manifest, rows


def ids_by_lang(rows: list[dict]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in rows:
        out.setdefault(r["clt"]["lang"], set()).add(r["clt"]["source_id"])
    return out


counts_st = st.fixed_dictionaries({l: st.integers(0, N) for l in LANGS})
alignment_st = st.sampled_from(["independent", "parallel", "disjoint"])


@SETTINGS
@given(seed=st.integers(0, 2**31), english=st.integers(0, N), per=counts_st)
def test_counts_are_exact(data, seed, english, per):
    with tempfile.TemporaryDirectory() as tmp:
        manifest, rows = build(data, Path(tmp) / "o", seed=seed, english=english, per_language=per)
    assert manifest["counts"] == {"math": {"en": english, **per}}
    assert Counter(r["clt"]["lang"] for r in rows) == Counter({"en": english, **per}) - Counter()
    assert manifest["total_rows"] == len(rows) == english + sum(per.values())
    assert all(r["messages"][0]["content"].startswith(r["clt"]["lang"]) for r in rows)


@SETTINGS
@given(seed=st.integers(0, 2**31), k=st.tuples(st.integers(0, 12), st.integers(0, 12)), alignment=alignment_st)
def test_samples_are_nested_and_english_is_fixed_across_a_grid(data, seed, k, alignment):
    small, large = sorted(k)
    with tempfile.TemporaryDirectory() as tmp:
        _, a = build(data, Path(tmp) / "a", seed=seed, per_language=small, alignment=alignment)
        _, b = build(data, Path(tmp) / "b", seed=seed, per_language=large, alignment=alignment)
    ia, ib = ids_by_lang(a), ids_by_lang(b)
    assert ia["en"] == ib["en"]
    for lang in LANGS:
        assert ia.get(lang, set()) <= ib.get(lang, set())
    rows_b = {json.dumps(r, sort_keys=True) for r in b}
    assert all(json.dumps(r, sort_keys=True) in rows_b for r in a)


@SETTINGS
@given(seed=st.integers(0, 2**31), k=st.integers(0, 12))
def test_parallel_takes_the_same_ids_in_every_language(data, seed, k):
    with tempfile.TemporaryDirectory() as tmp:
        _, rows = build(data, Path(tmp) / "o", seed=seed, per_language=k, alignment="parallel")
    ids = ids_by_lang(rows)
    assert len({frozenset(ids.get(l, set())) for l in LANGS}) == 1
    assert all(len(ids.get(l, set())) == k for l in LANGS)


@SETTINGS
@given(seed=st.integers(0, 2**31), english=st.integers(0, 10), k=st.integers(0, 8))
def test_disjoint_never_uses_an_id_in_two_languages(data, seed, english, k):
    with tempfile.TemporaryDirectory() as tmp:
        m, rows = build(data, Path(tmp) / "o", seed=seed, english=english, per_language=k, alignment="disjoint")
    seen = Counter(r["clt"]["source_id"] for r in rows)
    assert max(seen.values(), default=1) == 1
    assert m["counts"]["math"] == {"en": english, **{l: k for l in LANGS}}


@SETTINGS
@given(seed=st.integers(0, 2**31), alignment=alignment_st)
def test_same_inputs_give_byte_identical_outputs(data, seed, alignment):
    with tempfile.TemporaryDirectory() as tmp:
        build(data, Path(tmp) / "a", seed=seed, alignment=alignment)
        build(data, Path(tmp) / "b", seed=seed, alignment=alignment)
        for name in ("train.jsonl", "manifest.json"):
            assert (Path(tmp) / "a" / name).read_bytes() == (Path(tmp) / "b" / name).read_bytes()


def test_output_order_is_a_seeded_shuffle(data, tmp_path):
    _, a = build(data, tmp_path / "a", seed=1)
    _, b = build(data, tmp_path / "b", seed=2)
    langs = [r["clt"]["lang"] for r in a]
    assert langs != sorted(langs) and langs[:20] != ["en"] * 20
    assert [r["clt"]["source_id"] for r in a] != [r["clt"]["source_id"] for r in b]


def test_manifest_has_exactly_the_contract_keys(data, tmp_path):
    m, rows = build(data, tmp_path / "o", per_language={"es": 3, "ja": 5}, languages=["es", "fr", "ja"])
    assert set(m) == MANIFEST_KEYS
    assert m["schema"] == "clt-manifest/1" and m["train_file"] == "train.jsonl"
    assert m["counts"] == {"math": {"en": 20, "es": 3, "fr": 0, "ja": 5}}
    assert m["languages"] == {"english": "en", "seen": ["es", "fr", "ja"]}
    assert m["per_language"] is None and m["english_only"] is False
    assert m["language_check"] == {"mode": "off", "flagged": {}, "dropped": {}}
    assert set(m["sources"]["math"]) == {"math_en.jsonl", "math_es.jsonl", "math_fr.jsonl", "math_ja.jsonl"}
    on_disk = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert on_disk == m
    import hashlib

    assert m["train_sha256"] == hashlib.sha256((tmp_path / "o" / "train.jsonl").read_bytes()).hexdigest()


def test_english_only_baseline(data, tmp_path):
    m, _ = build(data, tmp_path / "o", per_language=0)
    assert m["english_only"] is True and m["per_language"] == 0 and m["languages"]["seen"] == list(LANGS)


def test_replace_mode_keeps_the_total(data, tmp_path):
    m, rows = build(data, tmp_path / "o", mode="replace", english=50, per_language=5)
    assert m["counts"]["math"]["en"] == 30 and len(rows) == 50


def test_shortage_errors_with_both_numbers_or_caps(data, tmp_path):
    with pytest.raises(
        CLTError, match=r"clt_mixture.tasks.math.source: es: asked for 201 rows but math_es.jsonl has only 200"
    ):
        build(data, tmp_path / "o", per_language=N + 1)
    assert not (tmp_path / "o").exists()
    m, _ = build(data, tmp_path / "o", per_language=N + 1, on_shortage="cap")
    assert m["counts"]["math"]["es"] == N


def test_language_check_drop_refills_from_the_same_order(tmp_path):
    for lang, texts in (
        ("en", ["The cat sleeps on the warm mat all afternoon."] * 12),
        (
            "es",
            ["El gato duerme en la alfombra caliente toda la tarde."] * 8
            + ["The cat sleeps on the warm mat all afternoon."] * 4,
        ),
    ):
        with open(tmp_path / f"c_{lang}.jsonl", "w") as f:
            for i, t in enumerate(texts):
                f.write(json.dumps({"id": f"r{i}", "prompt": "p", "response": t}) + "\n")
    base = {
        "seed": 3,
        "language_check": "drop",
        "tasks": {"t": {"source": {"path": "c_{lang}.jsonl"}, "english": 2, "per_language": 8, "languages": ["es"]}},
    }
    m = build_mixture(load_spec(base, base_dir=tmp_path), tmp_path / "o", use_cache=False)
    rows = [json.loads(l) for l in (tmp_path / "o" / "train.jsonl").read_text().splitlines()]
    es = [r for r in rows if r["clt"]["lang"] == "es"]
    assert len(es) == 8 and all(r["messages"][1]["content"].startswith("El gato") for r in es)
    assert m["language_check"]["dropped"]["t"]["es"] == m["language_check"]["flagged"]["t"]["es"] >= 1
    base["tasks"]["t"]["per_language"] = 9
    with pytest.raises(CLTError, match=r"es: asked for 9 rows but c_es.jsonl has only 8 after dropping 4 rows"):
        build_mixture(load_spec(base, base_dir=tmp_path), tmp_path / "o2", use_cache=False)
    base["language_check"] = "report"
    m = build_mixture(load_spec(base, base_dir=tmp_path), tmp_path / "o3", use_cache=False)
    assert m["language_check"]["flagged"]["t"]["es"] >= 1 and m["language_check"]["dropped"]["t"]["es"] == 0


def test_cache_skips_work_and_keys_on_content_not_paths(data, tmp_path, monkeypatch):
    src = tmp_path / "src"
    src.mkdir()
    for f in data.iterdir():
        (src / f.name).write_bytes(f.read_bytes())
    s = load_spec(spec(src), base_dir=src)
    first = build_mixture(s, tmp_path / "a", cache_dir=tmp_path / "cache")

    def boom(self):
        raise AssertionError("rebuilt although cached")

    monkeypatch.setattr(build_mod._TaskBuild, "run", boom)
    again = build_mixture(s, tmp_path / "b", cache_dir=tmp_path / "cache")
    assert again == first
    assert (tmp_path / "a" / "train.jsonl").read_bytes() == (tmp_path / "b" / "train.jsonl").read_bytes()
    with open(src / "math_es.jsonl", "a") as f:  # same path, new content: must rebuild
        f.write(json.dumps({"id": "new", "question": "es q", "answer": "es a"}) + "\n")
    with pytest.raises(AssertionError, match="rebuilt"):
        build_mixture(s, tmp_path / "c", cache_dir=tmp_path / "cache")


def test_cache_dir_defaults_to_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CLT_CACHE_DIR", str(tmp_path / "envcache"))
    assert build_mod.default_cache_dir() == tmp_path / "envcache"
    monkeypatch.delenv("CLT_CACHE_DIR")
    assert build_mod.default_cache_dir() == Path.home() / ".cache" / "clt"


def test_multi_task_and_inline_spec_errors_use_the_given_root(data, tmp_path):
    d = spec(data)
    d["tasks"]["math2"] = dict(d["tasks"]["math"], per_language={"fr": 2})
    d["tasks"]["math2"]["languages"] = ["fr"]
    m = build_mixture(load_spec(d, base_dir=data), tmp_path / "o", use_cache=False)
    assert m["counts"]["math2"] == {"en": 20, "fr": 2} and m["languages"]["seen"] == list(LANGS)
    d["tasks"]["math"]["languages"] = ["es", "fr", "xx"]
    with pytest.raises(
        CLTError, match=r"^cfg.yml: clt_mixture.tasks.math.languages\[2\]: unknown language 'xx' \(known: en, es"
    ):
        load_spec(d, source="cfg.yml", root="clt_mixture")


def test_grid_writes_one_nested_directory_per_point(data, tmp_path):
    s = load_spec(spec(data, on_shortage="cap"), base_dir=data)
    manifests = build_grid(s, tmp_path / "g", "paper-single", use_cache=False)
    assert list(manifests) == [p for p, _ in grid_points("paper-single")]
    assert [m["counts"]["math"]["es"] for m in manifests.values()] == [0, 100, 200, 200, 200, 200, 200, 200]
    assert sorted(p.name for p in (tmp_path / "g").iterdir()) == sorted([*manifests, "grid.json", ".clt-output.json"])
    script = build_grid(s, tmp_path / "s", "paper-script", use_cache=False)
    assert script["latin-k0100"]["languages"]["seen"] == ["es", "fr"]
    assert script["non-latin-k0000"]["languages"]["seen"] == ["ja", "zh"]
    assert [c["per_language"] for _, c in grid_points("paper-multi")] == [
        0,
        100,
        500,
        1000,
        1500,
        2000,
        2500,
        3000,
        3500,
        4000,
        4500,
        5000,
        5500,
        6000,
        6500,
        7000,
    ]


def test_parquet_and_jsonl_copies_give_the_same_mixture_with_bounded_memory_paths(data, tmp_path, monkeypatch):
    """Small chunks and row groups force the streaming top-k and row-group fetch paths."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    import clt_plugin.mixture.select as select_mod
    import clt_plugin.sources.tables as tables_mod

    monkeypatch.setattr(tables_mod, "CHUNK_ROWS", 7)
    monkeypatch.setattr(tables_mod, "FETCH_ROWS", 5)
    monkeypatch.setattr(select_mod, "PRUNE_SLACK", 3)
    for lang in ("en", *LANGS):
        rows = [json.loads(l) for l in (data / f"math_{lang}.jsonl").read_text().splitlines()]
        pq.write_table(pa.Table.from_pylist(rows), tmp_path / f"math_{lang}.parquet", row_group_size=16)
    d = spec(data, seed=9)
    a = build_mixture(load_spec(d, base_dir=data), tmp_path / "a", use_cache=False)
    d["tasks"]["math"]["source"]["path"] = "math_{lang}.parquet"
    b = build_mixture(load_spec(d, base_dir=tmp_path), tmp_path / "b", use_cache=False)
    assert (tmp_path / "a" / "train.jsonl").read_bytes() == (tmp_path / "b" / "train.jsonl").read_bytes()
    assert a["counts"] == b["counts"] and a["sources"] != b["sources"]


@pytest.mark.parametrize("alignment,check", [("independent", "off"), ("parallel", "off"), ("disjoint", "drop")])
def test_grid_scans_each_source_once_and_matches_points_built_alone(data, tmp_path, monkeypatch, alignment, check):
    from clt_plugin.sources.source import Source

    s = load_spec(spec(data, on_shortage="cap", alignment=alignment, language_check=check, english=10), base_dir=data)
    scans = []
    real_scan = Source.scan

    def counting_scan(self):
        scans.append(self.task)
        return real_scan(self)

    monkeypatch.setattr(Source, "scan", counting_scan)
    manifests = build_grid(s, tmp_path / "g", "paper-single", use_cache=False)
    assert len(scans) == 1
    for point, changes in grid_points("paper-single")[:4]:
        alone = build_mixture(s.with_changes(**changes), tmp_path / point, use_cache=False)
        assert alone == manifests[point]
        assert (tmp_path / point / "train.jsonl").read_bytes() == (tmp_path / "g" / point / "train.jsonl").read_bytes()


# Every spec field that changes the rows a mixture holds, and the sources' content.
SPEC_FIELDS = st.fixed_dictionaries(
    {
        "seed": st.sampled_from([0, 1]),
        "alignment": st.sampled_from(["independent", "parallel"]),
        "mode": st.just("augment"),
        "on_shortage": st.sampled_from(["error", "cap"]),
        "language_check": st.sampled_from(["off", "drop"]),
        "english": st.sampled_from([1, 2]),
        "per_language": st.sampled_from([1, 3]),
        "languages": st.sampled_from([["es"], ["es", "fr"]]),
        "path": st.sampled_from(["a_{lang}.jsonl", "b_{lang}.jsonl"]),
        "fingerprint": st.sampled_from(["sha-1", "sha-2"]),
    }
)


def _mixture_key(f: dict) -> str:
    from clt_plugin.mixture.build import _cache_key

    spec = load_spec(
        {
            "seed": f["seed"],
            "alignment": f["alignment"],
            "mode": f["mode"],
            "on_shortage": f["on_shortage"],
            "language_check": f["language_check"],
            "tasks": {
                "math": {
                    "source": {
                        "format": "jsonl",
                        "path": f["path"],
                        "fields": {"id": "id", "prompt": "q", "response": "a"},
                    },
                    "english": f["english"],
                    "per_language": f["per_language"],
                    "languages": f["languages"],
                }
            },
        }
    )
    return _cache_key(spec, {"math": {"a_es.jsonl": f["fingerprint"]}})


@settings(max_examples=60, deadline=None)
@given(a=SPEC_FIELDS, b=SPEC_FIELDS)
def test_the_mixture_cache_key_covers_every_input_that_changes_the_rows(a, b):
    assert (_mixture_key(a) == _mixture_key(b)) == (a == b)
