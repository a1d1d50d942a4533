"""`clt leaderboard SUBMISSIONS_DIR -o OUT`: Markdown, CSV and a static HTML page from submissions."""

from __future__ import annotations

from clt_plugin.leaderboard.board import PICKS, build_board, collect
from clt_plugin.leaderboard.installed import installed_tasks
from clt_plugin.leaderboard.render import write_board


def add_arguments(parser):
    parser.add_argument("submissions", metavar="SUBMISSIONS_DIR", help="folder of submission *.json files")
    parser.add_argument(
        "-o", "--output", required=True, help="output folder (new, empty, or one written by clt leaderboard before)"
    )
    parser.add_argument(
        "--pick",
        choices=PICKS,
        default="latest",
        help="which submission stands for a model with several (default: latest)",
    )
    parser.add_argument(
        "--tasks-dir", help="the installed task YAMLs that decide what is stale (default: `clt tasks-path`)"
    )


def run(args) -> int:
    files = collect(args.submissions)
    board = build_board(files, installed_tasks(args.tasks_dir), pick=args.pick)
    written = write_board(board, args.output, submissions_dir=args.submissions)
    stale = sum(1 for r in board.rows if r.stale)
    print(
        f"{args.output}: {len(board.rows)} models from {len(files)} submissions"
        f"{f', {stale} stale' if stale else ''}; wrote {', '.join(p.name for p in written)}"
    )
    return 0
