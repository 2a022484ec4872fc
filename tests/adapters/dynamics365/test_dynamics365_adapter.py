"""Dynamics 365 Customer Service (Dataverse): the webhook's authentication and context, the Web API's requests
(checked against Microsoft's table metadata), service protection limits, the lookup of who wrote."""

import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import responses

from adapters.dynamics365.adapter import Dynamics365Adapter
from adapters.dynamics365.schemas import Settings
from adapters.errors import PayloadError, PermanentFailure, RetryLater, SignatureError, UnhandledEvent
from tests.adapters.dynamics365.spec import API, CASE, CASE_ID, OFFICER, QUEUE, SIGN_IN, SPEC, TEAM
from tests.adapters.test_contract import register
from tests.helpers import webhook_path

HERE = Path(__file__).parent
ADAPTER = Dynamics365Adapter()
NOW = dt.datetime(2026, 11, 24, 12, tzinfo=dt.timezone.utc)
METADATA = json.loads((HERE / "dataverse-metadata.json").read_text())["entities"]
SETTINGS = Settings().load(SPEC.settings)
KEY = SPEC.secrets["webhook_key"]


def fixture(stem: str) -> dict:
    return json.loads((HERE / "fixtures" / f"{stem}.json").read_text())


def parse(context: dict, headers=None):
    return ADAPTER.parse(json.dumps(context).encode(), headers or {}, SETTINGS)


def dynamics(**settings):
    return ADAPTER.client(Settings().load({**SPEC.settings, **settings}), SPEC.secrets)


# -- the webhook ------------------------------------------------------------------------------------------------


def test_httpheader_authentication_takes_the_registered_key_and_refuses_any_other():
    """Register a WebHook, HttpHeader: key/value pairs sent as headers; "Any request to the endpoint configured
    should fail when the authentication options passed in the request do not match"."""
    raw = b"{}"
    ADAPTER.verify({"Authorization": KEY}, raw, SPEC.secrets, SETTINGS, NOW)
    for headers in ({}, {"Authorization": KEY[:-1]}, {"x-contactguard-key": KEY}, {"Authorization": "é" * 40}):
        with pytest.raises(SignatureError):
            ADAPTER.verify(headers, raw, SPEC.secrets, SETTINGS, NOW)


def test_webhookkey_authentication_reads_the_code_query_parameter():
    """Register a WebHook, WebhookKey: "a query string ?code=<value>" (the value only is entered in the tool)."""
    settings = {**SETTINGS, "webhook_auth": "webhook_key"}
    url = "https://contactguard.council.example/webhooks/abc"
    ADAPTER.verify({}, b"{}", SPEC.secrets, {**settings, "_request_url": f"{url}?code={KEY}"}, NOW)
    rotating = {**SPEC.secrets, "webhook_key": "a-brand-new-webhook-key-0123", "webhook_key_previous": KEY}
    ADAPTER.verify({}, b"{}", rotating, {**settings, "_request_url": f"{url}?code={KEY}"}, NOW)
    for query in ("", "?code=", "?code=wrong-key-0123456789", f"?key={KEY}"):
        with pytest.raises(SignatureError):
            ADAPTER.verify({"Authorization": KEY}, b"{}", SPEC.secrets, {**settings, "_request_url": url + query}, NOW)


def test_webhookkey_through_the_receiver(client, cast, settings):
    """The receiver hands the URL Dataverse called to verify(): a right code is 200, a wrong one 401."""
    from plugin.services import connections as conns

    with cast.act() as ctx:
        chosen = {**SPEC.settings, "webhook_auth": "webhook_key"}
        connection = conns.add(ctx, "dynamics365", "Dynamics", chosen, SPEC.secrets, test=False)
    raw = (HERE / "fixtures" / "dataverse-create-incident.json").read_bytes()
    ok = client.post(f"{webhook_path(settings, connection.id)}?code={KEY}", data=raw, content_type="application/json")
    bad = client.post(
        f"{webhook_path(settings, connection.id)}?code=guessed", data=raw, content_type="application/json"
    )
    assert (ok.status_code, bad.status_code) == (200, 401)


