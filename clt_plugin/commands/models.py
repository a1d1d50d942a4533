"""`clt models smollm2|tiny -o DIR`: a model folder to try the loop on, made without any hub."""

from __future__ import annotations

import argparse

from clt_plugin.models import MODELS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "model", choices=sorted(MODELS), help="; ".join(f"{name}: {what}" for name, what in MODELS.items())
    )
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="model folder to write")
    parser.add_argument("--seed", type=int, default=0, help="tiny: the pre-training seed (the demo's --seed)")


def run(args: argparse.Namespace) -> int:
    from clt_plugin.models import make_model, summary
    from clt_plugin.progress import Progress
    from clt_plugin.quiet import quiet

    quiet()  # before torch is imported: the dependencies' known harmless messages stay out

    with Progress(f"clt models {args.model}", unit="step") as bar:
        info, kept = make_model(
            args.model, args.output, seed=args.seed, on_step=lambda step, steps, _: bar.set(step, steps)
        )
    print(summary(args.model, info, kept))
    return 0
