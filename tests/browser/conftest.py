"""The real app served over HTTP in a thread, and Debian's Chromium driven by Playwright (never `playwright install`).

Every page a browser test visits is checked with axe-core (npm `axe-core`, installed by `make install` from
package-lock.json): each document served over http(s) runs every axe rule once it has loaded, and a test fails on
any violation, of any impact, naming the page and the rule. The check is made before the test's next call on the
page (so a page the test moves on from at once is checked all the same) and when the test ends. Pages a test
writes itself with `page.set_content` (a helpdesk's form or card preview standing in for the vendor's own screen)
are not contactguard's and are not checked.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.browser.accessibility import AxeChecks

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / ".cache" / "artifacts" / "browser"


@pytest.fixture
def live_server(app):
    """The app on 127.0.0.1 at a free port, against this test's database; its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium from Debian's package (scripts/install-browser.sh installs it; `make install` runs that)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-browser.sh (as root) or `make install`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    """A fresh browser context (no cookies) and page; screenshots go to .cache/artifacts/browser/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": 1100, "height": 900})
    checks = AxeChecks(context)
    page = checks.watch(context.new_page())
    yield page
    try:
        checks.finish(page)
    finally:
        context.close()
