"""Issue 20 against a real django-helpdesk: the ticket says what the register says, at every moment.

What an agent sees in django-helpdesk 2.6.1 (its API, as the staff pages show it): the tags field holds the latest
outcome only, a safeguarding concern inside the arrangement is escalated with the ticket's priority raised, a new sole
point of contact takes over the open tickets the old one held (with a note), during an absence the field names who
covers, and review reminders are assigned to the reviewing senior, with nothing sent to anyone else."""

import datetime as dt

import pytest
import requests

from plugin.services import register as reg
from plugin.services import restrictions as rs
from plugin.worker.sweeps import run_sweeps
from tests.e2e.test_django_helpdesk import JANE, _drain, _notes
from tests.helpers import active_restriction

pytestmark = pytest.mark.e2e


def _patch(helpdesk, ticket_id, **fields):
    answer = requests.patch(f"{helpdesk.api}tickets/{ticket_id}/", json=fields, auth=helpdesk.auth, timeout=10)
    answer.raise_for_status()


def _map(cast, helpdesk, who, user):
    with cast.act() as ctx:
        reg.update_officer(
            ctx, f"{who}@council.example", {"helpdesk_ids": [{"connection": "", "agent_id": str(helpdesk.ids[user])}]}
        )


def _recipients(mail: str) -> list[str]:
    return [line.split(":", 1)[1].strip() for line in mail.splitlines() if line.startswith("To:")]


def test_the_tags_show_the_latest_outcome_only(helpdesk, wired, cast, sessions, settings):
    active_restriction(cast)
    ticket = helpdesk.create_ticket("For Bob", "Bob, call me back", JANE, assigned_to=helpdesk.ids["bob"])
    _drain(sessions, settings)
    assert helpdesk.ticket(ticket["id"])["custom_contactguard_tags"] == "cg-restricted, cg-disregarded"
    # Now with the sole point of contact: her reply is within the arrangement, so "disregarded" comes off.
    helpdesk.customer_reply(ticket["id"], JANE, "Thank you, the boiler is still broken")
    _drain(sessions, settings)
    seen = helpdesk.ticket(ticket["id"])
    assert seen["custom_contactguard_tags"] == "cg-restricted"
    assert len(_notes(seen)) == 2, "the notes keep the history"


def test_a_safeguarding_concern_to_the_sole_point_of_contact_is_escalated(helpdesk, wired, cast, sessions, settings):
    active_restriction(cast)
    ticket = helpdesk.create_ticket("Repair", "I want to die", JANE, assigned_to=helpdesk.ids["alice"])
    mail_before = len(helpdesk.mail_to(JANE))
    assert _drain(sessions, settings).dead == 0
    seen = helpdesk.ticket(ticket["id"])
    assert seen["custom_contactguard_tags"] == "cg-restricted, cg-escalated"
    assert seen["priority"] == 1, "raised to Critical"
    assert seen["assigned_to"] == helpdesk.ids["alice"], "already with the sole point of contact"
    (note,) = _notes(seen)
    assert "ESCALATED for urgent reading" in note["comment"] and "Act on any risk now" in note["comment"]
    assert "within the customer's contact restriction" in note["comment"] and note["public"] is False
    assert len(helpdesk.mail_to(JANE)) == mail_before


def test_a_new_sole_point_of_contact_takes_over_the_open_tickets_the_old_one_held(
    helpdesk, wired, cast, sessions, settings
):
    _map(cast, helpdesk, "senior2", "carol")  # Pat Senior becomes the sole point of contact
    restriction = active_restriction(cast)
    held = helpdesk.create_ticket("Repair 1", "Window", JANE)
    closed = helpdesk.create_ticket("Repair 2", "Door", JANE)
    taken = helpdesk.create_ticket("Repair 3", "Roof", JANE)
    _drain(sessions, settings)
    assert {helpdesk.ticket(t["id"])["assigned_to"] for t in (held, closed, taken)} == {helpdesk.ids["alice"]}
    _patch(helpdesk, closed["id"], status=4)  # closed by Alice
    _patch(helpdesk, taken["id"], assigned_to=helpdesk.ids["bob"])  # Bob took this one over
    with cast.act("senior") as ctx:
        rs.amend(ctx, restriction, {"spoc_officer": "senior2@council.example", "reasons": "Olly moved team"})
    assert _drain(sessions, settings).dead == 0
    now = {t["id"]: helpdesk.ticket(t["id"]) for t in (held, closed, taken)}
    assert now[held["id"]]["assigned_to"] == helpdesk.ids["carol"], "the old officer's open ticket moves"
    assert now[closed["id"]]["assigned_to"] == helpdesk.ids["alice"], "a closed ticket is left where it was"
    assert now[taken["id"]]["assigned_to"] == helpdesk.ids["bob"], "a ticket someone else took stays with them"
    for seen in now.values():
        assert seen["custom_contact_restriction"].startswith("RESTRICTED: contact via Pat Senior")
    note = _notes(now[held["id"]])[-1]["comment"]
    assert "it is now Pat Senior <senior2@council.example> (it was Olly Officer <officer@council.example>)" in note
    assert "has been reassigned to Pat Senior" in note


