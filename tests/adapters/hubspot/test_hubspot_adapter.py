"""HubSpot special cases: every official signature vector (v1, v2, v3), v3's window, batches, comments."""

import datetime as dt
import json
from pathlib import Path

import pytest

from adapters.errors import SignatureError
from adapters.hubspot.adapter import HubSpotAdapter, v3_signature
from tests.helpers import webhook_path

HERE = Path(__file__).parent
ADAPTER = HubSpotAdapter()
VECTORS = json.loads((HERE / "signature-vectors.json").read_text())


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["scheme"][:2] + "-" + v["method"])
def test_official_signature_vectors(vector):
    """HubSpot's docs (v1, v2) and its Python SDK's tests (v1, v2, v3); v3 checked at its own timestamp."""
    stamp = vector["headers"].get("X-HubSpot-Request-Timestamp")
    now = dt.datetime.fromtimestamp(int(stamp) / 1000, dt.timezone.utc) if stamp else dt.datetime.now(dt.timezone.utc)
    settings = {"webhook_url": vector["uri"], "_request_method": vector["method"]}
    secrets = {"client_secret": vector["secret"]}
    ADAPTER.verify(vector["headers"], vector["body"].encode(), secrets, settings, now)
    with pytest.raises(SignatureError):
        ADAPTER.verify(vector["headers"], vector["body"].encode() + b" ", secrets, settings, now)


def test_v3_older_than_five_minutes_is_refused_and_the_uri_is_signed():
    raw, secret, uri = b"[]", "s3cret", "https://cg.example/webhooks/x"
    now = dt.datetime(2026, 11, 24, 12, tzinfo=dt.timezone.utc)
    stamp = str(int(now.timestamp() * 1000) - 301_000)
    headers = {
        "X-HubSpot-Signature-v3": v3_signature(secret, "POST", uri, raw, stamp),
        "X-HubSpot-Request-Timestamp": stamp,
    }
    with pytest.raises(SignatureError, match="stale"):
        ADAPTER.verify(headers, raw, {"client_secret": secret}, {"webhook_url": uri}, now)
    fresh = str(int(now.timestamp() * 1000))
    headers = {
        "X-HubSpot-Signature-v3": v3_signature(secret, "POST", uri, raw, fresh),
        "X-HubSpot-Request-Timestamp": fresh,
    }
    ADAPTER.verify(headers, raw, {"client_secret": secret}, {"webhook_url": uri}, now)
    with pytest.raises(SignatureError):
        ADAPTER.verify(headers, raw, {"client_secret": secret}, {"webhook_url": uri + "/other"}, now)


def test_a_batch_becomes_several_events_and_comments_are_ignored():
    batch = [
        {
            "eventId": 1,
            "subscriptionId": 12345,
            "subscriptionType": "ticket.creation",
            "objectId": 5,
            "occurredAt": 1564113600000,
        },
        {
            "eventId": 2,
            "subscriptionId": 12346,
            "subscriptionType": "conversation.newMessage",
            "objectId": 7,
            "occurredAt": 1564113600001,
            "messageId": "m",
            "messageType": "COMMENT",
        },
        {"eventId": 3, "subscriptionType": "contact.creation", "objectId": 9},
    ]
    events = ADAPTER.parse(json.dumps(batch).encode(), {}, {})
    assert [(e.delivery_key, e.needs_lookup, e.ignore_reason) for e in events] == [
        ("event:1:12345:5:1564113600000", True, None),
        ("event:2:12346:7:1564113600001:m", False, "internal comment"),
    ]


API = "https://api.hubapi.com/"
THREAD = API + "conversations/v3/conversations/threads/6065362089"


def _client():
    from adapters.hubspot.schemas import Settings

    return ADAPTER.client(Settings().load({}), {"access_token": "pat-eu1-0123456789", "client_secret": "s"})


@__import__("responses").activate(assert_all_requests_are_fired=True)
def test_thread_assignment_uses_the_assignee_call_not_the_thread_update():
    """Update thread (PATCH .../threads/{threadId}) takes only `status` and `archived`
    (https://developers.hubspot.com/docs/api-reference/conversations-conversations-v3/public-thread/
    patch-conversations-v3-conversations-threads-threadId); a thread's assignee is set with
    PUT .../threads/{threadId}/assignee and an `actorId` (https://developers.hubspot.com/docs/api-reference/
    2026-09-beta/conversations/conversations/threads/update-assignee); agents' actor ids are `A-<id>`."""
    import responses

    url = API + "conversations/conversations/2026-09-beta/threads/6065362089/assignee"
    responses.put(url, json={"id": "6065362089", "assignedTo": "A-7"})
    _client().apply("thread-6065362089", {"kind": "assign", "agent_id": "7"})
    _client().apply("thread-6065362089", {"kind": "assign", "agent_id": "A-8"})
    assert [json.loads(c.request.body) for c in responses.calls] == [{"actorId": "A-7"}, {"actorId": "A-8"}]


@__import__("responses").activate(assert_all_requests_are_fired=True)
def test_thread_comment_marker_on_the_second_messages_page_is_found_and_nothing_is_posted():
    """Get message history is paged: `paging.next.after` is passed back as `after`
    (https://developers.hubspot.com/docs/api-reference/conversations-conversations-v3/public-message/
    get-conversations-v3-conversations-threads-threadId-messages)."""
    import responses
    from responses import matchers

    responses.get(
        THREAD + "/messages",
        match=[matchers.query_param_matcher({})],
        json={"results": [{"type": "MESSAGE", "text": "hi"}], "paging": {"next": {"after": "NTI1Cg%3D%3D"}}},
    )
    responses.get(
        THREAD + "/messages",
        match=[matchers.query_param_matcher({"after": "NTI1Cg%3D%3D"})],
        json={"results": [{"type": "COMMENT", "text": "note [contactguard] ref k1"}]},
    )
    _client().apply(
        "thread-6065362089",
        {"kind": "add_note", "text": "note [contactguard] ref k1", "marker": "[contactguard] ref k1"},
    )
    assert [c.request.method for c in responses.calls] == ["GET", "GET"]