def test_microsofts_sample_context_is_an_update_of_a_contact_and_not_acted_on():
    """The RemoteExecutionContext in "Use WebHooks" is a step on Update of contact: not a case, e-mail or call."""
    with pytest.raises(UnhandledEvent, match="Update contact"):
        parse(fixture("dataverse-sample-update-contact"))


def test_a_new_case_is_read_from_the_target_attributes():
    """InputParameters and Attributes are lists of key/value pairs; caseorigincode is an OptionSetValue (2 Email);
    OperationCreatedOn is `/Date(ms+zone)/`; the customer is only an EntityReference (its id, no address), so the
    worker looks the contact up."""
    (event,) = parse(fixture("dataverse-create-incident"))
    assert (event.event_type, event.ticket_id, event.channel) == ("ticket.created", CASE_ID, "email")
    assert (event.subject, event.text) == ("Missed bin collection", "My bin was not emptied again this week.")
    assert event.at == dt.datetime(2026, 11, 24, 12, tzinfo=dt.timezone.utc)
    assert event.needs_lookup and not event.emails and event.assigned_agent_id is None
    assert event.helpdesk_user_id == "2a3b4c5d-6e7f-ef11-8409-000d3ad1c0de", "customerid, a contact's reference"


@pytest.mark.parametrize(
    "origin, channel",
    [
        (1, "telephone"),
        (2, "email"),
        (3, "web_form"),
        (2483, "social_media"),
        (3986, "social_media"),
        (700610000, None),
    ],
)
def test_each_documented_case_origin_gives_its_channel(origin, channel):
    """incident.caseorigincode (Case table reference): 1 Phone, 2 Email, 3 Web, 2483 Facebook, 3986 Twitter,
    700610000 IoT (no customer contact)."""
    context = fixture("dataverse-create-incident")
    attributes = context["InputParameters"][0]["value"]["Attributes"]
    next(a for a in attributes if a["key"] == "caseorigincode")["value"]["Value"] = origin
    assert parse(context)[0].channel == channel


def test_an_email_or_call_regarding_a_case_is_a_reply_on_that_case():
    """regardingobjectid is an EntityReference whose LogicalName is incident: the case the activity is logged on."""
    (email,) = parse(fixture("dataverse-create-email"))
    (call,) = parse(fixture("dataverse-create-phonecall"))
    assert (email.ticket_id, email.channel, email.event_type) == (CASE_ID, "email", "ticket.customer_reply")
    assert email.text == "It is still outside, please send someone today."
    assert (call.ticket_id, call.channel) == (CASE_ID, "telephone")
    assert call.lookup["phone"] == "+44 1632 960123"
    assert email.delivery_key != call.delivery_key


def _set(context: dict, name: str, value) -> dict:
    attributes = context["InputParameters"][0]["value"]["Attributes"]
    next(a for a in attributes if a["key"] == name)["value"] = value
    return context


def test_an_outgoing_email_is_staff_writing_and_ignored():
    """email.directioncode: True "Outgoing", False "Incoming" (Email table reference)."""
    (event,) = parse(_set(fixture("dataverse-create-email"), "directioncode", True))
    assert event.ignore_reason == "outgoing e-mail, not the customer's"


def test_an_activity_regarding_something_other_than_a_case_is_not_acted_on():
    context = fixture("dataverse-create-email")
    reference = next(a for a in context["InputParameters"][0]["value"]["Attributes"] if a["key"] == "regardingobjectid")
    reference["value"]["LogicalName"] = "account"
    with pytest.raises(UnhandledEvent, match="regarding a account"):
        parse(context)


def test_a_payload_over_256kb_arrives_without_its_target_and_is_still_a_case():
    """Use WebHooks: over 256 KB the header x-ms-dynamics-msg-size-exceeded is sent and ParentContext,
    InputParameters, PreEntityImages and PostEntityImages are removed; PrimaryEntityId still names the row."""
    context = fixture("dataverse-create-incident")
    for name in ("ParentContext", "InputParameters", "PreEntityImages", "PostEntityImages"):
        del context[name]
    (event,) = parse(context, {"x-ms-dynamics-msg-size-exceeded": "true"})
    assert (event.ticket_id, event.needs_lookup) == (CASE_ID, True)
    email = fixture("dataverse-create-email")
    for name in ("InputParameters", "PostEntityImages"):
        del email[name]
    (cut,) = parse(email)
    assert cut.lookup == {"activity": "email", "id": email["PrimaryEntityId"]}


