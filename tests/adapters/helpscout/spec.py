"""Help Scout's declaration for the contract suite."""

from adapters.helpscout.adapter import signature
from tests.adapters.contract import Call, ContractSpec, Outbound

API = "https://api.helpscout.net/v2/"
CONV = API + "conversations/123"
TOKEN = Call("POST", API + "oauth2/token", reply={"access_token": "hs-token", "expires_in": 172800})


def _sign(raw, secrets, now):
    event = "convo.customer.reply.created" if b'"threads": 3' in raw else "convo.created"
    return {"X-HelpScout-Signature": signature(secrets["webhook_secret"], raw), "X-HelpScout-Event": event}


SPEC = ContractSpec(
    key="helpscout",
    settings={"restriction_field_id": 6688},
    secrets={"app_id": "hs-app-id-0123", "app_secret": "hs-app-secret-0123456789", "webhook_secret": "asdffdsa"},
    invalid_settings={"rate_limit_per_minute": 1},
    invalid_field="rate_limit_per_minute",
    fixtures={
        "helpscout-convo-created": "ticket.created",
        "helpscout-convo-customer-reply-created": "ticket.customer_reply",
    },
    ticket_ids={"helpscout-convo-created": "123", "helpscout-convo-customer-reply-created": "123"},
    sign=_sign,
    rotation_secret="webhook_secret",
    ticket_id="123",
    outbound=(
        Outbound(
            {"kind": "add_tags", "tags": ["cg-restricted"]},
            (
                TOKEN,
                Call("GET", CONV, reply={"id": 123, "tags": [{"id": 1, "tag": "vip"}]}),
                Call("PUT", CONV + "/tags", {"tags": ["vip", "cg-restricted"]}, 204),
            ),
        ),
        Outbound(
            {"kind": "remove_tags", "tags": ["cg-restricted"]},
            (
                TOKEN,
                Call("GET", CONV, reply={"id": 123, "tags": [{"tag": "vip"}, {"tag": "cg-restricted"}]}),
                Call("PUT", CONV + "/tags", {"tags": ["vip"]}, 204),
            ),
        ),
        Outbound(
            {"kind": "set_flag", "value": "RESTRICTED"},
            (
                TOKEN,
                Call(
                    "GET",
                    CONV,
                    reply={
                        "id": 123,
                        "customFields": [{"id": 8, "name": "Account Type", "value": "7", "text": "Gold"}],
                    },
                ),
                Call(
                    "PUT",
                    CONV + "/fields",
                    {"fields": [{"id": 8, "value": "7"}, {"id": 6688, "value": "RESTRICTED"}]},
                    204,
                ),
            ),
        ),
        Outbound(
            {"kind": "clear_flag"},
            (
                TOKEN,
                Call(
                    "GET",
                    CONV,
                    reply={
                        "id": 123,
                        "customFields": [
                            {"id": 8, "name": "Account Type", "value": "7", "text": "Gold"},
                            {"id": 6688, "name": "Contact restriction", "value": "RESTRICTED", "text": "RESTRICTED"},
                        ],
                    },
                ),
                Call("PUT", CONV + "/fields", {"fields": [{"id": 8, "value": "7"}]}, 204),
            ),
        ),
        Outbound(
            {"kind": "add_note", "text": "note [contactguard] ref k1", "marker": "[contactguard] ref k1"},
            (
                TOKEN,
                Call("GET", CONV + "/threads?page=1", reply={"_embedded": {"threads": [{"body": "hi"}]}}),
                Call("POST", CONV + "/notes", {"text": "note [contactguard] ref k1"}, 201),
            ),
        ),
        Outbound(
            {"kind": "assign", "agent_id": "7"},
            (TOKEN, Call("PATCH", CONV, {"op": "replace", "path": "/assignTo", "value": 7}, 204)),
        ),
    ),
    check_call=TOKEN,
    unhandled_fixture=None,
    restricted_calls=(
        TOKEN,
        Call("GET", CONV, reply={"id": 123, "customFields": []}),
        Call("PUT", CONV + "/fields", {"fields": [{"id": 6688}]}, 204),
        Call("GET", CONV, reply={"id": 123, "tags": [{"tag": "vip"}]}),
        Call("PUT", CONV + "/tags", {"tags": ["vip", "cg-restricted", "cg-disregarded"]}, 204),
        Call("PATCH", CONV, {"path": "/assignTo", "value": 7}, 204),
        Call("GET", CONV + "/threads?page=1", reply={"_embedded": {"threads": []}}),
        Call("POST", CONV + "/notes", None, 201),
    ),
    # The documented conversation is assigned to user 256, not the sole point of contact.
    restricted_outcome="disregard",
)
