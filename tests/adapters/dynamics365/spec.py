"""Dynamics 365 Customer Service's declaration for the contract suite.

Fixtures: `dataverse-sample-update-contact` is the RemoteExecutionContext Microsoft publishes in "Use WebHooks to
create external handlers for server events" (MicrosoftDocs/powerapps-docs, use-webhooks.md), verbatim: an Update of
a contact, which contactguard does not act on. The three Create fixtures are that sample's shape with the Create
message, the entity and the attributes this adapter reads (Target attributes and an EntityReference, OptionSetValue
and `/Date()/` as the sample serialises them); their column names and choice values are from the Case, Email and
Phone Call table references.
"""

from pathlib import Path

from tests.adapters.contract import Call, ContractSpec, Outbound

HERE = Path(__file__).parent
TENANT = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
LOGIN = f"https://login.microsoftonline.com/{TENANT}/"
API = "https://council.crm11.dynamics.com/api/data/v9.2/"
CASE_ID = "5b2c8d9e-1f3a-ef11-8409-000d3ad1c0de"
CASE = API + f"incidents({CASE_ID})"
OFFICER = "3f2e1d0c-b9a8-ef11-8409-000d3ad1c0de"  # the sole point of contact's systemuserid
TEAM = "9e8d7c6b-5a49-ef11-8409-000d3ad1c0de"  # the team new cases are given (unassigned_owners)
QUEUE = "56ae8258-4878-e511-80d4-00155d2a68d1"
NOTES = API + f"annotations?%24select=notetext&%24filter=_objectid_value+eq+{CASE_ID}"
TAGS = CASE + "?%24select=cg_contactguardtags"
LOOKUP = (
    CASE + "?%24select=_ownerid_value&%24expand=customerid_contact%28%24select%3Dcontactid%2Cemailaddress1%2C"
    "emailaddress2%2Ctelephone1%2Cmobilephone%29"
)

# Microsoft Entra ID, as msal calls it: the tenant's OpenID configuration, then the client credentials grant.
DISCOVERY = Call(
    "GET",
    LOGIN + "v2.0/.well-known/openid-configuration",
    reply={
        "token_endpoint": LOGIN + "oauth2/v2.0/token",
        "authorization_endpoint": LOGIN + "oauth2/v2.0/authorize",
        "issuer": f"https://login.microsoftonline.com/{TENANT}/v2.0",
    },
)
TOKEN = Call(
    "POST",
    LOGIN + "oauth2/v2.0/token",
    reply={"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": "eyJ0eXAiOiJKV1Qi"},
)
SIGN_IN = (DISCOVERY, TOKEN)


def _header(raw, secrets, now):
    """Dataverse's HttpHeader authentication: the registered key/value pair, sent as a header."""
    return {"Authorization": secrets["webhook_key"]}


