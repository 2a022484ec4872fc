"""Freshdesk's declaration for the contract suite."""

import base64

from tests.adapters.contract import Call, ContractSpec, Outbound

API = "https://council.freshdesk.com/api/v2/"
TICKET = API + "tickets/11"
CONVERSATIONS = TICKET + "/conversations?page=1&per_page=100"


def _basic(raw, secrets, now):
    token = base64.b64encode(f"{secrets['webhook_username']}:{secrets['webhook_password']}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


SPEC = ContractSpec(
    key="freshdesk",
    settings={"domain": "council", "restriction_field": "cf_contact_restriction"},
    secrets={
        "api_key": "fd-api-key-0123456789",
        "webhook_username": "contactguard",
        "webhook_password": "a-long-webhook-password-01",
    },
    invalid_settings={"domain": "council.example.com"},
    invalid_field="domain",
    fixtures={"freshdesk-ticket-created": "ticket.created", "freshdesk-customer-reply": "ticket.customer_reply"},
    ticket_ids={"freshdesk-ticket-created": "11", "freshdesk-customer-reply": "11"},
    sign=_basic,
    rotation_secret="webhook_password",
    signs_body=False,
    ticket_id="11",
    outbound=(
        Outbound(
            {"kind": "add_tags", "tags": ["cg-restricted"]},
            (
                Call("GET", TICKET, reply={"id": 11, "tags": ["claims"]}),
                Call("PUT", TICKET, {"tags": ["claims", "cg-restricted"]}),
            ),
        ),
        Outbound(
            {"kind": "remove_tags", "tags": ["cg-restricted"]},
            (
                Call("GET", TICKET, reply={"id": 11, "tags": ["claims", "cg-restricted"]}),
                Call("PUT", TICKET, {"tags": ["claims"]}),
            ),
        ),
        Outbound(
            {"kind": "set_flag", "value": "RESTRICTED"},
            (Call("PUT", TICKET, {"custom_fields": {"cf_contact_restriction": "RESTRICTED"}}),),
        ),
        Outbound({"kind": "clear_flag"}, (Call("PUT", TICKET, {"custom_fields": {"cf_contact_restriction": None}}),)),
        Outbound(
            {"kind": "add_note", "text": "note\n[contactguard] ref k1", "marker": "[contactguard] ref k1"},
            (
                Call("GET", CONVERSATIONS, reply=[{"body_text": "hello"}]),
                Call("POST", TICKET + "/notes", {"private": True, "body": "note<br>[contactguard] ref k1"}, status=201),
            ),
        ),
        Outbound({"kind": "assign", "agent_id": "7"}, (Call("PUT", TICKET, {"responder_id": 7}),)),
        Outbound({"kind": "move_queue", "queue": 5}, (Call("PUT", TICKET, {"group_id": 5}),)),
        Outbound({"kind": "set_status", "status": "2"}, (Call("PUT", TICKET, {"status": 2}),)),
        # Update a Ticket: "priority" 1 Low, 2 Medium, 3 High, 4 Urgent.
        Outbound({"kind": "set_priority", "priority": "urgent"}, (Call("PUT", TICKET, {"priority": 4}),)),
    ),
    check_call=Call("GET", API + "agents/me", reply={"id": 1}),
    unhandled_fixture=b'{"freshdesk_webhook": {"ticket_id": "11", "event": "status_changed"}}',
    # The worker first reads the ticket (View a Ticket): who is assigned and which mailbox was written to.
    restricted_outcome="pending",
    restricted_calls=(
        Call(
            "GET",
            TICKET + "?include=requester",
            reply={
                "id": 11,
                "requester_id": 103000123456,
                "responder_id": None,
                "to_emails": ["support@council.example"],
                "requester": {"id": 103000123456, "email": "requester-bob@example.com", "phone": None},
            },
        ),
        Call(
            "PUT",
            TICKET,
            {
                "custom_fields": {
                    "cf_contact_restriction": "RESTRICTED: contact via Olly Officer "
                    "<officer@council.example>; channels email, "
                    "letter, web_form; review 2027-05-24"
                }
            },
        ),
        Call("GET", TICKET, reply={"id": 11, "tags": []}),
        Call("PUT", TICKET, {"tags": ["cg-restricted"]}),
        Call("PUT", TICKET, {"responder_id": 7}),
        Call("GET", CONVERSATIONS, reply=[]),
        Call("POST", TICKET + "/notes", {"private": True}, status=201),
    ),
)
