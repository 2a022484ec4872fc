"""Freshdesk special cases: no signature (Basic auth optional), the verbatim legacy body, HTML descriptions."""

import datetime as dt
from pathlib import Path

import pytest

from adapters.errors import SignatureError
from adapters.freshdesk.adapter import FreshdeskAdapter

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
