"""Figures (pages, sizes, resolution, labels, not blank, reproducible) and the HTML report
(jinja2 autoescaping, linked figures, Table 2, atomicity, thousands of runs)."""

from __future__ import annotations

import csv
import io
import json
import re
import struct

import numpy as np
import pytest
from matplotlib import image as mpimg
from synthetic_results import write_manifest, write_results
from synthetic_samples import write_item_run

from clt_plugin.analysis.matrix import build_matrix
from clt_plugin.analysis.plots import (
    DPI,
    MAX_HEIGHT_IN,
    PAGE_ROWS,
    curves_figure,
    curves_png,
    curves_size,
    heatmap_figure,
    heatmap_pages,
    heatmap_png,
    heatmap_size,
    render_figure,
)
from clt_plugin.analysis.report import TABLE_ROWS, build_report
from clt_plugin.analysis.results import RunSpec, load_runs
from clt_plugin.analysis.uncertainty import StatOptions
from clt_plugin.errors import CLTError

SEEN = ["es", "fr", "ja", "zh"]
LANGS = ["en", *SEEN, "ar", "ko", "pt"]
FAST = StatOptions(resamples=500)


def grid(root, names=None):
    names = names or {0: "base", 100: "k100", 400: "k400"}
    for k, name in names.items():
        model = root / "models" / f"m{k}"
        write_manifest(model / "clt_manifest.json", {"math": {"en": 1000, **{l: k for l in SEEN}}}, seen=SEEN)
        scores = {
            f"clt_mgsm_{l}": {"acc": 0.2 + (k / 4000 if l in SEEN else k / 8000) + 0.01 * i, "lang_fidelity": 0.9}
            for i, l in enumerate(LANGS)
            if not (k == 100 and l == "pt")
        }
        write_results(root / "evals" / f"r{k}", scores, model_args=f"pretrained={model}")
    return load_runs([], [RunSpec(name, root / "evals" / f"r{k}") for k, name in names.items()])


def decode(png: bytes) -> np.ndarray:
    return mpimg.imread(io.BytesIO(png), format="png")


def png_dpi(png: bytes) -> float:
    """Dots per inch from the PNG's pHYs chunk (pixels per metre)."""
    i = png.index(b"pHYs")
    x, _, unit = struct.unpack(">IIB", png[i + 4 : i + 13])
    assert unit == 1
    return x * 0.0254


def assert_not_blank(img: np.ndarray) -> None:
    rgb = img[..., :3].reshape(-1, 3)
    assert float(rgb.std()) > 0.05
    assert len(np.unique((rgb * 255).astype(np.uint8), axis=0)) > 20


def test_heatmap_page_size_resolution_and_reproducibility(tmp_path):
    m = build_matrix(grid(tmp_path), "mgsm", "acc", view="delta", stats=FAST)
    (page,) = heatmap_pages(m)
    # English | seen | unseen, whatever order the languages came in.
    assert page.columns == LANGS and page.blocks == [("English", 1), ("seen", 4), ("unseen", 3)]
    assert [r.run for r in page.rows] == ["base", "k100", "k400"]
    png = heatmap_png(m)
    img = decode(png)
    assert (
        (img.shape[1], img.shape[0]) == heatmap_size(page) == (round((2.8 + 0.62 * 8) * DPI), round((1.9 + 0.9) * DPI))
    )
    assert round(png_dpi(png)) == DPI >= 200
    assert_not_blank(img)
    assert heatmap_png(m) == png  # same matrix, same bytes
    svg = render_figure(heatmap_figure(m, page), "svg").decode()
    assert svg == render_figure(heatmap_figure(m, page), "svg").decode()
    for label in ("evaluation language", "run (examples per language)", "acc gain over the baseline", "unseen", "seen"):
        assert label in svg  # text stays text in the SVG
    assert "<svg" in svg


def _inside(fig, artists) -> bool:
    renderer = fig.canvas.get_renderer()
    w, h = fig.canvas.get_width_height()
    boxes = [a.get_window_extent(renderer) for a in artists if a.get_text()]
    return bool(boxes) and all(b.x0 >= 0 and b.y0 >= 0 and b.x1 <= w and b.y1 <= h for b in boxes)


