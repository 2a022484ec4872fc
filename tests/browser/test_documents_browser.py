"""In a real headless Chromium: a letter's page and its PDF download, a report's chart, a connection's webhook URL.

What is checked is what a person sees; each step leaves a screenshot (and the letter's first page as a PNG) in
.cache/artifacts/browser/.
"""

from __future__ import annotations

import datetime as dt

import pypdfium2 as pdfium
import pytest
from sqlalchemy import select

from plugin.app import create_app, dispose
from plugin.models import Letter
from plugin.services import connections as conns
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_sign_in_browser import in_words
from tests.helpers import active_restriction, fill_date_boxes
from tests.letters.conftest import COUNCIL
from tests.web.test_auth_support import PASSWORD, email_of, give_account


@pytest.fixture
def app(settings):
    """The app for a council whose letterhead and signatory are set (live_server serves this one)."""
    app = create_app(
        {
            "DATABASE_URL": settings.DATABASE_URL,
            "INSTANCE_PATH": settings.INSTANCE_PATH,
            "TESTING": True,
            "PUBLIC_URL": "https://contactguard.council.example",
            **COUNCIL,
        }
    )
    yield app
    dispose(app)


def _sign_in(page, base: str, who: str) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("E-mail address").fill(email_of(who))
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _ink(image) -> float:
    """The share of pixels that are not near-white: 0 for a blank page."""
    grey = image.convert("L")
    dark = sum(count for level, count in enumerate(grey.histogram()) if level < 200)
    return dark / (grey.width * grey.height)


def test_an_officer_opens_a_letter_downloads_its_pdf_and_records_it_as_sent(cast, live_server, browser_page, tmp_path):
    page = browser_page
    with cast.act() as ctx:
        review = ctx.today() + dt.timedelta(days=120)
    restriction_id = active_restriction(cast, review_due=review.isoformat())
    with cast.sessions() as s:
        letter_id = s.scalar(
            select(Letter.id).where(Letter.kind == "restriction", Letter.restriction_id == restriction_id)
        )
    give_account(cast, "officer")
    _sign_in(page, live_server, "officer")

    page.get_by_role("link", name="Letters", exact=True).click()
    page.get_by_role("link", name=f"Restriction letter {letter_id}").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == f"Restriction letter {letter_id}"
    letter_frame = page.frame_locator("iframe.cg-letter")
    assert "Jane Customer" in letter_frame.locator("body").inner_text()
    page.screenshot(path=str(ARTIFACTS / "letter-page.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"letter-{letter_id}-restriction.pdf"
    pdf_path = tmp_path / download.suggested_filename
    download.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    document = pdfium.PdfDocument(str(pdf_path))
    try:
        image = document[0].render(scale=1.5).to_pil()
    finally:
        document.close()
    image.save(ARTIFACTS / "letter-page-1.png")
    assert _ink(image) > 0.005, "page 1 of the letter has text and a letterhead on it"

    page.get_by_label("E-mail").check()
    page.get_by_role("button", name="Record as sent").click()
    page.wait_for_load_state()
    with cast.sessions() as s:
        deemed = s.get(Letter, letter_id).deemed_receipt
    assert f"It is deemed received on {in_words(deemed)}." in page.locator(".govuk-notification-banner").inner_text()
    assert page.locator("#deemed-receipt").inner_text() == in_words(deemed)
    page.screenshot(path=str(ARTIFACTS / "letter-sent.png"), full_page=True)


def test_a_senior_officer_sees_a_report_chart_with_its_table(cast, live_server, browser_page):
    page = browser_page
    active_restriction(cast)
    give_account(cast, "senior")
    _sign_in(page, live_server, "senior")

    page.get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("link", name="Restrictions in force by type").click()
    page.wait_for_load_state()
    chart = page.locator("figure svg").first
    assert chart.is_visible()
    assert chart.bounding_box()["height"] > 100
    assert "Restrictions in force by type" in page.locator("figure svg title").first.text_content()
    assert "after_warning" in page.locator("table.govuk-table").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "report-restrictions-by-type.png"), full_page=True)

    fill_date_boxes(page, "From", dt.date(2026, 2, 28))
    page.get_by_role("group", name="From").get_by_label("Day").fill("30")
    page.get_by_role("button", name="Show the report").click()
    page.wait_for_load_state()
    assert "The start date must be a real date" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error: ")
    assert page.get_by_role("group", name="From").get_by_label("Day").input_value() == "30"  # kept as typed


def test_an_admin_sees_the_webhook_url_to_paste(cast, live_server, browser_page):
    page = browser_page
    with cast.act() as ctx:
        connection = conns.add(
            ctx,
            "django_helpdesk",
            "Housing helpdesk",
            {"base_url": "https://helpdesk.council.example/helpdesk/api/"},
            {"username": "cgadmin", "password": "browser-secret-password"},
            test=False,
        )
        path = conns.webhook_path(ctx.settings, connection)
    give_account(cast, "admin")
    _sign_in(page, live_server, "admin")

    page.get_by_role("link", name="Connections", exact=True).click()
    page.get_by_role("link", name="Housing helpdesk").click()
    page.wait_for_load_state()
    url_box = page.get_by_label("Webhook URL: paste it into the helpdesk")
    assert url_box.input_value() == f"https://contactguard.council.example{path}"
    assert url_box.is_editable() is False
    assert "browser-secret-password" not in page.content()
    page.screenshot(path=str(ARTIFACTS / "connection-webhook-url.png"), full_page=True)
