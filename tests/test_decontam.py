"""Decontamination (spec `decontaminate:`): planted overlaps leave the pool, near misses stay, the
grid stays exact and nested, the manifest's numbers are the removed rows, unreadable evaluation
sets are recorded as unchecked. Evaluation items: real MGSM and M-IFEval beside the checkout,
XL-Sum and Aya Dolly files in their own schemas."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clt_plugin import languages
from clt_plugin.cli import main
from clt_plugin.errors import CLTError
from clt_plugin.mixture import build as build_mod
from clt_plugin.mixture import build_mixture, load_spec
from clt_plugin.mixture import ngrams as ng
from clt_plugin.mixture.build import ScanMemo
from clt_plugin.mixture.decontam_report import (
    OFF_LINE,
    format_pairs,
    manifest_lines,
    plan_lines,
    plan_warnings,
    read_pairs,
)
from clt_plugin.mixture.evalsets import READERS, checked_families, set_of
from clt_plugin.mixture.grid import build_grid, grid_points

LANGS = ("en", "es", "fr", "ja", "zh")
POOL = 30  # rows per language in the planted source

XLSUM = {
    "en": (
        "The city council approved a plan to extend the bus network to northern districts next year",
        "Councillors voted on Tuesday to extend bus routes. The northern districts have had no direct service "
        "since the old depot closed, and residents have campaigned for years for a faster link to the centre.",
    ),
    "es": (
        "El ayuntamiento aprobó un plan para ampliar la red de autobuses a los barrios del norte",
        "Los concejales votaron el martes a favor de ampliar las líneas de autobús hasta los barrios del norte, "
        "que no tienen servicio directo desde que cerró la antigua cochera.",
    ),
    "fr": (
        "Le conseil municipal a approuvé un projet d'extension du réseau de bus vers les quartiers nord",
        "Les conseillers ont voté mardi l'extension des lignes de bus vers les quartiers nord, privés de "
        "desserte directe depuis la fermeture de l'ancien dépôt.",
    ),
    "ja": (
        "市議会は来年、北部地区へのバス路線の延伸計画を承認した。",
        "市議会は火曜日、北部地区へのバス路線を延伸する計画を賛成多数で可決した。旧車庫の閉鎖以来、住民は中心部への直通便を求めてきた。",
    ),
    "zh": (
        "市议会批准了明年将公交线路延伸至北部城区的计划。",
        "市议会周二投票通过了将公交线路延伸至北部城区的计划。自从旧车站关闭以来，北部居民一直要求开通直达市中心的线路。",
    ),
}
DOLLY = {  # (inputs, targets): the same Dolly item in each language, as the Aya suite has it
    "en": (
        "Write a short poem about the sea and the wind, in four lines, with a rhyme at the end of each line.",
        "The wind comes over the grey sea, it sings a song for you and me.",
    ),
    "es": ("Escribe un poema corto sobre el mar y el viento, en cuatro versos.", "El viento llega sobre el mar."),
    "fr": ("Quelle est la capitale de la France ?", "Paris est la capitale de la France."),
    "ja": ("海と風についての短い詩を四行で書いてください。", "風が灰色の海を越えてやって来る。"),
    "zh": ("写一首关于大海和风的四行短诗。", "风从灰色的大海上吹来。"),
}


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


@pytest.fixture(scope="module")
def evaldir(tmp_path_factory, mgsm_dir, mifeval_dir) -> Path:
    """A data_dir laid out as the clt tasks read it: real MGSM and M-IFEval, XL-Sum and Dolly fixtures."""
    d = tmp_path_factory.mktemp("evaldata")
    for lang in LANGS:
        (d / "mgsm").mkdir(exist_ok=True)
        shutil.copy(mgsm_dir / f"mgsm_{lang}.tsv", d / "mgsm")
        if lang != "zh":
            (d / "m-ifeval").mkdir(exist_ok=True)
            shutil.copy(mifeval_dir / f"{lang}_input_data.jsonl", d / "m-ifeval")
        summary, text = XLSUM[lang]
        _write_jsonl(
            d / "xlsum" / f"{languages.get(lang).xlsum}_test.jsonl",
            [
                {
                    "id": f"{lang}-1",
                    "url": f"https://www.bbc.com/{lang}/1",
                    "title": "Bus",
                    "summary": summary,
                    "text": text,
                }
            ],
        )
    rows = [
        {
            "id": i,
            "inputs": DOLLY[lang][0],
            "targets": DOLLY[lang][1],
            "language": languages.get(lang).aya,
            "script": languages.get(lang).script,
            "source_id": 4321,
        }
        for i, lang in enumerate(LANGS)
    ]
    _write_jsonl(d / "aya_evaluation_suite" / "dolly_machine_translated.jsonl", rows)
    edited = [dict(r, inputs=r["inputs"] + " ", id=r["id"] + 100) for r in rows if r["language"] in ("spa", "fra")]
    _write_jsonl(d / "aya_evaluation_suite" / "dolly_human_edited.jsonl", edited)
    return d


def _tsv_question(mgsm_dir: Path, lang: str, i: int) -> str:
    return (mgsm_dir / f"mgsm_{lang}.tsv").read_text(encoding="utf-8").splitlines()[i].split("\t")[0]


def _ifeval_prompt(mifeval_dir: Path, lang: str, i: int) -> str:
    return json.loads((mifeval_dir / f"{lang}_input_data.jsonl").read_text(encoding="utf-8").splitlines()[i])["prompt"]


FILLER = {
    "en": "How do plants survive a cold winter number {i}?",
    "es": "¿Cómo sobreviven las plantas a un invierno frío número {i}?",
    "fr": "Comment les plantes survivent-elles à un hiver froid numéro {i} ?",
    "ja": "植物は寒い冬をどうやって越すのですか（その{i}）？",
    "zh": "植物如何度过寒冷的冬天（第{i}个问题）？",
}


@pytest.fixture(scope="module")
def planted(tmp_path_factory, mgsm_dir, mifeval_dir) -> tuple[Path, dict[str, set[str]]]:
    """A translated (Bactrian-X schema) source with overlaps planted; returns it and the ids each
    language must lose."""
    d = tmp_path_factory.mktemp("planted")
    rows = {lang: {f"r{i:02d}": FILLER[lang].format(i=i) for i in range(POOL)} for lang in LANGS}
    context = {lang: {} for lang in LANGS}
    # an exact copy of an MGSM question
    rows["en"]["r01"] = _tsv_question(mgsm_dir, "en", 0)
    # an IFEval prompt with its case and punctuation changed
    rows["en"]["r02"] = _ifeval_prompt(mifeval_dir, "en", 0).upper().replace(",", " ;").replace(".", "!")
    # a Dolly prompt in English; its translations (same id) carry the lineage
    rows["en"]["r03"] = DOLLY["en"][0]
    rows["es"]["r03"] = "Compón unos versos sobre el océano."
    rows["fr"]["r03"] = "Compose quelques vers sur l'océan."
    rows["ja"]["r03"] = "海の詩を作って。"
    rows["zh"]["r03"] = "作一首海的诗。"
    # near miss: 8 of the summary's 16 words (exactly half: kept); 9 of them (more than half: removed)
    words = XLSUM["en"][0].split()
    assert len(words) == 16
    rows["en"]["r04"] = "Headline: " + " ".join(words[:8]) + " and much more about trains."
    rows["en"]["r05"] = "Headline: " + " ".join(words[:9]) + " and much more about trains."
    # Japanese, compared by characters, with its punctuation changed
    rows["ja"]["r06"] = _tsv_question(mgsm_dir, "ja", 1).replace("、", ",").replace("。", ".")
    rows["es"]["r07"] = _ifeval_prompt(mifeval_dir, "es", 2)
    rows["zh"]["r08"] = "总结这篇文章。"
    context["zh"]["r08"] = XLSUM["zh"][1]
    # a Dolly prompt shorter than 8 words: an exact copy goes, the same words inside a longer one stay
    rows["fr"]["r09"] = "quelle est la CAPITALE de la France?"
    rows["fr"]["r10"] = "Dis-moi : quelle est la capitale de la France ? Réponds en une phrase, avec un exemple."
    for lang in LANGS:
        _write_jsonl(
            d / f"b_{lang}.jsonl",
            [
                {"id": sid, "instruction": text, "input": context[lang].get(sid, ""), "output": f"{lang} reply {sid}"}
                for sid, text in rows[lang].items()
            ],
        )
    english = {"r01", "r02", "r03", "r05"}  # every translation of these goes too (lineage)
    gone = {"en": english, "es": english | {"r07"}, "fr": english | {"r09"}, "ja": english | {"r06"}}
    return d, {**gone, "zh": english | {"r08"}}


def _spec(evaldir: Path, english: int, k: int, on_shortage: str = "error", **decon) -> dict:
    return {
        "seed": 7,
        "on_shortage": on_shortage,
        "decontaminate": {"data_dir": str(evaldir), **decon},
        "tasks": {
            "instruction": {
                "source": {"dataset": "bactrian", "path": "b_{lang}.jsonl"},
                "english": english,
                "per_language": k,
                "languages": ["es", "fr", "ja", "zh"],
            }
        },
    }


def _rows(out: Path) -> list[dict]:
    return [json.loads(l) for l in (out / "train.jsonl").read_text(encoding="utf-8").splitlines()]


def _ids(rows: list[dict]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in rows:
        out.setdefault(r["clt"]["lang"], set()).add(r["clt"]["source_id"])
    return out


# ----------------------------------------------------------------------------- the rule itself


def test_normalization_folds_case_width_and_punctuation():
    assert ng.units("Hello, WORLD!  ｆｕｌｌ-width… $5", "en") == ["hello", "world", "full", "width", "5"]
    assert ng.units("こんにちは、世界！ ＡＢ", "ja") == list("こんにちは世界ab")
    assert ng.unit_kind("zh") == "characters" and ng.unit_kind("ko") == "words" and ng.gram_size("ja") == 13


def test_coverage_must_be_more_than_half_of_the_item():
    item = ng.Item("xlsum", "x1", "summary", " ".join(f"w{i}" for i in range(16)))
    index = ng.build_index("en", [item])
    half = " ".join(f"w{i}" for i in range(8))  # one 8-gram: 8 of 16 units
    more = " ".join(f"w{i}" for i in range(9))  # two 8-grams: 9 of 16
    assert ng.match(index, [half]) == []
    assert ng.match(index, ["intro", more]) == [ng.Hit(item, 9 / 16, 1)]
    split = " ".join(f"w{i}" for i in range(0, 8)) + " gap " + " ".join(f"w{i}" for i in range(8, 16))
    assert ng.match(index, [split]) == [ng.Hit(item, 1.0, 0)]


def test_short_items_match_only_a_whole_equal_message():
    item = ng.Item("dolly", "d1", "inputs", "Who wrote Hamlet?")
    index = ng.build_index("en", [item])
    assert ng.match(index, ["who WROTE hamlet"]) == [ng.Hit(item, 1.0, 0)]
    assert ng.match(index, ["Tell me who wrote Hamlet and when."]) == []


def test_a_hash_collision_never_removes_a_row(monkeypatch):
    item = ng.Item("mgsm", "m1", "question", "one two three four five six seven eight nine ten")
    # every gram hashes alike: all of them collide, and only the confirmed ones count
    monkeypatch.setattr(ng, "_unit_hash", lambda unit: 0)
    collided = ng.build_index("en", [item])
    assert ng.match(collided, ["alpha beta gamma delta epsilon zeta eta theta iota kappa"]) == []
    assert ng.match(collided, [item.text]) == [ng.Hit(item, 1.0, 0)]


def test_every_checked_family_reads_its_evaluation_set():
    assert {set_of(f) for f in checked_families(synthetic=True)} == set(READERS)
    assert {set_of(f) for f in checked_families()} == {"mgsm", "xlsum", "dolly", "ifeval"}  # the default
    assert set_of("mgsm_chat") == "mgsm" and set_of("synth_lang") == "synth_lang"


def test_a_synthetic_test_item_in_training_rows_is_removed_when_the_family_is_named(tmp_path):
    """The tiny-cpu configs and the demo are evaluated on clt_synth_*: naming those families checks
    the rows against their generated test items, offline, with the task's own synth_n/synth_seed."""
    from clt_plugin.tasks.synth import test_docs

    item = test_docs("synth_math", "es", 5, 3)[2]
    rows = [{"id": f"r{i}", "question": f"Pregunta de entrenamiento número {i}", "answer": str(i)} for i in range(6)]
    _write_jsonl(tmp_path / "math_en.jsonl", rows)
    rows[4] = {"id": "r4", "question": item["prompt"].upper().replace("?", " ?"), "answer": item["answer"]}
    _write_jsonl(tmp_path / "math_es.jsonl", rows)
    spec = {
        "seed": 0,
        "decontaminate": {"families": ["synth_math"], "metadata": {"synth_n": 5, "synth_seed": 3}},
        "tasks": {
            "math": {
                "source": {
                    "format": "jsonl",
                    "path": "math_{lang}.jsonl",
                    "fields": {"id": "id", "prompt": "question", "response": "answer"},
                },
                "english": 6,
                "per_language": 5,
                "languages": ["es"],
            }
        },
    }
    m = build_mixture(load_spec(spec, base_dir=tmp_path), tmp_path / "o", use_cache=False)
    assert _ids(_rows(tmp_path / "o")) == {"en": {f"r{i}" for i in range(6)}, "es": {"r0", "r1", "r2", "r3", "r5"}}
    d = m["decontamination"]
    assert d["removed_rows"] == {"math": {"en": 0, "es": 1}}  # the item is Spanish: only es is checked against it
    assert {lang: s["status"] for lang, s in d["evaluation_sets"]["synth_math"].items()} == {
        "en": "checked",
        "es": "checked",
    }
    assert d["evaluation_sets"]["synth_math"]["es"]["items"] == 5
    assert plan_warnings(load_spec(spec, base_dir=tmp_path)) == []  # generated here: nothing to read offline


