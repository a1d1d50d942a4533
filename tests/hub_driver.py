"""Run in a child process with HF_ENDPOINT set to a HubServer: every hub read the clt tasks and
sources make, through the real datasets / huggingface_hub calls. Prints one JSON object."""

from __future__ import annotations

import json
import sys


def _try(fn):
    try:
        return {"ok": fn()}
    except Exception as e:  # the test asserts on the message
        return {"error": f"{type(e).__name__}: {e}"}


def decontaminated(rows_file: str) -> dict:
    """A mixture checked against the evaluation sets as the hub serves them (no data_dir)."""
    from pathlib import Path

    from clt_plugin.mixture import build_mixture, load_spec

    rows = json.loads(Path(rows_file).read_text(encoding="utf-8"))  # {lang: [{id, prompt, response}]}
    for lang, items in rows.items():
        Path(f"dc_{lang}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in items), encoding="utf-8")
    spec = {
        "seed": 1,
        "decontaminate": {"lineage": True},
        "tasks": {"t": {"source": {"path": "dc_{lang}.jsonl"}, "english": 1, "per_language": 1, "languages": ["ja"]}},
    }
    m = build_mixture(load_spec(spec, base_dir="."), "dc-out", use_cache=False)
    kept = [json.loads(line)["clt"] for line in Path("dc-out/train.jsonl").read_text(encoding="utf-8").splitlines()]
    return {"decontamination": m["decontamination"], "kept": sorted((r["lang"], r["source_id"]) for r in kept)}


def main() -> None:
    import datasets

    from clt_plugin.ifeval.data import load_examples
    from clt_plugin.sources import read_examples
    from clt_plugin.tasks import dolly, mgsm, xlsum

    def task_rows(module, family, lang, **extra):
        ds = module.load(version=1, clt_family=family, clt_language=lang, **extra)
        return {split: [dict(r) for r in ds[split]] for split in ds}

    def source_rows(source, langs):
        return [{"id": ex.id, "lang": ex.lang, "messages": ex.messages} for ex in read_examples(source, "t", langs)]

    out = {
        "datasets_version": datasets.__version__,
        "mgsm_main_branch": _try(lambda: len(datasets.load_dataset("juletxara/mgsm", "en", split="test"))),
        "mgsm_en": _try(lambda: task_rows(mgsm, "mgsm", "en")),
        "mgsm_chat_ja": _try(lambda: task_rows(mgsm, "mgsm_chat", "ja")),
        "xlsum_fr": _try(lambda: task_rows(xlsum, "xlsum", "fr", xlsum_n=2)),
        "xlsum_es": _try(lambda: task_rows(xlsum, "xlsum", "es")),
        "dolly_fr": _try(lambda: task_rows(dolly, "dolly", "fr")),
        "dolly_ja": _try(lambda: task_rows(dolly, "dolly", "ja")),
        "bactrian": _try(lambda: source_rows({"dataset": "bactrian"}, ["en", "ja"])),
        "aya": _try(lambda: source_rows({"dataset": "aya"}, ["en", "fr"])),
        "xlsum_source": _try(lambda: source_rows({"dataset": "xlsum"}, ["es"])),
        "mcot": _try(lambda: source_rows({"dataset": "mcot_math"}, ["zh"])),
        "ifeval_en": _try(lambda: [e.as_doc() for e in load_examples("en")]),
        "wildchat": _try(lambda: source_rows({"dataset": "wildchat"}, ["en", "ja"])),
        "decontam": _try(lambda: decontaminated(sys.argv[1])),
    }
    json.dump(out, sys.stdout, ensure_ascii=False, default=str)


if __name__ == "__main__":
    main()
