"""Zammad special cases: the signature vector, staff and internal articles, unassigned owner."""

import datetime as dt
import json
from pathlib import Path

import pytest

from adapters.errors import SignatureError
from adapters.zammad.adapter import ZammadAdapter

HERE = Path(__file__).parent
ADAPTER = ZammadAdapter()
NOW = dt.datetime(2026, 11, 24, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("vector", json.loads((HERE / "signature-vectors.json").read_text()))
def test_signature_vector(vector):
    """Derived from Zammad's own code (lib/user_agent.rb set_signature) and its spec's token."""
    secrets = {"signature_token": vector["secret"]}
    ADAPTER.verify(vector["headers"], vector["body"].encode(), secrets, {}, NOW)
    with pytest.raises(SignatureError):
        ADAPTER.verify(vector["headers"], vector["body"].encode() + b" ", secrets, {}, NOW)


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"sender": "Agent"}, "article by staff"),
        ({"internal": True}, "internal article"),
        ({"body": "x [contactguard] ref 1"}, "our own note"),
    ],
)
def test_articles_that_are_not_customer_contacts(change, reason):
    body = json.loads((HERE / "fixtures" / "zammad-customer-reply.json").read_text())
    body["article"].update(change)
    assert ADAPTER.parse(json.dumps(body).encode(), {}, {})[0].ignore_reason == reason


def test_identities_owner_and_delivery_id():
    (event,) = ADAPTER.parse(
        (HERE / "fixtures" / "zammad-customer-reply.json").read_bytes(), {"X-Zammad-Delivery": "d-1"}, {}
    )
    assert event.emails == ("emily@example.com",) and event.phones == ("0061 2 1234 7777",)
    assert (event.helpdesk_user_id, event.assigned_agent_id, event.delivery_key) == ("8", "5", "delivery:d-1")
    assert event.addressed_inbox == "support@chrispresso.com" and event.channel == "email"
    body = json.loads((HERE / "fixtures" / "zammad-ticket-created.json").read_text())
    body["ticket"]["owner_id"] = 1
    assert ADAPTER.parse(json.dumps(body).encode(), {}, {})[0].assigned_agent_id is None


@__import__("responses").activate(assert_all_requests_are_fired=True)
def test_by_ticket_lists_every_article_so_a_late_marker_is_found():
    """List Articles by Ticket (GET /api/v1/ticket_articles/by_ticket/{id}) answers all of the ticket's
    articles in one array; no paging is documented for it
    (https://github.com/zammad/zammad-documentation/blob/main/api/ticket/articles.rst)."""
    import responses

    from adapters.zammad.schemas import Settings

    articles = [{"id": i, "body": "reply"} for i in range(1, 251)] + [{"id": 251, "body": "note [contactguard] ref k1"}]
    responses.get("https://zammad.council.example/api/v1/ticket_articles/by_ticket/81", json=articles)
    client = ADAPTER.client(Settings().load({"base_url": "https://zammad.council.example/"}), {"api_token": "t"})
    client.apply("81", {"kind": "add_note", "text": "note [contactguard] ref k1", "marker": "[contactguard] ref k1"})
    assert len(responses.calls) == 1
