"""In a real headless Chromium: sign in through the form, the dashboard, a wrong password, a refused page, sign-out.

What is checked is what a person sees on the screen; each step leaves a screenshot in .cache/artifacts/browser/.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.helpers import active_restriction
from tests.web.test_auth_support import PASSWORD, email_of, give_account

ARTIFACTS = Path(__file__).resolve().parents[2] / ".cache" / "artifacts" / "browser"


def in_words(day: dt.date) -> str:
    """A date as the pages show it (GOV.UK style): 17 December 2026."""
    return f"{day.day} {day:%B %Y}"


def _sign_in(page, base: str, who: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("E-mail address").fill(email_of(who))
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_a_senior_officer_signs_in_sees_a_review_due_and_signs_out(cast, live_server, browser_page):
    page = browser_page
    with cast.act() as ctx:
        review_day = ctx.today() + dt.timedelta(days=10)
    restriction = active_restriction(cast, review_due=review_day.isoformat())
    give_account(cast, "senior")

    page.goto(f"{live_server}/")
    assert page.url == f"{live_server}/sign-in?next=/"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"

    _sign_in(page, live_server, "senior", password="not the right password")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "There is a problem" in summary.inner_text()
    assert "The e-mail address, password or code is not right" in summary.inner_text()
    assert page.title() == "Error: Sign in - contactguard"
    page.screenshot(path=str(ARTIFACTS / "wrong-password.png"), full_page=True)

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.url == f"{live_server}/"
    assert page.locator("#signed-in-as").inner_text() == "Sam Senior (senior)"
    reviews = page.locator("#reviews + table")
    assert f"{restriction}\tC1 Jane Customer\t{in_words(review_day)}" in reviews.inner_text()
    page.screenshot(path=str(ARTIFACTS / "dashboard-senior.png"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert "You have signed out." in page.locator(".govuk-notification-banner").inner_text()
    page.goto(f"{live_server}/")
    assert page.url.startswith(f"{live_server}/sign-in")


def test_an_agent_cannot_open_a_senior_only_page(cast, live_server, browser_page):
    page = browser_page
    active_restriction(cast)
    give_account(cast, "agent")
    _sign_in(page, live_server, "agent")
    assert page.locator("#signed-in-as").inner_text() == "Ann Agent (agent)"
    assert page.get_by_role("link", name="Reviews").count() == 0  # not offered in the navigation
    page.screenshot(path=str(ARTIFACTS / "dashboard-agent.png"), full_page=True)

    response = page.goto(f"{live_server}/reviews")
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "You cannot open this page"
    page.screenshot(path=str(ARTIFACTS / "forbidden-agent.png"), full_page=True)


def test_an_officer_sees_their_sessions_and_ends_this_one(cast, live_server, browser_page):
    """Issue 21: "Your sessions", beside "Sign out", lists this browser; ending it signs out."""
    page = browser_page
    give_account(cast, "officer")
    _sign_in(page, live_server, "officer")
    page.get_by_role("link", name="Your sessions").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Your sessions"
    row = page.locator("#sessions tbody tr")
    assert row.count() == 1
    assert row.first.inner_text().startswith("Chrome on Linux This browser\t127.0.0.1\t")
    page.screenshot(path=str(ARTIFACTS / "your-sessions.png"), full_page=True)

    page.get_by_role("button", name="End this session and sign out").click()
    page.wait_for_load_state()
    assert "You have signed out." in page.locator(".govuk-notification-banner").inner_text()
    page.goto(f"{live_server}/account/sessions")
    assert page.url.startswith(f"{live_server}/sign-in")
