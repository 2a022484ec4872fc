"""Letters and reports in the browser (plugin/web/documents.py): who may open them, the PDF, recording a letter as
sent, a letter refused for a missing field, the report's chart, table and CSV, and bad dates."""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from plugin.app import create_app, dispose
from plugin.letters.wording import long_date
from plugin.models import Letter
from plugin.services import letters as lt
from tests.helpers import active_restriction
from tests.letters.conftest import COUNCIL, decided_by_no_known_officer
from tests.web.test_auth_support import csrf_from, give_account, page_text, sign_in


@pytest.fixture
def app(settings):
    """The app for a council whose letterhead and signatory are set."""
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


def signed_in(cast, client, who: str):
    give_account(cast, who)
    sign_in(client, who)
    return client


def restriction_letter(cast, review_due: dt.date | None = None) -> tuple[int, dt.date]:
    """A restriction in force for C1; its letter's id and the review date it states."""
    with cast.act() as ctx:
        review = review_due or ctx.today() + dt.timedelta(days=120)
    restriction_id = active_restriction(cast, review_due=review.isoformat())
    with cast.sessions() as s:
        letter_id = s.scalar(
            select(Letter.id).where(Letter.kind == "restriction", Letter.restriction_id == restriction_id)
        )
    return letter_id, review


def letter_row(cast, letter_id: int) -> Letter:
    with cast.sessions() as s:
        return s.get(Letter, letter_id)


# -- who may open what ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "senior", "admin"])
def test_officers_seniors_and_admins_see_the_letters_waiting(cast, client, who):
    letter_id, _ = restriction_letter(cast)
    signed_in(cast, client, who)
    response = client.get("/letters")
    assert response.status_code == 200
    text = page_text(response)
    assert "Waiting to be sent Letters waiting to be sent Letter Customer Decided on Appeal window" in text
    assert f"Restriction letter {letter_id} C1 Jane Customer" in text
    assert "Letters" in page_text(client.get("/"))  # offered in the navigation


@pytest.mark.parametrize("path", ["/letters", "/letters/1", "/letters/1.pdf", "/letters/1.html"])
def test_an_agent_may_not_open_letters(cast, client, path):
    restriction_letter(cast)
    signed_in(cast, client, "agent")
    response = client.get(path)
    assert response.status_code == 403
    assert "You cannot open this page" in page_text(response)


def test_someone_not_signed_in_is_sent_to_sign_in(cast, client):
    response = client.get("/letters")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=/letters")
    assert client.get("/reports").status_code == 302


@pytest.mark.parametrize("who,status", [("senior", 200), ("admin", 200), ("officer", 403), ("agent", 403)])
def test_reports_are_for_senior_officers_and_admins(cast, client, who, status):
    signed_in(cast, client, who)
    assert client.get("/reports").status_code == status
    assert client.get("/reports/warnings").status_code == status
    assert client.get("/reports/warnings.csv").status_code == status
    assert ("Reports" in page_text(client.get("/"))) == (status == 200)


# -- a letter ---------------------------------------------------------------------------------------------


def test_the_letter_page_shows_the_letter_and_downloads_it_as_a_pdf_stating_the_review_date(cast, client):
    letter_id, review = restriction_letter(cast)
    signed_in(cast, client, "officer")
    page = client.get(f"/letters/{letter_id}")
    assert page.status_code == 200
    markup = page.get_data(as_text=True)
    assert re.search(rf'<iframe[^>]*sandbox=""[^>]*src="/letters/{letter_id}.html"', markup)
    framed = client.get(f"/letters/{letter_id}.html")
    assert "Jane Customer" in framed.get_data(as_text=True)
    assert "frame-ancestors 'self'" in framed.headers["Content-Security-Policy"], "only its own page may frame it"
    assert f'href="/letters/{letter_id}.pdf"' in markup and "Download PDF" in markup

    pdf = client.get(f"/letters/{letter_id}.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.headers["Cache-Control"] == "no-store"
    assert pdf.headers["Content-Disposition"] == f'attachment; filename="letter-{letter_id}-restriction.pdf"'
    assert pdf.data.startswith(b"%PDF")
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages))
    assert f"We will review them by {long_date(review)}" in text


