"""django-helpdesk parsing: one test per fixture, plus the cases that matter for loops and staff replies."""

import datetime as dt
import json
from pathlib import Path

import pytest

from adapters.django_helpdesk.adapter import DjangoHelpdeskAdapter
from adapters.errors import PayloadError, SignatureError

FIXTURES = Path(__file__).parent / "fixtures"
ADAPTER = DjangoHelpdeskAdapter()
NOW = dt.datetime(2026, 11, 24, tzinfo=dt.timezone.utc)


def _raw(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def test_ticket_created_fixture():
    (event,) = ADAPTER.parse(_raw("django-helpdesk-ticket-created"), {}, {})
    assert event.event_type == "ticket.created"
    assert event.delivery_key.startswith("ticket:44:") and event.ticket_id == "44"
    assert event.emails == ("jane.customer@example.com",)
    assert event.assigned_agent_id is None and event.queue == "claims"
    assert event.channel == "web_form" and event.ignore_reason is None
    assert event.at == dt.datetime(2025, 1, 8, 10, 12, 7, 123456, tzinfo=dt.timezone.utc)


def test_followup_fixture():
    (event,) = ADAPTER.parse(_raw("django-helpdesk-followup"), {}, {})
    assert event.event_type == "ticket.customer_reply"
    assert event.delivery_key.startswith("followup:102:")
    assert event.assigned_agent_id == "7"
    assert event.channel == "email", "a follow-up imported from e-mail carries a message_id"
    assert event.text.startswith("Following up")


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"comment": "note\n\n[contactguard] ref abc"}, "our own note"),
        ({"user": 4}, "follow-up by staff"),
        ({"public": False}, "internal follow-up"),
    ],
)
def test_followups_that_are_not_customer_contacts_are_ignored(change, reason):
    body = json.loads(_raw("django-helpdesk-followup"))
    body["ticket"]["followup_set"][-1].update(change)
    (event,) = ADAPTER.parse(json.dumps(body).encode(), {}, {})
    assert event.ignore_reason == reason


@pytest.mark.parametrize("raw", [b"", b"[]", b'{"ticket": "x"}', b'{"ticket": {"title": "no id"}}', b"\xff"])
def test_malformed_bodies_are_refused_with_a_message(raw):
    with pytest.raises(PayloadError, match="django-helpdesk"):
        ADAPTER.parse(raw, {}, {})


def test_without_a_shared_secret_the_url_alone_authenticates():
    ADAPTER.verify({}, b"{}", {"username": "u", "password": "p"}, {}, NOW)


def test_shared_secret_and_its_previous_value_during_rotation():
    secrets = {"shared_secret": "new-secret-0123456789", "shared_secret_previous": "old-secret-0123456789"}
    ADAPTER.verify({"X-Contactguard-Secret": "new-secret-0123456789"}, b"{}", secrets, {}, NOW)
    ADAPTER.verify({"x-contactguard-secret": "old-secret-0123456789"}, b"{}", secrets, {}, NOW)
    with pytest.raises(SignatureError):
        ADAPTER.verify({"X-Contactguard-Secret": "guess"}, b"{}", secrets, {}, NOW)
    with pytest.raises(SignatureError):
        ADAPTER.verify({}, b"{}", secrets, {}, NOW)


def _new_ticket_with(first: dict) -> bytes:
    body = json.loads(_raw("captured-2.6.1-new-ticket"))
    body["ticket"]["followup_set"][0].update(first)
    return json.dumps(body).encode()


# What django-helpdesk 2.6.1 records on a new ticket's first follow-up (forms.py, email.py).
STAFF_OR_API = {"user": 1, "title": "Ticket Opened", "message_id": None}
PUBLIC_ANONYMOUS = {"user": None, "title": "Ticket Opened Via Web", "message_id": None}
PUBLIC_LOGGED_IN = {"user": 9, "title": "Ticket Opened Via Web", "message_id": None}
EMAIL = {"user": None, "title": "E-Mail Received from jane.customer@example.com", "message_id": "<a1@mail.example>"}


@pytest.mark.parametrize(
    "first, channel",
    [
        (STAFF_OR_API, None),
        (PUBLIC_ANONYMOUS, "web_form"),
        (PUBLIC_LOGGED_IN, "web_form"),
        (EMAIL, "email"),
    ],
)
def test_a_new_tickets_channel_by_default_comes_from_how_django_helpdesk_recorded_it(first, channel):
    (event,) = ADAPTER.parse(_new_ticket_with(first), {}, {})
    assert event.channel == channel, "staff-entered and API tickets are not judged on channel by default"


def test_the_channel_map_decides_each_sources_channel_over_the_defaults():
    settings = {"channel_map": {"staff": "telephone"}}
    assert ADAPTER.parse(_new_ticket_with(STAFF_OR_API), {}, settings)[0].channel == "telephone"
    assert ADAPTER.parse(_new_ticket_with(EMAIL), {}, settings)[0].channel == "email"
    settings = {"channel_map": {"public_form": "email"}}
    assert ADAPTER.parse(_new_ticket_with(PUBLIC_ANONYMOUS), {}, settings)[0].channel == "email"


def test_a_followup_imported_from_email_is_email_whatever_the_ticket_was():
    (event,) = ADAPTER.parse(_raw("captured-2.6.1-followup"), {}, {"channel_map": {"staff": "letter"}})
    assert event.channel == "email"


@pytest.mark.parametrize(
    "channel_map, message",
    [
        ({"staff": "fax"}, "unknown channel fax"),
        ({"phone": "telephone"}, "unknown source phone"),
    ],
)
def test_the_channel_map_is_checked_against_the_channel_vocabulary_at_set_up(channel_map, message):
    from marshmallow import ValidationError

    from adapters.django_helpdesk.schemas import Settings

    with pytest.raises(ValidationError, match=message):
        Settings().load({"base_url": "http://helpdesk.test/helpdesk/api/", "channel_map": channel_map})
    loaded = Settings().load(
        {"base_url": "http://helpdesk.test/helpdesk/api/", "channel_map": {"staff": "telephone", "public_form": None}}
    )
    assert loaded["channel_map"] == {"staff": "telephone", "public_form": None}
    assert loaded["task_priority"] == 3 and loaded["cleared_value"] == "-"