# ----------------------------------------------------------------------------- in a mixture


def test_planted_overlaps_are_removed_and_near_misses_kept(evaldir, planted, tmp_path):
    src, gone = planted
    # asking for the whole pool walks every row: each one is checked, the clean ones are taken
    m = build_mixture(load_spec(_spec(evaldir, POOL, POOL, "cap"), base_dir=src), tmp_path / "o", use_cache=False)
    got = _ids(_rows(tmp_path / "o"))
    every = {f"r{i:02d}" for i in range(POOL)}
    assert got == {lang: every - gone[lang] for lang in LANGS}  # every other row, the near misses included
    d = m["decontamination"]
    assert m["counts"]["instruction"] == {lang: POOL - len(gone[lang]) for lang in LANGS}
    assert d["removed_rows"]["instruction"] == {lang: len(gone[lang]) for lang in LANGS}
    assert d["examined"] == {"instruction": {lang: POOL for lang in LANGS}}
    assert d["removed"]["instruction"]["en"] == {
        "dolly": {"ngram": 1, "lineage": None},
        "ifeval": {"ngram": 1, "lineage": None},
        "mgsm": {"ngram": 1, "lineage": None},
        "xlsum": {"ngram": 1, "lineage": None},
    }
    assert d["removed"]["instruction"]["fr"] == {
        "dolly": {"ngram": 1, "lineage": 1},
        "ifeval": {"ngram": 0, "lineage": 1},
        "mgsm": {"ngram": 0, "lineage": 1},
        "xlsum": {"ngram": 0, "lineage": 1},
    }
    # no IFEval in Chinese: neither claimed clean nor counted
    assert d["evaluation_sets"]["ifeval"]["zh"]["status"] == "none"
    assert d["removed"]["instruction"]["zh"]["ifeval"] == {"ngram": None, "lineage": 1}
    assert d["evaluation_sets"]["mgsm"]["ja"]["items"] == 250 and d["lineage"] == {"instruction": True}

    pairs = read_pairs(tmp_path / "o", m)
    removed_by_pairs: dict[tuple, set] = {}
    for p in pairs:
        removed_by_pairs.setdefault((p["lang"], p["family"], p["rule"]), set()).add(p["source_id"])
    counts = {
        (lang, name, rule): n
        for lang, per in d["removed"]["instruction"].items()
        for name, rules in per.items()
        for rule, n in rules.items()
        if n
    }
    assert counts == {key: len(ids) for key, ids in removed_by_pairs.items()}
    assert {(p["lang"], p["source_id"]) for p in pairs} == {(l, i) for l in LANGS for i in gone[l]}
    assert removed_by_pairs[("en", "dolly", "ngram")] == {"r03"} and removed_by_pairs[("ja", "mgsm", "ngram")] == {
        "r06"
    }
    lineage = [p for p in pairs if p["rule"] == "lineage" and p["lang"] == "ja" and p["family"] == "dolly"]
    assert [(p["source_id"], p["eval_lang"], p["row_text"]) for p in lineage] == [("r03", "en", DOLLY["en"][0])]
    text = "\n".join(manifest_lines(m))
    assert "removed 24 of 150 rows examined" in text and "no evaluation set exists for: ifeval (zh)" in text
    assert "[instruction/fr row r09] matches dolly (fr) item machine_translated:2 inputs: 100%" in format_pairs(pairs)

    with pytest.raises(
        CLTError,
        match=r"en: asked for 27 rows but b_en.jsonl has only 26 after removing 4 rows that overlap evaluation items",
    ):
        build_mixture(load_spec(_spec(evaldir, POOL - 3, 0), base_dir=src), tmp_path / "short", use_cache=False)
    assert not (tmp_path / "short").exists()


