"""Front special cases: both signature vectors, app webhooks' window and challenge, missing tag ids."""

import datetime as dt
import json
from pathlib import Path

import pytest

from adapters.errors import PermanentFailure, SignatureError
from adapters.front.adapter import FrontAdapter, app_signature
from tests.helpers import webhook_path

HERE = Path(__file__).parent
ADAPTER = FrontAdapter()
VECTORS = json.loads((HERE / "signature-vectors.json").read_text())
APP = {"webhook_kind": "app", "author_id": "tea_1"}


@pytest.mark.parametrize("vector", VECTORS, ids=["rule-sha1", "app-sha256"])
def test_signature_vectors(vector):
    """Derived from Front's documented algorithms; the app vector is checked at its own timestamp."""
    stamp = vector["headers"].get("X-Front-Request-Timestamp")
    settings = APP if stamp else {"webhook_kind": "rule"}
    now = dt.datetime.fromtimestamp(int(stamp) / 1000, dt.timezone.utc) if stamp else dt.datetime.now(dt.timezone.utc)
    secrets = {"signing_secret": vector["secret"]}
    ADAPTER.verify(vector["headers"], vector["body"].encode(), secrets, settings, now)
    with pytest.raises(SignatureError):
        ADAPTER.verify(vector["headers"], vector["body"].encode() + b" ", secrets, settings, now)


def test_app_webhooks_refuse_a_stale_timestamp():
    vector = VECTORS[1]
    later = dt.datetime.fromtimestamp(int(vector["headers"]["X-Front-Request-Timestamp"]) / 1000 + 301, dt.timezone.utc)
    with pytest.raises(SignatureError, match="stale"):
        ADAPTER.verify(vector["headers"], vector["body"].encode(), {"signing_secret": vector["secret"]}, APP, later)


def test_app_challenge_is_answered_through_the_receiver(client, cast, settings):
    from plugin.services import connections as conns

    with cast.act() as ctx:
        connection = conns.add(ctx, "front", "Front app", APP, {"api_token": "t", "signing_secret": "key"}, test=False)
    raw = b'{"type":"sync","authorization":{"id":"cmp_123"}}'
    stamp = str(int(dt.datetime.now(dt.timezone.utc).timestamp() * 1000))
    headers = {
        "X-Front-Request-Timestamp": stamp,
        "X-Front-Signature": app_signature("key", stamp, raw),
        "X-Front-Challenge": "abc123",
    }
    response = client.post(
        webhook_path(settings, connection.id), data=raw, content_type="application/json", headers=headers
    )
    assert response.status_code == 200 and response.get_json() == {"challenge": "abc123"}
    headers["X-Front-Signature"] = "forged"
    assert (
        client.post(
            webhook_path(settings, connection.id), data=raw, content_type="application/json", headers=headers
        ).status_code
        == 401
    )


def test_a_tag_without_a_configured_id_is_dead_lettered_with_the_reason():
    client = ADAPTER.client({"author_id": "tea_1", "tag_ids": {}}, {"api_token": "t", "signing_secret": "s"})
    with pytest.raises(PermanentFailure, match="cg-restricted"):
        client.apply("cnv_1", {"kind": "add_tags", "tags": ["cg-restricted"]})


def test_sender_inbox_and_contact_are_read_from_the_message():
    (event,) = ADAPTER.parse((HERE / "fixtures" / "front-inbound-new-conversation.json").read_bytes(), {}, {})
    assert event.emails == ("calculon@momsbot.com",) and event.addressed_inbox == "support@planet-express.com"
    assert event.helpdesk_user_id == "crd_62euuy" and event.assigned_agent_id is None


@__import__("responses").activate(assert_all_requests_are_fired=True)
def test_note_marker_on_the_second_comments_page_is_found_and_nothing_is_posted():
    """Paginated lists answer `_pagination.next` (a full URL, possibly on yourCompany.api.frontapp.com) until
    it is null (https://dev.frontapp.com/docs/pagination,
    https://dev.frontapp.com/reference/list-conversation-comments)."""
    import responses

    from adapters.front.schemas import Settings

    first = "https://api2.frontapp.com/conversations/cnv_keocka/comments"
    second = "https://council.api.frontapp.com/conversations/cnv_keocka/comments?page_token=abc"
    responses.get(first, json={"_results": [{"body": "hi"}], "_pagination": {"next": second}})
    responses.get(second, json={"_results": [{"body": "note [contactguard] ref k1"}], "_pagination": {"next": None}})
    client = ADAPTER.client(Settings().load({"author_id": "tea_1"}), {"api_token": "t", "signing_secret": "s"})
    client.apply(
        "cnv_keocka", {"kind": "add_note", "text": "note [contactguard] ref k1", "marker": "[contactguard] ref k1"}
    )
    assert [c.request.method for c in responses.calls] == ["GET", "GET"]


# Front's message types: the Messages reference (https://dev.frontapp.com/reference/messages-1: email, tweet,
# tweet_dm, googleplay, sms, whatsapp, smooch, facebook, intercom, call, custom, front_chat) and the `type` enum of
# MessageResponse in Front's core API OpenAPI (adds phone-call, internal, yalo_wha).
DOCUMENTED_TYPES = {
    "email": "email",
    "sms": "sms",
    "whatsapp": "chat",
    "yalo_wha": "chat",
    "smooch": "chat",
    "intercom": "chat",
    "custom": "chat",
    "front_chat": "chat",
    "facebook": "social_media",
    "tweet": "social_media",
    "tweet_dm": "social_media",
    "googleplay": "social_media",
    "call": "telephone",
    "phone-call": "telephone",
    "internal": None,
}


@pytest.mark.parametrize("message_type, channel", sorted(DOCUMENTED_TYPES.items()))
def test_each_documented_message_type_gives_its_channel(message_type, channel):
    """Calls arrive as `call` or `phone-call` and tweets as `tweet` or `tweet_dm`, never `phone_call` or
    `twitter`; each documented type is a channel, but `internal`, a teammates' message, is none."""
    body = json.loads((HERE / "fixtures" / "front-inbound-new-conversation.json").read_text())
    body["conversation"]["last_message"]["type"] = message_type
    (event,) = ADAPTER.parse(json.dumps(body).encode(), {}, {})
    assert event.channel == channel