def test_during_an_absence_the_field_names_who_covers_and_after_it_the_officer_again(
    helpdesk, wired, cast, sessions, settings
):
    restriction = active_restriction(cast)
    ticket = helpdesk.create_ticket("Repair", "Window", JANE)
    _drain(sessions, settings)
    today = dt.date.today()
    with cast.act("admin") as ctx:
        absence = reg.add_absence(
            ctx, "officer@council.example", {"starts_on": today.isoformat(), "ends_on": today.isoformat()}
        )
    run_sweeps(sessions, settings, today=today)
    _drain(sessions, settings)
    field = helpdesk.ticket(ticket["id"])["custom_contact_restriction"]
    assert field.startswith("RESTRICTED: contact via Dee Deputy <deputy@council.example> (covering for Olly Officer")
    run_sweeps(sessions, settings, today=today + dt.timedelta(days=1))  # the absence is over
    _drain(sessions, settings)
    assert helpdesk.ticket(ticket["id"])["custom_contact_restriction"].startswith(
        "RESTRICTED: contact via Olly Officer <officer@council.example>; channels"
    )
    assert restriction and absence.id


def test_a_review_reminder_is_assigned_to_the_reviewing_senior_and_sent_to_no_one_else(
    helpdesk, wired, cast, sessions, settings
):
    from sqlalchemy import select

    from plugin.models import Connection

    _map(cast, helpdesk, "senior", "carol")  # Sam Senior put the restriction in force
    with sessions() as s, s.begin():
        connection = s.scalar(select(Connection).where(Connection.id == wired))
        connection.settings = {**connection.settings, "review_queue": helpdesk.ids["queue:reviews"]}
    today = dt.date.today()
    restriction = active_restriction(cast, review_due=(today + dt.timedelta(days=20)).isoformat())
    mail_files = set((helpdesk.data_dir / "mail").glob("*"))
    run_sweeps(sessions, settings, today=today)
    assert _drain(sessions, settings).dead == 0
    (task,) = [t for t in helpdesk.tickets() if t["title"].endswith(f"restriction {restriction}")]
    task = helpdesk.ticket(task["id"])
    assert task["queue"] == helpdesk.ids["queue:reviews"] and task["assigned_to"] == helpdesk.ids["carol"]
    assert not task["submitter_email"], "no submitter: django-helpdesk e-mails a ticket's public updates to it"
    public = [f for f in task["followup_set"] if f["public"]]
    staff = [f for f in task["followup_set"] if not f["public"]]
    assert all("customer" not in (f["comment"] or "") for f in public), "the details are never a public update"
    assert any(f"/restrictions/{restriction}/review" in (f["comment"] or "") for f in staff)
    sent = "".join(p.read_text(errors="replace") for p in set((helpdesk.data_dir / "mail").glob("*")) - mail_files)
    # django-helpdesk tells the assigned officer of the new ticket and its staff follow-up; nobody else hears of it.
    assert _recipients(sent) and set(_recipients(sent)) == {"carol@council.example"}


@pytest.mark.parametrize(
    "text",
    [
        "Please send me a copy of my personal data",
        "I want all the information you hold about me",
        "Under data protection law I want to see my file",
        "I want a copy of all the data you hold about me under GDPR",
    ],
)
def test_a_request_for_information_in_plain_words_goes_to_information_rights(
    helpdesk, wired, cast, sessions, settings, text
):
    """Issue 20: these four, to an officer who is not the sole point of contact, were disregarded ("Do not reply to
    this contact"). A subject access request needs no particular words (UK GDPR Article 15)."""
    active_restriction(cast)
    ticket = helpdesk.create_ticket("Records", text, JANE, assigned_to=helpdesk.ids["bob"])
    assert _drain(sessions, settings).dead == 0
    seen = helpdesk.ticket(ticket["id"])
    assert seen["queue"] == helpdesk.ids["queue:info-rights"]
    assert seen["custom_contactguard_tags"] == "cg-restricted, cg-information-request"
    (note,) = _notes(seen)
    assert "a subject access request (UK GDPR Article 15: answer within one month)" in note["comment"]
    assert "Do not reply" not in note["comment"] and note["public"] is False
