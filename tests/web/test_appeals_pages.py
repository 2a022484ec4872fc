"""Appeals in the pages (issue 22 item 5): who hears an appeal, named and changed by a senior officer under R36, the
appeal's dates in words, and a restriction page whose "Last day to appeal" reads truly before and after an appeal.

What is checked is what a person reads: the choices a form offers, the refusal with its rule, the appeal's summary,
the restriction page's line and its history."""

from __future__ import annotations

import datetime as dt

import time_machine
from sqlalchemy import select

from plugin.models import Appeal, AuditEntry, Letter
from plugin.services import letters as lt
from plugin.services import register as reg
from plugin.services import restrictions as rs
from plugin.words import date_words
from tests.helpers import active_restriction, email_of
from tests.web.test_auth_support import give_account, sign_in
from tests.web.test_casework import post_form, text_of

MONDAY = dt.datetime(2026, 11, 23, 10, tzinfo=dt.timezone.utc)  # the restriction letter goes by e-mail that day


def at(day: dt.date):
    """The clock stood still at 10am on `day`."""
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 10, tzinfo=dt.timezone.utc), tick=False)


def add_senior(cast, key: str, name: str, active: bool = True) -> None:
    """Another senior officer on the register (deactivated when `active` is False), as an admin would add them."""
    with cast.act() as ctx:
        officer = reg.add_officer(ctx, {"email": email_of(key), "name": name, "role": "senior", "service": "housing"})
        cast.ids[key] = (officer.id, officer.role)
    if not active:
        with cast.act() as ctx:
            reg.update_officer(ctx, email_of(key), {"active": False})


def sent_restriction(cast) -> tuple[int, dt.date]:
    """A restriction in force (proposed by the officer, activated by Sam Senior) whose letter went by e-mail on
    Monday 23 November 2026; returns its id and the last day to appeal."""
    with time_machine.travel(MONDAY, tick=False):
        restriction = active_restriction(cast)
        with cast.sessions() as s:
            letter_id = s.scalar(select(Letter.id).where(Letter.restriction_id == restriction))
        with cast.act("officer") as ctx:
            letter = lt.mark_sent(ctx, letter_id, {"method": "email", "sent_on": "2026-11-23"})
            deadline = lt.appeal_deadline(ctx, letter)
    assert deadline is not None
    return restriction, deadline


def accounts(cast, *people: str) -> None:
    for who in people:
        give_account(cast, who)


def browser(app, who: str):
    """A browser of its own, signed in as `who` (each sign-in at the clock's time: it may have moved days on)."""
    client = app.test_client()
    sign_in(client, who)
    return client


def restriction_page(app, who: str, restriction: int) -> str:
    """The restriction page as `who` reads it, signed in afresh."""
    return text_of(browser(app, who).get(f"/restrictions/{restriction}"))


def last_day_line(page: str) -> str:
    return page.split("Last day to appeal ", 1)[1].split(" Letter ", 1)[0]


def lodge_on_page(client, restriction: int, **data):
    appeal = {"grounds": "disproportionate", "statement": "I only called about my repairs", "heard_by": "", **data}
    return post_form(client, f"/restrictions/{restriction}/appeal", appeal, follow=True)


def hearer_id(cast) -> int | None:
    """Who hears the one appeal recorded (a refused one may still use up an id on PostgreSQL)."""
    with cast.sessions() as s:
        return s.scalars(select(Appeal)).one().heard_by_id


# -- who hears it ------------------------------------------------------------------------------------------


def test_record_an_appeal_offers_only_seniors_who_may_hear_it_and_refuses_the_decision_maker(cast, app):
    add_senior(cast, "senior3", "Ria Senior")
    add_senior(cast, "senior4", "Lee Senior", active=False)
    accounts(cast, "senior")
    restriction, _ = sent_restriction(cast)
    with time_machine.travel(MONDAY, tick=False):
        client = browser(app, "senior")
        form = client.get(f"/restrictions/{restriction}/appeal").get_data(as_text=True)
        offered = form.split('id="heard_by"', 1)[1].split("</select>", 1)[0]
        assert "Pat Senior (senior2@council.example)" in offered and "Ria Senior (senior3@council.example)" in offered
        assert "Sam Senior" not in offered, "Sam activated it: involved (R36)"
        assert "Lee Senior" not in offered, "deactivated"
        assert "Only senior officers in post who were not involved in the decision are offered (R36)." in text_of(
            client.get(f"/restrictions/{restriction}/appeal")
        )

        # Naming the senior who made the decision anyway (an old page, a crafted post): refused, the form kept.
        statement = "The restriction is out of all proportion to one call"
        response = lodge_on_page(client, restriction, heard_by=email_of("senior"), statement=statement)
        assert response.status_code == 409
        text = text_of(response)
        assert "There is a problem" in text and "Appeal recorded" not in text
        assert (
            "The hearing officer was involved in the original decision; choose a senior officer who was not [R36]"
            in text
        )
        assert statement in text, "what was typed is kept"
        response = lodge_on_page(client, restriction, heard_by=email_of("senior4"))
        assert response.status_code == 409
        assert "The hearing officer is no longer active; choose a senior officer in post [R36]" in text_of(response)
        with cast.sessions() as s:
            assert s.scalars(select(Appeal)).first() is None, "nothing stored by a refused form"

        response = lodge_on_page(client, restriction, heard_by=email_of("senior2"))
        text = text_of(response)
        assert "Appeal recorded. The restriction stays in force while it is heard." in text
        assert "heard by Pat Senior (senior)" in text
    assert hearer_id(cast) == cast.ids["senior2"][0]


