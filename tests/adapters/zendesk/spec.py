"""Zendesk's declaration for the contract suite."""

from adapters.zendesk.adapter import signature
from tests.adapters.contract import Call, ContractSpec, Outbound

API = "https://council.zendesk.com/api/v2/"
TICKET = API + "tickets/5158.json"
COMMENTS = API + "tickets/5158/comments.json?page%5Bsize%5D=100"  # page[size], as sent


def _sign(raw, secrets, now):
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "X-Zendesk-Webhook-Signature": signature(secrets["signing_secret"], stamp, raw),
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
    }


SPEC = ContractSpec(
    key="zendesk",
    settings={"subdomain": "council", "agent_email": "api@council.example", "restriction_field_id": 360012345},
    secrets={"api_token": "zd-api-token-0123456789", "signing_secret": "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="},
    invalid_settings={"subdomain": "Not A Subdomain!"},
    invalid_field="subdomain",
    fixtures={
        "zendesk-ticket-created": "ticket.created",
        "zendesk-comment-added": "ticket.customer_reply",
        "zendesk-trigger-customer-reply": "ticket.customer_reply",
    },
    ticket_ids={
        "zendesk-ticket-created": "5158",
        "zendesk-comment-added": "5158",
        "zendesk-trigger-customer-reply": "5158",
    },
    sign=_sign,
    rotation_secret="signing_secret",
    stale_after=__import__("datetime").timedelta(minutes=5),
    ticket_id="5158",
    outbound=(
        Outbound(
            {"kind": "add_tags", "tags": ["cg-restricted"]},
            (Call("PUT", API + "tickets/5158/tags.json", {"tags": ["cg-restricted"]}),),
        ),
        Outbound(
            {"kind": "remove_tags", "tags": ["cg-restricted"]},
            (Call("DELETE", API + "tickets/5158/tags.json", {"tags": ["cg-restricted"]}),),
        ),
        Outbound(
            {"kind": "set_flag", "value": "RESTRICTED: contact via X"},
            (
                Call(
                    "PUT",
                    TICKET,
                    {"ticket": {"custom_fields": [{"id": 360012345, "value": "RESTRICTED: contact via X"}]}},
                ),
            ),
        ),
        Outbound(
            {"kind": "clear_flag"},
            (Call("PUT", TICKET, {"ticket": {"custom_fields": [{"id": 360012345, "value": None}]}}),),
        ),
        Outbound(
            {"kind": "add_note", "text": "note [contactguard] ref k1", "marker": "[contactguard] ref k1"},
            (
                Call("GET", COMMENTS, reply={"comments": [{"body": "hello"}], "meta": {"has_more": False}}),
                Call("PUT", TICKET, {"ticket": {"comment": {"body": "note [contactguard] ref k1", "public": False}}}),
            ),
        ),
        Outbound({"kind": "assign", "agent_id": "7"}, (Call("PUT", TICKET, {"ticket": {"assignee_id": 7}}),)),
        Outbound({"kind": "move_queue", "queue": 42}, (Call("PUT", TICKET, {"ticket": {"group_id": 42}}),)),
        Outbound({"kind": "set_status", "status": "open"}, (Call("PUT", TICKET, {"ticket": {"status": "open"}}),)),
        # Tickets API, "priority": one of low, normal, high, urgent.
        Outbound(
            {"kind": "set_priority", "priority": "urgent"}, (Call("PUT", TICKET, {"ticket": {"priority": "urgent"}}),)
        ),
        Outbound(
            {"kind": "create_task", "queue": 42, "title": "Review due", "text": "Restriction 1 review"},
            (
                Call(
                    "POST",
                    API + "tickets.json",
                    {"ticket": {"type": "task", "group_id": 42, "comment": {"public": False}}},
                    status=201,
                ),
            ),
        ),
    ),
    check_call=Call("GET", API + "users/me.json", reply={"user": {"id": 1, "role": "admin"}}),
    unhandled_fixture=b'{"type": "zen:event-type:ticket.priority_changed", "id": "x", "detail": {"id": "5158"}}',
    restricted_calls=(
        Call("PUT", TICKET, {"ticket": {"custom_fields": [{"id": 360012345}]}}),
        Call("PUT", API + "tickets/5158/tags.json", {"tags": ["cg-restricted"]}),
        Call("PUT", TICKET, {"ticket": {"assignee_id": 7}}),
        Call("GET", COMMENTS, reply={"comments": []}),
        Call("PUT", TICKET, {"ticket": {"comment": {"public": False}}}),
    ),
)
