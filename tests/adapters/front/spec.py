"""Front's declaration for the contract suite (rule webhooks; app webhooks are tested beside it)."""

from adapters.front.adapter import rule_signature
from tests.adapters.contract import Call, ContractSpec, Outbound

API = "https://api2.frontapp.com/"
CONV = API + "conversations/cnv_keocka"
TAGS = {"cg-restricted": "tag_1", "cg-disregarded": "tag_2", "cg-escalated": "tag_3", "cg-information-request": "tag_4"}

SPEC = ContractSpec(
    key="front",
    settings={"author_id": "tea_contactguard", "tag_ids": TAGS},
    secrets={"api_token": "front-api-token-0123456789", "signing_secret": "test_api_secret"},
    invalid_settings={"webhook_kind": "plugin"},
    invalid_field="webhook_kind",
    fixtures={
        "front-inbound-new-conversation": "ticket.created",
        "front-inbound-customer-reply": "ticket.customer_reply",
    },
    ticket_ids={"front-inbound-new-conversation": "cnv_keocka", "front-inbound-customer-reply": "cnv_keocka"},
    sign=lambda raw, secrets, now: {"X-Front-Signature": rule_signature(secrets["signing_secret"], raw)},
    rotation_secret="signing_secret",
    ticket_id="cnv_keocka",
    outbound=(
        Outbound(
            {"kind": "add_tags", "tags": ["cg-restricted", "cg-disregarded"]},
            (Call("POST", CONV + "/tags", {"tag_ids": ["tag_1", "tag_2"]}, 204),),
        ),
        Outbound(
            {"kind": "remove_tags", "tags": ["cg-restricted"]},
            (Call("DELETE", CONV + "/tags", {"tag_ids": ["tag_1"]}, 204),),
        ),
        Outbound({"kind": "clear_flag"}, ()),  # Front has no field: nothing to clear
        Outbound(
            {"kind": "add_note", "text": "note [contactguard] ref k1", "marker": "[contactguard] ref k1"},
            (
                Call("GET", CONV + "/comments", reply={"_results": [{"body": "hi"}]}),
                Call(
                    "POST",
                    CONV + "/comments",
                    {"author_id": "tea_contactguard", "body": "note [contactguard] ref k1"},
                    201,
                ),
            ),
        ),
        Outbound(
            {"kind": "assign", "agent_id": "tea_55c8c149"},
            (Call("PUT", CONV + "/assignee", {"assignee_id": "tea_55c8c149"}, 204),),
        ),
    ),
    check_call=Call("GET", API + "me", reply={"name": "Planet Express"}),
    unhandled_fixture=b'{"id": "evt_1", "type": "tag", "conversation": {"id": "cnv_keocka"}}',
    extra={"spoc_agent_id": "tea_olly"},
    restricted_calls=(
        Call("POST", CONV + "/tags", {"tag_ids": ["tag_1"]}, 204),
        Call("PUT", CONV + "/assignee", {"assignee_id": "tea_olly"}, 204),
        Call("GET", CONV + "/comments", reply={"_results": []}),
        Call("POST", CONV + "/comments", {"author_id": "tea_contactguard"}, 201),
    ),
)
