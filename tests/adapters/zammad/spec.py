"""Zammad's declaration for the contract suite."""

import hashlib
import hmac

from tests.adapters.contract import Call, ContractSpec, Outbound

API = "https://zammad.council.example/api/v1/"


def _sign(raw, secrets, now):
    return {
        "X-Hub-Signature": "sha1=" + hmac.new(secrets["signature_token"].encode(), raw, hashlib.sha1).hexdigest(),
        "X-Zammad-Delivery": "0d1b9f3a-4c1e-4a5e-9b7e-2f7c1a2b3c4d",
    }


SPEC = ContractSpec(
    key="zammad",
    settings={"base_url": "https://zammad.council.example/", "restriction_field": "contact_restriction"},
    secrets={"api_token": "zammad-token-0123456789", "signature_token": "s3cr3t-t0k3n"},
    invalid_settings={"base_url": "zammad"},
    invalid_field="base_url",
    fixtures={"zammad-ticket-created": "ticket.created", "zammad-customer-reply": "ticket.customer_reply"},
    ticket_ids={"zammad-ticket-created": "81", "zammad-customer-reply": "81"},
    sign=_sign,
    rotation_secret="signature_token",
    ticket_id="81",
    outbound=(
        Outbound(
            {"kind": "add_tags", "tags": ["cg-restricted", "cg-disregarded"]},
            (
                Call("POST", API + "tags/add", {"item": "cg-restricted", "object": "Ticket", "o_id": 81}, 201),
                Call("POST", API + "tags/add", {"item": "cg-disregarded", "object": "Ticket", "o_id": 81}, 201),
            ),
        ),
        Outbound(
            {"kind": "remove_tags", "tags": ["cg-restricted"]},
            (Call("DELETE", API + "tags/remove", {"item": "cg-restricted", "object": "Ticket", "o_id": 81}),),
        ),
        Outbound(
            {"kind": "set_flag", "value": "RESTRICTED"},
            (Call("PUT", API + "tickets/81", {"contact_restriction": "RESTRICTED"}),),
        ),
        Outbound({"kind": "clear_flag"}, (Call("PUT", API + "tickets/81", {"contact_restriction": None}),)),
        Outbound(
            {"kind": "add_note", "text": "note [contactguard] ref k1", "marker": "[contactguard] ref k1"},
            (
                Call("GET", API + "ticket_articles/by_ticket/81", reply=[{"body": "hello"}]),
                Call(
                    "POST",
                    API + "ticket_articles",
                    {"ticket_id": 81, "type": "note", "internal": True, "body": "note [contactguard] ref k1"},
                    201,
                ),
            ),
        ),
        Outbound({"kind": "assign", "agent_id": "5"}, (Call("PUT", API + "tickets/81", {"owner_id": 5}),)),
        Outbound({"kind": "move_queue", "queue": 4}, (Call("PUT", API + "tickets/81", {"group_id": 4}),)),
        # Zammad's REST API: a ticket's priority is its priority_id (default priorities 1 low, 2 normal, 3 high).
        Outbound(
            {"kind": "set_priority", "priority": "urgent"}, (Call("PUT", API + "tickets/81", {"priority_id": 3}),)
        ),
    ),
    check_call=Call("GET", API + "users/me", reply={"id": 3}),
    unhandled_fixture=b'{"ticket": {"id": 81}}',
    extra={"spoc_agent_id": "7"},
    # The documented example is a phone call assigned to agent 5: outside an e-mail/letter/web arrangement.
    restricted_outcome="disregard",
    restricted_calls=(
        Call(
            "PUT",
            API + "tickets/81",
            {
                "contact_restriction": "RESTRICTED: contact via Olly Officer "
                "<officer@council.example>; channels email, letter, "
                "web_form; review 2027-05-24"
            },
        ),
        Call("POST", API + "tags/add", {"item": "cg-restricted", "o_id": 81}, 201),
        Call("POST", API + "tags/add", {"item": "cg-disregarded", "o_id": 81}, 201),
        Call("PUT", API + "tickets/81", {"owner_id": 7}),
        Call("GET", API + "ticket_articles/by_ticket/81", reply=[]),
        Call("POST", API + "ticket_articles", {"internal": True, "type": "note"}, 201),
    ),
)
