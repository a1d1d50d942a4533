"""Headless Debian Chromium for the page tests (leaderboard and report), driven by selenium.

The tests never skip: a machine without Chromium fails them with the install command, so a CI
image that lost the browser cannot pass silently. Selenium is pointed at the system binaries,
so selenium-manager never runs and nothing is downloaded. Paths can be overridden with
CLT_CHROMIUM and CLT_CHROMEDRIVER.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CLT_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CLT_CHROMEDRIVER", "/usr/bin/chromedriver")
INSTALL = "make browser (apt-get install -y chromium chromium-driver); pip install -e '.[dev]' (selenium)"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,900",
)


def chromium():
    """A headless Chromium driver (a generator for a fixture: it quits and cleans up after)."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not (os.path.isfile(p) and os.access(p, os.X_OK))]
    if missing:
        pytest.fail(
            f"headless Chromium is needed for the page tests; missing {', '.join(missing)}. Install: {INSTALL}",
            pytrace=False,
        )
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail(f"selenium is needed for the page tests. Install: {INSTALL}", pytrace=False)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="clt-chromium-")
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    # An explicit driver path: selenium-manager (which would download a browser) never runs.
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def set_viewport(driver, width: int, height: int) -> None:
    """An exact CSS viewport (a window size would include the browser's own frame)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def open_file(driver, path: Path) -> None:
    driver.get(path.resolve().as_uri())
