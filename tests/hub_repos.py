"""Dataset repositories laid out like the real hub ones, with small contents in their schemas.

Layouts (checked against the hub's file listings):
- juletxara/mgsm, csebuetnlp/xlsum, MBZUAI/Bactrian-X: a loading script on ``main`` (which
  datasets >= 4 refuses) and the hub's Parquet export on ``refs/convert/parquet``, one folder per
  config with one folder per split: ``{config}/{split}/0000.parquet``.
- CohereForAI/aya_evaluation_suite: Parquet on ``main``, ``{subset}/test-00000-of-00001.parquet``,
  subsets declared in the README's ``configs``.
- CohereForAI/aya_dataset: Parquet on ``main``, ``data/{split}-00000-of-00001.parquet``.
- laihuiyuan/mCoT-MATH: one JSON array ``mcot_math.json`` on ``main``.
- google/IFEval: one JSON Lines file ``ifeval_input_data.jsonl`` on ``main``.
- allenai/WildChat-1M: Parquet on ``main``, ``data/train-000NN-of-00014.parquet``.
"""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
from hub_server import Repo

PARQUET = "refs/convert/parquet"


def parquet_bytes(rows: list[dict]) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), buf)
    return buf.getvalue()


def _script(name: str) -> bytes:
    return f"# {name}: a datasets loading script (datasets >= 4 refuses to run these)\nimport datasets\n".encode()


def _card(configs: dict[str, dict[str, str]] | None = None) -> bytes:
    head = "---\nlicense: cc-by-4.0\n"
    if configs:
        head += "configs:\n"
        for name, splits in configs.items():
            head += f"- config_name: {name}\n  data_files:\n"
            for split, pattern in splits.items():
                head += f"  - split: {split}\n    path: {pattern}\n"
    return (head + "---\n# stand-in card\n").encode()


def mgsm_repo(tests: dict[str, list[dict]], shots: dict[str, list[dict]]) -> Repo:
    """tests/shots: {config: rows} in the hub schema (question, answer, answer_number, equation_solution)."""
    export = {}
    for config, rows in tests.items():
        export[f"{config}/test/0000.parquet"] = parquet_bytes(rows)
    for config, rows in shots.items():
        export[f"{config}/train/0000.parquet"] = parquet_bytes(rows)
    main = {"README.md": _card(), "mgsm.py": _script("mgsm")}
    main.update({f"mgsm_{c}.tsv": b"" for c in tests})
    return Repo("juletxara/mgsm", {"main": main, PARQUET: export})


def xlsum_repo(splits: dict[str, dict[str, list[dict]]], flat: tuple[str, ...] = ()) -> Repo:
    """splits: {config: {split: rows (id, url, title, summary, text)}}; configs in `flat` use the
    export's pre-2023 file names ({config}/xlsum-{split}.parquet)."""
    export = {
        (f"{config}/xlsum-{split}.parquet" if config in flat else f"{config}/{split}/0000.parquet"): parquet_bytes(rows)
        for config, by_split in splits.items()
        for split, rows in by_split.items()
    }
    main = {"README.md": _card(), "xlsum.py": _script("xlsum")}
    main.update({f"data/{config}_XLSum_v2.0.tar.bz2": b"BZh9" for config in splits})
    return Repo("csebuetnlp/xlsum", {"main": main, PARQUET: export})


def aya_eval_repo(subsets: dict[str, list[dict]]) -> Repo:
    """subsets: {dolly_human_edited | dolly_machine_translated: rows (id, inputs, targets, language, script)}."""
    files = {f"{name}/test-00000-of-00001.parquet": parquet_bytes(rows) for name, rows in subsets.items()}
    files["README.md"] = _card({name: {"test": f"{name}/test-*"} for name in subsets})
    return Repo("CohereForAI/aya_evaluation_suite", {"main": files})


def aya_dataset_repo(train: list[dict]) -> Repo:
    """train rows: inputs, targets, language, language_code, annotation_type, user_id."""
    files = {
        "data/train-00000-of-00001.parquet": parquet_bytes(train),
        "README.md": _card({"default": {"train": "data/train-*"}}),
    }
    return Repo("CohereForAI/aya_dataset", {"main": files})


def bactrian_repo(by_lang: dict[str, list[dict]]) -> Repo:
    """by_lang: {language config: rows (instruction, input, id, output)}."""
    export = {f"{lang}/train/0000.parquet": parquet_bytes(rows) for lang, rows in by_lang.items()}
    main = {"README.md": _card(), "Bactrian-X.py": _script("Bactrian-X")}
    main.update({f"data/{lang}.json.gz": b"\x1f\x8b" for lang in by_lang})
    return Repo("MBZUAI/Bactrian-X", {"main": main, PARQUET: export})


def mcot_repo(rows: list[dict]) -> Repo:
    files = {"README.md": _card(), "mcot_math.json": json.dumps(rows, ensure_ascii=False).encode(), "view.json": b"[]"}
    return Repo("laihuiyuan/mCoT-MATH", {"main": files})


def ifeval_repo(rows: list[dict]) -> Repo:
    """rows: key, prompt, instruction_id_list, kwargs (a list of dicts with differing keys)."""
    files = {
        "README.md": _card(),
        "ifeval_input_data.jsonl": "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode(),
    }
    return Repo("google/IFEval", {"main": files})


def wildchat_repo(rows: list[dict]) -> Repo:
    """rows in WildChat-1M's schema (tests/wildchat_fixture.py), split over two of its 14 shards."""
    half = len(rows) // 2
    files = {
        "data/train-00000-of-00014.parquet": parquet_bytes(rows[:half]),
        "data/train-00001-of-00014.parquet": parquet_bytes(rows[half:]),
        "README.md": _card({"default": {"train": "data/train-*"}}),
    }
    return Repo("allenai/WildChat-1M", {"main": files})
