"""`clt report`'s index.html in a real headless Chromium at 1300 and 800 CSS pixels: every table
fits or scrolls inside the page, its last column can be reached and seen, the page itself never
scrolls sideways, the runs table shows paths relative to their root, and a screenshot at each
width has the page on it. Set CLT_SCREENSHOTS=DIR to keep the screenshots for a person to look at.
"""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
from browser_helpers import chromium, open_file, set_viewport
from synthetic_samples import write_item_run

from clt_plugin.analysis.report import build_report
from clt_plugin.analysis.results import load_runs
from clt_plugin.analysis.uncertainty import StatOptions

SEEN = ["es", "fr", "ja", "zh"]
LANGS = ["en", *SEEN, "ar", "ko", "pt"]
KS = (0, 100, 200, 400, 800)
# Deep folders as a cluster's scratch space has them: absolute paths would make the runs table wide.
DEEP = "scratch/project-cross-lingual-transfer/experiments/2026-01-01-paper-grid/aya-23-8b"

# For every table: does it fit, or scroll in its own box; after scrolling its last cell into
# view, is that cell inside its box and the viewport, and is it what a click there would hit?
TABLES_JS = """
const out = [];
for (const table of document.querySelectorAll('table')) {
  const box = table.parentElement;
  const cell = table.querySelector('tbody tr:last-child td:last-child');
  cell.scrollIntoView({block: 'center', inline: 'end'});
  const r = cell.getBoundingClientRect(), b = box.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  out.push({
    heading: (table.closest('div').previousElementSibling || {}).textContent || '',
    wide: table.scrollWidth > box.clientWidth,
    overflow: getComputedStyle(box).overflowX,
    inBox: r.left >= b.left - 1 && r.right <= b.right + 1,
    inViewport: r.left >= 0 && r.right <= window.innerWidth,
    hit: hit === cell || cell.contains(hit),
  });
}
return out;
"""


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("report") / DEEP
    rng = np.random.default_rng(5)
    for k in KS:
        items = {
            lang: (rng.random(120) < 0.3 + 0.02 * i + (0.25 if lang in SEEN else 0.1) * k / 800).astype(float).tolist()
            for i, lang in enumerate(LANGS)
        }
        name = f"aya-23-8b-paper-grid-k{k:04d}-seed0"
        write_item_run(root, name, {"math": {"en": 10000, **{l: k for l in SEEN}}}, items, seen=SEEN)
    return build_report(load_runs([root / "evals"]), root / "report", stats=StatOptions(resamples=500)), root


def keep_screenshot(png: bytes, name: str) -> None:
    if os.environ.get("CLT_SCREENSHOTS"):
        os.makedirs(os.environ["CLT_SCREENSHOTS"], exist_ok=True)
        with open(os.path.join(os.environ["CLT_SCREENSHOTS"], name), "wb") as f:
            f.write(png)


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


@pytest.mark.parametrize("width", [1300, 800])
def test_every_table_fits_or_scrolls_and_its_last_column_is_reachable(browser, report_dir, width):
    from PIL import Image

    out, _ = report_dir
    set_viewport(browser, width, 900)
    open_file(browser, out / "index.html")
    assert browser.execute_script("return window.innerWidth") == width
    # The page never scrolls sideways: whatever is wide scrolls inside its own box.
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    tables = browser.execute_script(TABLES_JS)
    assert len(tables) == 2 + 4  # Table 2, runs, and absolute, delta, rel-en, transfer of clt_mgsm
    for t in tables:
        assert not t["wide"] or t["overflow"] in ("auto", "scroll"), t
        assert t["inBox"] and t["inViewport"] and t["hit"], t
    # The view tables (15 columns) are wider than 800 px: the scrolling is what is tested there.
    assert sum(t["wide"] for t in tables) >= (1 if width == 1300 else 4)
    browser.execute_script("window.scrollTo(0, 0); document.querySelectorAll('.scroll').forEach(b => b.scrollLeft = 0)")
    png = browser.get_screenshot_as_png()
    keep_screenshot(png, f"report-{width}.png")
    # A second look, at the first of the wide view tables, for a person checking the layout.
    browser.execute_script("document.querySelectorAll('h3')[0].scrollIntoView()")
    keep_screenshot(browser.get_screenshot_as_png(), f"report-{width}-tables.png")
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (width, 900)
    colors = image.getcolors(maxcolors=1 << 20)
    assert colors is not None and len(colors) > 10
    assert sum(n for n, (r, g, b) in colors if r + g + b < 200) > 500  # text on it


def test_runs_table_shows_paths_relative_to_the_results_root(browser, report_dir):
    from selenium.webdriver.common.by import By

    out, root = report_dir
    set_viewport(browser, 1300, 900)
    open_file(browser, out / "index.html")
    runs = browser.find_elements(By.XPATH, "//h2[.='Runs']/following-sibling::div[1]//tbody/tr")
    cells = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")] for tr in runs]
    names = [f"aya-23-8b-paper-grid-k{k:04d}-seed0" for k in KS]
    assert [c[0] for c in cells] == names
    assert [c[5] for c in cells] == names  # results folders, relative to the evals folder
    assert [c[6] for c in cells] == [f"{n}/clt_manifest.json" for n in names]
    note = browser.find_element(By.XPATH, "//h2[.='Runs']/following-sibling::p[1]").text
    assert note == (
        f"results paths relative to {root.resolve() / 'evals'}; manifest paths relative to {root.resolve() / 'models'}"
    )
    assert str(root) not in " ".join(" ".join(c) for c in cells)
