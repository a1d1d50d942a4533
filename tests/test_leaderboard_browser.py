"""The leaderboard page in a real headless Chromium: sorting, views, no script injection, a screenshot.

Needs Debian's `chromium` and `chromium-driver` packages and the `selenium` package (dev extra);
tests/browser_helpers.py starts the browser (never skipped, nothing downloaded).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from browser_helpers import chromium, open_file
from leaderboard_fixtures import EVIL, PAPER, mgsm, write_example_submission, write_task_dir, xlsum

from clt_plugin.leaderboard.board import build_board, collect
from clt_plugin.leaderboard.installed import installed_tasks
from clt_plugin.leaderboard.render import write_board

# EVIL as an <img> handler; both go in as a model id, a base model and a revision.
EVIL_IMG = "<img src=x onerror=\"window.__pwned=2;document.title='pwned'\">"


@pytest.fixture(scope="module")
def board_dir(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("board")
    tasks = write_task_dir(tmp / "tasks", {"mgsm": PAPER, "xlsum": PAPER})
    subs, work = tmp / "subs", tmp / "work"
    write_example_submission(subs / "a.json", work, tasks, "org/a", {**mgsm(0.25), **xlsum(0.5)})
    write_example_submission(subs / "b.json", work, tasks, "org/b", {**mgsm(0.0), **xlsum(0.625)})
    write_example_submission(subs / "evil.json", work, tasks, EVIL, mgsm(0.125), base_model=EVIL_IMG, revision=EVIL)
    out = tmp / "out"
    write_board(build_board(collect(subs), installed_tasks(tasks)), out, subs)
    return out


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


def open_page(driver, path: Path) -> None:
    open_file(driver, path)
    # The page's own script marks the document when it has run (so the CSP hash is right).
    assert driver.execute_script("return document.documentElement.getAttribute('data-ready')") == "1"


def model_order(driver, view: str) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0] + ' tbody td.model'))"
        ".map(td => td.firstChild.textContent.trim());",
        f"#view-{view}",
    )


def click_header(driver, view: str, text: str) -> None:
    from selenium.webdriver.common.by import By

    headers = driver.find_elements(By.CSS_SELECTOR, f"#view-{view} thead th")
    [th] = [h for h in headers if h.text == text]
    th.click()


def test_sorting_columns_reorders_rows(browser, board_dir):
    open_page(browser, board_dir / "index.html")
    assert model_order(browser, "overview") == ["org/a", "org/b", EVIL]  # by overall; unranked last
    click_header(browser, "overview", "mgsm (acc)")  # numbers: highest first
    assert model_order(browser, "overview") == ["org/a", EVIL, "org/b"]
    click_header(browser, "overview", "mgsm (acc)")
    assert model_order(browser, "overview") == ["org/b", EVIL, "org/a"]
    click_header(browser, "overview", "xlsum (rougeL)")  # EVIL has no xlsum: last both ways
    assert model_order(browser, "overview") == ["org/b", "org/a", EVIL]
    click_header(browser, "overview", "xlsum (rougeL)")
    assert model_order(browser, "overview") == ["org/a", "org/b", EVIL]
    click_header(browser, "overview", "Model")  # text: A to Z
    assert model_order(browser, "overview") == [EVIL, "org/a", "org/b"]
    aria = browser.execute_script(
        "return Array.from(document.querySelectorAll('#view-overview th')).map(th => th.getAttribute('aria-sort'));"
    )
    assert aria.count("ascending") == 1 and aria.count("descending") == 0


def test_a_view_per_task_with_its_own_sorting(browser, board_dir):
    from selenium.webdriver.common.by import By

    open_page(browser, board_dir / "index.html")
    assert not browser.find_element(By.ID, "view-task-mgsm").is_displayed()
    browser.find_element(By.CSS_SELECTOR, 'nav button[data-view="task-mgsm"]').click()
    assert browser.find_element(By.ID, "view-task-mgsm").is_displayed()
    assert not browser.find_element(By.ID, "view-overview").is_displayed()
    heads = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "#view-task-mgsm thead th")]
    assert heads == ["#", "Model", "Seen", "EN", "Seen avg", "Unseen avg", "Gap", "All", "Fidelity", *PAPER]
    seen_cells = browser.find_elements(By.CSS_SELECTOR, "#view-task-mgsm tbody tr:first-child td.seen")
    assert [c.text for c in seen_cells] == ["0.312", "0.375", "0.438", "0.500"]  # es fr ja zh of org/a
    click_header(browser, "task-mgsm", "ko")
    assert model_order(browser, "task-mgsm") == ["org/a", EVIL, "org/b"]
    # The address remembers the view.
    assert browser.execute_script("return location.hash") == "#task-mgsm"


def _assert_inert(driver) -> None:
    assert driver.title == "CLT leaderboard"
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    assert driver.execute_script("return document.images.length") == 0
    assert driver.execute_script("return document.scripts.length") == 2  # the data block and the page's own
    cells = driver.execute_script(
        "return Array.from(document.querySelectorAll('td.model')).map(td => td.firstChild.textContent);"
    )
    assert EVIL in cells  # shown as text, in every view
    shown = driver.execute_script("return document.body.innerText")
    assert EVIL in shown and EVIL_IMG in shown


def test_injected_script_does_not_run(browser, board_dir, tmp_path):
    open_page(browser, board_dir / "index.html")
    _assert_inert(browser)
    # Escaping alone must be enough: the same page without its Content-Security-Policy.
    page = (board_dir / "index.html").read_text(encoding="utf-8")
    bare, n = re.subn(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n', "", page)
    assert n == 1
    (tmp_path / "no-csp.html").write_text(bare, encoding="utf-8")
    open_page(browser, tmp_path / "no-csp.html")
    _assert_inert(browser)


def test_screenshot_is_a_non_blank_png(browser, board_dir, tmp_path):
    from PIL import Image

    open_page(browser, board_dir / "index.html")
    png = browser.get_screenshot_as_png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    (tmp_path / "board.png").write_bytes(png)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size[0] >= 800 and image.size[1] >= 600
    colors = image.getcolors(maxcolors=1 << 20)
    assert colors is not None and len(colors) > 10  # text, borders, the selected tab: not one flat colour
    dark = sum(n for n, (r, g, b) in colors if r + g + b < 200)
    assert dark > 500  # there is text on it
