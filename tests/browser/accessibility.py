"""axe-core in every page the browser tests visit: injected before the page's own scripts, run once the page has
loaded, and any violation (of any impact) failing the test with the page's address, the rule and the elements.

Why a wrapper on the page's methods: a page the test leaves at once (a click that navigates, then another) must
still be checked, and a check that runs on its own in the background could race the next navigation. So each
document checks itself when it loads (reporting back through an exposed function), and before each of the test's
calls on the page the check is awaited, and made again if the page's content changed since the last one.
"""

from __future__ import annotations

import functools
from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# In the top frame only (axe reaches into frames itself, where the init script put it too): a run once the page has
# loaded, and another whenever the test next looks at the page after its content changed (a panel its script
# fills in after loading, a section shown): each state the test sees is checked, each once.
RUNNER = """
(() => {
  if (window.top !== window || window.__cgAxeCheck) return;
  let changed = true;
  let running = null;
  const watch = () => new MutationObserver(() => { changed = true; }).observe(
    document.documentElement, {subtree: true, childList: true, characterData: true});
  const run = () => {
    changed = false;
    return axe.run(document, {resultTypes: ["violations"]}).then(
      (result) => window.__cgAxeReport(location.href, result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + ": " + n.failureSummary.replace(/\\s+/g, " ")),
      }))),
      (error) => window.__cgAxeReport(location.href, [{id: "axe-error", impact: "critical", help: String(error), nodes: []}]),
    );
  };
  const loaded = new Promise((resolve) => {
    if (document.readyState === "complete") resolve(); else window.addEventListener("load", resolve, {once: true});
  });
  window.__cgAxeCheck = () => {
    if (!running) {
      running = loaded.then(() => (changed ? run() : null)).finally(() => { running = null; });
    }
    return running;
  };
  loaded.then(watch);
  if (/^https?:/.test(location.href)) window.__cgAxeCheck();
})();
"""

# Calls that do not look at the page: registering handlers, routes, timeouts, and closing it.
UNCHECKED = {
    "add_init_script",
    "add_locator_handler",
    "close",
    "expose_binding",
    "expose_function",
    "is_closed",
    "on",
    "once",
    "remove_listener",
    "remove_locator_handler",
    "route",
    "route_from_har",
    "route_web_socket",
    "set_content",
    "set_default_navigation_timeout",
    "set_default_timeout",
    "set_extra_http_headers",
    "set_viewport_size",
    "unroute",
    "unroute_all",
}


class AxeChecks:
    """The axe reports of one browser context's pages, and the wrapper that awaits them."""

    def __init__(self, context):
        if not AXE.exists():
            raise RuntimeError(f"{AXE} is missing: run `make install` (npm ci installs axe-core)")
        self.reports: list[tuple[str, list[dict]]] = []
        self.raised = 0
        context.expose_function("__cgAxeReport", self._report)
        context.add_init_script(path=str(AXE))
        context.add_init_script(script=RUNNER)

    def _report(self, url: str, violations: list[dict]) -> None:
        self.reports.append((url, violations))

    def watch(self, page):
        """The page, with each call that looks at it preceded by the check of the document it shows."""
        for name in dir(page):
            if name.startswith("_") or name in UNCHECKED:
                continue
            method = getattr(type(page), name, None)
            if callable(method) and not isinstance(method, property):
                setattr(page, name, self._checked(page, getattr(page, name)))
        return page

    def _checked(self, page, call):
        @functools.wraps(call)
        def checked(*args, **kwargs):
            self.check(page)
            return call(*args, **kwargs)

        return checked

    def check(self, page) -> None:
        """Await the current document's check (starting it if it has not started), then fail on any violation."""
        url = page.url
        if url.startswith(("http://", "https://")):
            try:
                type(page).evaluate(page, "() => window.__cgAxeCheck && window.__cgAxeCheck()")
            except Exception as exc:  # the page is navigating: the next document is checked in its turn
                if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                    raise
        self._fail_on_new_violations()

    def finish(self, page) -> None:
        """At the end of the test: the page it ended on, and anything reported since the last call."""
        if not page.is_closed():
            self.check(page)
        self._fail_on_new_violations()

    def _fail_on_new_violations(self) -> None:
        new = [(url, found) for url, found in self.reports[self.raised :] if found]
        self.raised = len(self.reports)
        if new:
            raise AssertionError("axe-core found accessibility violations:\n" + "\n".join(_describe(*r) for r in new))


def _describe(url: str, violations: list[dict]) -> str:
    lines = [f"  {url}"]
    for v in violations:
        lines.append(f"    {v['id']} ({v['impact']}): {v['help']}")
        lines += [f"      {node}" for node in v["nodes"]]
    return "\n".join(lines)
