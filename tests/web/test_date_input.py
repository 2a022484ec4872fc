"""Dates are typed in the GOV.UK date input (plugin/web/forms_dates.py): three boxes, Day, Month and Year, inside a
fieldset whose legend is the question; mistakes named in GOV.UK words in the error summary and on the field, what was
typed kept; the service still decides which dates it allows."""

from __future__ import annotations

import datetime as dt
import html
import re

from sqlalchemy import select

from plugin.config import settings_of
from plugin.models import Incident
from tests.helpers import date_parts
from tests.web.test_auth_support import csrf_from, page_text
from tests.web.test_casework import _incident_form, post_form, signed_in
from tests.web.test_documents import app, letter_row, restriction_letter  # noqa: F401  # `app`: the letterhead's

INCIDENT = "/customers/C1/incidents/new"


def date_input(markup: str, name: str) -> dict:
    """The date input for `name` as a person meets it: legend, hint, error, and each box's label, value and look."""
    fieldset = next(
        chunk for chunk in re.findall(r"<fieldset.*?</fieldset>", markup, re.S) if f'name="{name}-day"' in chunk
    )
    boxes = {}
    for part in ("day", "month", "year"):
        label = re.search(rf'<label[^>]*for="{name}-{part}"[^>]*>(.*?)</label>', fieldset, re.S)
        box = re.search(rf'<input[^>]*id="{name}-{part}"[^>]*>', fieldset, re.S).group(0)
        value = re.search(r'value="([^"]*)"', box)
        boxes[part] = {
            "label": words(label.group(1)),
            "name": re.search(r'name="([^"]*)"', box).group(1),
            "value": value.group(1) if value else "",
            "classes": re.search(r'class="([^"]*)"', box).group(1).split(),
        }
    error = re.search(r'<p id="[^"]*-error" class="govuk-error-message">(.*?)</p>', fieldset, re.S)
    return {
        "legend": words(re.search(r"<legend[^>]*>(.*?)</legend>", fieldset, re.S).group(1)),
        "hint": words(re.search(r'<div id="[^"]*-hint" class="govuk-hint">(.*?)</div>', fieldset, re.S).group(1)),
        "error": words(error.group(1)) if error else None,
        "boxes": boxes,
    }


