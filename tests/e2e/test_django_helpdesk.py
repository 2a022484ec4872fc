"""End to end against a real django-helpdesk: tickets made through its API, webhooks to contactguard over
HTTP, actions applied through its API by the outbox worker, and checked as an agent would see them."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from plugin.clock import utcnow
from plugin.models import OutboxAction, WebhookEvent
from plugin.services import connections as conns
from plugin.services import register as reg
from plugin.worker import outbox
from tests.helpers import active_restriction

pytestmark = pytest.mark.e2e
JANE = "jane.customer@example.com"


@pytest.fixture
def wired(helpdesk, contactguard_url, cast, sessions):
    """Officers mapped to helpdesk users, a django_helpdesk connection, the helpdesk's webhooks pointed at it."""
    with cast.act() as ctx:
        reg.update_officer(ctx, "officer@council.example",
                           {"helpdesk_ids": [{"connection": "", "agent_id": str(helpdesk.ids["alice"])}]})
        reg.update_officer(ctx, "senior2@council.example",
                           {"helpdesk_ids": [{"connection": "", "agent_id": str(helpdesk.ids["bob"])}]})
        connection = conns.add(ctx, "django_helpdesk", "Housing helpdesk",
                               {"base_url": helpdesk.api, "info_rights_queue": helpdesk.ids["queue:info-rights"]},
                               {"username": "cgadmin", "password": "cgadmin-pass"})  # tested before saving
    helpdesk.point_webhooks_at(f"{contactguard_url}/webhooks/{connection.id}")
    yield connection.id
    helpdesk.point_webhooks_at("")


def _drain(sessions, settings, now=None):
    return outbox.drain_once(sessions, settings, now=now)


def _notes(ticket):
    return [f for f in ticket["followup_set"] if "[contactguard]" in (f["comment"] or "")]


def test_restricted_customer_ticket_is_flagged_with_the_arrangement(helpdesk, wired, cast, sessions, settings):
    active_restriction(cast)
    ticket = helpdesk.create_ticket("Housing repair", "My window is broken", JANE)
    stats = _drain(sessions, settings)
    assert stats.dead == 0 and stats.retried == 0 and stats.done == 4
    seen = helpdesk.ticket(ticket["id"])
    assert seen["custom_contact_restriction"].startswith("RESTRICTED: contact via Olly Officer")
    assert "email, letter, web_form" in seen["custom_contact_restriction"]
    assert seen["custom_contactguard_tags"] == "cg-restricted"
    assert seen["assigned_to"] == helpdesk.ids["alice"], "routed to the sole point of contact"
    (note,) = _notes(seen)
    assert note["public"] is False, "staff only: never e-mailed to the customer"
    assert "Sole point of contact: Olly Officer" in note["comment"]
    assert "formal warning" not in note["comment"], "reasons stay in contactguard (R50)"


def test_contact_to_an_officer_outside_the_arrangement_is_disregarded(helpdesk, wired, cast, sessions, settings):
    active_restriction(cast)
    ticket = helpdesk.create_ticket("For Bob", "Bob, please call me", JANE, assigned_to=helpdesk.ids["bob"])
    _drain(sessions, settings)
    seen = helpdesk.ticket(ticket["id"])
    assert seen["custom_contactguard_tags"] == "cg-restricted, cg-disregarded"
    assert seen["assigned_to"] == helpdesk.ids["alice"]
    (note,) = _notes(seen)
    assert "Disregarded under the contact restriction" in note["comment"]
    assert "No acknowledgement has been sent" in note["comment"]


def test_unrestricted_customer_ticket_is_untouched(helpdesk, wired, sessions, settings):
    ticket = helpdesk.create_ticket("Bin collection", "When is collection?", "someone.else@example.com")
    assert _drain(sessions, settings).done == 0
    seen = helpdesk.ticket(ticket["id"])
    assert seen["custom_contact_restriction"] == "" and seen["custom_contactguard_tags"] == ""
    assert seen["assigned_to"] is None and _notes(seen) == []
    with sessions() as s:
        assert s.scalar(select(WebhookEvent.outcome).where(WebhookEvent.ticket_id == str(ticket["id"]))) == "allow"


def test_our_own_note_coming_back_is_not_processed_again(helpdesk, wired, cast, sessions, settings):
    active_restriction(cast)
    ticket = helpdesk.create_ticket("Repair", "Still broken", JANE)
    _drain(sessions, settings)  # posts the note: django-helpdesk fires its follow-up webhook back to us
    with sessions() as s:
        events = s.scalar(select(func.count()).select_from(WebhookEvent))
        actions = s.scalar(select(func.count()).select_from(OutboxAction))
    assert (events, actions) == (1, 4)
    assert _drain(sessions, settings).done == 0
    assert len(_notes(helpdesk.ticket(ticket["id"]))) == 1


def test_customer_email_reply_is_decided_again(helpdesk, wired, cast, sessions, settings):
    active_restriction(cast)
    ticket = helpdesk.create_ticket("Repair", "Still broken", JANE)
    _drain(sessions, settings)
    helpdesk.customer_reply(ticket["id"], JANE, "I am now homeless after the eviction, please help")
    _drain(sessions, settings)
    seen = helpdesk.ticket(ticket["id"])
    assert len(_notes(seen)) == 2, "one note for the ticket, one for the reply"
    with sessions() as s:
        outcomes = sorted(s.scalars(select(WebhookEvent.outcome)))
    assert outcomes == ["flag", "flag"], "a reply to the sole point of contact's ticket is within the arrangement"


def test_helpdesk_api_down_for_a_while_then_every_action_applied_exactly_once(helpdesk, wired, cast, sessions,
                                                                               settings):
    active_restriction(cast)
    ticket = helpdesk.create_ticket("Repair", "Broken boiler", JANE, assigned_to=helpdesk.ids["bob"])
    helpdesk.stop()
    try:
        stats = _drain(sessions, settings)
        assert stats.done == 0 and stats.retried == 4
    finally:
        helpdesk.start()
    stats = _drain(sessions, settings, now=utcnow() + dt.timedelta(hours=1))
    assert stats.done == 4 and stats.dead == 0
    assert _drain(sessions, settings, now=utcnow() + dt.timedelta(hours=2)).done == 0
    seen = helpdesk.ticket(ticket["id"])
    assert len(_notes(seen)) == 1
    assert seen["custom_contactguard_tags"] == "cg-restricted, cg-disregarded"
