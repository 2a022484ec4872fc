"""The generic JSON adapter's declaration for the contract suite."""

from adapters.generic.adapter import sign
from tests.adapters.contract import Call, ContractSpec, Outbound

CALLBACK = "https://helpdesk.example/cg"
SECRET = "a-signing-secret-0123"

SPEC = ContractSpec(
    key="generic",
    settings={
        "mapping": {
            "ticket_id": "/ticket/id",
            "requester_email": "/ticket/requester",
            "event_type": "/event",
            "delivery_id": "/delivery",
        },
        "event_types": {"created": "ticket.created", "replied": "ticket.customer_reply"},
        "callback_url": CALLBACK,
    },
    secrets={"signing_secret": SECRET},
    rotation_secret="signing_secret",
    invalid_settings={"mapping": {"requester_email": "/x"}},
    invalid_field="mapping",
    fixtures={"generic-ticket-created": "ticket.created", "generic-customer-reply": "ticket.customer_reply"},
    ticket_ids={"generic-ticket-created": "44", "generic-customer-reply": "44"},
    sign=lambda raw, secrets, now: {"X-Signature-SHA256": sign(secrets["signing_secret"], raw)},
    outbound=(
        Outbound(
            {"kind": "add_tags", "tags": ["cg-restricted"]},
            (Call("POST", CALLBACK, {"ticket_id": "44", "action": {"kind": "add_tags", "tags": ["cg-restricted"]}}),),
        ),
        Outbound(
            {"kind": "clear_flag"}, (Call("POST", CALLBACK, {"ticket_id": "44", "action": {"kind": "clear_flag"}}),)
        ),
    ),
    check_call=Call("POST", CALLBACK, {"ping": True}),
    unhandled_fixture=b'{"event": "sla.breached", "ticket": {"id": 44}}',
    restricted_calls=(
        Call("POST", CALLBACK, {"ticket_id": "44", "action": {"kind": "set_flag"}}),
        Call("POST", CALLBACK, {"ticket_id": "44", "action": {"kind": "add_tags", "tags": ["cg-restricted"]}}),
        Call("POST", CALLBACK, {"ticket_id": "44", "action": {"kind": "assign", "agent_id": "7"}}),
        Call("POST", CALLBACK, {"ticket_id": "44", "action": {"kind": "add_note"}}),
    ),
)
