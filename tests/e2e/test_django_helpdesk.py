"""End to end against a real django-helpdesk: tickets made through its API, webhooks to contactguard over
HTTP, actions applied through its API by the outbox worker, and checked as an agent would see them."""

import datetime as dt
import json

import pytest
import requests
from sqlalchemy import func, select

from adapters import get_adapter
from plugin.cli import cli
from plugin.clock import utcnow
from plugin.models import OutboxAction, WebhookEvent
from plugin.worker import outbox
from tests.conftest import decide_all
from tests.helpers import active_restriction, webhook_path

pytestmark = pytest.mark.e2e
JANE = "jane.customer@example.com"


def _drain(sessions, settings, now=None):
    """One worker pass: decide what the webhooks stored, then apply the actions through the helpdesk's API."""
    decide_all(sessions, settings)
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
    assert "No acknowledgement comes from contactguard; check whether your helpdesk sent one" in note["comment"]


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
        outcomes = list(s.scalars(select(WebhookEvent.outcome).order_by(WebhookEvent.id)))
    # A reply to the sole point of contact's ticket is within the arrangement, and screened all the same (issue 20).
    assert outcomes == ["flag", "escalate"]
    assert seen["custom_contactguard_tags"] == "cg-restricted, cg-escalated" and seen["priority"] == 1


def test_helpdesk_api_down_for_a_while_then_every_action_applied_exactly_once(
    helpdesk, wired, cast, sessions, settings
):
    active_restriction(cast)
    ticket = helpdesk.create_ticket("Repair", "Broken boiler", JANE, assigned_to=helpdesk.ids["bob"])
    helpdesk.stop()
    try:
        stats = _drain(sessions, settings)
        assert stats.done == 0 and stats.dead == 0 and stats.paused == 1, "the ticket's later actions wait behind"
    finally:
        helpdesk.start()
    stats = _drain(sessions, settings, now=utcnow() + dt.timedelta(hours=1))
    assert stats.done == 4 and stats.dead == 0
    assert _drain(sessions, settings, now=utcnow() + dt.timedelta(hours=2)).done == 0
    seen = helpdesk.ticket(ticket["id"])
    assert len(_notes(seen)) == 1
    assert seen["custom_contactguard_tags"] == "cg-restricted, cg-disregarded"


README_ARRANGEMENT = {"allowed_channels": ["email", "letter"]}  # the README's example: channels email, letter


def _outcome(sessions, ticket_id) -> str:
    with sessions() as s:
        return s.scalar(
            select(WebhookEvent.outcome).where(
                WebhookEvent.ticket_id == str(ticket_id), WebhookEvent.delivery_key.startswith(f"ticket:{ticket_id}:")
            )
        )


def _client(helpdesk, **settings):
    adapter = get_adapter("django_helpdesk")
    loaded = adapter.settings_schema().load({"base_url": helpdesk.api, "allow_private_network": True, **settings})
    return adapter.client(loaded, {"username": "cgadmin", "password": "cgadmin-pass"})


def test_a_note_leaves_the_customers_title_alone_and_sends_the_customer_nothing(
    helpdesk, wired, cast, sessions, settings
):
    active_restriction(cast)
    ticket = helpdesk.create_ticket("Leaking roof in bedroom", "Water coming through", JANE)
    mail_before = helpdesk.mail_to(JANE)
    assert _drain(sessions, settings).done == 4
    seen = helpdesk.ticket(ticket["id"])
    assert seen["title"] == "Leaking roof in bedroom", "the customer's title, not 'contactguard'"
    (note,) = _notes(seen)
    assert note["title"] == "Leaking roof in bedroom" and JANE not in note["email_recipients"]
    mail_after = helpdesk.mail_to(JANE)
    assert len(mail_after) == len(mail_before), [m["Subject"] for m in mail_after]
    assert not any("contactguard" in (m["Subject"] or "") for m in mail_after)


def test_with_the_readme_arrangement_how_the_ticket_came_decides_its_channel(helpdesk, wired, cast, sessions, settings):
    """email, letter open: staff/API tickets are not judged on channel, e-mail is open, the web form is not."""
    active_restriction(cast, **README_ARRANGEMENT)
    by_api = helpdesk.create_ticket("Repair", "Boiler broken", JANE, assigned_to=helpdesk.ids["alice"])
    by_email = helpdesk.email_in(JANE, "Boiler", "Still broken")
    by_form = helpdesk.submit_public_form("Boiler again", "Please fix it", JANE)
    _drain(sessions, settings)
    assert _outcome(sessions, by_api["id"]) == "flag", "to the sole point of contact through the API"
    assert helpdesk.ticket(by_api["id"])["custom_contactguard_tags"] == "cg-restricted"
    assert _outcome(sessions, by_email["id"]) == "flag"
    assert _outcome(sessions, by_form["id"]) == "disregard", "the web form is not one of her channels"
    assert helpdesk.ticket(by_form["id"])["custom_contactguard_tags"] == "cg-restricted, cg-disregarded"


