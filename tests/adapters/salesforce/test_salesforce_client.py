"""Salesforce REST out: each test names the documented behaviour it checks.

Sources: REST API Developer Guide v67.0 ("Update a Record", "Create a Record", "Status Codes and Error
Responses", "Limit Info Header", "Assignment Rule Header"), Object Reference (CaseComment, Case, Task),
Connect REST API quick start (the client credentials token request and answer), and the requests of
Salesforce's Postman collection trimmed in postman-requests.json."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import responses
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.errors import ConnectionCheckFailed, PermanentFailure, RetryLater
from adapters.salesforce.adapter import SalesforceAdapter
from adapters.salesforce.client import COMMENT_BYTES, LIMIT_PAUSE_SECONDS
from tests.adapters.salesforce.spec import (
    API,
    CASE,
    CASE_ID,
    COMMENTS,
    CREATED,
    INSTANCE,
    NO_RECORDS,
    OFFICER,
    SPEC,
    TOKEN,
    TOKEN_REPLY,
    query,
)

HERE = Path(__file__).parent
ADAPTER = SalesforceAdapter()
POSTMAN = json.loads((HERE / "postman-requests.json").read_text())
SECRETS = ADAPTER.secrets_schema().load(SPEC.secrets)
EXPIRED = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
LIMITED = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
NOTE = {"kind": "add_note", "text": "note\n\n[contactguard] ref k1", "marker": "[contactguard] ref k1"}


def register(mock, call) -> None:
    """Answer `call` as Salesforce would (tests/adapters/test_contract.py's helper, without its registry scan)."""
    if call.status == 204:
        mock.add(call.method, call.url, body="", status=204)
    else:
        mock.add(call.method, call.url, json=call.reply if call.reply is not None else {}, status=call.status)


def client(**settings):
    loaded = ADAPTER.settings_schema().load({**SPEC.settings, **settings})
    return ADAPTER.client(loaded, SECRETS)


def token(mock, reply=None):
    mock.add("POST", TOKEN, json=reply or TOKEN_REPLY)


# --- the documented headers and limits ------------------------------------------------------------------------


@responses.activate
def test_case_updates_do_not_run_the_orgs_assignment_rules():
    """Assignment Rule Header: "If the header is not provided in the request, the default value is TRUE": every
    Case PATCH says Sforce-Auto-Assign: FALSE, or the org's rules would move the case from the officer."""
    token(responses)
    responses.add("PATCH", CASE, status=204)
    client().apply(CASE_ID, {"kind": "assign", "agent_id": OFFICER})
    patch = responses.calls[1].request
    assert patch.headers["Sforce-Auto-Assign"] == "FALSE"
    assert patch.headers["Authorization"] == f"Bearer {TOKEN_REPLY['access_token']}"


@responses.activate
def test_request_limit_exceeded_pauses_the_orgs_calls_without_spending_attempts():
    """403: "If the error code is REQUEST_LIMIT_EXCEEDED, you've exceeded API request limits in your org" (no
    Retry-After): the action waits, not counted as an attempt, and the next one is not even tried."""
    token(responses)
    responses.add("PATCH", CASE, status=403, json=LIMITED)
    with pytest.raises(RetryLater) as limited:
        client().apply(CASE_ID, {"kind": "set_priority"})
    assert limited.value.after_seconds == LIMIT_PAUSE_SECONDS and not limited.value.counts_as_attempt
    made = len(responses.calls)
    with pytest.raises(RetryLater) as paused:
        client().apply(CASE_ID, {"kind": "set_priority"})
    assert not paused.value.counts_as_attempt and len(responses.calls) == made


@responses.activate
def test_a_403_for_permissions_is_not_a_limit_and_is_dead_lettered():
    """403 "The request has been refused. Verify that the logged-in user has appropriate permissions"."""
    token(responses)
    responses.add("PATCH", CASE, status=403, json=[{"message": "no access", "errorCode": "INSUFFICIENT_ACCESS"}])
    with pytest.raises(PermanentFailure):
        client().apply(CASE_ID, {"kind": "set_priority"})


@pytest.mark.parametrize("used, paused", [(94_999, False), (95_000, True)])
@responses.activate
def test_the_limit_info_header_pauses_calls_at_the_ceiling(used, paused):
    """Sforce-Limit-Info: "api-usage—Specifies the daily API usage for the organization ... The first number is
    the number of API calls used, and the second number is the API limit": at api_usage_ceiling percent the org's
    calls pause, leaving the rest of the allocation to the council's other integrations."""
    token(responses)
    responses.add("PATCH", CASE, status=204, headers={"Sforce-Limit-Info": f"api-usage={used}/100000"})
    sf = client(api_usage_ceiling=95)
    sf.apply(CASE_ID, {"kind": "set_priority"})
    if paused:
        with pytest.raises(RetryLater):
            sf.apply(CASE_ID, {"kind": "set_priority"})
        assert len(responses.calls) == 2
    else:
        sf.apply(CASE_ID, {"kind": "set_priority"})
        assert len(responses.calls) == 3


@responses.activate
def test_an_expired_session_gets_a_new_token_once():
    """401: "The session ID or OAuth token used has expired or is invalid": a new token, and the call again."""
    token(responses)
    responses.add("PATCH", CASE, status=401, json=EXPIRED)
    responses.add("PATCH", CASE, status=204)
    client().apply(CASE_ID, {"kind": "set_priority"})
    assert [c.request.method for c in responses.calls] == ["POST", "PATCH", "POST", "PATCH"]


@responses.activate
def test_a_session_refused_with_a_new_token_too_is_dead_lettered():
    token(responses)
    responses.add("PATCH", CASE, status=401, json=EXPIRED)
    with pytest.raises(PermanentFailure, match="401"):
        client().apply(CASE_ID, {"kind": "set_priority"})
    assert len(responses.calls) == 4, "one new token, then no more"


@responses.activate
def test_a_ticket_id_that_is_not_a_record_id_is_never_put_in_a_path():
    with pytest.raises(PermanentFailure, match="record id"):
        client().apply("../../limits", {"kind": "set_priority"})
    assert all(c.request.method == "POST" for c in responses.calls), "no REST call was made"


# --- authentication -------------------------------------------------------------------------------------------


@responses.activate
def test_the_client_credentials_token_request_is_the_documented_one():
    """Connect REST API quick start: POST https://<MyDomain>.my.salesforce.com/services/oauth2/token with
    grant_type=client_credentials, client_id and client_secret."""
    token(responses)
    responses.add("PATCH", CASE, status=204)
    client().apply(CASE_ID, {"kind": "set_priority"})
    form = parse_qs(responses.calls[0].request.body)
    assert form == {
        "grant_type": ["client_credentials"],
        "client_id": [SPEC.secrets["client_id"]],
        "client_secret": [SPEC.secrets["client_secret"]],
    }


@responses.activate
def test_the_jwt_bearer_assertion_carries_the_documented_claims():
    """JWT bearer flow: grant_type urn:ietf:params:oauth:grant-type:jwt-bearer and an RS256 assertion with iss (the
    consumer key), sub (the username), aud (login.salesforce.com, or test. for a sandbox) and a near exp."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    settings = ADAPTER.settings_schema().load(
        {**SPEC.settings, "auth_flow": "jwt_bearer", "jwt_username": "contactguard@council.example"}
    )
    secrets = ADAPTER.secrets_schema().load({"client_id": "3MVG9key", "private_key": pem.decode()})
    token(responses)
    responses.add("PATCH", CASE, status=204)
    with time_machine.travel(dt.datetime(2026, 11, 24, 12, tzinfo=dt.timezone.utc), tick=False):
        ADAPTER.client(settings, secrets).apply(CASE_ID, {"kind": "set_priority"})
        form = parse_qs(responses.calls[0].request.body)
        assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
        claims = jwt.decode(
            form["assertion"][0], key.public_key(), algorithms=["RS256"], audience="https://login.salesforce.com"
        )
    assert (claims["iss"], claims["sub"]) == ("3MVG9key", "contactguard@council.example")
    assert 0 < claims["exp"] - dt.datetime(2026, 11, 24, 12, tzinfo=dt.timezone.utc).timestamp() <= 300


def test_a_jwt_flow_without_a_username_is_refused_at_set_up():
    from marshmallow import ValidationError

    with pytest.raises(ValidationError, match="jwt_username"):
        ADAPTER.settings_schema().load({**SPEC.settings, "auth_flow": "jwt_bearer"})


@responses.activate
def test_test_before_save_refuses_rejected_credentials():
    """The token endpoint answers 400 with error invalid_client (or invalid_grant) for credentials it refuses."""
    responses.add("POST", TOKEN, status=400, json={"error": "invalid_client", "error_description": "invalid client"})
    with pytest.raises(ConnectionCheckFailed) as failed:
        client().test_connection()
    assert (failed.value.code, failed.value.field) == ("invalid_auth", "client_secret")


@responses.activate
def test_test_before_save_refuses_another_orgs_credentials():
    """The token answer's id is https://login.salesforce.com/id/<org id>/<user id>: credentials of another org
    would make every outbound message's OrganizationId look forged."""
    responses.add("POST", TOKEN, json={**TOKEN_REPLY, "id": "https://login.salesforce.com/id/00D5g000001XyZw/005x"})
    with pytest.raises(ConnectionCheckFailed) as failed:
        client().test_connection()
    assert (failed.value.code, failed.value.field) == ("wrong_organization", "organization_id")


@responses.activate
def test_test_before_save_without_the_flows_secret_calls_nobody():
    settings = ADAPTER.settings_schema().load(SPEC.settings)
    sf = ADAPTER.client(settings, {"client_id": "3MVG9key"})
    with pytest.raises(ConnectionCheckFailed, match="client_secret"):
        sf.test_connection()
    assert len(responses.calls) == 0


# --- notes, tasks, holder -------------------------------------------------------------------------------------


@responses.activate
def test_a_note_already_on_the_case_is_not_posted_again_even_on_a_later_page():
    """Query: "If the query results are too large, the response contains the first batch of results and a query
    identifier in the nextRecordsUrl field"; the marker is looked for on every page."""
    token(responses)
    next_url = "/services/data/v67.0/query/01gD0000002HU6KIAW-2000"
    responses.add("GET", COMMENTS, json={"totalSize": 2, "done": False, "nextRecordsUrl": next_url, "records": [{}]})
    responses.add("GET", INSTANCE + next_url, json={"done": True, "records": [{"CommentBody": NOTE["text"]}]})
    client().apply(CASE_ID, NOTE)
    assert [c.request.method for c in responses.calls] == ["POST", "GET", "GET"], "found: nothing posted"


@responses.activate
def test_a_next_page_on_another_host_is_not_followed():
    token(responses)
    responses.add(
        "GET",
        COMMENTS,
        json={"done": False, "nextRecordsUrl": "@evil.example/services/data/v67.0/query/x", "records": []},
    )
    with pytest.raises(PermanentFailure, match="another host"):
        client().apply(CASE_ID, NOTE)


@responses.activate
def test_a_long_note_is_cut_to_the_comment_limit_keeping_its_marker():
    """CaseComment.CommentBody: "The maximum size of the comment body is 4,000 bytes."; IsPublished false: "not
    visible to customers in the Self-Service portal"."""
    token(responses)
    responses.add("GET", COMMENTS, json=NO_RECORDS)
    responses.add("POST", API + "sobjects/CaseComment", status=201, json=CREATED)
    long_note = {**NOTE, "text": "é" * 3000 + "\n\n" + NOTE["marker"]}
    client().apply(CASE_ID, long_note)
    posted = json.loads(responses.calls[2].request.body)
    assert len(posted["CommentBody"].encode()) <= COMMENT_BYTES
    assert posted["CommentBody"].endswith(NOTE["marker"]) and posted["IsPublished"] is False


@responses.activate
def test_a_review_task_is_not_made_twice_while_one_is_open():
    token(responses)
    task_query = query(
        f"SELECT Id FROM Task WHERE OwnerId = '{OFFICER}' AND Subject = 'Review' AND IsClosed = false LIMIT 1"
    )
    responses.add("GET", task_query, json={"totalSize": 1, "done": True, "records": [{"Id": "00T8d00000Ab1CdAAJ"}]})
    client().apply(None, {"kind": "create_task", "queue": OFFICER, "title": "Review", "text": "Review it"})
    assert [c.request.method for c in responses.calls] == ["POST", "GET"]


@responses.activate
def test_a_review_task_is_due_today_and_its_subject_is_quoted_in_soql():
    """Task: ActivityDate is "Due Date Only"; a quote in a SOQL string literal is escaped with a backslash."""
    token(responses)
    title = "Review O'Brien's restriction"
    escaped = "Review O\\'Brien\\'s restriction"
    responses.add(
        "GET",
        query(
            f"SELECT Id FROM Task WHERE OwnerId = '{OFFICER}' AND Subject = '{escaped}' AND IsClosed = false LIMIT 1"
        ),
        json=NO_RECORDS,
    )
    responses.add("POST", API + "sobjects/Task", status=201, json=CREATED)
    with time_machine.travel(dt.date(2027, 5, 10), tick=False):
        client().apply(None, {"kind": "create_task", "queue": OFFICER, "title": title, "text": "Review it"})
    task = json.loads(responses.calls[2].request.body)
    assert task == {"OwnerId": OFFICER, "Subject": title, "Description": "Review it", "ActivityDate": "2027-05-10"}


@pytest.mark.parametrize(
    "case, held_by, assigned",
    [
        ({"OwnerId": "0058d00000Old00AAJ", "IsClosed": False}, "0058d00000Old00AAJ", True),
        ({"OwnerId": "0058d00000Othr0AAJ", "IsClosed": False}, None, False),
        ({"OwnerId": "0058d00000Old00AAJ", "IsClosed": True}, None, False),
        ({"OwnerId": "00G8d000004Hs9yEAC", "IsClosed": False}, None, False),
    ],
    ids=["held-open", "someone-else", "closed", "a-queue"],
)
@responses.activate
def test_a_conditional_reassignment_moves_only_a_case_the_old_officer_still_holds_open(case, held_by, assigned):
    """Case.OwnerId "Refers To Group, User", IsClosed "Indicates whether the case is closed (true) or open"."""
    token(responses)
    responses.add("GET", CASE + "?fields=OwnerId%2CIsClosed", json={**case, "Id": CASE_ID})
    responses.add("PATCH", CASE, status=204)
    client().apply(CASE_ID, {"kind": "assign", "agent_id": OFFICER, "only_from": "0058d00000Old00AAJ"})
    assert any(c.request.method == "PATCH" for c in responses.calls) is assigned


# --- the requests against Salesforce's Postman collection -------------------------------------------------------


def _template(entry: dict) -> re.Pattern:
    """A Postman URL as a pattern: variables as what they stand for, the query string left to the caller."""
    url = entry["url"].split("?")[0]
    url = re.escape(url)
    for variable, meaning in (
        (re.escape("{{_endpoint}}"), re.escape(INSTANCE)),
        (re.escape("{{url}}{{site}}"), re.escape(INSTANCE)),
        (re.escape("{{version}}"), r"\d+\.0"),
        (re.escape("<SOBJECT_API_NAME>"), r"[A-Za-z]+"),
        (re.escape("<RECORD_ID>"), r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?"),
    ):
        url = url.replace(variable, meaning)
    return re.compile(url + r"\Z")


def _matching(request) -> dict:
    """The Postman request a request made is an instance of (or the documented client credentials request)."""
    path_only = request.url.split("?")[0]
    form = parse_qs(request.body) if request.method == "POST" and path_only == TOKEN else {}
    candidates = POSTMAN["requests"] + [POSTMAN["client_credentials_request"]]
    for entry in candidates:
        if entry["method"] != request.method or not _template(entry).match(path_only):
            continue
        if entry.get("dataMode") == "urlencoded":
            grant = next(d["value"] for d in entry["data"] if d["key"] == "grant_type")
            if form.get("grant_type") != [grant]:
                continue
        return entry
    raise AssertionError(f"no request of Salesforce's Postman collection is {request.method} {request.url}")


def _check_against(entry: dict, request) -> None:
    if entry.get("dataMode") == "urlencoded":
        assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert {d["key"] for d in entry["data"]} == set(parse_qs(request.body))
        return
    assert request.headers["Authorization"].startswith("Bearer ")
    if entry.get("dataMode") == "raw":
        assert request.headers["Content-Type"] == "application/json"
        json.loads(request.body)
    for param in entry.get("queryParams") or []:
        assert param["key"] in parse_qs(urlsplit(request.url).query)


CASES = [(f"outbound-{i}-{o.action['kind']}", o.action, o.calls) for i, o in enumerate(SPEC.outbound)]
CASES.append(("restricted-customer", None, SPEC.restricted_calls))


@pytest.mark.parametrize("name, action, calls", CASES, ids=[c[0] for c in CASES])
def test_every_request_is_one_of_the_postman_collections_requests(name, action, calls):
    """Each request the client makes (method, URL, headers, body form) instantiates a request of Salesforce's
    Postman collection for its REST API, or the documented client credentials token request."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        for call in calls:
            register(mock, call)
        sf = client()
        actions = [action] if action else _restricted_actions()
        for each in actions:
            sf.apply(CASE_ID if each["kind"] != "create_task" else None, each)
        for sent in mock.calls:
            _check_against(_matching(sent.request), sent.request)


def _restricted_actions() -> list[dict]:
    """The four actions a restricted customer's new case gets (spec.restricted_calls), as the outbox sends them."""
    flag = json.loads(json.dumps(SPEC.restricted_calls[1].body))["Contact_Restriction__c"]
    return [
        {"kind": "set_flag", "value": flag},
        {"kind": "add_tags", "tags": ["cg-restricted"]},
        {"kind": "assign", "agent_id": OFFICER},
        {"kind": "add_note", "text": "note\n\n[contactguard] ref r1", "marker": "[contactguard] ref r1"},
    ]


def test_the_trimmed_collection_keeps_its_sources():
    """Every kept request names the file and commit of forcedotcom/postman-salesforce-apis it was taken from."""
    assert all(re.fullmatch(r"src/collections/\S+\.json@[0-9a-f]{40}", r["source"]) for r in POSTMAN["requests"])
    assert {r["name"] for r in POSTMAN["requests"]} >= {
        "SObject Rows",
        "SObject Rows Update",
        "SObject Create",
        "Query",
    }
