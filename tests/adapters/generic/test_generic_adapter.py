"""Generic JSON adapter: JSON pointers, HMAC-SHA256 over the raw bytes, signed callbacks."""

import datetime as dt
import json

import pytest
import responses

from adapters.errors import PayloadError, PermanentFailure, SignatureError, UnhandledEvent
from adapters.generic.adapter import GenericJsonAdapter, resolve_pointer, sign
from adapters.generic.schemas import Settings

ADAPTER = GenericJsonAdapter()
NOW = dt.datetime(2026, 11, 24, tzinfo=dt.timezone.utc)
SETTINGS = Settings().load(
    {
        "mapping": {
            "ticket_id": "/ticket/id",
            "requester_email": "/ticket/requester/email",
            "requester_phone": "/ticket/requester/phones",
            "addressee": "/ticket/assignee",
            "channel": "/ticket/via",
            "delivery_id": "/delivery",
            "event_type": "/event",
            "subject": "/ticket/subject",
            "text": "/comment/body",
        },
        "event_types": {"reply": "ticket.customer_reply", "new": "ticket.created"},
        "callback_url": "https://helpdesk.example/cg",
    }
)
SECRETS = {"signing_secret": "a-signing-secret-0123"}
BODY = {
    "event": "reply",
    "delivery": "d-1",
    "ticket": {
        "id": 12,
        "subject": "Hi",
        "via": "email",
        "assignee": 5,
        "requester": {"email": "Jane@Example.com", "phones": ["07700 900123"]},
    },
    "comment": {"body": "Hello"},
}


def test_resolve_pointer_follows_rfc_6901():
    doc = {"a/b": {"m~n": [10, 20]}}
    assert resolve_pointer(doc, "/a~1b/m~0n/1") == 20
    assert resolve_pointer(doc, "/missing/x") is None
    with pytest.raises(PayloadError):
        resolve_pointer(doc, "no-slash")


def test_parse_maps_every_field():
    (event,) = ADAPTER.parse(json.dumps(BODY).encode(), {}, SETTINGS)
    assert (event.delivery_key, event.event_type, event.ticket_id) == ("id:d-1", "ticket.customer_reply", "12")
    assert event.emails == ("Jane@Example.com",) and event.phones == ("07700 900123",)
    assert (event.assigned_agent_id, event.channel, event.subject, event.text) == ("5", "email", "Hi", "Hello")


def test_without_a_delivery_id_the_content_hash_dedupes():
    body = {**BODY}
    body.pop("delivery")
    raw = json.dumps(body).encode()
    (event,) = ADAPTER.parse(raw, {}, SETTINGS)
    assert event.delivery_key.startswith("sha256:")
    assert ADAPTER.parse(raw, {}, SETTINGS)[0].delivery_key == event.delivery_key


def test_unknown_event_type_is_unhandled_and_missing_ticket_id_is_malformed():
    with pytest.raises(UnhandledEvent):
        ADAPTER.parse(json.dumps({**BODY, "event": "sla.breached"}).encode(), {}, SETTINGS)
    with pytest.raises(PayloadError, match="ticket id"):
        ADAPTER.parse(json.dumps({"event": "new"}).encode(), {}, SETTINGS)


def test_signature_checked_on_raw_bytes_with_rotation():
    raw = json.dumps(BODY).encode()
    ADAPTER.verify({"X-Signature-SHA256": sign(SECRETS["signing_secret"], raw)}, raw, SECRETS, SETTINGS, NOW)
    ADAPTER.verify(
        {"X-Signature-SHA256": "sha256=" + sign("old-secret-0123456789", raw)},
        raw,
        {**SECRETS, "signing_secret_previous": "old-secret-0123456789"},
        SETTINGS,
        NOW,
    )
    for given in ("", sign("wrong-secret-0123456", raw), sign(SECRETS["signing_secret"], raw + b" ")):
        with pytest.raises(SignatureError):
            ADAPTER.verify({"X-Signature-SHA256": given}, raw, SECRETS, SETTINGS, NOW)


