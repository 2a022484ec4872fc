"""End to end against a real Request Tracker 5 (Debian's request-tracker5): customers' e-mails through RT's mail
gateway and agents' tickets through REST2, contactguard's scrip posting each to contactguard over HTTP, the outbox
worker writing back through REST2 as contactguard's RT user, and each result read as an RT agent sees it through
REST2 (custom fields, owner, queue, priority, history), with RT's outgoing mail read from its sendmail."""

import datetime as dt
import json
import re

import pytest
from sqlalchemy import func, select

from adapters import get_adapter
from plugin.cli import cli
from plugin.clock import utcnow
from plugin.models import Connection, OutboxAction, WebhookEvent
from plugin.services import register as reg
from plugin.services import restrictions as rs
from plugin.worker import outbox
from plugin.worker.sweeps import run_sweeps
from tests.conftest import decide_all
from tests.e2e.rtsite.harness import SHARED_SECRET
from tests.helpers import active_restriction

pytestmark = pytest.mark.e2e
JANE = "jane.customer@example.com"
FLAG, TAGS = "Contact restriction", "contactguard tags"


def _drain(sessions, settings):
    """One worker pass: decide what the scrip delivered, then apply the actions through RT's REST2."""
    decide_all(sessions, settings)
    return outbox.drain_once(sessions, settings)


def _comments(rt, ticket_id) -> list[str]:
    """contactguard's notes on the ticket: private comments (correspondence would be mailed to the requestors)."""
    ours = [t for t in rt.history(ticket_id) if t["author"] == "contactguard"]
    assert not [t for t in ours if t["Type"] == "Correspond"], "contactguard never corresponds"
    return [rt.text(t["id"]) for t in ours if t["Type"] == "Comment"]


def _client(rt):
    """contactguard's client for this RT, as the outbox worker makes it."""
    adapter = get_adapter("request_tracker")
    return adapter.client(
        adapter.settings_schema().load({"base_url": rt.url, "allow_private_network": True}),
        adapter.secrets_schema().load({"api_token": rt.tokens["contactguard"], "shared_secret": SHARED_SECRET}),
    )


def _events(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(WebhookEvent))


def test_after_an_outage_a_rescan_checks_the_ticket_the_scrip_could_not_deliver(
    request_tracker, rt_wired, cast, sessions, settings, runner
):
    """The scrip's POST runs inside RT's request: with contactguard down RT still saves the ticket, logs the failure,
    and the contact is lost until `connections rescan` reads it back through REST2 (first here: the rescan window
    must hold only this test's tickets)."""
    rt = request_tracker
    active_restriction(cast)
    proxy, rt.forwarder.target = rt.forwarder.target, None  # contactguard is down
    since = utcnow().isoformat()
    ticket = rt.mail_in(JANE, "Lock broken during the outage", "The front door lock is broken.")
    assert rt.forwarder.delivered[-1]["ticket"]["id"] == ticket and rt.forwarder.delivered[-1]["_status"] == 503
    assert re.search(rf"contactguard: ticket {ticket} txn \d+ NOT sent: 503", rt.log.read_text())
    assert _events(sessions) == 0
    rt.forwarder.target = proxy  # contactguard is back
    result = runner.invoke(cli, ["--json", "connections", "rescan", rt_wired, "--since", since])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "tickets": 1,
        "events": 1,
        "checked": 1,
        "known": 0,
        "ignored": 0,
        "unreadable": [],
    }
    assert _drain(sessions, settings).done == 4
    seen = rt.ticket(ticket)
    assert rt.field(seen, FLAG)[0].startswith("RESTRICTED: contact via Olly Officer")
    assert rt.field(seen, TAGS) == ["cg-restricted"] and len(_comments(rt, ticket)) == 1
    again = json.loads(runner.invoke(cli, ["--json", "connections", "rescan", rt_wired, "--since", since]).output)
    assert (again["checked"], again["known"], again["ignored"]) == (0, 1, 0), "known now; our writes are no contacts"