def test_removals_beyond_the_spare_candidates_rescan_to_the_same_mixture(evaldir, planted, tmp_path, monkeypatch):
    src, _ = planted
    spec = load_spec(_spec(evaldir, POOL - 4, POOL - 5), base_dir=src)
    spared = build_mixture(spec, tmp_path / "spared", use_cache=False)
    # no spare candidate beyond k: the first removal sends the build back to the whole order
    monkeypatch.setattr(build_mod._TaskBuild, "_keep", lambda self, lang: self.want[lang])
    runs, run = [], build_mod._TaskBuild._run
    monkeypatch.setattr(build_mod._TaskBuild, "_run", lambda self: runs.append(self.limitless) or run(self))
    rescanned = build_mixture(spec, tmp_path / "rescanned", use_cache=False)
    assert runs == [False, True] and rescanned == spared
    assert (tmp_path / "rescanned" / "train.jsonl").read_bytes() == (tmp_path / "spared" / "train.jsonl").read_bytes()


def test_lineage_off_keeps_the_translations(evaldir, planted, tmp_path):
    src, _ = planted
    spec = _spec(evaldir, 0, POOL, "cap", lineage=False)
    m = build_mixture(load_spec(spec, base_dir=src), tmp_path / "o", use_cache=False)
    got = _ids(_rows(tmp_path / "o"))
    assert got["es"] == {f"r{i:02d}" for i in range(POOL)} - {"r07"} and "r03" in got["zh"] and "r08" not in got["zh"]
    assert m["decontamination"]["lineage"] == {"instruction": False}
    assert m["decontamination"]["removed"]["instruction"]["es"]["dolly"] == {"ngram": 0, "lineage": None}


