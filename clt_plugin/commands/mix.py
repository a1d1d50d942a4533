"""`clt mix SPEC -o OUT [--grid NAME]`: build a mixture (or a grid of them) and print its summary."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from clt_plugin.mixture import build_mixture, load_spec
from clt_plugin.mixture.decontam_report import format_pairs, read_pairs
from clt_plugin.mixture.grid import GRIDS, build_grid
from clt_plugin.mixture.summary import describe, written
from clt_plugin.progress import Progress
from clt_plugin.resources import example_data_path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", nargs="?", help="mixture spec (YAML); default: the example spec shipped with clt")
    p.add_argument("-o", "--output", help="output directory (default: clt-mixture, or clt-grid-NAME with --grid)")
    p.add_argument("--grid", choices=GRIDS, help="build every point of a paper grid, one directory per point")
    p.add_argument("--cache-dir", help="cache directory (default: $CLT_CACHE_DIR or ~/.cache/clt)")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    p.add_argument("--base-dir", help="folder that relative source paths start from (default: the spec's folder)")
    p.add_argument("--json", action="store_true", help="print the manifest(s) as JSON instead of a table")
    p.add_argument(
        "--report-contamination",
        action="store_true",
        help="also list every removed row beside the evaluation item it matched (spec `decontaminate:`)",
    )


def run(args: argparse.Namespace) -> int:
    spec_path = Path(args.spec) if args.spec else example_data_path() / "example_spec.yaml"
    spec = load_spec(spec_path, base_dir=args.base_dir)
    kw = {"cache_dir": args.cache_dir, "use_cache": not args.no_cache}
    if args.grid:
        out = Path(args.output or f"clt-grid-{args.grid}")
        with Progress(f"clt mix --grid {args.grid}"):  # signs of life only: a grid has no count of its own
            manifests = build_grid(spec, out, args.grid, **kw)
        if args.json:
            print(json.dumps(manifests, indent=2, ensure_ascii=False))
            return 0
        for point, manifest in manifests.items():
            print(f"## {out / point}\n\n{describe(manifest)}\n")
            if args.report_contamination:
                print(f"{format_pairs(read_pairs(out / point, manifest))}\n")
        print(f"wrote {len(manifests)} mixtures under {out}")
        return 0
    out = Path(args.output or "clt-mixture")
    with Progress("clt mix", unit="task") as bar:
        manifest = build_mixture(spec, out, progress=bar.set, **kw)
    if args.json:
        print(json.dumps(manifest, indent=2, ensure_ascii=False))
        return 0
    print(describe(manifest))
    if args.report_contamination:
        print(format_pairs(read_pairs(out, manifest)))
    print(written(out, manifest))
    return 0