@__import__("responses").activate(assert_all_requests_are_fired=True)
def test_thread_comment_sends_an_empty_attachments_list():
    """Send a message to a thread: the COMMENT body carries `text` and an `attachments` list
    (https://developers.hubspot.com/docs/api-reference/conversations-conversations-v3/public-message/
    post-conversations-v3-conversations-threads-threadId-messages)."""
    import responses

    responses.get(THREAD + "/messages", json={"results": []})
    responses.post(THREAD + "/messages", json={"type": "COMMENT", "id": "1"})
    _client().apply("thread-6065362089", {"kind": "add_note", "text": "note", "marker": "[contactguard] ref k1"})
    assert json.loads(responses.calls[-1].request.body) == {"type": "COMMENT", "text": "note", "attachments": []}


@__import__("responses").activate(assert_all_requests_are_fired=True)
def test_note_timestamp_is_a_utc_date_time_string():
    """Notes: `hs_timestamp` is required, "either a Unix timestamp in milliseconds or UTC format"; CRM property
    values are strings and the guide's example is "2021-11-12T15:48:22Z"
    (https://developers.hubspot.com/docs/api-reference/crm-notes-v3/guide)."""
    import re

    import responses

    responses.get(API + "crm/v4/objects/tickets/123/associations/notes", json={"results": []})
    responses.post(API + "crm/v3/objects/notes", json={"id": "9"}, status=201)
    _client().apply("123", {"kind": "add_note", "text": "note", "marker": "[contactguard] ref k1"})
    stamp = json.loads(responses.calls[-1].request.body)["properties"]["hs_timestamp"]
    assert isinstance(stamp, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp)


@__import__("responses").activate(assert_all_requests_are_fired=True)
def test_ticket_note_marker_on_a_later_associations_page_is_found():
    """Associations (v4) are paged with `paging.next.after` (https://developers.hubspot.com/docs/api-reference/
    latest/crm/associations/overview); notes are then batch-read (https://developers.hubspot.com/docs/
    api-reference/crm-notes-v3/guide)."""
    import responses
    from responses import matchers

    linked = API + "crm/v4/objects/tickets/123/associations/notes"
    responses.get(
        linked,
        match=[matchers.query_param_matcher({})],
        json={"results": [{"toObjectId": 1}], "paging": {"next": {"after": "1"}}},
    )
    responses.get(linked, match=[matchers.query_param_matcher({"after": "1"})], json={"results": [{"toObjectId": 2}]})
    responses.post(
        API + "crm/v3/objects/notes/batch/read",
        json={"results": [{"id": "2", "properties": {"hs_note_body": "note [contactguard] ref k1"}}]},
    )
    _client().apply("123", {"kind": "add_note", "text": "note", "marker": "[contactguard] ref k1"})
    assert json.loads(responses.calls[-1].request.body)["inputs"] == [{"id": "1"}, {"id": "2"}]


def _ticket_created(**changes) -> dict:
    """The documented ticket.creation event (the fixture), with some fields changed."""
    (item,) = json.loads((HERE / "fixtures" / "hubspot-ticket-created.json").read_text())
    return {**item, **changes}


def test_a_distinct_event_sharing_an_event_id_is_not_a_duplicate_but_a_retry_is():
    """HubSpot's webhook reference (https://developers.hubspot.com/docs/api/webhooks, "Webhook payloads"): eventId
    "is not guaranteed to be unique"; subscriptionId, objectId and occurredAt identify the event with it, and
    attemptNumber counts the retries of that same event (from 0)."""
    first = ADAPTER.parse(json.dumps([_ticket_created()]).encode(), {}, {})[0].delivery_key
    other_ticket = ADAPTER.parse(json.dumps([_ticket_created(objectId=124)]).encode(), {}, {})[0].delivery_key
    other_subscription = ADAPTER.parse(json.dumps([_ticket_created(subscriptionId=9)]).encode(), {}, {})[0]
    retry = ADAPTER.parse(json.dumps([_ticket_created(attemptNumber=3)]).encode(), {}, {})[0].delivery_key
    assert len({first, other_ticket, other_subscription.delivery_key}) == 3
    assert retry == first


def test_through_the_receiver_a_second_ticket_with_the_same_event_id_is_recorded(client, cast, sessions, settings):
    """Two tickets created under one eventId are two events; the retry of the first (attemptNumber 1) is not."""
    from plugin.services import connections as conns
    from tests.adapters.hubspot.spec import SPEC
    from tests.helpers import event_count

    with cast.act() as ctx:
        connection = conns.add(ctx, "hubspot", "HubSpot", SPEC.settings, SPEC.secrets, test=False)
    counts = []
    for item in (_ticket_created(), _ticket_created(objectId=124), _ticket_created(attemptNumber=1)):
        raw = json.dumps([item]).encode()
        headers = SPEC.sign(raw, SPEC.secrets, dt.datetime.now(dt.timezone.utc))
        response = client.post(
            webhook_path(settings, connection.id), data=raw, content_type="application/json", headers=headers
        )
        assert response.status_code == 200, response.get_json()
        counts.append(event_count(sessions))
    assert counts[1] == counts[0] + 1, "the second ticket is recorded, not dropped as a duplicate"
    assert counts[2] == counts[1], "the retry is a duplicate"