def test_heatmap_long_run_names_and_labels_stay_on_the_figure(tmp_path):
    long = {k: f"aya-23-8b-paper-grid-k{k:04d}-seed0-lr1e-5-bs64" for k in (0, 100, 400)}
    m = build_matrix(grid(tmp_path, long), "mgsm", "acc", view="delta", stats=FAST)
    (page,) = heatmap_pages(m)
    fig = heatmap_figure(m, page)
    fig.canvas.draw()
    (ax, cbar) = fig.axes
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # Cut to 40 characters, the suffix kept: which row is the baseline stays readable.
    assert labels == [
        "aya-23-8b-paper-grid-k0000-seed0… (base)",
        "aya-23-8b-paper-grid-k0100-seed0-lr1e-5…",
        "aya-23-8b-paper-grid-k0400-seed0-lr1e-5…",
    ]
    assert _inside(fig, [*ax.get_yticklabels(), ax.yaxis.label, cbar.yaxis.label, *ax.get_xticklabels()])
    assert heatmap_size(page)[0] > round((2.8 + 0.62 * 8) * DPI)  # wider than with short names, not cut


def test_heatmaps_split_by_group_and_page_never_taller_than_a_page(tmp_path):
    write_manifest(tmp_path / "mb" / "clt_manifest.json", {"math": {"en": 10, "es": 0, "ja": 0}}, seen=["es"])
    write_results(
        tmp_path / "e" / "base",
        {f"clt_mgsm_{l}": {"acc": 0.1} for l in ("en", "es", "ja")},
        model_args=f"pretrained={tmp_path / 'mb'}",
    )
    for i in range(2 * PAGE_ROWS + 5):
        lang = "es" if i % 2 else "ja"
        model = tmp_path / "m" / f"r{i:03d}"
        write_manifest(model / "clt_manifest.json", {"math": {"en": 10, lang: i + 1}}, seen=[lang])
        write_results(
            tmp_path / "e" / f"r{i:03d}",
            {f"clt_mgsm_{l}": {"acc": 0.1 + 0.001 * i} for l in ("en", "es", "ja")},
            model_args=f"pretrained={model}",
        )
    m = build_matrix(load_runs([tmp_path / "e"]), "mgsm", "acc", view="delta", stats=FAST)
    pages = heatmap_pages(m)
    # 33 ja runs and 32 es runs, 29 per page beside the baseline: two pages each, each group its own.
    assert [(p.group, p.page, p.pages, len(p.rows)) for p in pages] == [
        ("seen ja", 1, 2, 30),
        ("seen ja", 2, 2, 5),
        ("seen es", 1, 2, 30),
        ("seen es", 2, 2, 4),
    ]
    assert [p.columns for p in pages] == [["en", "ja", "es"]] * 2 + [["en", "es", "ja"]] * 2
    for p in pages:
        assert p.rows[0].is_baseline
        w, h = heatmap_size(p)
        assert h <= MAX_HEIGHT_IN * DPI
    img = decode(render_figure(heatmap_figure(m, pages[0]), "png"))
    assert img.shape[0] <= MAX_HEIGHT_IN * DPI