def test_a_retried_delivery_has_the_same_key_and_another_operation_another():
    """Troubleshoot: on 502, 503 or 504 "the WebHook service will make one more attempt": the same operation."""
    first = parse(fixture("dataverse-create-incident"))[0].delivery_key
    again = parse(fixture("dataverse-create-incident"))[0].delivery_key
    other = fixture("dataverse-create-incident")
    other["OperationId"] = "0d1e2f3a-4b5c-ef11-8409-000d3ad1c0de"
    assert first == again != parse(other)[0].delivery_key


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'{"MessageName": "Create", "PrimaryEntityName": "incident"}',
        b'{"MessageName": "Create", "PrimaryEntityName": "incident", "PrimaryEntityId": "1)"}',
    ],
)
def test_a_context_without_a_proper_row_id_is_refused(body):
    with pytest.raises(PayloadError):
        ADAPTER.parse(body, {}, SETTINGS)


# -- the Web API ------------------------------------------------------------------------------------------------


def _run(action: dict, calls, settings=None, ticket_id=CASE_ID):
    """Apply one action against the declared calls; the requests made."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        for call in calls:
            register(mock, call)
        dynamics(**(settings or {})).apply(ticket_id, action)
        return [c.request for c in mock.calls]


def test_every_update_is_update_only_and_speaks_odata_4():
    """Update and delete table rows: a PATCH without If-Match creates the row when it does not exist (upsert);
    `If-Match: *` makes it an update only. Compose HTTP requests: OData-MaxVersion and OData-Version 4.0."""
    from tests.adapters.contract import Call

    sent = _run({"kind": "set_flag", "value": "RESTRICTED"}, (*SIGN_IN, Call("PATCH", CASE, status=204)))
    patch = sent[-1]
    assert patch.headers["If-Match"] == "*"
    assert (patch.headers["OData-MaxVersion"], patch.headers["OData-Version"]) == ("4.0", "4.0")
    assert patch.headers["Authorization"] == "Bearer eyJ0eXAiOiJKV1Qi"


def test_the_token_is_asked_for_the_environment_with_the_client_credentials_grant():
    """authenticate-oauth: a confidential client uses the scope `<environment-url>/.default`."""
    from tests.adapters.contract import Call

    sent = _run({"kind": "clear_flag"}, (*SIGN_IN, Call("PATCH", CASE, status=204)))
    form = parse_qs(sent[1].body)
    assert form["grant_type"] == ["client_credentials"]
    assert form["scope"] == ["https://council.crm11.dynamics.com/.default"]
    assert form["client_id"] == [SPEC.settings["client_id"]]


@responses.activate
def test_service_protection_429_waits_for_retry_after_and_holds_the_bucket():
    """Service protection API limits: "429 Too Many Requests" with a Retry-After of the seconds to wait; error
    0x80072322 "Number of requests exceeded the limit of 6000 over time window of 300 seconds."."""
    for call in SIGN_IN:
        register(responses, call)
    responses.patch(
        CASE,
        status=429,
        headers={"Retry-After": "37"},
        json={
            "error": {
                "code": "0x80072322",
                "message": "Number of requests exceeded the limit of 6000 over time window of 300 seconds.",
            }
        },
    )
    connection = dynamics()
    with pytest.raises(RetryLater) as first:
        connection.apply(CASE_ID, {"kind": "set_flag", "value": "RESTRICTED"})
    assert first.value.after_seconds == 37
    with pytest.raises(RetryLater) as second:
        connection.apply(CASE_ID, {"kind": "set_priority", "priority": "urgent"})
    assert second.value.after_seconds and second.value.after_seconds > 30
    assert [c.request.method for c in responses.calls].count("PATCH") == 1, "the held bucket made no second call"


@responses.activate
def test_a_refused_token_is_dead_lettered_without_the_secret():
    """Entra ID refuses a wrong client secret (401 invalid_client): retrying cannot help, and the message an admin
    reads names the call, never the secret."""
    from tests.adapters.dynamics365.spec import DISCOVERY, TOKEN

    register(responses, DISCOVERY)
    responses.post(TOKEN.url, status=401, json={"error": "invalid_client", "error_codes": [7000215]})
    with pytest.raises(PermanentFailure) as failed:
        dynamics().apply(CASE_ID, {"kind": "clear_flag"})
    assert "401" in str(failed.value) and SPEC.secrets["client_secret"] not in str(failed.value)


def test_a_task_is_upserted_under_the_outbox_key_and_queued():
    """Upsert a table row: PATCH to a URL with the key creates the row when it does not exist, so a retried action
    finds the task it made; AddToQueue takes the task as Target with its @odata.type (Use Web API actions)."""
    from tests.adapters.contract import Call

    action = {
        "kind": "create_task",
        "queue": QUEUE,
        "title": "Review restriction 7",
        "text": "Due 2027-05-24",
        "agent_id": OFFICER,
        "idempotency_key": "task:7:review:2027-05-10:abc:-:0:create_task",
    }
    made = []
    for _ in range(2):
        calls = (
            *SIGN_IN,
            Call("PATCH", re.compile(re.escape(API) + r"tasks\(.*\)"), status=204),
            Call("POST", API + f"queues({QUEUE})/Microsoft.Dynamics.CRM.AddToQueue", reply={"QueueItemId": QUEUE}),
        )
        made.append(_run(action, calls, ticket_id=None))
    first, second = made
    assert first[2].url == second[2].url, "the same task on a retry"
    assert "If-Match" not in first[2].headers
    task_id = re.search(r"tasks\((.*)\)", first[2].url).group(1)
    assert json.loads(first[2].body) == {
        "subject": "Review restriction 7",
        "description": "Due 2027-05-24",
        "ownerid@odata.bind": f"/systemusers({OFFICER})",
    }
    assert json.loads(first[3].body) == {
        "Target": {"activityid": task_id, "@odata.type": "Microsoft.Dynamics.CRM.task"}
    }


def test_a_team_is_assigned_through_teams():
    from tests.adapters.contract import Call

    sent = _run({"kind": "assign", "agent_id": f"team:{TEAM}"}, (*SIGN_IN, Call("PATCH", CASE, status=204)))
    assert json.loads(sent[-1].body) == {"ownerid@odata.bind": f"/teams({TEAM})"}


def test_an_id_that_is_not_a_guid_never_reaches_a_url():
    with pytest.raises(PermanentFailure, match="GUID"):
        dynamics().apply("1) or (1", {"kind": "set_flag", "value": "x"})


# -- who wrote, and who holds the case --------------------------------------------------------------------------

CONTACT = {
    "contactid": "2a3b4c5d-6e7f-ef11-8409-000d3ad1c0de",
    "emailaddress1": "jane.doe@example.com",
    "emailaddress2": None,
    "telephone1": "+44 1632 960123",
    "mobilephone": "+44 7700 900456",
}


def _case(owner: str, kind: str = "systemuser", **more) -> dict:
    return {
        "incidentid": CASE_ID,
        "_ownerid_value": owner,
        "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": kind,
        "customerid_contact": CONTACT,
        **more,
    }


@responses.activate
@pytest.mark.parametrize(
    "owner, kind, agent",
    [
        (OFFICER, "systemuser", OFFICER),
        (TEAM, "team", None),
        ("7b6a5948-3726-ef11-8409-000d3ad1c0de", "team", "team:7b6a5948-3726-ef11-8409-000d3ad1c0de"),
    ],
)
def test_the_lookup_reads_the_cases_owner_and_its_contacts_addresses(owner, kind, agent):
    """Retrieve with $expand of the single-valued customerid_contact; _ownerid_value's lookuplogicalname annotation
    (Prefer: odata.include-annotations) says whether a user or a team owns it. The team new cases go to is nobody."""
    from tests.adapters.dynamics365.spec import LOOKUP

    for call in SIGN_IN:
        register(responses, call)
    responses.get(LOOKUP, json=_case(owner, kind))
    found = dynamics().lookup(CASE_ID, {})
    assert found == {
        "emails": ["jane.doe@example.com"],
        "phones": ["+44 1632 960123", "+44 7700 900456"],
        "assigned_agent_id": agent,
        "helpdesk_user_id": CONTACT["contactid"],
    }
    assert "lookuplogicalname" in responses.calls[-1].request.headers["Prefer"]


EMAIL_ID = "7f6e5d4c-3b2a-ef11-8409-000d3ad1c0de"
EMAIL = (
    API + f"emails({EMAIL_ID})?%24select=directioncode%2C_regardingobjectid_value%2Cdescription&%24expand="
    "email_activity_parties%28%24select%3Dparticipationtypemask%2Caddressused%29"
)


def _email(direction: bool, regarding: str = "incident") -> dict:
    return {
        "activityid": EMAIL_ID,
        "directioncode": direction,
        "_regardingobjectid_value": CASE_ID,
        "_regardingobjectid_value@Microsoft.Dynamics.CRM.lookuplogicalname": regarding,
        "email_activity_parties": [
            {"participationtypemask": 1, "addressused": "j.doe.advocate@example.org"},
            {"participationtypemask": 2, "addressused": "Housing.Team@council.example"},
            {"participationtypemask": 3, "addressused": "councillor@council.example"},
        ],
    }


@responses.activate
def test_an_emails_sender_and_mailbox_come_from_its_activity_parties():
    """email_activity_parties (collection-valued navigation of email): participationtypemask 1 Sender, 2 To
    Recipient; addressused is the address the message used. The sender may be a representative: it comes first."""
    from tests.adapters.dynamics365.spec import LOOKUP

    for call in SIGN_IN:
        register(responses, call)
    responses.get(EMAIL, json=_email(False))
    responses.get(LOOKUP, json=_case(TEAM, "team"))
    found = dynamics().lookup(CASE_ID, {"activity": "email", "id": EMAIL_ID})
    assert found["emails"] == ["j.doe.advocate@example.org", "jane.doe@example.com"]
    assert found["addressed_inbox"] == "housing.team@council.example"
    assert found["ticket_id"] == CASE_ID


@responses.activate
@pytest.mark.parametrize(
    "direction, regarding, reason",
    [(True, "incident", "outgoing e-mail, not the customer's"), (False, "account", "an e-mail not regarding a case")],
)
def test_an_outgoing_email_or_one_on_another_record_is_ignored_after_the_lookup(direction, regarding, reason):
    """A payload cut over 256 KB carries neither direction nor regarding: the lookup decides it."""
    for call in SIGN_IN:
        register(responses, call)
    responses.get(EMAIL, json=_email(direction, regarding))
    assert dynamics().lookup(EMAIL_ID, {"activity": "email", "id": EMAIL_ID})["ignore_reason"] == reason


@responses.activate
@pytest.mark.parametrize("state, open_", [(0, True), (1, False), (2, False)])
def test_the_holder_is_the_owner_of_an_active_case(state, open_):
    """incident.statecode 0 Active, 1 Resolved, 2 Cancelled: only an active case is reassigned."""
    for call in SIGN_IN:
        register(responses, call)
    responses.get(CASE + "?%24select=_ownerid_value%2Cstatecode", json=_case(OFFICER, statecode=state))
    held = dynamics().holder(CASE_ID)
    assert (held.agent_id, held.open) == (OFFICER, open_)


# -- every request against Microsoft's table metadata ---------------------------------------------------------

ENTITY_SETS = {spec["entity_set"]: name for name, spec in METADATA.items()}
CUSTOM = re.compile(r"^[a-z][a-z0-9]*_[a-z0-9_]+$")


def _requests_made() -> list:
    """What every action, the lookups and the holder send, against the contract's declared replies."""
    from tests.adapters.dynamics365.spec import LOOKUP

    sent = []
    for case in SPEC.outbound:
        sent += _run(case.action, case.calls)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for call in SIGN_IN:
            register(mock, call)
        mock.get(LOOKUP, json=_case(OFFICER))
        mock.get(EMAIL, json=_email(False))
        mock.get(CASE + "?%24select=_ownerid_value%2Cstatecode", json=_case(OFFICER, statecode=0))
        mock.add("PATCH", re.compile(re.escape(API) + r"tasks\(.*\)"), status=204)
        mock.post(API + f"queues({QUEUE})/Microsoft.Dynamics.CRM.AddToQueue", json={"QueueItemId": QUEUE})
        connection = dynamics()
        connection.lookup(CASE_ID, {"activity": "email", "id": EMAIL_ID})
        connection.holder(CASE_ID)
        connection.apply(None, {"kind": "create_task", "queue": QUEUE, "title": "t", "text": "x", "agent_id": OFFICER})
        sent += [c.request for c in mock.calls]
    return [r for r in sent if r.url.startswith(API)]


