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
    }
    json.dump(out, sys.stdout, ensure_ascii=False, default=str)


if __name__ == "__main__":
    main()