def test_lineage_without_english_in_the_mixture(evaldir, planted, tmp_path):
    src, gone = planted  # no English row is drawn: the English table is opened for the originals alone
    m = build_mixture(load_spec(_spec(evaldir, 0, POOL, "cap"), base_dir=src), tmp_path / "o", use_cache=False)
    got = _ids(_rows(tmp_path / "o"))
    assert "en" not in got and got["es"] == {f"r{i:02d}" for i in range(POOL)} - gone["es"]
    assert m["decontamination"]["removed_rows"]["instruction"] == {"en": 0, **{l: 5 for l in LANGS[1:]}}


# ----------------------------------------------------------------------------- exact and nested


@pytest.fixture(scope="module")
def pools(tmp_path_factory, mgsm_dir) -> tuple[Path, Path, dict[str, set[str]]]:
    """One source with MGSM copies planted (lineage on), and the same source with them deleted."""
    full, clean = tmp_path_factory.mktemp("full"), tmp_path_factory.mktemp("clean")
    dirty_en = {"q05": 0, "q17": 3, "q30": 7}  # id -> MGSM question
    gone = {"en": set(dirty_en), "es": set(dirty_en) | {"q22"}, "fr": set(dirty_en)}
    for lang in ("en", "es", "fr"):
        rows = []
        for i in range(40):
            sid = f"q{i:02d}"
            prompt = FILLER[lang].format(i=i)
            if lang == "en" and sid in dirty_en:
                prompt = _tsv_question(mgsm_dir, "en", dirty_en[sid])
            if lang == "es" and sid == "q22":
                prompt = _tsv_question(mgsm_dir, "es", 11)
            rows.append({"id": sid, "prompt": prompt, "response": f"{lang} {sid}"})
        _write_jsonl(full / f"p_{lang}.jsonl", rows)
        _write_jsonl(clean / f"p_{lang}.jsonl", [r for r in rows if r["id"] not in gone[lang]])
    return full, clean, gone


