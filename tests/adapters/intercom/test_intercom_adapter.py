"""Intercom special cases: signature vectors, ping, the reset header, newest customer part."""

import datetime as dt
import json
import time
from pathlib import Path

import pytest
import responses

from adapters.errors import RetryLater, SignatureError, UnhandledEvent
from adapters.intercom.adapter import IntercomAdapter

HERE = Path(__file__).parent
ADAPTER = IntercomAdapter()
NOW = dt.datetime(2026, 11, 24, tzinfo=dt.timezone.utc)
VECTORS = json.loads((HERE / "signature-vectors.json").read_text())


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: "valid" if v["expected_valid"] else "invalid")
def test_signature_vectors(vector):
    """Derived from the documented scheme: 'sha1=' + hex(HMAC-SHA1(client_secret, raw body))."""
    secrets = {"client_secret": vector["secret"]}
    if vector["expected_valid"]:
        ADAPTER.verify(vector["headers"], vector["body"].encode(), secrets, {}, NOW)
    else:
        with pytest.raises(SignatureError):
            ADAPTER.verify(vector["headers"], vector["body"].encode(), secrets, {}, NOW)


def test_ping_is_answered_but_not_acted_on():
    with pytest.raises(UnhandledEvent):
        ADAPTER.parse(VECTORS[0]["body"].encode(), {}, {})


def test_reply_uses_the_newest_customer_part_and_assigned_admin():
    (event,) = ADAPTER.parse((HERE / "fixtures" / "intercom-conversation-user-replied.json").read_bytes(), {}, {})
    assert event.emails == ("jerryguitarist@gmail.com",) and event.assigned_agent_id == "1957471"
    assert event.delivery_key == "notification:notif_2c71fff0-65ef-46be-bbfe-dbf637bbff15"
    assert "<p>" not in event.text


@responses.activate
def test_429_waits_until_x_ratelimit_reset():
    from adapters.intercom.schemas import Settings

    reset = int(time.time()) + 40
    responses.post("https://api.intercom.io/tags", status=429, headers={"X-RateLimit-Reset": str(reset)})
    client = ADAPTER.client(Settings().load({"admin_id": "1"}), {"access_token": "t", "client_secret": "s"})
    with pytest.raises(RetryLater) as wait:
        client.apply("1", {"kind": "add_tags", "tags": ["x"]})
    assert 30 <= wait.value.after_seconds <= 41


def test_current_api_shape_created_reads_source_author_and_contacts():
    """2.x conversations carry `source.author` (type, id, email) and `contacts` as a contact.list, not `user`
    (https://developers.intercom.com/docs/references/2.11/rest-api/api.intercom.io/conversations/conversation,
    https://developers.intercom.com/docs/references/2.16/webhooks/webhook-models)."""
    raw = (HERE / "fixtures" / "intercom-v2-conversation-user-created.json").read_bytes()
    (event,) = ADAPTER.parse(raw, {}, {})
    assert (event.event_type, event.ticket_id) == ("ticket.created", "4824")
    assert event.emails == ("jane.doe@example.com",) and event.helpdesk_user_id == "660e73256abd01bd27af61b7"
    assert event.assigned_agent_id is None and event.text == "My bin was not collected again this week."


def test_current_api_shape_reply_reads_admin_assignee_id_and_the_newest_customer_part():
    """2.x names the assigned admin in `admin_assignee_id`; parts have an author type; `source.type` email is
    the e-mail channel (https://developers.intercom.com/docs/references/2.11/rest-api/api.intercom.io/
    conversations/conversation)."""
    raw = (HERE / "fixtures" / "intercom-v2-conversation-user-replied.json").read_bytes()
    (event,) = ADAPTER.parse(raw, {}, {})
    assert (event.assigned_agent_id, event.channel, event.subject) == ("991282486", "email", "Missed bin collection")
    assert event.text == "It is still outside, please send someone today."


def test_contacts_as_a_plain_list_is_read_too():
    """Up to API 2.3 `contacts` is a plain list of {type, id} (https://developers.intercom.com/docs/references/
    2.3/rest-api/conversations/update-a-conversation/)."""
    body = json.loads((HERE / "fixtures" / "intercom-v2-conversation-user-created.json").read_text())
    body["data"]["item"]["contacts"] = [{"id": "5bc8f7ae2d96695c18a", "type": "lead"}]
    body["data"]["item"]["source"]["author"] = {"id": "5bc8f7ae2d96695c18a", "type": "lead"}
    (event,) = ADAPTER.parse(json.dumps(body).encode(), {}, {})
    assert event.helpdesk_user_id == "5bc8f7ae2d96695c18a" and event.emails == ()


