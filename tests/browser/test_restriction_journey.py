"""The issue's "Done when", in a real headless Chromium: a senior officer signs in, records an incident, issues a
warning, walks the restriction wizard and activates a restriction with a sole point of contact, opens the
restriction page and sees the review date, downloads the restriction letter as a PDF, and finds the review on the
dashboard. The customer search and one wizard question are done from the keyboard alone (Tab and Enter).

Each step leaves a screenshot in .cache/artifacts/browser/.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from plugin.app import create_app, dispose
from tests.browser.test_sign_in_browser import _sign_in, in_words
from tests.helpers import fill_date_boxes
from tests.letters.conftest import COUNCIL
from tests.web.test_auth_support import give_account

ARTIFACTS = Path(__file__).resolve().parents[2] / ".cache" / "artifacts" / "browser"


@pytest.fixture
def app(settings):
    """The app for a council whose letterhead and signatory are set, so the restriction letter can be written."""
    app = create_app(
        {
            "DATABASE_URL": settings.DATABASE_URL,
            "INSTANCE_PATH": settings.INSTANCE_PATH,
            "TESTING": True,
            **COUNCIL,
        }
    )
    yield app
    dispose(app)


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"journey-{name}.png"), full_page=True)


def _continue(page) -> None:
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def _heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def test_a_senior_officer_restricts_contact_from_incident_to_review(cast, live_server, browser_page):
    page = browser_page
    with cast.act() as ctx:
        yesterday = ctx.today() - dt.timedelta(days=1)
        review_day = ctx.today() + dt.timedelta(days=20)  # within 30 days, so the dashboard lists the review
    give_account(cast, "senior")
    _sign_in(page, live_server, "senior")
    assert page.locator("#signed-in-as").inner_text() == "Sam Senior (senior)"

    # Find the customer from the keyboard: the search box, typing, Enter.
    page.get_by_role("link", name="Customers").click()
    page.wait_for_load_state()
    page.focus("#q")
    page.keyboard.type("Jane")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert '1 found for "Jane"' in page.locator("#results").inner_text()
    _shot(page, "search")
    page.get_by_role("link", name="C1 Jane Customer").click()
    page.wait_for_load_state()
    assert _heading(page) == "C1 Jane Customer"

    # Record the incident.
    page.get_by_role("button", name="Record an incident").click()
    page.wait_for_load_state()
    page.get_by_label("Who experienced it").select_option("officer@council.example")
    fill_date_boxes(page, "Date it happened", yesterday)
    page.get_by_label("Time it happened").fill("10:15")
    page.get_by_label("Telephone", exact=True).check()
    page.get_by_label("Verbal abuse", exact=True).check()
    page.get_by_label("What happened").fill("Shouted and swore at the officer on the phone")
    page.get_by_label("Action taken at the time").fill("call ended")
    _shot(page, "incident-form")
    page.get_by_role("button", name="Record incident").click()
    page.wait_for_load_state()
    assert "Incident 1 recorded." in page.locator(".govuk-notification-banner").inner_text()
    assert "Shouted and swore at the officer on the phone" in page.locator("#incidents + table").inner_text()

    # Issue the warning citing it.
    page.get_by_role("button", name="Issue a warning").click()
    page.wait_for_load_state()
    page.get_by_label("Incident 1:").check()
    page.get_by_label("What the customer did").fill("You shouted and swore at an officer on the phone")
    page.get_by_label("Why it is unacceptable").fill("Staff are entitled to work without abuse")
    page.get_by_label("What change is asked for").fill("Please keep your calls civil")
    page.get_by_label("What may follow").fill("Your contact with the council may be restricted")
    page.get_by_role("button", name="Issue warning").click()
    page.wait_for_load_state()
    assert "Warning 1 issued" in page.locator(".govuk-notification-banner").inner_text()
    _shot(page, "customer-after-warning")

    # The wizard, one question a page, in the policy's order.
    page.get_by_role("button", name="Restrict contact").click()
    page.wait_for_load_state()
    assert _heading(page) == "Why contact is restricted"
    page.get_by_label("After a warning").check()
    page.get_by_label("Incident 1:").check()
    _continue(page)
    assert _heading(page) == "The warning"
    page.get_by_label("Warning 1, issued").check()
    _continue(page)
    assert _heading(page) == "Pre-restriction checks"
    page.locator("#social_work_known-2").check()  # No
    page.locator("#adjustments_needed-2").check()  # No
    page.get_by_label("Other services involved").fill("none")
    _continue(page)
    assert _heading(page) == "Sole point of contact"
    page.get_by_label("A named officer (with a deputy)").check()
    page.get_by_label("The officer", exact=True).select_option("officer@council.example")
    _continue(page)
    assert _heading(page) == "Ways and times of contact"
    page.get_by_label("E-mail", exact=True).check()
    page.get_by_label("Letter", exact=True).check()
    page.get_by_label("Times the customer may make contact").fill("mon,wed 10:00-12:00")
    _continue(page)

    # This question from the keyboard alone: type the answer, Tab to the button, Enter.
    assert _heading(page) == "Why it is necessary"
    page.focus("#why_necessary")
    page.keyboard.type("Abusive calls continued after the warning")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim() || document.activeElement.value") == "Continue"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert _heading(page) == "Review date"
    fill_date_boxes(page, "When will the restriction be reviewed?", review_day)
    _continue(page)
    assert _heading(page) == "Check your answers"
    answers = page.locator("#answers").inner_text()
    assert "officer@council.example" in answers and in_words(review_day) in answers
    _shot(page, "check-answers")
    page.get_by_role("button", name="Propose restriction").click()
    page.wait_for_load_state()
    assert "Restriction 1 proposed." in page.locator(".govuk-notification-banner").inner_text()

    # A senior officer sees Activate on the proposal, checks the terms in words, then activates.
    page.get_by_role("button", name="Activate").click()
    page.wait_for_load_state()
    assert _heading(page) == "Check the restriction before you activate it"
    check = page.locator("#check").inner_text()
    assert "officer@council.example" in check and in_words(review_day) in check
    _shot(page, "check-before-activating")
    page.get_by_role("button", name="Activate the restriction").click()
    page.wait_for_load_state()
    assert f"It is reviewed by {in_words(review_day)}." in page.locator(".govuk-notification-banner").inner_text()
    assert page.locator("#state").inner_text() == "active"
    assert page.locator("#review-date").inner_text() == in_words(review_day)
    assert page.locator("#spoc").inner_text().startswith("officer@council.example")
    _shot(page, "restriction-active")

    # The restriction letter, from the page's link, as a PDF.
    page.locator("#letter a").click()
    page.wait_for_load_state()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download PDF").click()
    pdf = Path(download_info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    _shot(page, "restriction-letter")

    # The dashboard shows the review.
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_load_state()
    assert f"1\tC1 Jane Customer\t{in_words(review_day)}" in page.locator("#reviews + table").inner_text()
    _shot(page, "dashboard-review")