MEMO = ScanMemo()  # the evaluation sets are read once for every example below


def _pool_spec(evaldir: Path | None, seed: int, english: int, per: dict, alignment: str) -> dict:
    spec = {
        "seed": seed,
        "alignment": alignment,
        "tasks": {"t": {"source": {"path": "p_{lang}.jsonl"}, "english": english, "per_language": per}},
    }
    if evaldir is not None:
        spec["decontaminate"] = {"data_dir": str(evaldir), "families": ["mgsm"], "lineage": True}
    return spec


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 2**31),
    english=st.integers(0, 37),
    ks=st.lists(st.tuples(st.integers(0, 33), st.integers(0, 33)), min_size=2, max_size=3),
    alignment=st.sampled_from(["independent", "parallel", "disjoint"]),
)
def test_removed_rows_never_return_and_the_grid_stays_exact_and_nested(evaldir, pools, seed, english, ks, alignment):
    """A grid: English fixed, k varying per language."""
    full, clean, gone = pools
    if alignment == "disjoint":  # English takes its ids first, es and fr split the rest: small asks fit
        english, ks = min(english, 6), [(min(es, 6), min(fr, 6)) for es, fr in ks]
    ks = [(english, es, fr) for es, fr in ks]
    samples = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (en, es, fr) in enumerate(ks):
            spec = load_spec(_pool_spec(evaldir, seed, en, {"es": es, "fr": fr}, alignment), base_dir=full)
            m = build_mixture(spec, Path(tmp) / f"d{i}", use_cache=False, memo=MEMO)
            got = _ids(_rows(Path(tmp) / f"d{i}"))
            assert {l: len(got.get(l, ())) for l in ("en", "es", "fr")} == {"en": en, "es": es, "fr": fr}
            assert m["counts"]["t"] == {"en": en, "es": es, "fr": fr}
            for lang in ("en", "es", "fr"):
                assert not got.get(lang, set()) & gone[lang]
            samples.append(got)
            if alignment == "independent":  # the same rows as sampling a pool the overlaps were deleted from
                ref = load_spec(_pool_spec(None, seed, en, {"es": es, "fr": fr}, alignment), base_dir=clean)
                build_mixture(ref, Path(tmp) / f"r{i}", use_cache=False)
                assert (Path(tmp) / f"d{i}" / "train.jsonl").read_bytes() == (
                    Path(tmp) / f"r{i}" / "train.jsonl"
                ).read_bytes()
    for j, lang in enumerate(("en", "es", "fr")):  # each language's sample is a prefix of its larger ones
        ordered = sorted(zip(ks, samples), key=lambda p: p[0][j])
        for (_, small), (_, big) in zip(ordered, ordered[1:]):
            assert small.get(lang, set()) <= big.get(lang, set())