def test_a_senior_officer_names_and_changes_who_hears_an_appeal_and_each_change_is_audited(cast, app):
    add_senior(cast, "senior3", "Ria Senior")
    accounts(cast, "officer", "senior")
    restriction, deadline = sent_restriction(cast)
    with at(dt.date(2026, 11, 30)):
        officer = browser(app, "officer")
        lodge_on_page(officer, restriction)
        assert officer.get("/appeals/1/hearing-officer").status_code == 403, "senior officers name the hearer"

        client = browser(app, "senior")
        page = client.get("/appeals/1")
        text = text_of(page)
        assert "Heard by Not named yet: the senior officer who decides it is named then" in text
        assert f"Last day to lodge it {date_words(deadline)}" in text
        with cast.sessions() as s:
            due = s.get(Appeal, 1).decision_due
        assert f"Decision due by {date_words(due)}" in text
        assert 'href="/appeals/1/hearing-officer"' in page.get_data(as_text=True)
        assert "Name who hears the appeal" in restriction_page(app, "senior", restriction)

        form = client.get("/appeals/1/hearing-officer")
        assert "Name who hears the appeal" in text_of(form)
        offered = form.get_data(as_text=True).split('id="heard_by"', 1)[1].split("</select>", 1)[0]
        assert "Pat Senior" in offered and "Ria Senior" in offered and "Sam Senior" not in offered

        response = post_form(client, "/appeals/1/hearing-officer", {"heard_by": email_of("senior")})
        assert response.status_code == 409
        assert (
            "The hearing officer was involved in the original decision; choose a senior officer who was not [R36]"
            in text_of(response)
        )
        assert hearer_id(cast) is None, "never silently dropped, never silently stored"
        response = post_form(client, "/appeals/1/hearing-officer", {"heard_by": ""})
        assert response.status_code == 400
        assert "Choose the senior officer who hears the appeal" in text_of(response)

        response = post_form(client, "/appeals/1/hearing-officer", {"heard_by": email_of("senior2")}, follow=True)
        text = text_of(response)
        assert "Appeal 1 is heard by Pat Senior (senior)." in text
        assert "Heard by Pat Senior (senior)" in text

        form = client.get("/appeals/1/hearing-officer")
        assert "Change who hears the appeal" in text_of(form) and "Heard by now Pat Senior (senior)" in text_of(form)
        assert '<option value="senior2@council.example" selected>' in form.get_data(as_text=True)
        response = post_form(client, "/appeals/1/hearing-officer", {"heard_by": email_of("senior3")}, follow=True)
        assert "Appeal 1 is heard by Ria Senior (senior)." in text_of(response)

        page = restriction_page(app, "senior", restriction)
        assert "Change who hears the appeal" in page
        assert "heard by Ria Senior (senior)" in page
        history = page.split("History", 1)[1]
        assert "Hearing officer named (Appeal 1) Heard by: Pat Senior (senior) Sam Senior (senior)" in history
        assert (
            "Hearing officer named (Appeal 1) Heard by: Ria Senior (senior) Heard by before: Pat Senior (senior) "
            "Sam Senior (senior)" in history
        )
    with cast.sessions() as s:
        assigned = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "appeal.assigned", AuditEntry.entity_id == 1)
        ).all()
        assert len(assigned) == 2, "the refused choice changed nothing and audited nothing"


def test_the_hearer_of_a_decided_appeal_cannot_be_changed(cast, app):
    accounts(cast, "senior2")
    restriction, _ = sent_restriction(cast)
    with at(dt.date(2026, 11, 30)):
        client = browser(app, "senior2")
        lodge_on_page(client, restriction, heard_by=email_of("senior2"))
        post_form(client, "/appeals/1", {"outcome": "upheld", "reasons": "The restriction is proportionate"})
        page = text_of(client.get("/appeals/1"))
        assert "Heard by Pat Senior (senior)" in page and "Decision upheld on 30 November 2026" in page
        add_senior(cast, "senior3", "Ria Senior")
        response = post_form(client, "/appeals/1/hearing-officer", {"heard_by": email_of("senior3")})
        assert response.status_code == 409
        assert "Appeal 1 was already decided (upheld); who heard it stays on the record" in text_of(response)
    assert hearer_id(cast) == cast.ids["senior2"][0]


