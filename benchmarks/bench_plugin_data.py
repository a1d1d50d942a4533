"""Data preparation: the clt axolotl plugin against axolotl's native `datasets:` path.

Same rows both ways: the plugin builds a mixture (10k English + 4 x 1k, from local JSONL
sources) and tokenizes it through axolotl; the native path gets that very mixture file as a
`datasets:` JSONL entry and tokenizes it through the same axolotl pipeline. Timed in one
process, cold caches for both first runs, then the plugin again with its caches warm.

Targets: plugin cold <= 1.1x native cold; plugin warm <= 0.2x plugin cold.

    .venv/bin/python benchmarks/bench_plugin_data.py [--english 10000] [--per-language 1000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("AXOLOTL_DO_NOT_TRACK", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
LANGS = ["en", "es", "fr", "ja", "zh"]
WORDS = {
    "en": "the ducks lay eggs every day and she sells them at the market for two dollars each how many".split(),
    "es": "los patos ponen huevos cada día y ella los vende en el mercado por dos dólares cuántos gana".split(),
    "fr": "les canards pondent des œufs chaque jour et elle les vend au marché pour deux dollars combien".split(),
    "ja": list("アヒルは毎日卵を産み彼女は市場で一個二ドルで売りますいくら稼ぎますか"),
    "zh": list("鸭子每天下蛋她在市场上以每个两美元的价格出售她赚多少钱"),
}


def write_sources(root: Path, n_per_lang: dict[str, int], seed: int = 0) -> None:
    rnd = random.Random(seed)
    sep = {"ja": "", "zh": ""}
    for lang, n in n_per_lang.items():
        with open(root / f"src_{lang}.jsonl", "w", encoding="utf-8") as f:
            for i in range(n):
                w = WORDS[lang]
                prompt = sep.get(lang, " ").join(rnd.choice(w) for _ in range(rnd.randint(40, 90)))
                reply = sep.get(lang, " ").join(rnd.choice(w) for _ in range(rnd.randint(40, 90)))
                f.write(json.dumps({"id": f"{i}", "prompt": f"{i}: {prompt}", "response": reply}, ensure_ascii=False) + "\n")


def base_config(tiny: Path, work: Path, name: str) -> dict:
    return {
        "base_model": str(tiny),
        "sequence_len": 2048,
        "micro_batch_size": 2,
        "gradient_accumulation_steps": 1,
        "num_epochs": 1,
        "learning_rate": 1e-5,
        "optimizer": "adamw_torch",
        "val_set_size": 0.02,
        "seed": 1234,
        "bf16": False, "fp16": False, "tf32": False, "flash_attention": False, "sdp_attention": False,
        "output_dir": str(work / name / "out"),
        "dataset_prepared_path": str(work / name / "prepared"),
    }


def load(cfg: dict, path: Path):
    import yaml
    from axolotl.cli.config import load_cfg

    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return load_cfg(str(path))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--english", type=int, default=10000)
    ap.add_argument("--per-language", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    import logging

    sys.path.insert(0, str(REPO / "tests"))
    from conftest import TOKENIZER_TEXTS

    from clt_plugin.tiny_model import build_tiny_llama

    work = Path(tempfile.mkdtemp(prefix="clt-bench-plugin-"))
    os.environ["HF_DATASETS_CACHE"] = str(work / "hf-datasets-cache")
    try:
        tiny = build_tiny_llama(work / "tiny", TOKENIZER_TEXTS)
        src = work / "sources"
        src.mkdir()
        write_sources(src, {l: (args.english if l == "en" else args.per_language) for l in LANGS})
        spec = {
            "seed": 1234,
            "tasks": {"qa": {
                "source": {"format": "jsonl", "path": str(src / "src_{lang}.jsonl")},
                "english": args.english, "per_language": args.per_language, "languages": LANGS[1:],
            }},
        }
        from axolotl.common.datasets import load_datasets
        from axolotl.integrations.base import PluginManager

        logging.getLogger("axolotl").setLevel(logging.WARNING)
        native_t, plugin_t, warm_t = [], [], []
        rows = None
        for r in range(args.repeats):
            # Plugin, cold: fresh mixture cache and prepared path.
            pcfg = base_config(tiny, work, f"plugin{r}")
            pcfg.update(plugins=["clt_plugin.axolotl.CLTPlugin"], clt_mixture=spec, clt_cache_dir=str(work / f"cache{r}"))
            cfg = load(pcfg, work / f"plugin{r}.yaml")
            plugin = PluginManager.get_instance().plugins["clt_plugin.axolotl.CLTPlugin"]
            t = time.perf_counter()
            meta = plugin.load_datasets(cfg)
            plugin_t.append(time.perf_counter() - t)
            rows = len(meta.train_dataset) + len(meta.eval_dataset)
            mixture_file = Path(cfg["datasets"][0]["path"])

            # Plugin, warm: same config again (mixture cache + axolotl's prepared dataset).
            cfg = load(pcfg, work / f"plugin{r}.yaml")
            t = time.perf_counter()
            plugin.load_datasets(cfg)
            warm_t.append(time.perf_counter() - t)

            # Native: the very same rows as a JSONL `datasets:` entry, cold.
            native_file = work / f"native{r}.jsonl"
            shutil.copyfile(mixture_file, native_file)
            ncfg = base_config(tiny, work, f"native{r}")
            ncfg["datasets"] = [{"path": str(native_file), "ds_type": "json", "type": "chat_template", "field_messages": "messages"}]
            cfg = load(ncfg, work / f"native{r}.yaml")
            t = time.perf_counter()
            meta = load_datasets(cfg=cfg)
            native_t.append(time.perf_counter() - t)
            assert len(meta.train_dataset) + len(meta.eval_dataset) == rows

        n, p, w = (statistics.median(x) for x in (native_t, plugin_t, warm_t))
        print()
        print(f"rows: {rows} ({args.english} English + 4 x {args.per_language}), repeats: {args.repeats}, medians")
        print(f"  axolotl native datasets: (JSONL)   {n:8.2f} s   runs {', '.join(f'{x:.2f}' for x in native_t)}")
        print(f"  clt plugin, cold                  {p:8.2f} s   runs {', '.join(f'{x:.2f}' for x in plugin_t)}   ratio {p / n:.2f}x (target <= 1.10x)")
        print(f"  clt plugin, caches warm           {w:8.2f} s   runs {', '.join(f'{x:.2f}' for x in warm_t)}   ratio {w / p:.2f}x of cold (target <= 0.20x)")
        ok = p / n <= 1.10 and w / p <= 0.20
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
