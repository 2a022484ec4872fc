"""HubSpot's declaration for the contract suite (v1 signatures here; v2 and v3 tested beside it)."""

from adapters.hubspot.adapter import legacy_signature
from tests.adapters.contract import Call, ContractSpec, Outbound

API = "https://api.hubapi.com/"
TICKET = API + "crm/v3/objects/tickets/123"
LOOKUP = TICKET + "?properties=subject%2Ccontent%2Chubspot_owner_id&associations=contacts"
TAGS = TICKET + "?properties=contactguard_tags"


def _sign(raw, secrets, now):
    return {
        "X-HubSpot-Signature": legacy_signature(secrets["client_secret"], "v1", "POST", None, raw),
        "X-HubSpot-Signature-Version": "v1",
    }


SPEC = ContractSpec(
    key="hubspot",
    settings={},
    secrets={"access_token": "pat-eu1-0123456789", "client_secret": "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"},
    invalid_settings={"note_association_type_id": "notes"},
    invalid_field="note_association_type_id",
    fixtures={"hubspot-ticket-created": "ticket.created", "hubspot-conversation-new-message": "ticket.customer_reply"},
    ticket_ids={"hubspot-ticket-created": "123", "hubspot-conversation-new-message": "thread-6065362089"},
    sign=_sign,
    rotation_secret="client_secret",
    ticket_id="123",
    outbound=(
        Outbound(
            {"kind": "set_flag", "value": "RESTRICTED"},
            (Call("PATCH", TICKET, {"properties": {"contact_restriction": "RESTRICTED"}}),),
        ),
        Outbound({"kind": "clear_flag"}, (Call("PATCH", TICKET, {"properties": {"contact_restriction": ""}}),)),
        # CRM tickets: the default hs_ticket_priority values are LOW, MEDIUM and HIGH.
        Outbound(
            {"kind": "set_priority", "priority": "urgent"},
            (Call("PATCH", TICKET, {"properties": {"hs_ticket_priority": "HIGH"}}),),
        ),
        Outbound(
            {"kind": "add_tags", "tags": ["cg-restricted"]},
            (
                Call("GET", TAGS, reply={"properties": {"contactguard_tags": "vip"}}),
                Call("PATCH", TICKET, {"properties": {"contactguard_tags": "vip;cg-restricted"}}),
            ),
        ),
        Outbound(
            {"kind": "remove_tags", "tags": ["cg-restricted"]},
            (
                Call("GET", TAGS, reply={"properties": {"contactguard_tags": "vip;cg-restricted"}}),
                Call("PATCH", TICKET, {"properties": {"contactguard_tags": "vip"}}),
            ),
        ),
        Outbound(
            {"kind": "add_note", "text": "note [contactguard] ref k1", "marker": "[contactguard] ref k1"},
            (
                Call("GET", API + "crm/v4/objects/tickets/123/associations/notes", reply={"results": []}),
                Call(
                    "POST",
                    API + "crm/v3/objects/notes",
                    {
                        "properties": {"hs_note_body": "note [contactguard] ref k1"},
                        "associations": [{"to": {"id": "123"}}],
                    },
                    201,
                ),
            ),
        ),
        Outbound(
            {"kind": "assign", "agent_id": "7"}, (Call("PATCH", TICKET, {"properties": {"hubspot_owner_id": "7"}}),)
        ),
    ),
    check_call=Call("GET", API + "crm/v3/objects/tickets?limit=1", reply={"results": []}),
    unhandled_fixture=b'[{"eventId": 9, "subscriptionType": "contact.creation", "objectId": 1}]',
    extra={"identity": {"kind": "email", "value": "jane.doe@example.com"}},
    restricted_outcome="pending",
    restricted_calls=(
        Call(
            "GET",
            LOOKUP,
            reply={
                "id": "123",
                "properties": {"subject": "Repair", "content": "Broken boiler"},
                "associations": {"contacts": {"results": [{"id": "501", "type": "ticket_to_contact"}]}},
            },
        ),
        Call(
            "GET",
            API + "crm/v3/objects/contacts/501?properties=email%2Cphone",
            reply={"id": "501", "properties": {"email": "jane.doe@example.com", "phone": ""}},
        ),
        Call(
            "PATCH",
            TICKET,
            {
                "properties": {
                    "contact_restriction": "RESTRICTED: contact via Olly Officer "
                    "<officer@council.example>; channels email, "
                    "letter, web_form; review 2027-05-24"
                }
            },
        ),
        Call("GET", TAGS, reply={"properties": {"contactguard_tags": ""}}),
        Call("PATCH", TICKET, {"properties": {"contactguard_tags": "cg-restricted"}}),
        Call("PATCH", TICKET, {"properties": {"hubspot_owner_id": "7"}}),
        Call("GET", API + "crm/v4/objects/tickets/123/associations/notes", reply={"results": []}),
        Call("POST", API + "crm/v3/objects/notes", None, 201),
    ),
)