# -- "Last day to appeal", in every state ------------------------------------------------------------------


def test_before_any_appeal_the_last_day_reads_open_then_closed(cast, app):
    accounts(cast, "officer")
    with time_machine.travel(MONDAY, tick=False):
        restriction = active_restriction(cast)
        page = restriction_page(app, "officer", restriction)
        assert last_day_line(page) == "Counts from the letter's deemed receipt, once it is sent"
        with cast.sessions() as s:
            letter_id = s.scalar(select(Letter.id).where(Letter.restriction_id == restriction))
        with cast.act("officer") as ctx:
            deadline = lt.appeal_deadline(ctx, lt.mark_sent(ctx, letter_id, {"method": "email"}))
        assert deadline is not None
        assert last_day_line(restriction_page(app, "officer", restriction)) == f"{date_words(deadline)} (open)"
    with at(deadline):
        assert last_day_line(restriction_page(app, "officer", restriction)) == f"{date_words(deadline)} (open)"
    with at(deadline + dt.timedelta(days=1)):
        assert last_day_line(restriction_page(app, "officer", restriction)) == f"{date_words(deadline)} (closed)"


def test_a_restriction_lifted_before_its_window_closes_is_not_called_closed(cast, app):
    accounts(cast, "officer")
    restriction, deadline = sent_restriction(cast)
    with time_machine.travel(MONDAY, tick=False):
        with cast.act("senior") as ctx:
            rs.lift(ctx, restriction, {"reasons": "Behaviour has changed completely"})
        line = last_day_line(restriction_page(app, "officer", restriction))
    assert line == f"{date_words(deadline)}: there is nothing to appeal now, the restriction is lifted"


def test_after_an_appeal_is_lodged_in_time_the_line_says_so_and_never_closed(cast, app):
    """The issue: lodged on 7 December, the page read "Last day to appeal 2026-12-23 (closed)"."""
    accounts(cast, "officer", "senior2")
    restriction, deadline = sent_restriction(cast)
    lodged = dt.date(2026, 12, 7)
    assert deadline >= lodged
    with at(lodged):
        lodge_on_page(browser(app, "officer"), restriction)
        with cast.sessions() as s:
            due = s.get(Appeal, 1).decision_due
        page = restriction_page(app, "officer", restriction)
        assert last_day_line(page) == f"Appeal lodged on 7 December 2026; decision due by {date_words(due)}"
        assert "(closed)" not in page and "State under appeal" in page

        post_form(
            browser(app, "senior2"), "/appeals/1", {"outcome": "upheld", "reasons": "The restriction is proportionate"}
        )
        page = restriction_page(app, "senior2", restriction)
        assert last_day_line(page) == "Appeal lodged on 7 December 2026; upheld on 7 December 2026"
        assert "(closed)" not in page and "(open)" not in page


def test_a_late_appeal_accepted_reads_as_late_and_accepted(cast, app):
    accounts(cast, "officer", "senior2")
    restriction, deadline = sent_restriction(cast)
    lodged = deadline + dt.timedelta(days=7)
    with at(lodged):
        response = lodge_on_page(browser(app, "officer"), restriction, late_reason="In hospital for the whole window")
        assert "Appeal recorded." in text_of(response)
        with cast.sessions() as s:
            due = s.get(Appeal, 1).decision_due
        assert last_day_line(restriction_page(app, "officer", restriction)) == (
            f"Appeal lodged on {date_words(lodged)}, after the window closed on {date_words(deadline)}: "
            f"accepted late; decision due by {date_words(due)}"
        )
        page = text_of(browser(app, "senior2").get("/appeals/1"))
        assert (
            f"Last day to lodge it {date_words(deadline)} (it came after that, and was accepted late for an "
            "exceptional reason)" in page
        )


def test_after_a_varied_decision_the_amendment_letter_opens_a_new_window(cast, app):
    accounts(cast, "officer", "senior2")
    restriction, _ = sent_restriction(cast)
    with at(dt.date(2026, 11, 30)):
        lodge_on_page(browser(app, "officer"), restriction)
        post_form(
            browser(app, "senior2"),
            "/appeals/1",
            {"outcome": "varied", "reasons": "Letters are enough; e-mail reopened", "allowed_channels": ["letter"]},
        )
        page = restriction_page(app, "senior2", restriction)
        assert last_day_line(page) == (
            "Appeal lodged on 30 November 2026; varied on 30 November 2026. The new terms may be appealed: the "
            "window counts from the amendment letter's deemed receipt"
        )
        with cast.sessions() as s:
            amendment = s.scalar(select(Letter.id).where(Letter.kind == "amendment"))
        with cast.act("officer") as ctx:
            deadline = lt.appeal_deadline(ctx, lt.mark_sent(ctx, amendment, {"method": "email"}))
        assert last_day_line(restriction_page(app, "senior2", restriction)) == f"{date_words(deadline)} (open)"