def test_the_letter_on_a_page_of_its_own_is_sandboxed(cast, client):
    letter_id, _ = restriction_letter(cast)
    signed_in(cast, client, "senior")
    response = client.get(f"/letters/{letter_id}.html")
    assert response.status_code == 200 and "Jane Customer" in page_text(response)
    assert response.headers["Content-Security-Policy"].startswith("sandbox; default-src 'none'")


def test_a_letter_missing_a_field_is_refused_naming_it(cast, client, app):
    letter_id, _ = restriction_letter(cast)
    decided_by_no_known_officer(cast, letter_id)  # the setting signs only then
    app.config["CONTACTGUARD"] = app.config["CONTACTGUARD"].replace(LETTER_SIGNATORY=None)
    signed_in(cast, client, "officer")
    page = client.get(f"/letters/{letter_id}")
    assert page.status_code == 200
    text = page_text(page)
    assert "This letter cannot be written yet" in text
    assert f"Letter {letter_id} (restriction) cannot be written: missing LETTER_SIGNATORY." in text
    assert "LETTER_SIGNATORY is missing: an admin must set CONTACTGUARD_LETTER_SIGNATORY" in text
    assert "Download PDF" not in text and "<iframe" not in page.get_data(as_text=True)

    pdf = client.get(f"/letters/{letter_id}.pdf")
    assert pdf.status_code == 422
    assert "cannot be written: missing LETTER_SIGNATORY" in page_text(pdf)


def test_an_unknown_letter_is_not_found(cast, client):
    signed_in(cast, client, "officer")
    assert client.get("/letters/999").status_code == 404
    assert client.get("/letters/999.pdf").status_code == 404


# -- recording a letter as sent ---------------------------------------------------------------------------


def test_recording_a_letter_as_sent_shows_its_deemed_receipt_and_appeal_deadline(cast, client):
    letter_id, _ = restriction_letter(cast)
    signed_in(cast, client, "officer")
    token = csrf_from(client.get(f"/letters/{letter_id}").data)
    response = client.post(
        f"/letters/{letter_id}", data={"csrf_token": token, "method": "email", "sent_on": ""}, follow_redirects=True
    )
    assert response.status_code == 200
    letter = letter_row(cast, letter_id)
    assert letter.state == "sent" and letter.delivery_method == "email"
    with cast.act() as ctx:
        deadline = lt.appeal_deadline(ctx, letter)
    text = page_text(response)
    sent, deemed, last_day = long_date(letter.sent_on), long_date(letter.deemed_receipt), long_date(deadline)
    assert (
        f"Letter {letter_id} recorded as sent on {sent}. It is deemed received on {deemed}. "
        f"The customer may appeal until {last_day}."
    ) in text
    assert f"Deemed received {deemed}" in text
    assert "Record as sent" not in text  # once only

    listing = page_text(client.get("/letters"))
    assert (f"Restriction letter {letter_id} C1 Jane Customer {sent} (E-mail) {deemed} {last_day}") in listing


def test_recording_as_sent_needs_the_form_s_csrf_token(cast, client):
    letter_id, _ = restriction_letter(cast)
    signed_in(cast, client, "officer")
    response = client.post(f"/letters/{letter_id}", data={"method": "email"})
    assert response.status_code == 400
    assert "The form had expired or did not come from contactguard" in page_text(response)
    assert letter_row(cast, letter_id).state == "queued"


