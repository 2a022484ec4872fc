"""Freshdesk special cases: no signature (Basic auth optional), the verbatim legacy body, HTML descriptions."""

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from adapters.errors import SignatureError
from adapters.freshdesk.adapter import FreshdeskAdapter
from tests.helpers import webhook_path

HERE = Path(__file__).parent
ADAPTER = FreshdeskAdapter()
NOW = dt.datetime(2026, 11, 24, tzinfo=dt.timezone.utc)


def test_without_webhook_credentials_the_unguessable_url_authenticates():
    """crm-specs §2.2: Freshdesk cannot sign; the URL token is the defence."""
    ADAPTER.verify({}, b"{}", {"api_key": "k"}, {}, NOW)


def test_with_credentials_a_missing_or_wrong_authorization_is_refused():
    secrets = {"api_key": "k", "webhook_username": "cg", "webhook_password": "right-password-123"}
    with pytest.raises(SignatureError):
        ADAPTER.verify({}, b"{}", secrets, {}, NOW)
    with pytest.raises(SignatureError):
        ADAPTER.verify({"Authorization": "Basic Y2c6d3Jvbmc="}, b"{}", secrets, {}, NOW)


def test_the_verbatim_legacy_body_is_a_new_ticket_with_html_stripped():
    (event,) = ADAPTER.parse((HERE / "fixtures" / "freshdesk-ticket-created.json").read_bytes(), {}, {})
    assert event.event_type == "ticket.created" and event.emails == ("requester-bob@example.com",)
    assert "<div>" not in event.text and "Test ticket description" in event.text


def test_no_delivery_id_so_the_body_hash_dedupes_and_a_changed_body_is_new():
    raw = (HERE / "fixtures" / "freshdesk-customer-reply.json").read_bytes()
    first = ADAPTER.parse(raw, {}, {})[0].delivery_key
    assert first == ADAPTER.parse(raw, {}, {})[0].delivery_key
    assert first != ADAPTER.parse(raw.replace(b"today", b"tomorrow"), {}, {})[0].delivery_key


@__import__("responses").activate(assert_all_requests_are_fired=True)
def test_note_marker_on_the_second_conversations_page_is_found_and_nothing_is_posted():
    """List All Conversations of a Ticket is paginated (page, per_page up to 100); the Link header names the
    next page and is absent on the last (https://developers.freshdesk.com/api/#list_all_ticket_notes,
    https://developers.freshdesk.com/api/#pagination)."""
    import responses

    from adapters.freshdesk.schemas import Settings

    first = "https://council.freshdesk.com/api/v2/tickets/11/conversations?page=1&per_page=100"
    second = "https://council.freshdesk.com/api/v2/tickets/11/conversations?page=2&per_page=100"
    responses.get(first, json=[{"body_text": "hello"}] * 100, headers={"Link": f'<{second}>; rel="next"'})
    responses.get(second, json=[{"body_text": "note [contactguard] ref k1"}])
    client = ADAPTER.client(Settings().load({"domain": "council"}), {"api_key": "k"})
    client.apply("11", {"kind": "add_note", "text": "note [contactguard] ref k1", "marker": "[contactguard] ref k1"})
    assert [(c.request.method, c.request.url) for c in responses.calls] == [("GET", first), ("GET", second)]


GUIDE = HERE.parents[2] / "docs" / "adapters" / "freshdesk.md"
# Freshdesk's ticket and requester placeholders as the rule editor's "Insert placeholder" list offers them
# ("Understanding dynamic content and placeholders", support.freshdesk.com). None names the agent's id.
DOCUMENTED_PLACEHOLDERS = {
    "ticket.id",
    "ticket.subject",
    "ticket.description",
    "ticket.url",
    "ticket.portal_url",
    "ticket.tags",
    "ticket.latest_public_comment",
    "ticket.latest_private_comment",
    "ticket.group.name",
    "ticket.agent.name",
    "ticket.agent.email",
    "ticket.status",
    "ticket.priority",
    "ticket.source",
    "ticket.ticket_type",
    "ticket.requester.name",
    "ticket.requester.firstname",
    "ticket.requester.lastname",
    "ticket.from_email",
    "ticket.requester.phone",
    "ticket.requester.address",
    "ticket.company.name",
    "ticket.portal_name",
    "helpdesk_name",
}
RENDERED = {
    "ticket.id": "11",
    "ticket.subject": "Missed bin collection",
    "ticket.description": "<div>My bin was not emptied.</div>",
    "ticket.from_email": "jane.customer@example.com",
    "ticket.requester.phone": "+44 20 7946 0000",
    "ticket.latest_public_comment": "Still not emptied.",
}


def _guide_template() -> str:
    text = GUIDE.read_text()
    return re.search(r'```json\n\s*(\{"freshdesk_webhook".*?)```', text, re.S).group(1)


def _rendered(event: str) -> bytes:
    """The guide's body as Freshdesk fills it in; a new ticket has no public comment yet."""
    values = {**RENDERED, "ticket.latest_public_comment": ""} if event == "ticket_created" else RENDERED
    body = re.sub(r"\{\{([^}]+)\}\}", lambda m: values[m.group(1)], _guide_template())
    return json.dumps({"freshdesk_webhook": {**json.loads(body)["freshdesk_webhook"], "event": event}}).encode()


def test_the_guides_template_uses_only_documented_placeholders():
    used = set(re.findall(r"\{\{([^}]+)\}\}", _guide_template()))
    assert used and used <= DOCUMENTED_PLACEHOLDERS, sorted(used - DOCUMENTED_PLACEHOLDERS)


