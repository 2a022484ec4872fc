"""Salesforce Service Cloud's declaration for the contract suite.

Inbound: Outbound Messaging SOAP envelopes in the shape of the documented WSDL (outbound-notification.wsdl),
authenticated by the webhook URL and the OrganizationId, not a signature (signs=False). Outbound: every action
starts with the token request (the client credentials flow); REST shapes from the REST API Developer Guide.
"""

from urllib.parse import urlencode

from tests.adapters.contract import Call, ContractSpec, Outbound

INSTANCE = "https://council.my.salesforce.com"
TOKEN = INSTANCE + "/services/oauth2/token"
API = INSTANCE + "/services/data/v67.0/"
ORG = "00D8d000000Ab1CEAS"
CASE_ID = "5008d00002aBcDeAAK"
CASE = API + f"sobjects/Case/{CASE_ID}"
TAGS = CASE + "?fields=Contact_Restriction_Tags__c"
OFFICER = "0058d00000Ab1CdAAJ"  # a User: the sole point of contact
QUEUE = "00G8d000004Hs9zEAC"  # a queue (a Group)

# The client credentials answer as the Connect REST API quick start shows it.
TOKEN_REPLY = {
    "access_token": "00D8d000000Ab1C!AR8AQPXAhJNveaXDdPzbrtXqPykdVxBxtbLycpiyPmKyJm0Ku8gKKztulObJ1dhJU8Jt9W8k7FySsPAk",
    "signature": "nUFHwtfIGLKDTHcLWmDBG8frv0t+HQGl/iCZFIQUarE=",
    "token_format": "opaque",
    "instance_url": INSTANCE,
    "id": f"https://login.salesforce.com/id/{ORG}/{OFFICER}",
    "token_type": "Bearer",
    "issued_at": "1764000000000",
}
TOKEN_CALL = Call("POST", TOKEN, reply=TOKEN_REPLY)
CREATED = {"id": "00a8d00000Zx1YwAAJ", "errors": [], "success": True}  # "Create a Record"'s response body


def query(soql: str) -> str:
    """A Query resource URL as requests encodes it (spaces as +, as the Postman collection's example)."""
    return API + "query/?" + urlencode({"q": soql})


COMMENTS = query(f"SELECT CommentBody FROM CaseComment WHERE ParentId = '{CASE_ID}'")
NO_RECORDS = {"totalSize": 0, "done": True, "records": []}

SPEC = ContractSpec(
    key="salesforce",
    settings={"base_url": INSTANCE, "organization_id": ORG, "info_rights_queue": QUEUE},
    secrets={"client_id": "3MVG9VwZxxW3bBQjhE6m21CG2nSS4WC.GNbZCtKeQxFH", "client_secret": "8A4BE698BCA21671"},
    invalid_settings={"organization_id": "005NOTANORG"},
    invalid_field="organization_id",
    fixtures={"case-created": "ticket.created", "email-received": "ticket.customer_reply"},
    ticket_ids={"case-created": CASE_ID, "email-received": CASE_ID},
    sign=lambda raw, secrets, now: {},  # nothing to sign: the URL and the OrganizationId authenticate
    signs=False,
    ticket_id=CASE_ID,
    outbound=(
        Outbound(
            {"kind": "set_flag", "value": "RESTRICTED: contact via X"},
            (TOKEN_CALL, Call("PATCH", CASE, {"Contact_Restriction__c": "RESTRICTED: contact via X"}, 204)),
        ),
        Outbound({"kind": "clear_flag"}, (TOKEN_CALL, Call("PATCH", CASE, {"Contact_Restriction__c": None}, 204))),
        Outbound(
            {"kind": "add_tags", "tags": ["cg-restricted"]},
            (
                TOKEN_CALL,
                Call("GET", TAGS, reply={"Contact_Restriction_Tags__c": "vip", "Id": CASE_ID}),
                Call("PATCH", CASE, {"Contact_Restriction_Tags__c": "vip;cg-restricted"}, 204),
            ),
        ),
        Outbound(
            {"kind": "remove_tags", "tags": ["cg-restricted"]},
            (
                TOKEN_CALL,
                Call("GET", TAGS, reply={"Contact_Restriction_Tags__c": "vip;cg-restricted", "Id": CASE_ID}),
                Call("PATCH", CASE, {"Contact_Restriction_Tags__c": "vip"}, 204),
            ),
        ),
        Outbound(
            {"kind": "add_note", "text": "note\n\n[contactguard] ref k1", "marker": "[contactguard] ref k1"},
            (
                TOKEN_CALL,
                Call("GET", COMMENTS, reply=NO_RECORDS),
                Call(
                    "POST",
                    API + "sobjects/CaseComment",
                    {"ParentId": CASE_ID, "CommentBody": "note\n\n[contactguard] ref k1", "IsPublished": False},
                    201,
                    CREATED,
                ),
            ),
        ),
        Outbound({"kind": "assign", "agent_id": OFFICER}, (TOKEN_CALL, Call("PATCH", CASE, {"OwnerId": OFFICER}, 204))),
        Outbound({"kind": "move_queue", "queue": QUEUE}, (TOKEN_CALL, Call("PATCH", CASE, {"OwnerId": QUEUE}, 204))),
        Outbound(
            {"kind": "set_priority", "priority": "urgent"}, (TOKEN_CALL, Call("PATCH", CASE, {"Priority": "High"}, 204))
        ),
        Outbound(
            {"kind": "set_status", "status": "Escalated"},
            (TOKEN_CALL, Call("PATCH", CASE, {"Status": "Escalated"}, 204)),
        ),
        Outbound(
            {
                "kind": "create_task",
                "queue": OFFICER,
                "title": "contactguard: review due: restriction 7",
                "text": "Review",
            },
            (
                TOKEN_CALL,
                Call(
                    "GET",
                    query(
                        f"SELECT Id FROM Task WHERE OwnerId = '{OFFICER}' AND Subject = "
                        "'contactguard: review due: restriction 7' AND IsClosed = false LIMIT 1"
                    ),
                    reply=NO_RECORDS,
                ),
                Call(
                    "POST",
                    API + "sobjects/Task",
                    {"OwnerId": OFFICER, "Subject": "contactguard: review due: restriction 7", "Description": "Review"},
                    201,
                    CREATED,
                ),
            ),
        ),
    ),
    check_call=TOKEN_CALL,
    extra={"spoc_agent_id": OFFICER},
    restricted_calls=(
        TOKEN_CALL,
        Call(
            "PATCH",
            CASE,
            {
                "Contact_Restriction__c": "RESTRICTED: contact via Olly Officer <officer@council.example>; channels "
                "email, letter, web_form; review 2027-05-24"
            },
            204,
        ),
        Call("GET", TAGS, reply={"Contact_Restriction_Tags__c": None, "Id": CASE_ID}),
        Call("PATCH", CASE, {"Contact_Restriction_Tags__c": "cg-restricted"}, 204),
        Call("PATCH", CASE, {"OwnerId": OFFICER}, 204),
        Call("GET", COMMENTS, reply=NO_RECORDS),
        Call("POST", API + "sobjects/CaseComment", {"ParentId": CASE_ID, "IsPublished": False}, 201, CREATED),
    ),
)
