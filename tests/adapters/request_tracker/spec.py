"""Request Tracker's declaration for the contract suite.

The fixtures are the bodies contactguard's scrip (adapters/request_tracker/scrip/webhook.pl) posted from a real
RT 5.0.3 (Debian's 5.0.3+dfsg-3~deb12u7): a ticket e-mailed in through rt-mailgate, the customer's e-mailed reply,
a ticket and a reply an agent wrote through REST2, and a ticket the customer made on RT's self-service pages.
The REST2 answers below are RT 5.0.3's, trimmed to the keys the client reads (GET /REST/2.0/ticket/{id}: Owner
and Queue as {"type", "id", "_url"} with the owner by user name and the queue by number, CustomFields as
[{"name", "values"}]).
"""

from tests.adapters.contract import Call, ContractSpec, Outbound

BASE = "https://rt.council.example/"
API = BASE + "REST/2.0/"
TICKET = API + "ticket/44"
FLAG = "Contact restriction"
TAGS = "contactguard tags"
SECRET = "rt-shared-secret-0123456789"
RESTRICTED = "RESTRICTED: contact via Olly Officer <officer@council.example>; channels email, letter, web_form; review 2027-05-24"


def ticket(ticket_id=44, flag=None, tags=(), owner="Nobody", queue="3", priority="0", status="new") -> dict:
    """GET /REST/2.0/ticket/{id} as RT 5.0.3 answers it (trimmed)."""
    return {
        "id": ticket_id,
        "Subject": "Boiler broken",
        "Status": status,
        "Priority": priority,
        "Owner": {"type": "user", "id": owner, "_url": f"{API}user/{owner}"},
        "Queue": {"type": "queue", "id": queue, "_url": f"{API}queue/{queue}"},
        "Requestor": [{"type": "user", "id": "jane.customer@example.com"}],
        "CustomFields": [
            {"id": "2", "name": FLAG, "type": "customfield", "values": [flag] if flag else []},
            {"id": "3", "name": TAGS, "type": "customfield", "values": list(tags)},
        ],
    }


def put(url: str, body: dict, *messages: str) -> Call:
    """PUT /ticket/{id}: always 200, with RT's messages (see adapters/request_tracker/client.py)."""
    return Call("PUT", url, body, reply=list(messages))


def no_note(ticket_url: str) -> Call:
    """The search for the note's marker among the ticket's attachments finds nothing."""
    return Call("POST", ticket_url + "/attachments?fields=Content", reply={"count": 0, "items": []})


