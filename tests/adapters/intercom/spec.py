"""Intercom's declaration for the contract suite."""

import hashlib
import hmac

from tests.adapters.contract import Call, ContractSpec, Outbound

API = "https://api.intercom.io/"
CONV = API + "conversations/21321941764"


def _sign(raw, secrets, now):
    return {"X-Hub-Signature": "sha1=" + hmac.new(secrets["client_secret"].encode(), raw, hashlib.sha1).hexdigest()}


SPEC = ContractSpec(
    key="intercom",
    settings={"admin_id": "814860", "restriction_attribute": "Contact restriction"},
    secrets={"access_token": "dG9rOmFjY2Vzcy10b2tlbg==", "client_secret": "intercom-client-secret-01"},
    invalid_settings={"region": "mars"},
    invalid_field="region",
    fixtures={
        "intercom-conversation-user-created": "ticket.created",
        "intercom-conversation-user-replied": "ticket.customer_reply",
        "intercom-v2-conversation-user-created": "ticket.created",
        "intercom-v2-conversation-user-replied": "ticket.customer_reply",
    },
    ticket_ids={
        "intercom-conversation-user-created": "21321941764",
        "intercom-conversation-user-replied": "21322009097",
        "intercom-v2-conversation-user-created": "4824",
        "intercom-v2-conversation-user-replied": "4824",
    },
    sign=_sign,
    rotation_secret="client_secret",
    ticket_id="21321941764",
    outbound=(
        Outbound(
            {"kind": "add_tags", "tags": ["cg-restricted"]},
            (
                Call("POST", API + "tags", {"name": "cg-restricted"}, reply={"type": "tag", "id": "17513"}),
                Call("POST", CONV + "/tags", {"id": "17513", "admin_id": "814860"}),
            ),
        ),
        Outbound(
            {"kind": "remove_tags", "tags": ["cg-restricted"]},
            (
                Call("POST", API + "tags", {"name": "cg-restricted"}, reply={"type": "tag", "id": "17513"}),
                Call("DELETE", CONV + "/tags/17513", {"admin_id": "814860"}),
            ),
        ),
        Outbound(
            {"kind": "set_flag", "value": "RESTRICTED"},
            (Call("PUT", CONV, {"custom_attributes": {"Contact restriction": "RESTRICTED"}}),),
        ),
        Outbound({"kind": "clear_flag"}, (Call("PUT", CONV, {"custom_attributes": {"Contact restriction": ""}}),)),
        Outbound(
            {"kind": "add_note", "text": "note [contactguard] ref k1", "marker": "[contactguard] ref k1"},
            (
                Call("GET", CONV, reply={"conversation_parts": {"conversation_parts": [{"body": "<p>hi</p>"}]}}),
                Call(
                    "POST",
                    CONV + "/reply",
                    {
                        "message_type": "note",
                        "type": "admin",
                        "admin_id": "814860",
                        "body": "<p>note [contactguard] ref k1</p>",
                    },
                ),
            ),
        ),
        Outbound(
            {"kind": "assign", "agent_id": "7"},
            (Call("POST", CONV + "/parts", {"message_type": "assignment", "assignee_id": "7"}),),
        ),
        Outbound(
            {"kind": "set_status", "status": "close"},
            (Call("POST", CONV + "/parts", {"message_type": "close", "admin_id": "814860"}),),
        ),
    ),
    check_call=Call("GET", API + "me", reply={"type": "admin", "id": "814860"}),
    unhandled_fixture=b'{"type": "notification_event", "id": "notif_1", "topic": "ping", "data": {"item": {}}}',
    restricted_calls=(
        Call(
            "PUT",
            CONV,
            {
                "custom_attributes": {
                    "Contact restriction": "RESTRICTED: contact via Olly Officer "
                    "<officer@council.example>; channels email, "
                    "letter, web_form; review 2027-05-24"
                }
            },
        ),
        Call("POST", API + "tags", {"name": "cg-restricted"}, reply={"type": "tag", "id": "17513"}),
        Call("POST", CONV + "/tags", {"id": "17513"}),
        Call("POST", API + "tags", {"name": "cg-disregarded"}, reply={"type": "tag", "id": "17514"}),
        Call("POST", CONV + "/tags", {"id": "17514"}),
        Call("POST", CONV + "/parts", {"message_type": "assignment", "assignee_id": "7"}),
        Call("GET", CONV, reply={"conversation_parts": {"conversation_parts": []}}),
        Call("POST", CONV + "/reply", {"message_type": "note"}),
    ),
    # An Intercom conversation is a chat; the test arrangement leaves e-mail, letter and web forms open.
    restricted_outcome="disregard",
)
