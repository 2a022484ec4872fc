"""Help Scout special cases: signature vectors, event header, writes count double."""

import datetime as dt
import json
from pathlib import Path

import pytest

from adapters.errors import SignatureError, UnhandledEvent
from adapters.helpscout.adapter import HelpScoutAdapter

HERE = Path(__file__).parent
ADAPTER = HelpScoutAdapter()
NOW = dt.datetime(2026, 11, 24, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    "vector",
    json.loads((HERE / "signature-vectors.json").read_text()),
    ids=lambda v: "valid" if v["expected_valid"] else "invalid",
)
def test_signature_vectors(vector):
    """The official SDK's inputs (secret 'asdffdsa', body {"id":123}): base64(HMAC-SHA1(secret, body))."""
    secrets = {"webhook_secret": vector["secret"]}
    if vector["expected_valid"]:
        ADAPTER.verify(vector["headers"], vector["body"].encode(), secrets, {}, NOW)
    else:
        with pytest.raises(SignatureError):
            ADAPTER.verify(vector["headers"], vector["body"].encode(), secrets, {}, NOW)


def test_test_event_and_other_events_are_not_acted_on():
    with pytest.raises(UnhandledEvent):
        ADAPTER.parse(b'{"id":123}', {"X-HelpScout-Event": "helpscout.test"}, {})
    with pytest.raises(UnhandledEvent):
        ADAPTER.parse(b'{"id":123}', {"X-HelpScout-Event": "convo.agent.reply.created"}, {})


def test_newest_thread_is_the_contact_and_the_delivery_key_names_it():
    raw = (HERE / "fixtures" / "helpscout-convo-customer-reply-created.json").read_bytes()
    (event,) = ADAPTER.parse(raw, {"X-HelpScout-Event": "convo.customer.reply.created"}, {})
    assert event.delivery_key == "convo.customer.reply.created:123:2"
    assert event.emails[0] == "john.doe@example.com" and event.assigned_agent_id == "256"
    assert "account manager" in event.text


def test_writes_take_two_tokens_from_the_bucket():
    from adapters.helpscout.client import HelpScoutClient

    client = HelpScoutClient({"rate_limit_per_minute": 60}, {"app_id": "a", "app_secret": "b"})
    before = client.bucket.tokens
    client.bucket.take(2)
    assert client.bucket.tokens == pytest.approx(before - 2, abs=0.1)


API = "https://api.helpscout.net/v2/"
SECRETS = {"app_id": "a", "app_secret": "b", "webhook_secret": "c"}


def _client():
    from adapters.helpscout.schemas import Settings

    return ADAPTER.client(Settings().load({"restriction_field_id": 6688}), SECRETS)


@__import__("responses").activate(assert_all_requests_are_fired=True)
def test_setting_the_flag_keeps_the_conversations_other_custom_fields():
    """Update Custom Fields replaces the whole list: "Any custom fields existing on the conversation that are not
    part of the payload will be removed" (https://developer.helpscout.com/mailbox-api/endpoints/conversations/
    custom_fields/update/); the conversation's current `customFields` are read first
    (https://developer.helpscout.com/mailbox-api/endpoints/conversations/get/)."""
    import responses

    responses.post(API + "oauth2/token", json={"access_token": "t"})
    responses.get(
        API + "conversations/123",
        json={
            "id": 123,
            "customFields": [
                {"id": 8, "name": "Account Type", "value": "7", "text": "Gold"},
                {"id": 6688, "name": "Contact restriction", "value": "old", "text": "old"},
            ],
        },
    )
    responses.put(API + "conversations/123/fields", status=204)
    _client().apply("123", {"kind": "set_flag", "value": "RESTRICTED"})
    assert json.loads(responses.calls[-1].request.body) == {
        "fields": [{"id": 8, "value": "7"}, {"id": 6688, "value": "RESTRICTED"}]
    }


@__import__("responses").activate(assert_all_requests_are_fired=True)
def test_note_marker_on_the_second_threads_page_is_found_and_nothing_is_posted():
    """Lists are paginated (50 items) with `_links.next` until the last page
    (https://developer.helpscout.com/mailbox-api/overview/pagination,
    https://developer.helpscout.com/mailbox-api/endpoints/conversations/threads/list/)."""
    import responses

    second = API + "conversations/123/threads?page=2"
    responses.post(API + "oauth2/token", json={"access_token": "t"})
    responses.get(
        API + "conversations/123/threads?page=1",
        json={
            "_embedded": {"threads": [{"body": "hi"}] * 50},
            "_links": {"next": {"href": second}},
            "page": {"size": 50, "totalElements": 51, "totalPages": 2, "number": 1},
        },
    )
    responses.get(
        second,
        json={
            "_embedded": {"threads": [{"body": "note [contactguard] ref k1"}]},
            "page": {"size": 50, "totalElements": 51, "totalPages": 2, "number": 2},
        },
    )
    marker = "[contactguard] ref k1"
    _client().apply("123", {"kind": "add_note", "text": f"note {marker}", "marker": marker})
    assert [c.request.method for c in responses.calls] == ["POST", "GET", "GET"]


# Mailbox API 2.0, Get Conversation (https://developer.helpscout.com/mailbox-api/endpoints/conversations/get/):
# `type` is one of chat, email, phone; `source.type` is how it was created, one of these (the webhook Source Object,
# https://developer.helpscout.com/webhooks/objects/source, lists email, web, notification, emailfwd, api, chat).
SOURCE_TYPES = [
    "api",
    "beacon",
    "channel",
    "chat",
    "consumer",
    "coreapi",
    "csv",
    "cvs",
    "desk",
    "docs",
    "email",
    "emailfwd",
    "heymarket",
    "internal",
    "jira",
    "manual",
    "mobile",
    "notification",
    "orchestration",
    "support",
    "unknown",
    "uservoice",
    "web",
    "workflows",
    "zendesk",
]
CONVERSATION_TYPES = {"email": "email", "chat": "chat", "phone": "telephone"}


def _convo(kind: str | None, source: str | None) -> bytes:
    body = json.loads((HERE / "fixtures" / "helpscout-convo-created.json").read_text())
    body.pop("type", None)
    if kind:
        body["type"] = kind
    body["source"] = {"type": source, "via": "user"} if source else {}
    return json.dumps(body).encode()


@pytest.mark.parametrize("source", SOURCE_TYPES)
@pytest.mark.parametrize("kind", sorted(CONVERSATION_TYPES))
def test_the_conversation_type_gives_the_channel_whatever_the_documented_source(kind, source):
    """A forwarded e-mail (`emailfwd`), a conversation an agent logged in the web app (`web`) or one created by a
    workflow keeps its conversation's channel: the source says how it was made, the type what it is. Only
    Beacon's contact form is a web form."""
    (event,) = ADAPTER.parse(_convo(kind, source), {"X-HelpScout-Event": "convo.created"}, {})
    assert event.channel == ("web_form" if source == "beacon" else CONVERSATION_TYPES[kind])


def test_without_a_type_the_source_names_the_channel_where_it_can():
    """A body without the conversation's `type` (a trimmed or replayed payload) falls back on its source."""
    assert ADAPTER.parse(_convo(None, "chat"), {"X-HelpScout-Event": "convo.created"}, {})[0].channel == "chat"
    assert ADAPTER.parse(_convo(None, "emailfwd"), {"X-HelpScout-Event": "convo.created"}, {})[0].channel is None