@responses.activate(assert_all_requests_are_fired=True)
def test_actions_are_posted_signed_to_the_callback():
    responses.post("https://helpdesk.example/cg", json={})
    ADAPTER.client(SETTINGS, SECRETS).apply("12", {"kind": "add_tags", "tags": ["cg-restricted"]})
    request = responses.calls[0].request
    assert json.loads(request.body) == {"ticket_id": "12", "action": {"kind": "add_tags", "tags": ["cg-restricted"]}}
    assert request.headers["X-Signature-SHA256"] == "sha256=" + sign(SECRETS["signing_secret"], request.body)


def test_without_a_callback_actions_are_dead_lettered_with_a_reason():
    settings = {**SETTINGS, "callback_url": None}
    with pytest.raises(PermanentFailure, match="callback_url"):
        ADAPTER.client(settings, SECRETS).apply("12", {"kind": "add_tags", "tags": []})


def test_the_channel_list_is_the_products_vocabulary():
    """The generic adapter's channel codes are plugin/policy/vocabulary.py's Channel values (R11)."""
    from adapters.generic.schemas import CHANNELS
    from plugin.policy.vocabulary import Channel

    assert set(CHANNELS) == {c.value for c in Channel}


def test_channel_aliases_are_normalised_at_set_up_and_unknown_names_are_refused_naming_the_field():
    """Set-up validates the `channels` setting (the helpdesk's names -> ours) against the vocabulary: aliases
    such as `phone` and `E-mail` become `telephone` and `email`; an unknown name is a validation error keyed
    by the field (docs/adapters/generic.md)."""
    from marshmallow import ValidationError

    base = {"mapping": {"ticket_id": "/id"}}
    loaded = Settings().load({**base, "channels": {"Voice": "phone", "Mail": "E-mail", "Counter": "in person"}})
    assert loaded["channels"] == {"Voice": "telephone", "Mail": "email", "Counter": "in_person"}
    with pytest.raises(ValidationError) as refused:
        Settings().load({**base, "channels": {"Pigeon": "carrier pigeon"}})
    assert "channels" in refused.value.messages and "carrier pigeon" in json.dumps(refused.value.messages)


def test_inbound_channel_goes_through_the_mapping_then_the_aliases():
    """The payload's channel is looked up in `channels`, else normalised itself; unknown stays None."""
    settings = Settings().load({"mapping": {"ticket_id": "/id", "channel": "/via"}, "channels": {"Voice": "phone"}})

    def channel(via):
        return ADAPTER.parse(json.dumps({"id": 1, "via": via}).encode(), {}, settings)[0].channel

    assert [channel(v) for v in ("voice", "Phone", "e-mail", "web form", "fax")] == [
        "telephone",
        "telephone",
        "email",
        "web_form",
        None,
    ]


def test_a_json_pointer_names_the_time_of_contact():
    """`mapping.occurred_at` points at the contact's time: ISO 8601 (naive = UTC) or Unix seconds/milliseconds."""
    settings = Settings().load({"mapping": {"ticket_id": "/id", "occurred_at": "/at"}})

    def at(value):
        return ADAPTER.parse(json.dumps({"id": 1, "at": value}).encode(), {}, settings)[0].at

    expected = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.timezone.utc)
    assert at("2026-11-24T09:30:00Z") == at("2026-11-24T09:30:00") == at(1795512600) == at(1795512600000) == expected
    assert at("not a time") is None


@responses.activate(assert_all_requests_are_fired=True)
def test_every_action_carries_a_non_empty_stable_idempotency_key():
    """Every callback carries a non-empty `Idempotency-Key` (docs/adapters/generic.md): the outbox's key when the
    action has one, otherwise a digest of ticket and action, the same on every retry."""
    responses.post("https://helpdesk.example/cg", json={})
    client = ADAPTER.client(SETTINGS, SECRETS)
    for action in (
        {"kind": "add_tags", "tags": ["cg-restricted"]},
        {"kind": "add_tags", "tags": ["cg-restricted"]},
        {"kind": "clear_flag"},
        {"kind": "set_flag", "value": "x", "idempotency_key": "k:1"},
    ):
        client.apply("12", action)
    keys = [c.request.headers["Idempotency-Key"] for c in responses.calls]
    assert all(keys) and keys[0] == keys[1] != keys[2] and keys[3] == "k:1"
