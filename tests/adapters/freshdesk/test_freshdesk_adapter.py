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
