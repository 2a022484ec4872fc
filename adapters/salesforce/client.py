"""Outbound calls to Salesforce's REST API: sObject rows (Case, CaseComment, Task) and SOQL queries.

Every call goes through adapters/http.py (public addresses only, timeouts, statuses mapped to retry or
dead-letter) and the org's token bucket (adapters/ratelimit.py). Salesforce's own answers come first:
- 403 REQUEST_LIMIT_EXCEEDED ("you've exceeded API request limits in your org", with no Retry-After): the
  bucket is held and the action waits, without counting as an attempt;
- Sforce-Limit-Info (`api-usage=used/allocation`, on every response): at api_usage_ceiling percent the
  bucket is held the same way, leaving the rest of the daily allocation to the council's other integrations;
- 401 INVALID_SESSION_ID ("The session ID or OAuth token used has expired or is invalid"): a new token, once.

Case updates send `Sforce-Auto-Assign: FALSE`: "If the header is not provided in the request, the default
value is TRUE", and the org's assignment rules would move a case contactguard has just routed.

The token comes from auth.py (client credentials or JWT bearer).

Why not simple-salesforce: its calls bypass adapters/http.py (no pacing, no Retry-After, exceptions without
the response's headers), it logs in inside its constructor, its SFType re-login retry does not carry its retry
count (a session that stays invalid loops), and it brings zeep and lxml for the Metadata API. What is left here
is six REST resources and a token request.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from urllib.parse import urlsplit

import requests

from ..base import TICKET_ACTIONS, ActionClient, Holder
from ..errors import ConnectionCheckFailed, PermanentFailure, RetryLater
from ..http import check_connection, make_session, next_link, send
from ..ratelimit import bucket_for
from .auth import TOKEN_PATH, TokenSource, grant, organization_of
from .schemas import RECORD_ID

log = logging.getLogger(__name__)

LIMIT_PAUSE_SECONDS = 900.0  # the allocation is a rolling 24 hours: look again in a quarter of an hour
USAGE = re.compile(r"api-usage=(\d+)/(\d+)")
COMMENT_BYTES = 4000  # "The maximum size of the comment body is 4,000 bytes."
SUBJECT_CHARACTERS = 255  # Task.Subject


class _SessionExpired(Exception):
    """Salesforce answered 401: the token's session ended (timed out, or revoked)."""


def record_id(value) -> str:
    """A Salesforce id as a path segment; PermanentFailure for anything else (never a path of our making)."""
    text = str(value or "")
    if not RECORD_ID.match(text):
        raise PermanentFailure(f"not a Salesforce record id: {text[:40]!r}")
    return text


def soql_literal(value: str) -> str:
    """A SOQL string literal: quotes and backslashes escaped as SOQL's reference says."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
    return f"'{escaped}'"


def error_codes(response: requests.Response) -> set[str]:
    """The errorCode values of a REST error body ([{"message": ..., "errorCode": ...}])."""
    try:
        body = response.json()
    except ValueError:
        return set()
    items = body if isinstance(body, list) else [body]
    return {str(item.get("errorCode")) for item in items if isinstance(item, dict) and item.get("errorCode")}


def within_comment(text: str, marker: str) -> str:
    """The note within CaseComment's 4,000 bytes, its marker kept at the end (the marker is what dedupes)."""
    if len(text.encode()) <= COMMENT_BYTES:
        return text
    room = COMMENT_BYTES - len(marker.encode()) - len("…\n\n".encode())
    body = text.removesuffix(marker).encode()[:room].decode(errors="ignore")
    return f"{body}…\n\n{marker}"


