"""The paper's validation set: held-out rows, the same at every grid point, never trained on, so the
training rows stay exactly english + k and nested."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clt_plugin.errors import CLTError
from clt_plugin.mixture import build_mixture, load_spec
from clt_plugin.mixture.grid import build_grid

LANGS = ("es", "fr", "ja", "zh")
N = 200  # rows per language in the fixture sources
# Disjoint alignment gives each language about a quarter of the N ids: the counts stay well below that.
SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("src")
    for lang in ("en", *LANGS):
        with open(d / f"math_{lang}.jsonl", "w", encoding="utf-8") as f:
            for i in range(N):
                f.write(json.dumps({"id": f"q{i:03d}", "question": f"{lang} q {i}", "answer": f"{lang} a {i}"}) + "\n")
    return d


def spec(data: Path, k: int, validation: int, english: int = 10, **kw) -> dict:
    task = {
        "source": {"path": "math_{lang}.jsonl", "fields": {"id": "id", "prompt": "question", "response": "answer"}},
        "english": english,
        "per_language": k,
        "languages": list(LANGS),
        "validation": validation,
    }
    return {"seed": kw.pop("seed", 0), "tasks": {"math": task}, **kw}


def rows(path: Path) -> list[tuple[str, str]]:
    return [
        (r["clt"]["lang"], r["clt"]["source_id"])
        for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())
    ]


def build(data: Path, out: Path, k: int, validation: int, **kw) -> tuple[dict, list, list]:
    manifest = build_mixture(load_spec(spec(data, k, validation, **kw), base_dir=data), out, use_cache=False)
    held = rows(out / "validation.jsonl") if validation else []
    return manifest, rows(out / "train.jsonl"), held


@SETTINGS
@given(
    ks=st.lists(st.integers(0, 16), min_size=2, max_size=4, unique=True).map(sorted),
    validation=st.integers(1, 4),
    english=st.integers(0, 20),
    seed=st.integers(0, 2**31),
    alignment=st.sampled_from(["independent", "parallel", "disjoint"]),
)
def test_validation_is_fixed_across_the_grid_and_training_rows_are_exact_and_nested(
    data, ks, validation, english, seed, alignment
):
    built = {}
    with tempfile.TemporaryDirectory() as tmp:
        for k in ks:
            built[k] = build(data, Path(tmp) / f"k{k}", k, validation, english=english, seed=seed, alignment=alignment)
    first = built[ks[0]]
    for k, (manifest, train, held) in built.items():
        assert sorted(held) == sorted(first[2])  # the same rows at every k
        assert manifest["validation"] == first[0]["validation"]
        assert not set(train) & set(held)  # never trained on
        assert manifest["counts"] == {"math": {"en": english, **{lang: k for lang in LANGS}}}
        assert len(train) == manifest["total_rows"] == english + 4 * k
        counts = manifest["validation"]["counts"]["math"]
        assert (
            counts
            == {"en": validation, **{lang: validation for lang in LANGS}}
            == {lang: sum(1 for l, _ in held if l == lang) for lang in ("en", *LANGS)}
        )
    for small, large in zip(ks, ks[1:]):
        assert set(built[small][1]) <= set(built[large][1])  # nested


def test_validation_rows_are_the_first_rows_of_the_sample_without_it(data, tmp_path):
    """Held-out rows come first in each language's key order, the training rows right after them."""
    _, plain, _ = build(data, tmp_path / "plain", 5, 0, english=5)
    manifest, train, held = build(data, tmp_path / "held", 3, 2, english=3)
    assert set(held) | set(train) == set(plain)
    assert manifest["validation"]["total_rows"] == 10 and manifest["total_rows"] == 15


def test_validation_is_recorded_and_the_spec_without_it_hashes_as_before(data, tmp_path):
    manifest, _, held = build(data, tmp_path / "v", 4, 3)
    v = manifest["validation"]
    assert v["file"] == "validation.jsonl" and v["total_rows"] == len(held) == 15
    import hashlib

    assert v["sha256"] == hashlib.sha256((tmp_path / "v" / "validation.jsonl").read_bytes()).hexdigest()
    assert manifest["spec"]["tasks"]["math"]["validation"] == 3
    without = build_mixture(load_spec(spec(data, 4, 0), base_dir=data), tmp_path / "n", use_cache=False)
    assert "validation" not in without and "validation" not in without["spec"]["tasks"]["math"]
    assert not (tmp_path / "n" / "validation.jsonl").exists()


def test_a_cached_mixture_brings_its_validation_rows(data, tmp_path):
    s = load_spec(spec(data, 4, 2), base_dir=data)
    first = build_mixture(s, tmp_path / "a", cache_dir=tmp_path / "cache")
    again = build_mixture(s, tmp_path / "b", cache_dir=tmp_path / "cache")
    assert again == first
    assert (tmp_path / "b" / "validation.jsonl").read_bytes() == (tmp_path / "a" / "validation.jsonl").read_bytes()


def test_shortage_counts_validation_rows(data, tmp_path):
    with pytest.raises(
        CLTError, match=r"math.source: es: asked for 201 rows \(5 validation \+ 196 training\) but .* has only 200"
    ):
        build(data, tmp_path / "x", 196, 5)
    assert not (tmp_path / "x").exists()


def test_grid_points_share_one_validation_set(data, tmp_path):
    s = load_spec(spec(data, 0, 2, on_shortage="cap"), base_dir=data)
    manifests = build_grid(s, tmp_path / "g", "paper-single", use_cache=False)
    held = {(tmp_path / "g" / point / "validation.jsonl").read_bytes() for point in manifests}
    assert len(held) == 1 and len({m["validation"]["sha256"] for m in manifests.values()}) == 1
    # 200 rows per language: 2 held out, at most 198 left to train on, at every k
    assert [m["counts"]["math"]["es"] for m in manifests.values()] == [0, 100, 198, 198, 198, 198, 198, 198]