def test_curves_with_bands(tmp_path):
    m = build_matrix(grid(tmp_path), "mgsm", "acc", stats=FAST)
    (group,) = m.groups
    assert set(group.curves) == {"english", "seen", "unseen", *(f"lang:{l}" for l in LANGS)}
    # Every point has its interval: the bands.
    assert all(lo <= v <= hi for pts in group.curves.values() for _, v, lo, hi in pts)
    png = curves_png(m)
    img = decode(png)
    # Small multiples, 4 columns: averages and en; es fr ja zh; ar ko pt (3 rows of 1.9 in, 2.3 in wide).
    assert (img.shape[1], img.shape[0]) == curves_size(m, group) == (2020, 1380) and round(png_dpi(png)) == DPI
    assert_not_blank(img)
    fig = curves_figure(m, group)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["averages", "en", "es (seen)", "fr (seen)", "ja (seen)", "zh (seen)"] + [
        "ar (unseen)",
        "ko (unseen)",
        "pt (unseen)",
    ]
    # One language per panel; the averages panel has the three series and the marker key.
    labelled = [[l.get_label() for l in ax.get_lines() if not l.get_label().startswith("_")] for ax in fig.axes]
    assert labelled[0] == ["English", "Seen avg", "Unseen avg", "differs from baseline", "no significant difference"]
    assert labelled[1:] == [[t.split()[0]] for t in titles[1:]]
    first = fig.axes[0]
    assert all(first.get_shared_y_axes().joined(first, ax) for ax in fig.axes)
    assert all(first.get_shared_x_axes().joined(first, ax) for ax in fig.axes)
    # The unseen panels share a colour and differ from the seen ones.
    colors = {ax.get_title(): ax.get_lines()[0].get_color() for ax in fig.axes[2:]}
    assert len({colors[t] for t in titles[2:6]}) == 1 and len({colors[t] for t in titles[6:]}) == 1
    assert colors["es (seen)"] != colors["ar (unseen)"]


def planted_gain_runs(tmp_path):
    """A baseline and a k = 100 run with per-item scores, 200 items per language: es gains about
    0.35 (significant), en and ar are the same items with the same scores."""
    rng = np.random.default_rng(3)
    n = 200
    base = {l: (rng.random(n) < 0.3).astype(float).tolist() for l in ("en", "es", "ar")}
    write_item_run(tmp_path, "base", {"math": {"en": 100, "es": 0}}, base, seen=["es"])
    trained = dict(base, es=np.maximum(base["es"], (rng.random(n) < 0.5)).tolist())  # +~0.35 on es only
    write_item_run(tmp_path, "k100", {"math": {"en": 100, "es": 100}}, trained, seen=["es"])
    return load_runs([tmp_path / "evals"])


def _markers(ax) -> dict[int, bool]:
    """k -> whether the panel's marker at k is filled (significant) rather than hollow."""
    out = {}
    for line in ax.get_lines():
        if line.get_linestyle() == "None" and len(line.get_xdata()) == 1:
            out[int(line.get_xdata()[0])] = line.get_markerfacecolor() != "white"
    return out


def test_curves_mark_significant_points_as_the_heatmap_does(tmp_path):
    m = build_matrix(planted_gain_runs(tmp_path), "mgsm", "acc", stats=FAST)
    row = next(r for r in m.rows if r.run == "k100")
    assert row.tests["es"].significant and not row.tests["ar"].significant
    fig = curves_figure(m, m.groups[0])
    panels = {ax.get_title(): ax for ax in fig.axes}
    assert _markers(panels["es (seen)"]) == {0: False, 100: True}  # the baseline is never marked
    assert _markers(panels["ar (unseen)"]) == {0: False, 100: False}
    assert _markers(panels["en"]) == {0: False, 100: False}
    svg = render_figure(fig, "svg").decode()
    assert "filled markers: points significantly different from the baseline after holm correction at 0.05" in svg


def test_no_curves_without_manifests(tmp_path):
    write_results(tmp_path / "r", {"clt_mgsm_en": {"acc": 0.5}, "clt_mgsm_es": {"acc": 0.4}})
    m = build_matrix(load_runs([tmp_path / "r"]), "mgsm", "acc", stats=FAST)
    assert curves_png(m) is None and m.groups == []
    assert_not_blank(decode(heatmap_png(m)))