def words(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def summary_links(markup: str) -> list[tuple[str, str]]:
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', markup, re.S)
    return [(href, words(text)) for href, text in re.findall(r'<a href="([^"]*)">(.*?)</a>', summary.group(0), re.S)]


def incidents(cast) -> list[Incident]:
    with cast.sessions() as s:
        return list(s.scalars(select(Incident)))


def test_the_page_shows_three_boxes_inside_a_fieldset_whose_legend_is_the_question(cast, client):
    signed_in(cast, client, "officer")
    shown = date_input(client.get(INCIDENT).get_data(as_text=True), "occurred_on")
    assert shown["legend"] == "Date it happened"
    assert shown["hint"] == "For example, 27 3 2027"
    assert shown["error"] is None
    assert [(b["label"], b["name"], b["value"]) for b in shown["boxes"].values()] == [
        ("Day", "occurred_on-day", ""),
        ("Month", "occurred_on-month", ""),
        ("Year", "occurred_on-year", ""),
    ]
    assert "govuk-input--width-2" in shown["boxes"]["day"]["classes"]
    assert "govuk-input--width-2" in shown["boxes"]["month"]["classes"]
    assert "govuk-input--width-4" in shown["boxes"]["year"]["classes"]


def test_a_missing_month_is_named_in_the_summary_and_on_the_field_and_what_was_typed_is_kept(cast, client):
    signed_in(cast, client, "officer")
    response = post_form(
        client, INCIDENT, {**_incident_form(dt.datetime(2026, 11, 7, 10, 15)), "occurred_on-month": ""}
    )
    assert response.status_code == 400
    markup = response.get_data(as_text=True)
    assert summary_links(markup) == [("#occurred_on-month", "The date it happened must include a month")]
    shown = date_input(markup, "occurred_on")
    assert shown["error"] == "Error: The date it happened must include a month"
    assert [b["value"] for b in shown["boxes"].values()] == ["7", "", "2026"]
    assert [("govuk-input--error" in b["classes"]) for b in shown["boxes"].values()] == [False, True, False]
    assert incidents(cast) == []


def test_31_february_is_not_a_real_date(cast, client):
    signed_in(cast, client, "officer")
    typed = {"occurred_on-day": "31", "occurred_on-month": "2", "occurred_on-year": "2027"}
    response = post_form(client, INCIDENT, {**_incident_form(dt.datetime(2026, 11, 7, 10, 15)), **typed})
    assert response.status_code == 400
    markup = response.get_data(as_text=True)
    assert summary_links(markup) == [("#occurred_on-day", "The date it happened must be a real date")]
    shown = date_input(markup, "occurred_on")
    assert [b["value"] for b in shown["boxes"].values()] == ["31", "2", "2027"]
    assert all("govuk-input--error" in b["classes"] for b in shown["boxes"].values())
    assert incidents(cast) == []


def test_each_mistake_is_named_in_govuk_words(cast, client):
    signed_in(cast, client, "officer")
    form = _incident_form(dt.datetime(2026, 11, 7, 10, 15))
    cases = [
        ({"occurred_on-day": "", "occurred_on-month": "", "occurred_on-year": ""}, "Enter the date it happened"),
        ({"occurred_on-day": "", "occurred_on-month": ""}, "The date it happened must include a day and month"),
        ({"occurred_on-year": "26"}, "The date it happened must include a year with 4 numbers, for example 2027"),
        ({"occurred_on-day": "seventh"}, "The date it happened must be a real date"),
    ]
    for typed, message in cases:
        response = post_form(client, INCIDENT, {**form, **typed})
        assert response.status_code == 400
        assert summary_links(response.get_data(as_text=True))[0][1] == message
    assert incidents(cast) == []


def test_a_good_date_is_stored_and_the_service_still_refuses_one_in_the_future(cast, client, app):  # noqa: F811
    signed_in(cast, client, "officer")
    with cast.act() as ctx:
        yesterday = ctx.today() - dt.timedelta(days=1)
    form = {**_incident_form(dt.datetime(2026, 11, 7, 10, 15)), **date_parts("occurred_on", yesterday)}
    response = post_form(client, INCIDENT, {**form, "occurred_on-month": f" {yesterday.month} "}, follow=True)
    assert response.status_code == 200 and "Incident 1 recorded." in page_text(response)
    (stored,) = incidents(cast)
    zone = settings_of(app).zone
    assert stored.occurred_at.astimezone(zone).date() == yesterday
    assert stored.occurred_at.astimezone(zone).strftime("%H:%M") == "10:15"

    next_week = date_parts("occurred_on", yesterday + dt.timedelta(days=8))
    response = post_form(client, INCIDENT, {**form, **next_week})
    assert response.status_code == 422
    assert summary_links(response.get_data(as_text=True)) == [
        ("#occurred_on-day", "An incident cannot be in the future")
    ]
    assert len(incidents(cast)) == 1


def test_a_letter_sent_on_a_date_typed_in_the_boxes_is_recorded_on_that_date(cast, client):
    letter_id, _ = restriction_letter(cast)
    signed_in(cast, client, "officer")
    page = client.get(f"/letters/{letter_id}").get_data(as_text=True)
    shown = date_input(page, "sent_on")
    assert shown["legend"] == "When was the letter sent?"
    assert shown["hint"] == "For example, 27 3 2027. Leave empty for today."
    with cast.act() as ctx:
        sent = ctx.today()  # the decision was made today: not sent before it
    response = client.post(
        f"/letters/{letter_id}",
        data={"csrf_token": csrf_from(page.encode()), "method": "email", **date_parts("sent_on", sent)},
    )
    assert response.status_code == 302
    assert letter_row(cast, letter_id).sent_on == sent


def test_a_month_may_be_typed_as_its_name(cast, client):
    letter_id, _ = restriction_letter(cast)
    signed_in(cast, client, "officer")
    with cast.act() as ctx:
        sent = ctx.today()  # the decision was made today: not sent before it
    typed = {**date_parts("sent_on", sent), "sent_on-month": sent.strftime("%b")}
    response = post_form(client, f"/letters/{letter_id}", {"method": "email", **typed})
    assert response.status_code == 302
    assert letter_row(cast, letter_id).sent_on == sent


def test_the_report_range_is_typed_in_boxes_and_its_csv_link_keeps_it(cast, client):
    signed_in(cast, client, "senior")
    response = client.get("/reports/warnings?from-day=1&from-month=1&from-year=2026&to-day=31&to-month=12&to-year=2026")
    assert response.status_code == 200
    markup = response.get_data(as_text=True)
    assert 'href="/reports/warnings.csv?from=2026-01-01&amp;to=2026-12-31"' in markup
    assert [b["value"] for b in date_input(markup, "from")["boxes"].values()] == ["1", "1", "2026"]
    assert date_input(markup, "to")["legend"] == "To"
