"""The `clt` command: parse arguments, call one library function, print. Nothing else."""

from __future__ import annotations

import argparse
import importlib
import sys

from clt_plugin import __version__, extras
from clt_plugin.errors import CLTError

# name -> (module under clt_plugin.commands, one-line help). Modules load only when used,
# so `clt --help` stays fast and one broken extra never breaks the others.
COMMANDS: dict[str, tuple[str, str]] = {
    "mix": ("mix", "build an exact, seeded, nested multilingual mixture"),
    "sweep": ("sweep", "write one axolotl config per grid point, plus launchers"),
    "check-config": ("check_config", "check that an axolotl config really uses the clt plugin"),
    "eval-run": ("eval_run", "evaluate a trained run (and its checkpoints) as its clt_eval says"),
    "tasks-path": ("tasks_path", "print the directory for `lm_eval --include_path`"),
    "doctor": ("doctor", "say how this environment finds the clt tasks, and what runs them"),
    "configs-path": ("configs_path", "print the directory of the shipped axolotl configs"),
    "eval": ("eval", "run lm_eval with the clt tasks included"),
    "matrix": ("matrix", "transfer matrix for one task and metric"),
    "report": ("report", "tables, plots and an HTML page over many runs"),
    "judge": ("judge", "LLM-as-judge ratings for clt_dolly samples"),
    "ifeval-score": ("ifeval_score", "score IFEval-style responses made elsewhere"),
    "fidelity": ("fidelity", "LPR/WPR (Language Confusion Benchmark) of completions made elsewhere"),
    "submit": ("submit", "build a validated leaderboard submission"),
    "leaderboard": ("leaderboard", "render a leaderboard from submissions"),
    "demo": ("demo", "run the embedded end-to-end demo"),
    "models": ("models", "write a model folder to try the loop on: SmolLM2-135M-Instruct or the demo's tiny Llama"),
}


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clt", description="Cross-lingual transfer experiments for post-training.")
    parser.add_argument("--version", action="version", version=f"clt-plugin {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    wanted = next((a for a in argv if not a.startswith("-")), None)
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == wanted:
            mod = importlib.import_module(f"clt_plugin.commands.{module}")
            mod.add_arguments(p)
            p.set_defaults(_run=mod.run)
    return parser


def _missing_extra(error: ModuleNotFoundError, command: str) -> int:
    found = extras.missing(error)
    if found is None:
        raise error
    print(f"clt {command}: error: {found}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser(argv).parse_args(argv)
    except ModuleNotFoundError as e:  # the command's module needs an extra that is not installed
        return _missing_extra(e, next((a for a in argv if not a.startswith("-")), ""))
    try:
        return int(args._run(args) or 0)
    except CLTError as e:
        print(f"clt {args.command}: error: {e}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as e:
        return _missing_extra(e, args.command)
    except OSError as e:
        # The last line of defence for the file system's refusals (a loop of symlinks, a full
        # disk, no permission) that a reader did not map itself: one line naming the path.
        where = f"{e.filename}: " if e.filename else ""
        print(f"clt {args.command}: error: {where}{e.strerror or e}", file=sys.stderr)
        return 2
    except RecursionError:
        print(f"clt {args.command}: error: an input is nested too deeply to read", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"clt {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