def test_clearing_the_flag_and_the_last_tags_on_the_real_helpdesk(helpdesk, wired, cast, sessions, settings):
    active_restriction(cast)
    ticket = helpdesk.create_ticket("Repair", "Broken window", JANE)
    _drain(sessions, settings)
    client = _client(helpdesk)
    client.apply(str(ticket["id"]), {"kind": "clear_flag"})
    client.apply(str(ticket["id"]), {"kind": "remove_tags", "tags": ["cg-restricted"]})
    seen = helpdesk.ticket(ticket["id"])
    assert seen["custom_contact_restriction"] == "-", "django-helpdesk 2.6.1 refuses '' and null: the placeholder"
    assert seen["custom_contactguard_tags"] == "-"
    client.apply(str(ticket["id"]), {"kind": "clear_flag"})  # safe to repeat
    client.apply(str(ticket["id"]), {"kind": "add_tags", "tags": ["cg-restricted"]})
    assert helpdesk.ticket(ticket["id"])["custom_contactguard_tags"] == "cg-restricted"


def test_a_review_task_is_created_in_the_review_queue(helpdesk):
    client = _client(helpdesk, review_queue=helpdesk.ids["queue:reviews"])
    client.apply(
        None,
        {
            "kind": "create_task",
            "queue": helpdesk.ids["queue:reviews"],
            "title": "Review due: C1",
            "text": "Hold the review of restriction 1",
            "agent_id": str(helpdesk.ids["alice"]),
        },
    )
    (task,) = [t for t in helpdesk.tickets() if t["title"] == "Review due: C1"]
    assert task["queue"] == helpdesk.ids["queue:reviews"] and task["priority"] == 3
    assert task["assigned_to"] == helpdesk.ids["alice"]


def test_with_the_acknowledgement_templates_removed_the_customer_gets_no_acknowledgement(helpdesk):
    """The guide's setting: django-helpdesk sends newticket_submitter only while that e-mail template exists."""
    customer = "quiet.customer@example.com"
    helpdesk.acknowledgements(False)
    try:
        helpdesk.create_ticket("By staff", "Phoned in", customer)
        helpdesk.email_in(customer, "By e-mail", "Hello")
        helpdesk.submit_public_form("By web", "Hello", customer)
        assert helpdesk.mail_to(customer) == []
    finally:
        helpdesk.acknowledgements(True)
    helpdesk.create_ticket("By staff again", "Phoned in", customer)
    assert len(helpdesk.mail_to(customer)) == 1, "with the templates back, the acknowledgement goes out again"


def test_after_an_outage_a_rescan_checks_the_ticket_the_webhook_never_delivered(
    helpdesk, wired, cast, sessions, settings, runner, contactguard_url
):
    active_restriction(cast)
    since = utcnow().isoformat()  # the helpdesk is shared: earlier tests' tickets are older
    helpdesk.point_webhooks_at("http://127.0.0.1:9/webhooks/down")  # contactguard is down
    answer = requests.post(
        helpdesk.api + "tickets/",
        auth=helpdesk.auth,
        timeout=10,
        json={
            "queue": helpdesk.ids["queue:housing"],
            "title": "During the outage",
            "description": "Broken lock",
            "submitter_email": JANE,
            "priority": 3,
        },
    )
    assert answer.status_code == 500, "django-helpdesk fails the request when the webhook cannot be sent"
    (ticket,) = [t for t in helpdesk.tickets() if t["title"] == "During the outage"]
    assert _drain(sessions, settings).done == 0 and _outcome(sessions, ticket["id"]) is None
    helpdesk.point_webhooks_at(f"{contactguard_url}{webhook_path(settings, wired)}")  # contactguard is back
    result = runner.invoke(cli, ["--json", "connections", "rescan", wired, "--since", since])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report == {"tickets": 1, "events": 1, "checked": 1, "known": 0, "ignored": 0, "unreadable": []}
    assert _drain(sessions, settings).done == 4
    seen = helpdesk.ticket(ticket["id"])
    assert seen["custom_contact_restriction"].startswith("RESTRICTED: contact via Olly Officer")
    assert seen["custom_contactguard_tags"] == "cg-restricted" and len(_notes(seen)) == 1
    again = json.loads(runner.invoke(cli, ["--json", "connections", "rescan", wired, "--since", since]).output)
    assert (again["checked"], again["known"], again["ignored"]) == (0, 1, 1), "our own note is not a contact"