def test_a_restricted_customers_emailed_ticket_is_flagged_assigned_and_noted_in_private(
    request_tracker, rt_wired, cast, sessions, settings
):
    rt = request_tracker
    active_restriction(cast)
    ticket = rt.mail_in(JANE, "Boiler broken", "My boiler is broken again.")
    acknowledged = rt.mails_to(JANE)
    assert [m["Subject"] for m in acknowledged][-1].endswith("AutoReply: Boiler broken"), "RT's own autoreply"
    stats = _drain(sessions, settings)
    assert (stats.done, stats.retried, stats.dead) == (4, 0, 0)
    seen = rt.ticket(ticket)
    flag = rt.field(seen, FLAG)[0]
    assert flag.startswith("RESTRICTED: contact via Olly Officer <officer@council.example>")
    assert "email, letter, web_form" in flag
    assert rt.field(seen, TAGS) == ["cg-restricted"]
    assert seen["Owner"]["id"] == "alice", "the sole point of contact's RT user owns it"
    (note,) = _comments(rt, ticket)
    assert "Sole point of contact: Olly Officer" in note and "[contactguard] ref" in note
    assert "formal warning" not in note, "reasons stay in contactguard (R50)"
    assert len(rt.mails_to(JANE)) == len(acknowledged), "nothing of contactguard's is mailed to the customer"


def test_a_ticket_for_another_officer_is_disregarded_and_goes_to_the_sole_point_of_contact(
    request_tracker, rt_wired, cast, sessions, settings
):
    """Bob records Jane's call and keeps the ticket: outside the arrangement; RT lets contactguard take it from Bob
    only with ReassignTicket (the initialdata grants it)."""
    rt = request_tracker
    active_restriction(cast)
    ticket = rt.create_ticket("bob", "For Bob", "Jane phoned: Bob, please call me back.", JANE, owner="bob")
    mails = len(rt.mails_to(JANE))
    assert _drain(sessions, settings).dead == 0
    seen = rt.ticket(ticket)
    assert sorted(rt.field(seen, TAGS)) == ["cg-disregarded", "cg-restricted"]
    assert rt.field(seen, FLAG)[0].startswith("RESTRICTED: contact via Olly Officer")
    assert seen["Owner"]["id"] == "alice"
    (note,) = _comments(rt, ticket)
    assert "Disregarded under the contact restriction" in note
    assert "No acknowledgement comes from contactguard; check whether your helpdesk sent one" in note
    assert len(rt.mails_to(JANE)) == mails


def test_lifting_the_restriction_takes_the_flag_and_tags_off_the_ticket(
    request_tracker, rt_wired, cast, sessions, settings
):
    rt = request_tracker
    restriction = active_restriction(cast)
    ticket = rt.mail_in(JANE, "Fence down", "The fence blew down.")
    _drain(sessions, settings)
    assert rt.field(rt.ticket(ticket), TAGS) == ["cg-restricted"]
    with cast.act("senior") as ctx:
        rs.lift(ctx, restriction, {"reasons": "Behaviour has improved for six months"})
    mails = len(rt.mails_to(JANE))
    stats = _drain(sessions, settings)
    assert (stats.done, stats.dead) == (2, 0), "clear the flag, remove the tags"
    seen = rt.ticket(ticket)
    assert rt.field(seen, FLAG) == [] and rt.field(seen, TAGS) == []
    assert seen["Owner"]["id"] == "alice", "the owner stays: the agent has the ticket now"
    assert len(rt.mails_to(JANE)) == mails


def test_an_information_request_is_moved_to_the_information_rights_queue(
    request_tracker, rt_wired, cast, sessions, settings
):
    rt = request_tracker
    active_restriction(cast)
    ticket = rt.mail_in(JANE, "My records", "Subject access request please: send me what you hold on me.")
    mails = len(rt.mails_to(JANE))
    assert _drain(sessions, settings).dead == 0
    seen = rt.ticket(ticket)
    assert seen["Queue"]["id"] == rt.queue_id("Information rights")
    assert sorted(rt.field(seen, TAGS)) == ["cg-information-request", "cg-restricted"]
    (note,) = _comments(rt, ticket)
    assert "[contactguard] ref" in note
    assert len(rt.mails_to(JANE)) == mails, "a queue change mails no requestor"