def test_report_escapes_links_its_figures_and_has_table_2(tmp_path):
    evil = '<script>alert("x")</script>&"'
    runs = grid(tmp_path, {0: "base", 100: evil, 400: "k400"})
    out = build_report(runs, tmp_path / "report", percent=True, stats=FAST)
    files = sorted(p.name for p in out.iterdir())
    assert files == [
        ".clt-output.json",
        "index.html",
        "matrix.json",
        "mgsm_curves_001.png",
        "mgsm_curves_001.svg",
        "mgsm_heatmap_001.png",
        "mgsm_heatmap_001.svg",
    ]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;&#34;" in page
    # Figures are files beside the page; nothing else is fetched, and the page says so to the browser.
    assert """content="default-src 'none'; img-src 'self'; style-src 'unsafe-inline'">""" in page
    srcs = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert sorted(srcs) == ["mgsm_curves_001.png", "mgsm_heatmap_001.png"]
    for title in (
        "absolute (score)",
        "delta (gain over base)",
        "rel-en (% of the run",
        "Spearman ρ",
        "Plateau",
        "Holm-corrected",
        "per model and task",
    ):
        assert title in page
    assert '<td class="missing">–</td>' in page  # pt is missing for one run
    assert re.search(r"<td>seen es,fr,ja,zh</td><td>1\.00 \[", page)  # Table 2: rho with its interval
    doc = json.loads((out / "matrix.json").read_text())
    assert doc["schema"] == "clt-matrix/2" and doc["runs"][1]["name"] == evil


def test_report_of_runs_with_samples_shows_intervals_and_marks(tmp_path):
    out = build_report(planted_gain_runs(tmp_path), tmp_path / "rep", percent=False, stats=FAST)
    page = (out / "index.html").read_text(encoding="utf-8")
    delta = page[page.index("delta (gain over base)") :]
    assert re.search(r'<td class="sig">\+0\.\d{3} ±0\.\d{3}\*</td>', delta)  # es: planted, marked
    assert "<td>+0.000 ±0.000</td>" in delta  # en, ar: the same items, no change, no mark


def test_report_over_many_runs_stays_small(tmp_path, monkeypatch):
    from clt_plugin.analysis import report

    monkeypatch.setattr(report, "TABLE_ROWS", 30)  # the same code path as the real 200, at a test's cost
    n = 50
    write_manifest(tmp_path / "mb" / "clt_manifest.json", {"math": {"en": 10, "es": 0}}, seen=["es"])
    write_results(
        tmp_path / "e" / "base",
        {"clt_mgsm_en": {"acc": 0.1}, "clt_mgsm_es": {"acc": 0.1}},
        model_args=f"pretrained={tmp_path / 'mb'}",
    )
    for i in range(n):
        model = tmp_path / "m" / f"r{i:03d}"
        write_manifest(model / "clt_manifest.json", {"math": {"en": 10, "es": i + 1}}, seen=["es"])
        write_results(
            tmp_path / "e" / f"r{i:03d}",
            {"clt_mgsm_en": {"acc": 0.1}, "clt_mgsm_es": {"acc": 0.1 + i / 1000}},
            model_args=f"pretrained={model}",
        )
    out = build_report(load_runs([tmp_path / "e"]), tmp_path / "rep", stats=FAST)
    heatmaps = sorted(out.glob("mgsm_heatmap_*.png"))
    assert len(heatmaps) == -(-n // (PAGE_ROWS - 1))
    assert max(decode(p.read_bytes()).shape[0] for p in heatmaps) <= MAX_HEIGHT_IN * DPI
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "21 more runs not shown here" in page  # n + baseline - TABLE_ROWS
    assert TABLE_ROWS == 200
    assert len(json.loads((out / "matrix.json").read_text())["matrices"][0]["rows"]) == n + 1


def test_report_errors_write_nothing(tmp_path):
    runs = grid(tmp_path)
    out = tmp_path / "report"
    with pytest.raises(CLTError, match="no run has results for task clt_xlsum"):
        build_report(runs, out, ["xlsum"], stats=FAST)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".report")]
    other = tmp_path / "mine"
    other.mkdir()
    (other / "thesis.tex").write_text("keep me")
    with pytest.raises(CLTError, match=r"was not written by `clt report` \(it holds thesis.tex\)"):
        build_report(runs, other, stats=FAST)
    assert (other / "thesis.tex").read_text() == "keep me"
    # A previous report is replaced whole.
    build_report(runs, out, stats=FAST)
    first = sorted(p.name for p in out.iterdir())
    build_report(runs, out, stats=FAST)
    assert sorted(p.name for p in out.iterdir()) == first