SPEC = ContractSpec(
    key="request_tracker",
    settings={"base_url": BASE},
    secrets={"api_token": "1-27-6e29c889f55f9069b330112f0cf8ad61", "shared_secret": SECRET},
    invalid_settings={"escalation_priority": -1},
    invalid_field="escalation_priority",
    fixtures={
        "rt-5.0.3-ticket-created-by-email": "ticket.created",
        "rt-5.0.3-reply-by-email": "ticket.customer_reply",
        "rt-5.0.3-ticket-created-by-staff": "ticket.created",
        "rt-5.0.3-reply-by-staff": "ticket.customer_reply",
        "rt-5.0.3-ticket-created-on-self-service": "ticket.created",
    },
    ticket_ids={
        "rt-5.0.3-ticket-created-by-email": "2",
        "rt-5.0.3-reply-by-email": "1",
        "rt-5.0.3-ticket-created-by-staff": "5",
        "rt-5.0.3-reply-by-staff": "5",
        "rt-5.0.3-ticket-created-on-self-service": "8",
    },
    sign=lambda raw, secrets, now: {"X-Contactguard-Secret": secrets["shared_secret"]},
    signs=True,
    signs_body=False,  # a shared secret, not a signature of the body
    rotation_secret="shared_secret",
    unhandled_fixture=(
        b'{"version":1,"event":"ticket.comment","ticket":{"id":2},'
        b'"transaction":{"id":80,"type":"Comment"},"actor":{"name":"alice"}}'
    ),
    outbound=(
        Outbound(
            {"kind": "set_flag", "value": "RESTRICTED: contact via X"},
            (
                put(TICKET, {"CustomFields": {FLAG: "RESTRICTED: contact via X"}}, f"{FLAG} RESTRICTED: ... added"),
                Call("GET", TICKET, reply=ticket(flag="RESTRICTED: contact via X")),
            ),
        ),
        Outbound(
            {"kind": "add_tags", "tags": ["cg-restricted"]},
            (
                Call("GET", TICKET, reply=ticket(tags=["vip"])),
                put(TICKET, {"CustomFields": {TAGS: ["vip", "cg-restricted"]}}, "cg-restricted added as a value"),
                Call("GET", TICKET, reply=ticket(tags=["vip", "cg-restricted"])),
            ),
        ),
        Outbound(
            {"kind": "add_note", "text": "note [contactguard] ref k1", "marker": "[contactguard] ref k1"},
            (
                no_note(TICKET),
                Call(
                    "POST",
                    TICKET + "/comment",
                    {"Content": "note [contactguard] ref k1", "ContentType": "text/plain"},
                    201,
                    ["Comments added"],
                ),
            ),
        ),
        Outbound(
            {"kind": "remove_tags", "tags": ["cg-restricted", "cg-disregarded"]},
            (
                Call("GET", TICKET, reply=ticket(tags=["cg-restricted", "cg-disregarded"])),
                put(TICKET, {"CustomFields": {TAGS: []}}, "cg-restricted is no longer a value"),
                Call("GET", TICKET, reply=ticket()),
            ),
        ),
        Outbound(
            {"kind": "clear_flag"},
            (
                Call("GET", TICKET, reply=ticket(flag="RESTRICTED: contact via X")),
                put(TICKET, {"CustomFields": {FLAG: None}}, "RESTRICTED: ... is no longer a value"),
                Call("GET", TICKET, reply=ticket()),
            ),
        ),
        Outbound(
            {
                "kind": "create_task",
                "queue": "Reviews",
                "title": "Review due",
                "text": "Review restriction 1",
                "agent_id": "alice",
            },
            (
                Call(
                    "POST",
                    API + "ticket",
                    {"Queue": "Reviews", "Subject": "Review due", "Content": "Review restriction 1", "Owner": "alice"},
                    201,
                    {"id": "51", "type": "ticket", "_url": API + "ticket/51"},
                ),
                Call("GET", API + "ticket/51", reply=ticket(51, owner="alice", queue="5")),
            ),
        ),
        Outbound(
            {"kind": "assign", "agent_id": "alice"},
            (
                put(TICKET, {"Owner": "alice"}, "Ticket 44: Owner changed from Nobody to alice"),
                Call("GET", TICKET, reply=ticket(owner="alice")),
            ),
        ),
        Outbound(
            {"kind": "move_queue", "queue": "Information rights"},
            (
                put(TICKET, {"Queue": "Information rights"}, "Ticket 44: Queue changed from Housing to ..."),
                Call("GET", TICKET, reply=ticket(queue="4")),
                Call("GET", API + "queue/Information%20rights", reply={"id": 4, "Name": "Information rights"}),
            ),
        ),
        # RT 5's default PriorityAsString: 0 Low, 50 Medium, 100 High.
        Outbound(
            {"kind": "set_priority", "priority": "urgent"},
            (
                Call("GET", TICKET, reply=ticket()),
                put(TICKET, {"Priority": 100}, "Ticket 44: Priority changed from 'Low' to 'High'"),
                Call("GET", TICKET, reply=ticket(priority="100")),
            ),
        ),
    ),
    retry_call=Call("PUT", TICKET),
    check_call=Call("POST", API + "customfields", reply={"count": 2, "items": [{"id": "2"}, {"id": "3"}]}),
    restricted_calls=(
        put(API + "ticket/2", {"CustomFields": {FLAG: RESTRICTED}}),
        Call("GET", API + "ticket/2", reply=ticket(2, flag=RESTRICTED)),
        Call("GET", API + "ticket/2", reply=ticket(2, flag=RESTRICTED)),
        put(API + "ticket/2", {"CustomFields": {TAGS: ["cg-restricted"]}}),
        Call("GET", API + "ticket/2", reply=ticket(2, flag=RESTRICTED, tags=["cg-restricted"])),
        put(API + "ticket/2", {"Owner": "alice"}),
        Call("GET", API + "ticket/2", reply=ticket(2, flag=RESTRICTED, tags=["cg-restricted"], owner="alice")),
        no_note(API + "ticket/2"),
        Call("POST", API + "ticket/2/comment", {"ContentType": "text/plain"}, 201, ["Comments added"]),
    ),
    extra={"spoc_agent_id": "alice"},
)