def test_a_safeguarding_concern_in_an_emailed_reply_raises_the_priority(
    request_tracker, rt_wired, cast, sessions, settings
):
    rt = request_tracker
    active_restriction(cast)
    ticket = rt.mail_in(JANE, "Repairs", "The damp is back.")
    _drain(sessions, settings)
    rt.mail_reply(JANE, ticket, "I am now homeless after the eviction, please help")
    mails = len(rt.mails_to(JANE))
    assert _drain(sessions, settings).dead == 0
    seen = rt.ticket(ticket)
    assert sorted(rt.field(seen, TAGS)) == ["cg-escalated", "cg-restricted"]
    assert seen["Priority"] == "100", "RT 5 shows 100 as High"
    with sessions() as s:
        outcomes = list(s.scalars(select(WebhookEvent.outcome).order_by(WebhookEvent.id)))
    assert outcomes == ["flag", "escalate"]
    assert len(_comments(rt, ticket)) == 2 and len(rt.mails_to(JANE)) == mails


def test_our_own_changes_coming_back_through_the_scrip_are_not_decided_again(
    request_tracker, rt_wired, cast, sessions, settings
):
    """contactguard's comment, fields and owner post nothing (the scrip runs on Create and Correspond only); the
    review ticket it makes does come back, by its own RT user, and is ignored."""
    rt = request_tracker
    active_restriction(cast)
    ticket = rt.mail_in(JANE, "Gutter", "The gutter leaks.")
    _drain(sessions, settings)
    assert [d["transaction"]["type"] for d in rt.forwarder.delivered if d["ticket"]["id"] == ticket] == ["Create"]
    assert _events(sessions) == 1 and _drain(sessions, settings).done == 0
    _client(rt).apply(None, {"kind": "create_task", "queue": "Reviews", "title": "Review due: C1", "text": "Hold it"})
    task = rt.forwarder.delivered[-1]
    assert (task["actor"]["name"], task["ticket"]["queue"], task["_status"]) == ("contactguard", "Reviews", 200)
    assert _events(sessions) == 1, "not stored: not a customer's contact"
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutboxAction).where(OutboxAction.state == "pending")) == 0


def test_a_review_reminder_is_a_ticket_owned_by_the_reviewing_senior_and_mailed_to_no_one_else(
    request_tracker, rt_wired, cast, sessions, settings
):
    """The clock's review task (plugin/worker/sweeps.py) through the outbox: a ticket in the review queue with no
    requestor, owned by the senior officer who put the restriction in force (Sam Senior is carol in RT)."""
    rt = request_tracker
    with cast.act() as ctx:
        reg.update_officer(ctx, "senior@council.example", {"helpdesk_ids": [{"connection": "", "agent_id": "carol"}]})
    with sessions() as s, s.begin():
        connection = s.scalar(select(Connection).where(Connection.id == rt_wired))
        connection.settings = {**connection.settings, "review_queue": "Reviews"}
    today = dt.date.today()
    restriction = active_restriction(cast, review_due=(today + dt.timedelta(days=20)).isoformat())
    before = len(rt.mails())
    run_sweeps(sessions, settings, today=today)
    assert _drain(sessions, settings).dead == 0
    (task,) = [
        d["ticket"] for d in rt.forwarder.delivered if d["ticket"]["subject"].endswith(f"restriction {restriction}")
    ]
    seen = rt.ticket(task["id"])
    assert seen["Owner"]["id"] == "carol" and seen["Requestor"] == []
    assert seen["Queue"]["id"] == rt.queue_id("Reviews")
    (created,) = [t for t in rt.history(task["id"]) if t["Type"] == "Create"]
    assert f"/restrictions/{restriction}/review" in rt.text(created["id"])
    recipients = {str(m["To"]) for m in rt.mails()[before:]}
    assert recipients == {"carol@council.example"}, "RT tells the owner, and nobody else"