def test_report_default_unit_is_percent_for_fractions_only(tmp_path):
    """One default unit for `clt report` and the demo's report: percent. A 0-1 metric is shown
    times 100; fractions on request; a 1-5 judge rating keeps its scale either way."""
    runs = grid(tmp_path)
    pct = (build_report(runs, tmp_path / "pct", stats=FAST) / "index.html").read_text(encoding="utf-8")
    frac = (build_report(runs, tmp_path / "frac", percent=False, stats=FAST) / "index.html").read_text(encoding="utf-8")
    # The baseline's English accuracy is 0.2 (grid): 20.0 by default, 0.200 as a fraction.
    assert re.search(r"<tr class=\"baseline\"><td>base \(baseline\)</td><td>0</td><td>–</td><td>20\.0 ±", pct)
    assert re.search(r"<tr class=\"baseline\"><td>base \(baseline\)</td><td>0</td><td>–</td><td>0\.200 ±", frac)
    assert "acc (%)" in (tmp_path / "pct" / "mgsm_curves_001.svg").read_text(encoding="utf-8")
    from clt_plugin.analysis.render import shows_percent, unit_scale

    m = build_matrix(runs, "mgsm", "acc", stats=FAST)
    assert shows_percent(m, True) and unit_scale(m, True) == 100.0 and unit_scale(m, False) == 1.0
    m.metric = "judge_rating"
    assert not shows_percent(m, True) and unit_scale(m, True) == 1.0


def test_table_2_over_checkpoints_with_grid_points_beside_it(tmp_path):
    """Contract 2: with checkpoint evaluations, Table 2 is rho over grid points × checkpoints
    (17/20 over the 9 evaluations of test_analysis_checkpoints' series), rho over grid points
    (0.5 over the 3 final models) beside it; both labelled in the page, the text and the JSON."""
    from scipy import stats as scipy_stats
    from test_analysis_checkpoints import SERIES, _training_run

    from clt_plugin.analysis.checkpoints import FINAL
    from clt_plugin.analysis.render import RHO_CHECKPOINTS_LABEL, RHO_GRID_LABEL, render

    for k, evals in SERIES.items():
        _training_run(tmp_path, k, evals)
    runs = load_runs([tmp_path / "evals"])
    points = [v for evals in SERIES.values() for v in evals.values()]
    p_all = scipy_stats.spearmanr([p[0] for p in points], [p[1] for p in points]).pvalue
    finals = [SERIES[k][FINAL] for k in SERIES]
    p_grid = scipy_stats.spearmanr([f[0] for f in finals], [f[1] for f in finals]).pvalue
    page = (build_report(runs, tmp_path / "rep", stats=FAST) / "index.html").read_text(encoding="utf-8")
    head = page[page.index("<h2>Spearman ρ") : page.index("<h2>Runs")]
    assert (
        "<tr><th>ρ over grid points × checkpoints (the paper&#39;s &#39;during training&#39;)</th>"
        "<th>ρ over grid points</th></tr>"
    ) in head
    assert head.count('<th colspan="2">mgsm</th>') == 1 and "Table 2 is ρ over grid points × checkpoints" in head
    cells = re.findall(r"<td>([^<]*)</td>", head)
    assert cells[0] == "seen es"
    assert re.fullmatch(rf"0\.85 \[-?\d\.\d\d, -?\d\.\d\d\], p = {p_all:.2g}, n = 9", cells[1]), cells
    assert re.fullmatch(rf"0\.50 \[-?\d\.\d\d, -?\d\.\d\d\], p = {p_grid:.2g}, n = 3", cells[2]), cells
    (m,) = [build_matrix(runs, "mgsm", "acc", stats=FAST)]
    text = render([m], runs, "github")
    assert f"Spearman ρ (seen avg vs unseen avg) {RHO_GRID_LABEL}, seen es: 0.5000, p = {p_grid:.4g}, n = 3" in text
    assert f"Spearman ρ (seen avg vs unseen avg) {RHO_CHECKPOINTS_LABEL}, seen es: 0.8500, p = {p_all:.4g}" in text
    doc = json.loads(render([m], runs, "json"))["matrices"][0]
    (group,) = doc["statistics"]["groups"]
    assert group["rho_checkpoints"]["n_points"] == 9 and group["rho_checkpoints"]["rho"] == pytest.approx(0.85)
    assert group["rho_grid"]["n_points"] == 3 and group["rho_grid"]["rho"] == pytest.approx(0.5)
    assert group["checkpoint_curves"]["k100"] == [[s, *map(pytest.approx, SERIES[100][s])] for s in (50, 100, FINAL)]
    assert sorted((r["run"], r["step"], r["checkpoint"]) for r in doc["checkpoints"]) == sorted(
        (f"k{k}-ckpt{s}", s, True) for k in SERIES for s in (50, 100)
    )
    assert [(r["step"], r["checkpoint"]) for r in doc["rows"]] == [(FINAL, False)] * 3