def test_a_bad_date_or_no_method_is_shown_in_the_error_summary(cast, client):
    letter_id, _ = restriction_letter(cast)
    signed_in(cast, client, "officer")
    token = csrf_from(client.get(f"/letters/{letter_id}").data)
    response = client.post(f"/letters/{letter_id}", data={"csrf_token": token, "sent_on": "yesterday"})
    assert response.status_code == 400
    assert "There is a problem Select how the letter was sent" in page_text(response)

    response = client.post(
        f"/letters/{letter_id}", data={"csrf_token": token, "method": "email", "sent_on": "31/12/2026"}
    )
    assert response.status_code == 400
    assert "There is a problem The date the letter was sent must be a real date" in page_text(response)
    assert 'href="#sent_on-day"' in response.get_data(as_text=True)

    with cast.act() as ctx:
        tomorrow = ctx.today() + dt.timedelta(days=1)
    response = client.post(
        f"/letters/{letter_id}", data={"csrf_token": token, "method": "email", "sent_on": tomorrow.isoformat()}
    )
    assert response.status_code == 409
    assert f"Letter {letter_id} cannot be recorded as sent" in page_text(response)
    assert letter_row(cast, letter_id).state == "queued"


def test_an_admin_reads_letters_but_does_not_record_them_as_sent(cast, client):
    letter_id, _ = restriction_letter(cast)
    signed_in(cast, client, "admin")
    page = client.get(f"/letters/{letter_id}")
    assert page.status_code == 200 and "Record as sent" not in page_text(page)
    token = csrf_from(page.data)
    assert client.post(f"/letters/{letter_id}", data={"csrf_token": token, "method": "email"}).status_code == 403
    assert letter_row(cast, letter_id).state == "queued"


# -- reports ----------------------------------------------------------------------------------------------


def test_the_report_page_shows_the_chart_inline_with_its_table_and_a_csv_link(cast, client):
    active_restriction(cast)
    signed_in(cast, client, "senior")
    listing = page_text(client.get("/reports"))
    assert "Warnings and what followed" in listing

    response = client.get("/reports/warnings?from=2026-01-01&to=2026-12-31")
    assert response.status_code == 200
    markup = response.get_data(as_text=True)
    assert re.search(r"<svg[^>]*>.*<title[^>]*>Warnings and what followed", markup, flags=re.S)
    text = page_text(response)
    assert "Warnings and what followed, 2026-01-01 to 2026-12-31" in text  # the table's caption
    assert 'href="/reports/warnings.csv?from=2026-01-01&amp;to=2026-12-31"' in markup


def test_the_csv_download_has_the_figures(cast, client):
    signed_in(cast, client, "admin")
    response = client.get("/reports/warnings.csv?from=2026-01-01&to=2026-03-31")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="report-warnings-2026-01-01-2026-03-31.csv"'
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "month,issued,followed_by_restriction,no_restriction,in_follow_up,withdrawn"
    assert lines[1:] == ["2026-01,0,0,0,0,0", "2026-02,0,0,0,0,0", "2026-03,0,0,0,0,0"]


def test_bad_dates_are_shown_in_the_error_summary(cast, client):
    signed_in(cast, client, "senior")
    response = client.get("/reports/appeals?from=2026-13-01")
    assert response.status_code == 400
    text = html.unescape(page_text(response))
    assert "There is a problem The start date must be a real date" in text
    assert 'href="#from-day"' in response.get_data(as_text=True)
    assert response.get_data(as_text=True).count("<svg") == 0

    response = client.get("/reports/appeals?from-day=1&from-month=&from-year=2026")
    assert response.status_code == 400
    assert "There is a problem The start date must include a month" in page_text(response)
    assert 'href="#from-month"' in response.get_data(as_text=True)
    assert response.get_data(as_text=True).count("<svg") == 0

    response = client.get("/reports/appeals?from=2026-05-01&to=2026-04-01")
    assert response.status_code == 422
    assert "The range starts (2026-05-01) after it ends (2026-04-01)" in page_text(response)

    assert client.get("/reports/appeals.csv?to=soon").status_code == 422
    assert client.get("/reports/no-such-report").status_code == 404