def _known(entity: str, name: str) -> bool:
    spec = METADATA[entity]
    return name in spec["properties"] or bool(CUSTOM.match(name) and not name.startswith("_"))


def _check_expand(entity: str, expand: str) -> list[str]:
    problems = []
    for part in re.findall(r"(\w+)\(\$select=([^)]*)\)", expand):
        navigation, columns = part
        single = METADATA[entity].get("single_valued_navigation", {})
        collection = METADATA[entity].get("collection_valued_navigation", {})
        if navigation in single:
            target = single[navigation][0]
        elif navigation in collection:
            target = collection[navigation]
        else:
            problems.append(f"{entity} has no navigation property {navigation}")
            continue
        problems += [f"{target} has no column {c}" for c in columns.split(",") if not _known(target, c)]
    return problems


def _check(request) -> list[str]:
    parts = urlsplit(request.url)
    path = unquote(parts.path)[len(urlsplit(API).path) :]
    found = re.match(r"^(\w+)(?:\(([0-9a-f-]{36})\))?(?:/Microsoft\.Dynamics\.CRM\.(\w+))?$", path)
    if not found or found.group(1) not in ENTITY_SETS:
        return [f"unknown entity set in {path}"]
    entity, action = ENTITY_SETS[found.group(1)], found.group(3)
    problems = []
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    problems += [
        f"{entity} has no column {c}" for c in query.get("$select", "").split(",") if c and not _known(entity, c)
    ]
    problems += _check_expand(entity, query.get("$expand", ""))
    for column in re.findall(r"(_?\w+) eq ", query.get("$filter", "")):
        problems += [] if _known(entity, column) else [f"{entity} has no column {column} to filter on"]
    if action:
        if action not in METADATA[entity].get("bound_actions", {}):
            return problems + [f"{action} is not bound to {entity}"]
        body = json.loads(request.body)
        problems += [
            f"{action} has no parameter {p}" for p in body if p not in METADATA[entity]["bound_actions"][action]
        ]
        target = body["Target"]
        kind = target["@odata.type"].rsplit(".", 1)[-1]
        problems += [] if METADATA[kind]["key"] in target else [f"the Target {kind} lacks its key"]
        return problems
    for name in json.loads(request.body) if request.body else {}:
        if name.endswith("@odata.bind"):
            navigation = name[: -len("@odata.bind")]
            if navigation not in METADATA[entity].get("single_valued_navigation", {}):
                problems.append(f"{entity} has no single-valued navigation property {navigation}")
        elif not _known(entity, name):
            problems.append(f"{entity} has no column {name}")
    return problems


def test_every_request_names_tables_columns_and_navigation_properties_the_metadata_has():
    """Each entity set, $select/$filter column, $expand and @odata.bind navigation property, and bound action
    parameter contactguard sends exists in Microsoft's published table metadata (dataverse-metadata.json); custom
    columns are the council's own (a publisher prefix and an underscore)."""
    made = _requests_made()
    assert len(made) >= 15
    assert [p for r in made for p in _check(r)] == []


def test_the_metadata_check_catches_a_wrong_name():
    """The check fails on the names this adapter could plausibly get wrong."""
    import requests

    wrong = [
        requests.Request("PATCH", CASE, json={"owner@odata.bind": "/systemusers(x)"}).prepare(),
        requests.Request("POST", API + "annotations", json={"objectid@odata.bind": "/incidents(x)"}).prepare(),
        requests.Request(
            "GET", API + "emails(" + EMAIL_ID + ")", params={"$expand": "activity_parties($select=addressused)"}
        ).prepare(),
        requests.Request("GET", CASE, params={"$select": "ownerid"}).prepare(),
        requests.Request("POST", API + "notes", json={"notetext": "x"}).prepare(),
    ]
    assert all(_check(r) for r in wrong)