def test_table_2_without_checkpoints_says_it_is_over_grid_points(tmp_path):
    page = (build_report(grid(tmp_path), tmp_path / "rep", stats=FAST) / "index.html").read_text(encoding="utf-8")
    head = page[page.index("<h2>Spearman ρ") : page.index("<h2>Runs")]
    assert "<tr><th>ρ over grid points</th></tr>" in head and "checkpoints (the paper" not in head
    assert "No checkpoint was evaluated" in head


def test_a_cell_scored_from_a_minority_of_its_items_shows_n_of_n(tmp_path):
    """Contract 1: 8 of ko's 40 items have a score (32 null, not judged): the value is shown with
    "(8/40)" in tables, the heatmap and CSV, and the JSON carries the counts; a cell scored from
    half its items or more shows none."""
    from synthetic_samples import write_samples

    from clt_plugin.analysis.render import render

    for k, ko in ((0, [1.0] * 20 + [0.0] * 20), (100, [1.0] * 4 + [0.0] * 4 + [None] * 32)):
        model = tmp_path / "models" / f"m{k}"
        write_manifest(model / "clt_manifest.json", {"math": {"en": 100, "es": k}}, seen=["es"])
        run = tmp_path / "evals" / f"k{k}"
        items = {"en": [1.0] * 10 + [0.0] * 30, "es": [1.0] * 20 + [None] * 20, "ko": ko}
        scores = {
            f"clt_mgsm_{l}": {"acc": sum(v for v in vs if v is not None) / sum(v is not None for v in vs)}
            for l, vs in items.items()
        }
        write_results(run, scores, model_args=f"pretrained={model}", stderr=0.05)
        for l, vs in items.items():
            write_samples(run, f"clt_mgsm_{l}", vs, extra_filter=False)
    runs = load_runs([tmp_path / "evals"])
    m = build_matrix(runs, "mgsm", "acc", stats=FAST)
    row = next(r for r in m.rows if r.run == "k100")
    assert (row.n_scored["ko"], row.n_items["ko"]) == (8, 40) and (row.n_scored["es"], row.n_items["es"]) == (20, 40)
    table = render([m], runs, "github")
    line = next(l for l in table.splitlines() if l.startswith("| k100"))
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert re.fullmatch(r"0\.500 ±0\.\d{3}\*? \(8/40\)", cells[5]), cells  # ko
    assert re.fullmatch(r"1\.000 ±0\.\d{3}\*?", cells[4]), cells  # es: 20 of 40 is not a minority
    assert "(n/N) after a value: scored from only n of the language's N items" in table
    csv_rows = list(csv.DictReader(io.StringIO(render([m], runs, "csv"))))
    assert (csv_rows[1]["ko_n_scored"], csv_rows[1]["ko_n_items"]) == ("8", "40")
    assert (csv_rows[0]["ko_n_scored"], csv_rows[0]["es_n_items"]) == ("40", "40")
    doc = json.loads(render([m], runs, "json"))["matrices"][0]["rows"][1]
    assert doc["n_scored"] == {"en": 40, "es": 20, "ko": 8} and doc["n_items"] == {"en": 40, "es": 40, "ko": 40}
    (page,) = heatmap_pages(m)
    fig = heatmap_figure(m, page)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert sum("(8/40)" in t for t in texts) == 1 and sum("/40)" in t for t in texts) == 1