SPEC = ContractSpec(
    key="dynamics365",
    settings={
        "environment_url": "https://council.crm11.dynamics.com",
        "tenant_id": TENANT,
        "client_id": "11111111-2222-4333-8444-555555555555",
        "restriction_column": "cg_contactrestriction",
        "tags_column": "cg_contactguardtags",
        "info_rights_queue": QUEUE,
        "unassigned_owners": [TEAM],
    },
    secrets={"client_secret": "dyn~client-secret-0123456789", "webhook_key": "dataverse-webhook-key-0123456789"},
    invalid_settings={"environment_url": "http://council.crm11.dynamics.com/api/data/v9.2/"},
    invalid_field="environment_url",
    fixtures={
        "dataverse-create-incident": "ticket.created",
        "dataverse-create-email": "ticket.customer_reply",
        "dataverse-create-phonecall": "ticket.customer_reply",
    },
    ticket_ids={
        "dataverse-create-incident": CASE_ID,
        "dataverse-create-email": CASE_ID,
        "dataverse-create-phonecall": CASE_ID,
    },
    sign=_header,
    signs_body=False,
    rotation_secret="webhook_key",
    ticket_id=CASE_ID,
    outbound=(
        Outbound(
            {"kind": "set_flag", "value": "RESTRICTED"},
            (*SIGN_IN, Call("PATCH", CASE, {"cg_contactrestriction": "RESTRICTED"}, 204)),
        ),
        Outbound({"kind": "clear_flag"}, (*SIGN_IN, Call("PATCH", CASE, {"cg_contactrestriction": None}, 204))),
        Outbound(
            {"kind": "add_tags", "tags": ["cg-restricted"]},
            (
                *SIGN_IN,
                Call("GET", TAGS, reply={"incidentid": CASE_ID, "cg_contactguardtags": "housing"}),
                Call("PATCH", CASE, {"cg_contactguardtags": "housing; cg-restricted"}, 204),
            ),
        ),
        Outbound(
            {"kind": "remove_tags", "tags": ["cg-restricted"]},
            (
                *SIGN_IN,
                Call("GET", TAGS, reply={"incidentid": CASE_ID, "cg_contactguardtags": "housing; cg-restricted"}),
                Call("PATCH", CASE, {"cg_contactguardtags": "housing"}, 204),
            ),
        ),
        Outbound(
            {"kind": "add_note", "text": "note\n[contactguard] ref k1", "marker": "[contactguard] ref k1"},
            (
                *SIGN_IN,
                Call("GET", NOTES, reply={"value": [{"notetext": "Customer called"}]}),
                Call(
                    "POST",
                    API + "annotations",
                    {
                        "notetext": "note\n[contactguard] ref k1",
                        "objectid_incident@odata.bind": f"/incidents({CASE_ID})",
                    },
                    204,
                ),
            ),
        ),
        Outbound(
            {"kind": "assign", "agent_id": OFFICER},
            (*SIGN_IN, Call("PATCH", CASE, {"ownerid@odata.bind": f"/systemusers({OFFICER})"}, 204)),
        ),
        Outbound(
            {"kind": "move_queue", "queue": QUEUE},
            (
                *SIGN_IN,
                Call(
                    "POST",
                    API + f"queues({QUEUE})/Microsoft.Dynamics.CRM.AddToQueue",
                    {"Target": {"incidentid": CASE_ID, "@odata.type": "Microsoft.Dynamics.CRM.incident"}},
                    reply={"QueueItemId": "5aae8258-4878-e511-80d4-00155d2a68d1"},
                ),
            ),
        ),
        Outbound(
            {"kind": "set_priority", "priority": "urgent"}, (*SIGN_IN, Call("PATCH", CASE, {"prioritycode": 1}, 204))
        ),
    ),
    check_call=TOKEN,
    retry_call=DISCOVERY,
    unhandled_fixture=(HERE / "fixtures" / "dataverse-sample-update-contact.json").read_bytes(),
    extra={"spoc_agent_id": OFFICER, "identity": {"kind": "email", "value": "jane.doe@example.com"}},
    restricted_outcome="pending",
    restricted_calls=(
        *SIGN_IN,
        Call(
            "GET",
            LOOKUP,
            reply={
                "incidentid": CASE_ID,
                "_ownerid_value": TEAM,
                "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "team",
                "customerid_contact": {
                    "contactid": "2a3b4c5d-6e7f-ef11-8409-000d3ad1c0de",
                    "emailaddress1": "jane.doe@example.com",
                    "emailaddress2": None,
                    "telephone1": None,
                    "mobilephone": None,
                },
            },
        ),
        *SIGN_IN,  # the decision's actions, in a later pass of the outbox: a new client signs in again
        Call(
            "PATCH",
            CASE,
            {
                "cg_contactrestriction": "RESTRICTED: contact via Olly Officer <officer@council.example>; "
                "channels email, letter, web_form; review 2027-05-24"
            },
            204,
        ),
        Call("GET", TAGS, reply={"incidentid": CASE_ID, "cg_contactguardtags": None}),
        Call("PATCH", CASE, {"cg_contactguardtags": "cg-restricted"}, 204),
        Call("PATCH", CASE, {"ownerid@odata.bind": f"/systemusers({OFFICER})"}, 204),
        Call("GET", NOTES, reply={"value": []}),
        Call("POST", API + "annotations", {"objectid_incident@odata.bind": f"/incidents({CASE_ID})"}, 204),
    ),
)
