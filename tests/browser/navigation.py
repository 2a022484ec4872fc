"""Moving through the pages as a person does, for the browser tests: by a link's or button's name, or the menu."""

from __future__ import annotations


def go(page, name: str) -> None:
    """Follow the link or press the button named `name`, and wait for the next page."""
    target = page.get_by_role("link", name=name, exact=True)
    if not target.count():
        target = page.get_by_role("button", name=name, exact=True)
    with page.expect_navigation():
        target.first.click()


def nav(page, name: str) -> None:
    """Follow the menu's link named `name`, and wait for the next page."""
    with page.expect_navigation():
        page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True).click()