@pytest.mark.parametrize("kind, text", [("ticket_created", "My bin was not emptied."), ("customer_reply", "Still")])
def test_the_parser_reads_what_the_guides_template_sends(kind, text):
    """Each field of docs/adapters/freshdesk.md's body reaches the event; the agent and the mailbox, which no
    placeholder gives, are read from the ticket by the worker (needs_lookup), never guessed from the body."""
    (event,) = ADAPTER.parse(_rendered(kind), {}, {})
    assert (event.ticket_id, event.subject) == ("11", "Missed bin collection")
    assert event.emails == ("jane.customer@example.com",) and event.phones == ("+44 20 7946 0000",)
    assert event.text.startswith(text)
    assert event.needs_lookup and event.lookup == {"object": "ticket"}
    assert event.assigned_agent_id is None and event.addressed_inbox is None


def test_the_agents_own_address_is_not_taken_as_the_mailbox_written_to():
    """`agent_email` ({{ticket.agent.email}}) is the assigned agent's address: no inbox the customer wrote to."""
    body = json.loads((HERE / "fixtures" / "freshdesk-customer-reply.json").read_text())
    assert body["freshdesk_webhook"]["agent_email"] == "caseworker@example.org"
    (event,) = ADAPTER.parse(json.dumps(body).encode(), {}, {})
    assert event.addressed_inbox is None


# View a Ticket with include=requester (https://developers.freshdesk.com/api/#view_a_ticket): `responder_id` is
# "ID of the agent to whom the ticket has been assigned", `to_emails` "Email addresses to which the ticket was
# originally sent", and `requester` the contact's name, email, mobile and phone.
VIEW_A_TICKET = {
    "id": 11,
    "subject": "Missed bin collection",
    "requester_id": 103000123456,
    "responder_id": 103000000099,
    "group_id": 5,
    "status": 2,
    "source": 1,
    "to_emails": ["Housing Team <Housing@council.example>"],
    "cc_emails": ["caseworker@example.org"],
    "requester": {
        "id": 103000123456,
        "name": "Jane Customer",
        "email": "jane.customer@example.com",
        "mobile": "+44 7700 900456",
        "phone": "+44 20 7946 0000",
    },
}


@__import__("responses").activate(assert_all_requests_are_fired=True)
def test_the_lookup_takes_the_agent_from_responder_id_and_the_mailbox_from_to_emails():
    import responses

    from adapters.freshdesk.schemas import Settings

    url = "https://council.freshdesk.com/api/v2/tickets/11?include=requester"
    responses.get(url, json=VIEW_A_TICKET)
    client = ADAPTER.client(Settings().load({"domain": "council"}), {"api_key": "k"})
    found = client.lookup("11", {"object": "ticket"})
    assert found == {
        "emails": ["jane.customer@example.com"],
        "phones": ["+44 20 7946 0000", "+44 7700 900456"],
        "helpdesk_user_id": "103000123456",
        "assigned_agent_id": "103000000099",
        "addressed_inbox": "housing@council.example",
    }


def test_a_ticket_assigned_to_another_agent_is_addressed_to_another_officer(client, cast, sessions, settings):
    """The check "addressed to another officer" now fires: the worker learns the ticket's agent (responder_id 99,
    not the sole point of contact's 7) from View a Ticket and decides on it."""
    import responses
    import time_machine
    from sqlalchemy import select

    from plugin.models import WebhookEvent
    from plugin.services import connections as conns
    from plugin.services import register as reg
    from plugin.worker import outbox
    from tests.adapters.freshdesk.spec import SPEC
    from tests.helpers import active_restriction

    with time_machine.travel(dt.datetime(2026, 11, 22, 12, tzinfo=dt.timezone.utc), tick=False):
        with cast.act() as ctx:
            reg.remove_identity(ctx, "C1", "email", "jane.customer@example.com")
            reg.update_officer(ctx, "officer@council.example", {"helpdesk_ids": [{"connection": "", "agent_id": "7"}]})
            reg.add_customer(
                ctx,
                {"reference": "R1", "name": "Jane", "identities": [{"kind": "email", "value": "jane@example.com"}]},
            )
            connection = conns.add(ctx, "freshdesk", "Freshdesk", SPEC.settings, SPEC.secrets, test=False)
        active_restriction(cast, customer="R1", review_due="2027-05-24")
    raw = _rendered("customer_reply").replace(b"jane.customer@example.com", b"jane@example.com")
    response = client.post(
        webhook_path(settings, connection.id),
        data=raw,
        content_type="application/json",
        headers=SPEC.sign(raw, SPEC.secrets, 0),
    )
    assert response.status_code == 200, response.get_json()  # the client's worker step queues the lookup
    ticket = {
        **VIEW_A_TICKET,
        "responder_id": 99,
        "requester": {**VIEW_A_TICKET["requester"], "email": "jane@example.com"},
    }
    with responses.RequestsMock() as mock:
        mock.get("https://council.freshdesk.com/api/v2/tickets/11?include=requester", json=ticket)
        mock.add(responses.PUT, "https://council.freshdesk.com/api/v2/tickets/11", json={})
        mock.get("https://council.freshdesk.com/api/v2/tickets/11", json={"id": 11, "tags": []})
        mock.get("https://council.freshdesk.com/api/v2/tickets/11/conversations?page=1&per_page=100", json=[])
        mock.post("https://council.freshdesk.com/api/v2/tickets/11/notes", json={}, status=201)
        while outbox.drain_once(sessions, settings).done:
            pass
    with sessions() as s:
        reason = s.scalars(select(WebhookEvent.reason).order_by(WebhookEvent.id.desc())).first()
    assert "addressed to an officer who is not the customer's sole point of contact" in reason