def test_clt_mix_grid_builds_each_point_as_if_alone(evaldir, planted, tmp_path):
    """`clt mix --grid` reads the sources and evaluation sets once for every point: same mixtures."""
    src, _ = planted
    spec = load_spec(_spec(evaldir, 20, 0, "cap"), base_dir=src)
    grid = build_grid(spec, tmp_path / "g", "paper-single", use_cache=False)
    for point, changes in grid_points("paper-single")[:4]:  # k = 0, 100, 200, 400: the pool, capped
        alone = build_mixture(spec.with_changes(**changes), tmp_path / point, use_cache=False)
        assert alone == grid[point]
        assert (tmp_path / point / "train.jsonl").read_bytes() == (tmp_path / "g" / point / "train.jsonl").read_bytes()


# ----------------------------------------------------------------------------- unreadable sets, cache, CLI


def test_unreadable_evaluation_sets_are_recorded_unchecked_never_clean(planted, tmp_path, monkeypatch):
    monkeypatch.delenv("CLT_DATA_DIR", raising=False)
    src, _ = planted
    spec = {
        "seed": 1,
        "decontaminate": True,
        "tasks": {
            "t": {
                "source": {"path": "b_{lang}.jsonl", "dataset": "bactrian"},
                "english": 3,
                "per_language": 2,
                "languages": ["ja"],
            }
        },
    }
    m = build_mixture(load_spec(spec, base_dir=src), tmp_path / "o", use_cache=False)
    d = m["decontamination"]
    assert {(n, l): s["status"] for n, per in d["evaluation_sets"].items() for l, s in per.items()} == {
        **{(n, l): "unchecked" for n in ("dolly", "mgsm", "xlsum") for l in ("en", "ja")},
        ("ifeval", "en"): "unchecked",
        ("ifeval", "ja"): "unchecked",
    }
    assert "cannot load juletxara/mgsm" in d["evaluation_sets"]["mgsm"]["ja"]["reason"]
    assert d["removed"]["t"]["ja"]["mgsm"] == {"ngram": None, "lineage": None}
    assert any(line.startswith("  UNCHECKED, not known to be clean: mgsm (ja)") for line in manifest_lines(m))

    spec["decontaminate"] = {"on_unchecked": "error"}
    with pytest.raises(CLTError, match=r"evaluation sets could not be read.*\n  dolly \(en\): cannot load"):
        build_mixture(load_spec(spec, base_dir=src), tmp_path / "refused", use_cache=False)
    assert not (tmp_path / "refused").exists()
    spec["decontaminate"] = {"data_dir": "missing"}
    with pytest.raises(CLTError, match=r"clt_mixture.decontaminate.data_dir: 'missing' is not a directory"):
        build_mixture(load_spec(spec, base_dir=src), tmp_path / "refused", use_cache=False)