@responses.activate(assert_all_requests_are_fired=True)
def test_marker_in_the_opening_message_or_a_late_part_is_found_and_nothing_is_posted():
    """Retrieve a conversation answers its parts in one list (limit of 500 parts, no paging) and the opening
    message as `source` (https://developers.intercom.com/docs/references/2.11/rest-api/api.intercom.io/
    conversations/retrieveconversation)."""
    from adapters.intercom.schemas import Settings

    marker = "[contactguard] ref k1"
    parts = [{"type": "conversation_part", "body": "<p>hi</p>"}] * 499 + [{"body": f"<p>note<br>{marker}</p>"}]
    responses.get(
        "https://api.intercom.io/conversations/4824",
        json={
            "type": "conversation",
            "id": "4824",
            "source": {"body": "<p>hello</p>"},
            "conversation_parts": {"type": "conversation_part.list", "conversation_parts": parts, "total_count": 500},
        },
    )
    responses.get(
        "https://api.intercom.io/conversations/4825",
        json={
            "type": "conversation",
            "id": "4825",
            "source": {"body": f"<p>note {marker}</p>"},
            "conversation_parts": {"type": "conversation_part.list", "conversation_parts": [], "total_count": 0},
        },
    )
    client = ADAPTER.client(Settings().load({"admin_id": "1"}), {"access_token": "t", "client_secret": "s"})
    for conversation in ("4824", "4825"):
        client.apply(conversation, {"kind": "add_note", "text": f"note {marker}", "marker": marker})
    assert [c.request.method for c in responses.calls] == ["GET", "GET"]


OPENAPI = json.loads((HERE / "openapi-update-conversation.json").read_text())


def _update_conversation_validator(version: str):
    """The request body of Update a conversation as Intercom's OpenAPI for `version` describes it."""
    from jsonschema import Draft202012Validator

    schemas = {name: _openapi_to_json_schema(s) for name, s in OPENAPI["versions"][version].items()}
    return Draft202012Validator({"$ref": "#/$defs/update_conversation_request", "$defs": schemas})


def _openapi_to_json_schema(node):
    """OpenAPI 3.0 schema objects as JSON Schema: its refs point into components.schemas, `nullable` adds null."""
    if isinstance(node, list):
        return [_openapi_to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _openapi_to_json_schema(v) for k, v in node.items() if k != "nullable"}
    if isinstance(out.get("$ref"), str):
        out["$ref"] = out["$ref"].replace("#/components/schemas/", "#/$defs/")
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


@pytest.mark.parametrize("version", sorted(OPENAPI["versions"]))
@responses.activate
def test_clearing_the_flag_sends_a_body_intercoms_openapi_accepts(version):
    """Update a conversation (PUT /conversations/{id}): `custom_attributes` maps a name to a string, an integer,
    a date or a list of custom object instances, never null (Intercom's OpenAPI 2.11 to 2.16); a null there
    is refused (Prism answered 422), so the flag would never come off."""
    from adapters.intercom.schemas import Settings

    validator = _update_conversation_validator(version)
    assert not validator.is_valid({"custom_attributes": {"Contact restriction": None}}), "the reference refuses null"
    responses.put("https://api.intercom.io/conversations/4824", json={"type": "conversation", "id": "4824"})
    settings = Settings().load({"admin_id": "1", "restriction_attribute": "Contact restriction"})
    ADAPTER.client(settings, {"access_token": "t", "client_secret": "s"}).apply("4824", {"kind": "clear_flag"})
    sent = json.loads(responses.calls[0].request.body)
    assert list(validator.iter_errors(sent)) == []
    assert sent == {"custom_attributes": {"Contact restriction": ""}}


@responses.activate
def test_a_list_attribute_is_cleared_with_the_configured_option():
    """A list attribute takes one of its options (Intercom's data attributes); the admin names the cleared one."""
    from adapters.intercom.schemas import Settings

    responses.put("https://api.intercom.io/conversations/4824", json={"type": "conversation", "id": "4824"})
    settings = Settings().load(
        {"admin_id": "1", "restriction_attribute": "Contact restriction", "cleared_value": "None"}
    )
    ADAPTER.client(settings, {"access_token": "t", "client_secret": "s"}).apply("4824", {"kind": "clear_flag"})
    assert json.loads(responses.calls[0].request.body) == {"custom_attributes": {"Contact restriction": "None"}}
