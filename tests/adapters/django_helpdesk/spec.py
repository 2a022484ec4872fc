"""django-helpdesk's declaration for the contract suite."""

from tests.adapters.contract import Call, ContractSpec, Outbound

API = "http://helpdesk.test/helpdesk/api/"
TICKET = API + "tickets/44/"

SPEC = ContractSpec(
    key="django_helpdesk",
    settings={"base_url": API},
    secrets={"username": "cgadmin", "password": "s3cret-pass"},
    invalid_settings={"base_url": "not a url"},
    invalid_field="base_url",
    fixtures={
        "django-helpdesk-ticket-created": "ticket.created",
        "django-helpdesk-followup": "ticket.customer_reply",
        "captured-2.6.1-new-ticket": "ticket.created",
        "captured-2.6.1-followup": "ticket.customer_reply",
    },
    ticket_ids={
        "django-helpdesk-ticket-created": "44",
        "django-helpdesk-followup": "44",
        "captured-2.6.1-new-ticket": "1",
        "captured-2.6.1-followup": "1",
    },
    sign=lambda raw, secrets, now: {},
    signs=False,
    outbound=(
        Outbound(
            {"kind": "set_flag", "value": "RESTRICTED: contact via X"},
            (Call("PATCH", TICKET, {"custom_contact_restriction": "RESTRICTED: contact via X"}),),
        ),
        Outbound(
            {"kind": "add_tags", "tags": ["cg-restricted"]},
            (
                Call("GET", TICKET, reply={"id": 44, "custom_contactguard_tags": "vip"}),
                Call("PATCH", TICKET, {"custom_contactguard_tags": "vip, cg-restricted"}),
            ),
        ),
        Outbound(
            {"kind": "add_note", "text": "note [contactguard] ref k1", "marker": "[contactguard] ref k1"},
            (
                Call("GET", TICKET, reply={"id": 44, "followup_set": []}),
                Call(
                    "POST",
                    API + "followups/",
                    {"ticket": 44, "public": False, "comment": "note [contactguard] ref k1"},
                    status=201,
                ),
            ),
        ),
        Outbound(
            {"kind": "remove_tags", "tags": ["cg-restricted", "cg-disregarded"]},
            (
                Call("GET", TICKET, reply={"id": 44, "custom_contactguard_tags": "cg-restricted, cg-disregarded"}),
                Call("PATCH", TICKET, {"custom_contactguard_tags": "-"}),
            ),
        ),
        Outbound({"kind": "clear_flag"}, (Call("PATCH", TICKET, {"custom_contact_restriction": "-"}),)),
        Outbound(
            {"kind": "create_task", "queue": 3, "title": "Review due", "text": "Review restriction 1"},
            (
                Call("POST", API + "tickets/", {"queue": 3, "title": "Review due", "priority": 3}, 201, {"id": 51}),
                Call(
                    "POST", API + "followups/", {"ticket": 51, "comment": "Review restriction 1", "public": False}, 201
                ),
            ),
        ),
        Outbound({"kind": "assign", "agent_id": "7"}, (Call("PATCH", TICKET, {"assigned_to": 7}),)),
        Outbound({"kind": "move_queue", "queue": 2}, (Call("PATCH", TICKET, {"queue": 2}),)),
        # django-helpdesk's Ticket.priority: 1 Critical, 2 High, 3 Normal, 4 Low, 5 Very Low.
        Outbound({"kind": "set_priority", "priority": "urgent"}, (Call("PATCH", TICKET, {"priority": 1}),)),
    ),
    check_call=Call("GET", API + "tickets/?page_size=1", reply={"results": []}),
    restricted_calls=(
        Call(
            "PATCH",
            TICKET,
            {
                "custom_contact_restriction": "RESTRICTED: contact via Olly Officer "
                "<officer@council.example>; channels email, letter, "
                "web_form; review 2027-05-24"
            },
        ),
        Call("GET", TICKET, reply={"id": 44, "custom_contactguard_tags": ""}),
        Call("PATCH", TICKET, {"custom_contactguard_tags": "cg-restricted"}),
        Call("PATCH", TICKET, {"assigned_to": 7}),
        Call("GET", TICKET, reply={"id": 44, "followup_set": []}),
        Call("POST", API + "followups/", {"ticket": 44, "public": False}, status=201),
    ),
)