def test_cache_keys_on_the_evaluation_sets_and_keeps_the_pairs(evaldir, planted, tmp_path):
    src, _ = planted
    ev = tmp_path / "ev"
    shutil.copytree(evaldir, ev)
    spec = _spec(ev, 26, 1, families=["xlsum"])
    first = build_mixture(load_spec(spec, base_dir=src), tmp_path / "a", cache_dir=tmp_path / "cache")
    again = build_mixture(load_spec(spec, base_dir=src), tmp_path / "b", cache_dir=tmp_path / "cache")
    assert (
        again == first
        and (tmp_path / "b" / "contamination.jsonl").read_bytes()
        == (tmp_path / "a" / "contamination.jsonl").read_bytes()
    )
    assert first["decontamination"]["removed_rows"]["instruction"]["en"] == 1  # r05
    # the English summary changes: r05 no longer overlaps it, and the cached mixture is not served
    _write_jsonl(
        ev / "xlsum" / "english_test.jsonl",
        [{"id": "en-1", "url": "u", "title": "t", "summary": "A different summary entirely.", "text": "Other text."}],
    )
    changed = build_mixture(load_spec(spec, base_dir=src), tmp_path / "c", cache_dir=tmp_path / "cache")
    assert changed["decontamination"]["removed_rows"]["instruction"]["en"] == 0
    assert changed["train_sha256"] != first["train_sha256"]


def test_clt_mix_reports_the_matched_pairs(evaldir, planted, tmp_path, capsys):
    src, _ = planted
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        json.dumps(_spec(evaldir, POOL, POOL, "cap", families=["mgsm"])).replace(
            '"b_{lang}.jsonl"', json.dumps(str(src / "b_{lang}.jsonl"))
        ),
        encoding="utf-8",
    )
    assert main(["mix", str(spec), "-o", str(tmp_path / "o"), "--no-cache", "--report-contamination"]) == 0
    out = capsys.readouterr().out
    assert "decontamination: removed 6 of 150 rows examined" in out  # r01 (and its translations), ja r06
    assert "[instruction/en row r01] matches mgsm (en) item mgsm-en-0 question: 100% of the item covered" in out
    assert "[instruction/ja row r06] matches mgsm (ja) item mgsm-ja-1 question: 100% of the item covered" in out


def test_plan_lines_say_what_will_be_checked(evaldir, monkeypatch):
    monkeypatch.delenv("CLT_DATA_DIR", raising=False)
    off = load_spec({"tasks": {"t": {"source": {"path": "x_{lang}.jsonl"}, "english": 1}}})
    assert plan_lines(off)[0].startswith("decontamination: OFF")
    on = load_spec(
        {"decontaminate": True, "tasks": {"t": {"source": {"dataset": "bactrian"}, "english": 1, "languages": ["fr"]}}}
    )
    lines = plan_lines(on)
    assert lines[0].endswith("evaluation sets dolly, ifeval, mgsm, xlsum from the Hugging Face Hub")
    assert lines[1:] == ["  lineage for t: a translated row goes with its English original"]
    assert plan_warnings(off) == [OFF_LINE]
    assert "the hub is offline here and no data_dir is set" in plan_warnings(on)[0]
    monkeypatch.setenv("CLT_DATA_DIR", str(evaldir))
    assert plan_warnings(on) == [] and plan_lines(on)[0].endswith(f"from data_dir {evaldir}")
