"""Task helpers without lm_eval: data location, loaders, prompts, generated YAMLs in sync."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from test_tasks_lm_eval import ZH_EXEMPLARS, make_data_dir, write_jsonl

from clt_plugin import hub, languages
from clt_plugin.errors import CLTError
from clt_plugin.resources import tasks_path
from clt_plugin.tasks import data, dolly, generate, mgsm, xlsum


def meta(family: str, lang: str, **extra):
    return {"version": 1, "clt_family": family, "clt_language": lang, "pretrained": "ignored", **extra}


@pytest.fixture
def data_root(tmp_path, mgsm_dir, monkeypatch):
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    return make_data_dir(tmp_path / "data", mgsm_dir)


# ---- generated YAMLs -------------------------------------------------------------------------


def test_task_yamls_are_in_sync_with_the_generator():
    assert generate.check(tasks_path()) == []


def _load(path: Path) -> dict:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!function", lambda loader, node: f"!function {loader.construct_scalar(node)}")
    return yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)


def test_every_task_yaml_names_its_family_and_language():
    root = tasks_path()
    seen = 0
    for family, langs in generate.family_languages().items():
        for lang in langs:
            cfg = _load(root / family / f"clt_{family}_{lang}.yaml")
            assert cfg["task"] == f"clt_{family}_{lang}"
            assert cfg["metadata"] == {"version": generate.VERSION, "clt_family": family, "clt_language": lang}
            assert cfg["include"] == f"../_template_{family}"
            metrics = [m["metric"] for m in cfg["metric_list"]]
            # LPR wherever lid.176 identifies the language; WPR also needs a non-Latin script.
            identifiable = languages.get(lang).fasttext is not None
            assert ("lpr" in metrics) == identifiable
            assert ("wpr" in metrics) == (identifiable and languages.get(lang).script != "Latn")
            seen += 1
    assert seen == 2 * 14 + len(languages.XLSUM_LANGUAGES) + len(generate.DOLLY_TASK_LANGUAGES)
    for code in ("en", "es", "fr", "ja", "zh", "ar", "ko", "pt", "bn", "de", "ru", "sw", "te", "th"):
        assert (root / "mgsm" / f"clt_mgsm_{code}.yaml").is_file()


def test_groups_weight_languages_explicitly():
    root = tasks_path()
    for family in ("mgsm", "xlsum", "dolly"):
        cfg = _load(root / f"clt_{family}.yaml")
        assert cfg["task"] == [f"clt_{family}_{l}" for l in languages.PAPER_LANGUAGES]
        assert all(m["weight_by_size"] is False for m in cfg["aggregate_metric_list"])
    assert _load(root / "clt_all.yaml")["task"] == ["clt_mgsm", "clt_xlsum", "clt_dolly"]


def test_lm_eval_indexes_the_tasks_and_groups():
    from lm_eval.tasks import TaskManager

    tm = TaskManager(include_path=str(tasks_path()), include_defaults=False)
    assert {"clt_mgsm", "clt_xlsum", "clt_dolly", "clt_all"} <= set(tm.all_groups)
    assert {"clt_mgsm_pt", "clt_mgsm_chat_ko", "clt_xlsum_zh", "clt_dolly_ar"} <= set(tm.all_subtasks)


def test_generator_check_reports_drift(tmp_path):
    generate.write(tmp_path)
    assert generate.check(tmp_path) == []
    (tmp_path / "mgsm" / "clt_mgsm_en.yaml").write_text("task: x\n")
    (tmp_path / "xlsum" / "clt_xlsum_xx.yaml").write_text("task: y\n")
    (tmp_path / "dolly" / "clt_dolly_fr.yaml").unlink()
    assert sorted(generate.check(tmp_path)) == [
        "differs mgsm/clt_mgsm_en.yaml",
        "missing dolly/clt_dolly_fr.yaml",
        "not generated xlsum/clt_xlsum_xx.yaml",
    ]
    assert generate.main([str(tmp_path), "--check"]) == 1


# ---- data location ---------------------------------------------------------------------------


def test_data_dir_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path))
    assert data.data_dir({}) == tmp_path
    other = tmp_path / "other"
    other.mkdir()
    assert data.data_dir({"data_dir": str(other)}) == other
    monkeypatch.delenv(data.ENV_VAR)
    assert data.data_dir({}) is None
    with pytest.raises(CLTError, match=r"--metadata data_dir: '/nope' is not a directory"):
        data.data_dir({"data_dir": "/nope"})
    monkeypatch.setenv(data.ENV_VAR, "/nope2")
    with pytest.raises(CLTError, match=r"CLT_DATA_DIR: '/nope2' is not a directory"):
        data.data_dir({})


# ---- MGSM ------------------------------------------------------------------------------------


def test_mgsm_local_tsv_and_exemplars(data_root):
    ds = mgsm.load(**meta("mgsm", "zh", data_dir=str(data_root)))
    assert len(ds["test"]) == 250 and len(ds["train"]) == 8
    first = ds["test"][0]
    assert first["answer_number"] == "18" and first["clt_lang"] == "zh" and first["answer"] is None
    shot = ds["train"][0]
    assert shot["question"] == ZH_EXEMPLARS[0][0] and shot["answer"] == ZH_EXEMPLARS[0][1]
    assert mgsm.doc_to_text(first).startswith("问题： 珍妮特") and mgsm.doc_to_text(first).endswith("\n逐步解答：")
    assert mgsm.doc_to_target(shot) == ZH_EXEMPLARS[0][1] and mgsm.doc_to_target(first) == "18"
    # Thousands separators in the gold answers are read ("80,000"-style answers exist in MGSM).
    assert all(a.lstrip("-").isdigit() for a in ds["test"]["answer_number"])


def test_mgsm_8_shot_uses_the_shipped_exemplars_when_none_are_given(tmp_path, mgsm_dir, monkeypatch):
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    (tmp_path / "mgsm").mkdir()
    (tmp_path / "mgsm" / "mgsm_ja.tsv").write_bytes((mgsm_dir / "mgsm_ja.tsv").read_bytes())  # no exemplars beside it
    ds = mgsm.load(**meta("mgsm", "ja", data_dir=str(tmp_path)))
    shipped = data.read_rows(mgsm.shipped_exemplars("ja"))
    assert shipped == data.read_rows(mgsm_dir / "mgsm_ja_train.jsonl")  # copied unchanged
    assert [s["answer_number"] for s in ds["train"]] == [str(r["answer_number"]) for r in shipped]
    assert ds["train"][0]["question"] == shipped[0]["question"].removeprefix("問題：")
    assert ds["train"][0]["answer"] == shipped[0]["answer"].removeprefix("ステップごとの答え：")


def test_every_mgsm_language_ships_its_8_exemplars_with_the_license():
    folder = mgsm.shipped_exemplars("en").parent
    langs = sorted(p.name.removeprefix("mgsm_").removesuffix("_train.jsonl") for p in folder.glob("mgsm_*_train.jsonl"))
    assert langs == sorted(code for code in languages.LANGUAGES if languages.get(code).mgsm)
    assert all(len(data.read_rows(mgsm.shipped_exemplars(lang))) == 8 for lang in langs)
    assert (folder / "LICENSE").read_text(encoding="utf-8").startswith("Creative Commons Attribution 4.0")
    assert mgsm.shipped_exemplars("pt") is None  # not an MGSM language: local files only


def test_mgsm_chat_needs_no_exemplars(data_root):
    ds = mgsm.load(**meta("mgsm_chat", "ja", data_dir=str(data_root)))
    assert list(ds) == ["test"] and len(ds["test"]) == 250
    assert mgsm.chat_doc_to_text(ds["test"][0]).startswith("この算数の問題をステップごとに")


def test_mgsm_env_var_and_fewshot_file(data_root, tmp_path, monkeypatch):
    monkeypatch.setenv(data.ENV_VAR, str(data_root))
    shots = tmp_path / "shots_zh.tsv"
    shots.write_text("".join(f"{q}\t{a}\n" for q, a, _ in ZH_EXEMPLARS), encoding="utf-8")
    ds = mgsm.load(**meta("mgsm", "zh", fewshot_file=str(tmp_path / "shots_{lang}.tsv")))
    assert ds["train"]["answer_number"] == [str(n) for _, _, n in ZH_EXEMPLARS]  # read from "答案是N"
    with pytest.raises(CLTError, match="fewshot_file: .*missing.tsv does not exist"):
        mgsm.load(**meta("mgsm", "zh", fewshot_file=str(tmp_path / "missing.tsv")))


@pytest.mark.parametrize("lang", ["pt", "ko", "ar"])
def test_mgsm_unseen_languages_say_how_to_supply_them(lang, data_root, tmp_path):
    with pytest.raises(CLTError) as e:
        mgsm.load(**meta("mgsm", lang, data_dir=str(data_root)))
    msg = str(e.value)
    assert f"MGSM has no {languages.get(lang).name} test set" in msg
    assert f"mgsm_{lang}.tsv" in msg and f"mgsm_{lang}_train.jsonl" in msg
    assert '--metadata \'{"data_dir": "DIR"}\'' in msg and "CLT_DATA_DIR=DIR" in msg
    # Supplied in the MGSM schema, it works.
    en = (data_root / "mgsm" / "mgsm_zh.tsv").read_text(encoding="utf-8").splitlines()[:5]
    write_jsonl(
        data_root / "mgsm" / f"mgsm_{lang}.jsonl",
        [{"question": l.split("\t")[0], "answer": None, "answer_number": l.split("\t")[1]} for l in en],
    )
    write_jsonl(
        data_root / "mgsm" / f"mgsm_{lang}_train.jsonl",
        [{"question": q, "answer": a, "answer_number": n} for q, a, n in ZH_EXEMPLARS],
    )
    ds = mgsm.load(**meta("mgsm", lang, data_dir=str(data_root)))
    assert len(ds["test"]) == 5 and len(ds["train"]) == 8


def test_mgsm_bad_files_name_file_and_row(data_root):
    bad = data_root / "mgsm" / "mgsm_ja.tsv"
    bad.write_text("q1\t18\nq2\tmany\n", encoding="utf-8")
    with pytest.raises(CLTError, match=r"mgsm_ja.tsv: row 2: answer 'many' is not a number"):
        mgsm.load(**meta("mgsm_chat", "ja", data_dir=str(data_root)))
    bad.write_text("only a question\n", encoding="utf-8")
    with pytest.raises(CLTError, match=r"mgsm_ja.tsv:1: expected question<TAB>answer"):
        mgsm.load(**meta("mgsm_chat", "ja", data_dir=str(data_root)))
    write_jsonl(data_root / "mgsm" / "mgsm_zh_train.jsonl", [{"question": "q", "answer": "a 1"}] * 3)
    with pytest.raises(CLTError, match="8-shot needs 8 exemplars, found 3"):
        mgsm.load(**meta("mgsm", "zh", data_dir=str(data_root)))


def test_offline_hub_failure_explains_local_files(tmp_path, monkeypatch):
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    with pytest.raises(CLTError) as e:
        mgsm.load(**meta("mgsm", "de"))
    # The first cause, and only what is missing: MGSM's German exemplars ship with the package.
    assert str(e.value).startswith(
        "cannot load juletxara/mgsm (folder 'de' of revision refs/convert/parquet, split 'test') from the Hugging "
        "Face Hub: HF_HUB_OFFLINE is set and it is not in the local cache. To run offline: Supply the test set as "
        "DIR/mgsm/mgsm_de.tsv"
    )
    assert "exemplars" not in str(e.value) and "mgsm_de_train" not in str(e.value)
    with pytest.raises(CLTError, match=r"cannot load csebuetnlp/xlsum .*DIR/xlsum/french_test.jsonl"):
        xlsum.load(**meta("xlsum", "fr"))


def test_an_unreachable_hub_is_named_before_any_retry(monkeypatch):
    for name in (data.ENV_VAR, "HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    # A reserved name that never resolves (RFC 6761): what an offline machine sees for the hub.
    monkeypatch.setenv("HF_ENDPOINT", "https://hub.clt-test.invalid")
    with pytest.raises(CLTError) as e:
        mgsm.load(**meta("mgsm_chat", "ja"))
    assert str(e.value).startswith(
        "cannot load juletxara/mgsm (folder 'ja' of revision refs/convert/parquet, split 'test') from the Hugging "
        "Face Hub: the Hugging Face Hub (hub.clt-test.invalid) cannot be reached: "
    )
    assert "client has been closed" not in str(e.value) and "Supply the test set as DIR/mgsm/mgsm_ja.tsv" in str(
        e.value
    )


def test_a_refused_connection_is_the_cause_named_after_a_failed_load(monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: nothing listens here
    assert hub.unreachable() is None  # the name is an address
    assert hub.unreachable(connect=True) == "the Hugging Face Hub (127.0.0.1) cannot be reached: Connection refused"


def test_mgsm_score():
    doc = {"clt_lang": "ja", "answer_number": "18"}
    assert mgsm.score("まず16から3を引きます。\n答えは１８です。", doc) == {"acc": 1.0, "lpr": 1.0, "wpr": 1.0}
    assert mgsm.score("First subtract 3 from 16, then multiply.\nThe answer is 17.", doc)["acc"] == 0.0
    assert mgsm.score("First subtract 3 from 16, then multiply.\nThe answer is 17.", doc)["lpr"] == 0.0


# ---- XL-Sum ----------------------------------------------------------------------------------


def test_xlsum_seeded_sample(data_root):
    rows = [{"id": str(i), "url": "", "title": "", "summary": f"s{i}", "text": f"t{i}"} for i in range(1000)]
    write_jsonl(data_root / "xlsum" / "french_test.jsonl", rows)
    m = meta("xlsum", "fr", data_dir=str(data_root))
    a = xlsum.load(**m)["test"]["id"]
    assert len(a) == 250 and a == sorted(a, key=int) and a == xlsum.load(**m)["test"]["id"]
    b = xlsum.load(**{**m, "xlsum_seed": 7})["test"]["id"]
    assert a != b
    assert len(xlsum.load(**{**m, "xlsum_n": 10})["test"]) == 10
    assert len(xlsum.load(**{**m, "xlsum_n": 0})["test"]) == 1000
    with pytest.raises(CLTError, match="--metadata xlsum_n: expected an integer, got 'ten'"):
        xlsum.load(**{**m, "xlsum_n": "ten"})


def test_xlsum_prompt_and_score(data_root):
    doc = xlsum.load(**meta("xlsum", "ja", data_dir=str(data_root), xlsum_max_chars=20))["test"][0]
    assert xlsum.doc_to_text(doc) == f"次の記事を1〜2文で要約してください。\n\n記事：{doc['text'][:20]}\n\n要約："
    assert xlsum.score(doc["summary"], doc) == {"rougeL": 1.0, "lpr": 1.0, "wpr": 1.0}
    write_jsonl(data_root / "xlsum" / "french_test.jsonl", [{"id": 1, "text": "x"}])
    with pytest.raises(CLTError, match=r"french_test.jsonl: row 1: missing field\(s\) summary"):
        xlsum.load(**meta("xlsum", "fr", data_dir=str(data_root)))


# ---- Dolly -----------------------------------------------------------------------------------


def test_dolly_subsets_and_languages(data_root):
    assert dolly.subset_for("fr") == "dolly_human_edited"
    assert dolly.subset_for("ja") == "dolly_machine_translated"
    assert dolly.subset_for("fr", "machine_translated") == "dolly_machine_translated"
    with pytest.raises(CLTError, match="dolly_subset: 'best' is not one of auto, human_edited, machine_translated"):
        dolly.subset_for("fr", "best")
    ds = dolly.load(**meta("dolly", "ru", data_dir=str(data_root)))["test"]
    assert len(ds) == 8 and set(ds["language"]) == {"rus"}
    with pytest.raises(CLTError, match="has no rows with language 'arb'"):
        dolly.load(**meta("dolly", "ar", data_dir=str(data_root)))
    assert dolly.score("Bonjour à tous, voici une réponse entièrement en français.", {"clt_lang": "fr"}) == {"lpr": 1.0}
