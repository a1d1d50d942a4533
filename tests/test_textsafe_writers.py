"""Property: every writer of `clt matrix`, `clt report` and `clt leaderboard` (CSV, Markdown,
HTML, SVG, LaTeX, JSON, terminal lines) lets no bidi or control character through, and shows
each user string visibly: decoding the format gives back `textsafe.visible(text)` (JSON gives
back the text itself). Issue 21: U+202E reached leaderboard.csv, `clt matrix --format csv` and
the report's notes and SVG tick labels."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from leaderboard_fixtures import PAPER, mgsm, write_example_submission, write_task_dir
from synthetic_results import write_manifest, write_results

from clt_plugin.analysis.matrix import build_matrix
from clt_plugin.analysis.render import render, terminal_lines
from clt_plugin.analysis.report import build_report
from clt_plugin.analysis.results import load_runs
from clt_plugin.analysis.uncertainty import StatOptions
from clt_plugin.leaderboard.board import build_board, collect
from clt_plugin.leaderboard.installed import installed_tasks
from clt_plugin.leaderboard.render import output_files
from clt_plugin.textsafe import BIDI_CONTROLS, UNSAFE, figure_text, json_text, latex_text, visible

# What breaks layouts and markup in each format, plus plain text around it.
NASTY = st.text(
    alphabet=st.sampled_from(
        list("ab_|*`[]~\\<>&\"'%$#{}^=+-@ \n\r\t\x1b")
        + sorted(BIDI_CONTROLS)
        + ["\u2028", "\u2029", "\x00", "\x85", "\x9b", "é", "日"]
    ),
    min_size=1,
    max_size=10,
)
# The submission schema refuses C0 controls in ids (a clear error); every other character is allowed.
ID_TEXT = NASTY.filter(lambda t: not any(ord(c) < 32 or ord(c) == 127 for c in t))
FAST = StatOptions(resamples=200)
SEEN = ["es", "fr"]
LANGS = ["en", *SEEN, "ar"]
STRUCTURE = {"\n"}  # line ends a writer puts between rows and lines itself
_LATEX = {
    r"\textbackslash{}": "\\",
    r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^",
    r"\textless{}": "<",
    r"\textgreater{}": ">",
    **{"\\" + c: c for c in "&%$#_{}"},
}


def assert_clean(text: str, allowed: set[str] = STRUCTURE) -> None:
    bad = sorted({f"U+{ord(c):04X}" for c in text if c in UNSAFE and c not in allowed})
    assert not bad, f"raw layout-changing characters in the output: {bad}"


def md_decode(text: str) -> str:
    return html.unescape(re.sub(r"\\([\\`*_\[\]|~])", r"\1", text))


def latex_decode(text: str) -> str:
    return re.sub("|".join(re.escape(k) for k in sorted(_LATEX, key=len, reverse=True)), lambda m: _LATEX[m[0]], text)


def csv_cells(text: str) -> list[str]:
    """Every field, without the quote that keeps a spreadsheet from reading a formula (a text that
    itself starts with a quote has one added, so exactly one comes off)."""

    def field(c: str) -> str:
        return c[1:] if c[:1] == "'" and c[1:].lstrip(" ")[:1] in ("=", "+", "-", "@", "'") else c

    return [field(c) for row in csv.reader(io.StringIO(text)) for c in row]


def svg_text(svg: str) -> str:
    """All the text a reader sees in a matplotlib SVG (text stays text: svg.fonttype none)."""
    return " ".join("".join(t.itertext()) for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text"))


def shown(text: str) -> str:
    # tabulate trims spaces around a cell's text.
    return visible(text).strip(" ")


def write_runs(root, base_model: str | None = None):
    """Three runs of one group (a baseline and k = 100, 400); every model's config names
    `base_model`, which gives the group its label."""
    for k, name in ((0, "base"), (100, "k100"), (400, "k400")):
        model = root / "models" / f"m{k}"
        write_manifest(model / "clt_manifest.json", {"math": {"en": 1000, **{l: k for l in SEEN}}}, seen=SEEN)
        if base_model is not None:
            (model / "config.json").write_text(json.dumps({"_name_or_path": f"org/{base_model}"}), encoding="utf-8")
        scores = {
            f"clt_mgsm_{l}": {"acc": 0.2 + (k / 4000 if l in SEEN else k / 8000) + 0.01 * i}
            for i, l in enumerate(LANGS)
            if not (k == 100 and l == "ar")  # a note names the run: "run k100: no acc score for ar"
        }
        write_results(root / "evals" / name, scores, model_args=f"pretrained={model}")
    return root


def load_named(root, name: str):
    """The runs under `root`, the k100 run renamed to `name` (any string a folder or --run could carry)."""
    runs = load_runs([root / "evals"])
    next(r for r in runs if r.name == "k100").name = name
    return runs


@pytest.fixture(scope="module")
def runs_root(tmp_path_factory):
    return write_runs(tmp_path_factory.mktemp("runs"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=NASTY, task=NASTY)
def test_matrix_writers(runs_root, name, task):
    runs = load_named(runs_root, name)
    m = build_matrix(runs, "mgsm", "acc", view="delta", stats=FAST)
    m.task = task
    m.notes.append(f"a note about {name}")
    github, latex = render([m], runs, "github"), render([m], runs, "latex")
    for text, decode in ((github, md_decode), (latex, latex_decode)):
        assert_clean(text)
        decoded = decode(text)
        assert shown(name) in decoded and shown(task) in decoded
        assert f"a note about {visible(name)}" in decoded  # notes, not only cells
    csv_text = render([m], runs, "csv")
    assert_clean(csv_text)
    assert visible(name) in csv_cells(csv_text) and visible(task) in csv_cells(csv_text)
    lines = terminal_lines([m])
    for line in lines:
        assert_clean(line, set())
    assert f"clt matrix: {visible(task)}: a note about {visible(name)}" in lines
    doc_text = render([m], runs, "json")
    assert_clean(doc_text)
    doc = json.loads(doc_text)  # the data itself, unchanged: JSON escapes are not a loss
    assert name in [r["run"] for r in doc["matrices"][0]["rows"]] and doc["matrices"][0]["task"] == task


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=NASTY, base=ID_TEXT.filter(lambda t: "/" not in t and "\\" not in t and t.strip()))
def test_report_writers(tmp_path_factory, name, base):
    # Fresh model folders each time: the analysis caches a model folder's base model.
    root = tmp_path_factory.mktemp("rep")
    runs = load_named(write_runs(root, base), name)
    out = build_report(runs, root / "report", stats=FAST)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert_clean(page)
    decoded = html.unescape(page)
    assert f"<td>{visible(name)}</td>" in decoded  # the runs table
    assert f"run {visible(name)}: no acc score for ar" in decoded  # the notes list
    assert visible(base) in decoded  # Table 2's group label and the figures' alt text
    for svg_file in sorted(out.glob("*.svg")):
        svg = svg_file.read_text(encoding="utf-8")
        assert_clean(svg)
        # The group label is in each figure's title, whole; run names are ticks (cut at 40 characters).
        assert f"{visible(base)} · seen es,fr" in svg_text(svg), svg_file.name
    heatmap = svg_text((out / "mgsm_heatmap_001.svg").read_text(encoding="utf-8"))
    assert visible(name)[:20] in heatmap
    doc = json.loads((out / "matrix.json").read_text(encoding="utf-8"))
    assert name in [r["name"] for r in doc["runs"]]
    shutil.rmtree(root)


@pytest.fixture(scope="module")
def board_inputs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("board")
    tasks = write_task_dir(tmp / "tasks", {"mgsm": PAPER})
    sub = write_example_submission(tmp / "a.json", tmp / "work", tasks, "org/a", mgsm(0.25))
    return tasks, json.loads(sub.read_text(encoding="utf-8"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(model=ID_TEXT, version=NASTY)
def test_leaderboard_writers(board_inputs, tmp_path_factory, model, version):
    tasks, doc = board_inputs
    subs = tmp_path_factory.mktemp("subs")
    (subs / "a.json").write_text(json.dumps(doc), encoding="utf-8")
    evil = {**doc, "model": {**doc["model"], "id": f"org/{model}", "revision": model, "base_model": model}}
    evil["tasks"] = {t: {**v, "version": version} for t, v in doc["tasks"].items()}
    (subs / "b.json").write_text(json.dumps(evil), encoding="utf-8")
    files = output_files(build_board(collect(subs), installed_tasks(tasks)))
    assert sorted(files) == ["index.html", "leaderboard.csv", "leaderboard.md", "tasks/mgsm.csv"]
    for name, text in files.items():
        assert_clean(text)
    markdown = md_decode(files["leaderboard.md"])
    assert shown(f"org/{model}") in markdown and f"submitted v{visible(version)}" in markdown
    overview = csv_cells(files["leaderboard.csv"])
    assert {f"org/{visible(model)}", visible(model)} <= set(overview)
    assert any(visible(version) in c for c in overview)  # the stale column
    assert f"org/{visible(model)}" in csv_cells(files["tasks/mgsm.csv"])
    page = html.unescape(files["index.html"])
    assert f"org/{visible(model)}" in page
    data = files["index.html"].split('<script type="application/json"', 1)[1].split(">", 1)[1].split("</script>")[0]
    assert f"org/{model}" in [r["model"]["id"] for r in json.loads(data)["rows"]]


@settings(max_examples=300)
@given(NASTY)
def test_latex_text_escapes_every_special_and_decodes_to_the_visible_text(text):
    out = latex_text(text)
    assert_clean(out, set())
    bare = latex_decode(out)
    assert bare == visible(text)
    # No special is left that LaTeX would act on: each is one of the escapes above.
    rest = re.sub("|".join(re.escape(k) for k in _LATEX), "", out)
    assert not set(rest) & set("\\&%$#_{}~^<>")


@settings(max_examples=200)
@given(
    st.recursive(
        NASTY | st.integers() | st.none(), lambda c: st.lists(c, max_size=3) | st.dictionaries(NASTY, c, max_size=3)
    )
)
def test_json_text_is_the_same_data_with_nothing_raw(obj):
    text = json_text(obj, sort_keys=True)
    assert_clean(text, set())
    assert json.loads(text) == obj


@pytest.mark.parametrize("text", ["$x^2$", "a\\$b$", "$\\frac$", "cost: $5 and $6", "\u202eevil$"])
def test_figure_text_is_drawn_literally_never_as_mathtext(text):
    from clt_plugin.analysis.plots import _figure, render_figure

    fig = _figure(2, 1)
    fig.suptitle(figure_text(text))
    svg = render_figure(fig, "svg").decode()
    assert svg_text(svg) == visible(text)
