"""Plots (size, not blank) and the self-contained HTML report (escaping, atomicity)."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
from matplotlib import image as mpimg

from clt_plugin.analysis.matrix import build_matrix
from clt_plugin.analysis.plots import curves_png, curves_size, heatmap_png, heatmap_size
from clt_plugin.analysis.report import build_report
from clt_plugin.analysis.results import load_runs
from clt_plugin.analysis.synthetic import write_manifest, write_results
from clt_plugin.errors import CLTError

SEEN = ["es", "fr", "ja", "zh"]
LANGS = ["en", *SEEN, "ar", "ko", "pt"]


def grid(root, names=None):
    names = names or {0: "base", 100: "k100", 400: "k400"}
    for k, name in names.items():
        model = root / "models" / f"m{k}"
        write_manifest(model / "clt_manifest.json", {"math": {"en": 1000, **{l: k for l in SEEN}}}, seen=SEEN)
        scores = {f"clt_mgsm_{l}": {"acc": 0.2 + (k / 4000 if l in SEEN else k / 8000) + 0.01 * i,
                                     "lpr": 0.9}
                  for i, l in enumerate(LANGS) if not (k == 100 and l == "pt")}
        write_results(root / "evals" / f"r{k}", scores, model_args=f"pretrained={model}")
    from clt_plugin.analysis.results import RunSpec

    return load_runs([], [RunSpec(name, root / "evals" / f"r{k}") for k, name in names.items()])


def decode(png: bytes) -> np.ndarray:
    return mpimg.imread(io.BytesIO(png), format="png")


def assert_not_blank(img: np.ndarray) -> None:
    rgb = img[..., :3].reshape(-1, 3)
    assert float(rgb.std()) > 0.05
    assert len(np.unique((rgb * 255).astype(np.uint8), axis=0)) > 20


def test_heatmap_size_and_content(tmp_path):
    m = build_matrix(grid(tmp_path), "mgsm", "acc", view="delta")
    png = heatmap_png(m)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    img = decode(png)
    assert (img.shape[1], img.shape[0]) == heatmap_size(m) == (850, 286)
    assert_not_blank(img)
    # Same matrix, same bytes.
    assert heatmap_png(m) == png


def test_curves_size_and_content(tmp_path):
    m = build_matrix(grid(tmp_path), "mgsm", "acc")
    img = decode(curves_png(m))
    assert (img.shape[1], img.shape[0]) == curves_size(m) == (500, 380)
    assert_not_blank(img)


def test_no_curves_without_manifests(tmp_path):
    write_results(tmp_path / "r", {"clt_mgsm_en": {"acc": 0.5}, "clt_mgsm_es": {"acc": 0.4}})
    m = build_matrix(load_runs([tmp_path / "r"]), "mgsm", "acc")
    assert curves_png(m) is None
    assert_not_blank(decode(heatmap_png(m)))


def test_report_is_self_contained_and_escaped(tmp_path):
    evil = '<script>alert("x")</script>&"'
    runs = grid(tmp_path, {0: "base", 100: evil, 400: "k400"})
    out = build_report(runs, tmp_path / "report", percent=True)
    files = sorted(p.name for p in out.iterdir())
    assert files == [".clt-output.json", "index.html", "matrix.json", "mgsm_curves.png", "mgsm_heatmap.png"]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<script" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&quot;" in page
    # Nothing fetched from elsewhere: every image is inline, no links to other files.
    assert not re.search(r'(src|href)="(?!data:)', page)
    imgs = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(imgs) == 2
    import base64

    assert base64.b64decode(imgs[0]) == (out / "mgsm_heatmap.png").read_bytes()
    for title in ("absolute (score)", "delta (gain over base)", "rel-en (% of the run", "Spearman ρ", "Plateau"):
        assert title in page
    assert '<td class="missing">–</td>' in page  # pt is missing for one run
    doc = json.loads((out / "matrix.json").read_text())
    assert doc["schema"] == "clt-matrix/1" and doc["runs"][1]["name"] == evil


def test_report_errors_write_nothing(tmp_path):
    runs = grid(tmp_path)
    out = tmp_path / "report"
    with pytest.raises(CLTError, match="no run has results for task clt_xlsum"):
        build_report(runs, out, ["xlsum"])
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".report")]
    other = tmp_path / "mine"
    other.mkdir()
    (other / "thesis.tex").write_text("keep me")
    with pytest.raises(CLTError, match=r"was not written by `clt report` \(it holds thesis.tex\)"):
        build_report(runs, other)
    assert (other / "thesis.tex").read_text() == "keep me"
    # A previous report is replaced whole.
    build_report(runs, out)
    build_report(runs, out)
    assert sorted(p.name for p in out.iterdir()) == [".clt-output.json", "index.html", "matrix.json",
                                                      "mgsm_curves.png", "mgsm_heatmap.png"]