class SalesforceClient(ActionClient):
    """Applies contactguard's actions to one Salesforce org's cases."""

    label = "salesforce"
    actions = TICKET_ACTIONS

    def __init__(self, settings: dict, secrets: dict):
        self.settings, self.secrets = settings, secrets
        self.instance = settings["base_url"].rstrip("/")
        self.host = urlsplit(self.instance).hostname or ""
        self.api = f"{self.instance}/services/data/v{settings.get('api_version') or '67.0'}/"
        self.session = make_session(headers={"Accept": "application/json"}, settings=settings)
        per_minute = settings.get("rate_limit_per_minute") or 100
        self.bucket = bucket_for(f"salesforce:{self.host}", rate=per_minute / 60, burst=5)
        self.tokens = TokenSource(self.instance + TOKEN_PATH, settings, secrets, self.session, self.bucket)

    # --- every REST call --------------------------------------------------------------------------------------

    def _answer(self, response: requests.Response, *args, **kwargs) -> requests.Response:
        """Salesforce's own answers, before http.send maps the status (a requests response hook)."""
        self._note_usage(response.headers.get("Sforce-Limit-Info"))
        if response.status_code == 403 and "REQUEST_LIMIT_EXCEEDED" in error_codes(response):
            self.bucket.hold_for(LIMIT_PAUSE_SECONDS)
            log.warning("salesforce host=%s: REQUEST_LIMIT_EXCEEDED, calls paused", self.host)
            raise RetryLater(
                "Salesforce answered 403 REQUEST_LIMIT_EXCEEDED (the org's API request limit)",
                LIMIT_PAUSE_SECONDS,
                counts_as_attempt=False,
            )
        if response.status_code == 401:
            raise _SessionExpired()
        return response

    def _note_usage(self, limit_info: str | None) -> None:
        """Sforce-Limit-Info: pause this org's calls at the ceiling (a percent of the daily allocation)."""
        found = USAGE.search(limit_info or "")
        if not found:
            return
        used, allocation = int(found.group(1)), int(found.group(2))
        ceiling = self.settings.get("api_usage_ceiling") or 100
        if allocation and used * 100 >= allocation * ceiling:
            self.bucket.hold_for(LIMIT_PAUSE_SECONDS)
            log.warning(
                "salesforce host=%s: API usage %d/%d at the %d%% ceiling, calls paused",
                self.host,
                used,
                allocation,
                ceiling,
            )

    def _rest(self, method: str, path: str, headers: dict | None = None, **kwargs) -> requests.Response:
        """One REST call with the bearer token; after a 401 a new token is tried once."""
        url = path if path.startswith("https://") else self.api + path
        for _ in range(2):
            token = self.tokens.token()
            try:
                return send(
                    self.session,
                    method,
                    url,
                    bucket=self.bucket,
                    headers={"Authorization": f"Bearer {token}", **(headers or {})},
                    hooks={"response": [self._answer]},
                    **kwargs,
                )
            except _SessionExpired:
                self.tokens.forget(token)
        raise PermanentFailure(f"{method} {url}: HTTP 401 with a new token too (check the integration user)")

    def _query(self, soql: str) -> list[dict]:
        """Every record a SOQL query returns, following nextRecordsUrl (on the org's own host only)."""
        page = self._rest("GET", "query/", params={"q": soql}).json()
        records = list(page.get("records") or [])
        while not page.get("done", True) and page.get("nextRecordsUrl"):
            url = next_link(self.instance + str(page["nextRecordsUrl"]), self.host)
            page = self._rest("GET", str(url)).json()
            records += page.get("records") or []
        return records

    def _case(self, ticket_id, fields: dict) -> None:
        """Update the Case (204, no body); the org's assignment rules are not run."""
        self._rest(
            "PATCH", f"sobjects/Case/{record_id(ticket_id)}", json=fields, headers={"Sforce-Auto-Assign": "FALSE"}
        )

    def _case_fields(self, ticket_id, names: str) -> dict:
        return self._rest("GET", f"sobjects/Case/{record_id(ticket_id)}", params={"fields": names}).json()

    # --- the actions ------------------------------------------------------------------------------------------

    def _do_set_flag(self, ticket_id, action) -> None:
        self._case(ticket_id, {self.settings["restriction_field"]: action["value"]})

    def _do_clear_flag(self, ticket_id, action) -> None:
        self._case(ticket_id, {self.settings["restriction_field"]: None})

    def _tags(self, ticket_id) -> list[str]:
        field = self.settings["tags_field"]
        value = self._case_fields(ticket_id, field).get(field) or ""
        return [tag.strip() for tag in value.split(";") if tag.strip()]

    def _do_add_tags(self, ticket_id, action) -> None:
        """No tags on a Case: a text field of ;-separated values (a multi-select picklist's format), merged."""
        current = self._tags(ticket_id)
        merged = current + [t for t in action["tags"] if t not in current]
        if merged != current:
            self._case(ticket_id, {self.settings["tags_field"]: ";".join(merged)})

    def _do_remove_tags(self, ticket_id, action) -> None:
        current = self._tags(ticket_id)
        kept = [t for t in current if t not in action["tags"]]
        if kept != current:
            self._case(ticket_id, {self.settings["tags_field"]: ";".join(kept) or None})

    def _do_add_note(self, ticket_id, action) -> None:
        """A CaseComment with IsPublished false ("visible to customers in the Self-Service portal (true) or not
        (false)"): agents see it in the case's comments and feed, the customer never does."""
        case_id = record_id(ticket_id)
        comments = self._query(f"SELECT CommentBody FROM CaseComment WHERE ParentId = {soql_literal(case_id)}")
        if any(action["marker"] in (c.get("CommentBody") or "") for c in comments):
            return
        body = within_comment(action["text"], action["marker"])
        self._rest(
            "POST", "sobjects/CaseComment", json={"ParentId": case_id, "CommentBody": body, "IsPublished": False}
        )

    def holder(self, ticket_id: str) -> Holder:
        """The Case's owner when a user (a queue holds for nobody), and open until IsClosed."""
        case = self._case_fields(ticket_id, "OwnerId,IsClosed")
        owner = str(case.get("OwnerId") or "")
        return Holder(owner if owner.startswith("005") else None, not case.get("IsClosed"))

    def _do_assign(self, ticket_id, action) -> None:
        self._case(ticket_id, {"OwnerId": record_id(action["agent_id"])})

    def _do_move_queue(self, ticket_id, action) -> None:
        """A queue owns the case (OwnerId 00G...): it shows in the queue's list view."""
        self._case(ticket_id, {"OwnerId": record_id(action["queue"])})

    def _do_set_status(self, ticket_id, action) -> None:
        self._case(ticket_id, {"Status": action["status"]})

    def _do_set_priority(self, ticket_id, action) -> None:
        """Case Priority ("such as High, Medium, or Low"): High unless the connection names another value."""
        self._case(ticket_id, {"Priority": self.settings.get("escalation_priority") or "High"})

    def _do_create_task(self, ticket_id, action) -> None:
        """A Task for the officer (or review_queue's user), due today; not made twice while one is open."""
        owner = record_id(action.get("agent_id") or action["queue"])
        subject = action["title"][:SUBJECT_CHARACTERS]
        open_tasks = self._query(
            f"SELECT Id FROM Task WHERE OwnerId = {soql_literal(owner)} AND Subject = {soql_literal(subject)} "
            "AND IsClosed = false LIMIT 1"
        )
        if open_tasks:
            return
        task = {
            "OwnerId": owner,
            "Subject": subject,
            "Description": action["text"],
            "ActivityDate": dt.date.today().isoformat(),
        }
        self._rest("POST", "sobjects/Task", json=task)

    # --- test before save -------------------------------------------------------------------------------------

    def test_connection(self) -> None:
        """One token request: the My Domain answers, the app accepts the credentials, and they are this org's."""
        credentials = "private_key" if self.settings.get("auth_flow") == "jwt_bearer" else "client_secret"
        try:
            form = grant(self.settings, self.secrets)
        except PermanentFailure as exc:
            raise ConnectionCheckFailed("invalid_auth", str(exc), credentials) from None
        refused = (
            "invalid_auth",
            "Salesforce refused the credentials (invalid_client or invalid_grant): check the consumer key, the "
            "flow enabled on the External Client App and its run-as user",
            credentials,
        )
        response = check_connection(
            lambda: self.session.post(self.instance + TOKEN_PATH, data=form),
            label="Salesforce",
            where="base_url",
            credentials=credentials,
            extra={400: refused},
        )
        org = organization_of(response.json().get("id"))
        if org[:15] != str(self.settings.get("organization_id") or "")[:15]:
            raise ConnectionCheckFailed(
                "wrong_organization",
                f"these credentials belong to organization {org or 'unknown'}, not the organization_id set",
                "organization_id",
            )
