"""Outbound calls to the Dataverse Web API (OData v4, /api/data/v9.2/) as the environment's application user.

Tokens come from Microsoft Entra ID through msal's client credentials flow (scope `<environment>/.default`);
msal's own requests go through the same session factory and error mapping as every other call, so a 429 or an
outage at the token endpoint is retried later like one at the Web API. Dataverse answers its service protection
limits with 429 and Retry-After (adapters/http.py honours it; adapters/ratelimit.py paces the calls).

Every PATCH carries `If-Match: *`: without it a PATCH to a row that no longer exists would create one (upsert).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import msal  # type: ignore[import-untyped]  # msal ships no type information (no py.typed, no stubs)

from ..base import TICKET_ACTIONS, ActionClient, ActionKind, Holder
from ..errors import PermanentFailure
from ..http import check_connection, make_session, next_link, send
from ..ratelimit import bucket_for

API_PATH = "/api/data/v9.2/"
LOGIN = "https://login.microsoftonline.com/"
ODATA_HEADERS = {"Accept": "application/json", "OData-MaxVersion": "4.0", "OData-Version": "4.0"}
UPDATE_ONLY = {"If-Match": "*"}
PAGE = {"Prefer": "odata.maxpagesize=100"}
TAG_SEPARATOR = "; "
# activityparty.participationtypemask: 1 Sender, 2 ToRecipient (the ActivityParty table reference).
SENDER, TO_RECIPIENT = 1, 2
INCIDENT_ACTIVE = 0  # incident.statecode 0 Active (1 Resolved, 2 Cancelled)
LOGICAL_NAMES = {"Prefer": 'odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname"'}
OWNER_TYPE = "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"


class MsalHttp:
    """msal's http_client: its GET and POST through our session and send(), so errors map the same way."""

    def __init__(self, session):
        self.session = session

    def get(self, url, params=None, headers=None, **kwargs):
        return send(self.session, "GET", url, params=params, headers=headers, **kwargs)

    def post(self, url, params=None, data=None, headers=None, **kwargs):
        return send(self.session, "POST", url, params=params, data=data, headers=headers, **kwargs)

    def close(self) -> None:
        self.session.close()


class DynamicsClient(ActionClient):
    """Applies contactguard's actions to one Dataverse environment's cases (incident)."""

    label = "dynamics365"
    # A case is resolved through the CloseIncident action, not a status: no SET_STATUS.
    actions = (TICKET_ACTIONS - {ActionKind.SET_STATUS}) | {ActionKind.LOOKUP}

    def __init__(self, settings: dict, secrets: dict):
        self.settings = settings
        self.secrets = secrets
        self.environment = settings["environment_url"].rstrip("/")
        self.base = self.environment + API_PATH
        self.host = self.environment.split("://", 1)[1]
        self.session = make_session(headers=ODATA_HEADERS, settings=settings)
        per_minute = settings.get("rate_limit_per_minute", 600)
        self.bucket = bucket_for(f"dynamics365:{self.host}", rate=per_minute / 60, burst=min(50, per_minute))
        self._app: msal.ConfidentialClientApplication | None = None

    # -- the token and the calls --------------------------------------------------------------------------------

    def _authorise(self) -> None:
        """A bearer token for the environment from msal's cache, or a new one (about an hour each)."""
        if self._app is None:
            self._app = msal.ConfidentialClientApplication(
                self.settings["client_id"],
                authority=LOGIN + self.settings["tenant_id"],
                client_credential=self.secrets["client_secret"],
                http_client=MsalHttp(make_session()),
            )
        result = self._app.acquire_token_for_client(scopes=[self.environment + "/.default"])
        if "access_token" not in result:
            # the error code only: its description can quote the request
            raise PermanentFailure(f"Entra ID refused a token for {self.host}: {result.get('error', 'unknown')}")
        self.session.headers["Authorization"] = f"Bearer {result['access_token']}"

    def _call(self, method: str, path: str, **kwargs):
        self._authorise()
        return send(self.session, method, self.base + path, bucket=self.bucket, **kwargs)

    def _patch_case(self, ticket_id: str, body: dict) -> None:
        self._call("PATCH", f"incidents({_guid(ticket_id)})", json=body, headers=UPDATE_ONLY)

    def _pages(self, path: str, params: dict):
        """Every row of a query, following @odata.nextLink (odata.maxpagesize=100)."""
        response = self._call("GET", path, params=params, headers=PAGE)
        while True:
            page = response.json()
            yield from page.get("value") or []
            url = next_link(page.get("@odata.nextLink"), self.host)
            if not url:
                return
            response = send(self.session, "GET", url, bucket=self.bucket, headers=PAGE)

    # -- flag, tags, priority -----------------------------------------------------------------------------------

    def _do_set_flag(self, ticket_id, action) -> None:
        column = self.settings.get("restriction_column")
        if column:
            self._patch_case(ticket_id, {column: action["value"]})

    def _do_clear_flag(self, ticket_id, action) -> None:
        """A column is emptied with null (Web API: update a property to null)."""
        column = self.settings.get("restriction_column")
        if column:
            self._patch_case(ticket_id, {column: None})

    def _tags(self, ticket_id: str, column: str) -> list[str]:
        case = self._call("GET", f"incidents({_guid(ticket_id)})", params={"$select": column}).json()
        return [t.strip() for t in (case.get(column) or "").split(";") if t.strip()]

    def _do_add_tags(self, ticket_id, action) -> None:
        """A text column holds the tags: read, merge, write (others' tags stay)."""
        column = self.settings.get("tags_column")
        if not column:
            return
        current = self._tags(ticket_id, column)
        merged = current + [t for t in action["tags"] if t not in current]
        if merged != current:
            self._patch_case(ticket_id, {column: TAG_SEPARATOR.join(merged)})

    def _do_remove_tags(self, ticket_id, action) -> None:
        column = self.settings.get("tags_column")
        if not column:
            return
        current = self._tags(ticket_id, column)
        kept = [t for t in current if t not in action["tags"]]
        if kept != current:
            self._patch_case(ticket_id, {column: TAG_SEPARATOR.join(kept) or None})

    def _do_set_priority(self, ticket_id, action) -> None:
        """incident.prioritycode: 1 High, 2 Normal, 3 Low by default; a setting may name another option."""
        self._patch_case(ticket_id, {"prioritycode": int(self.settings.get("escalation_priority") or 1)})

    # -- note, owner, queue, task -------------------------------------------------------------------------------

    def _do_add_note(self, ticket_id, action) -> None:
        """A note (annotation) on the case's timeline, unless one with the marker is there already."""
        notes = self._pages("annotations", {"$select": "notetext", "$filter": f"_objectid_value eq {_guid(ticket_id)}"})
        if any(action["marker"] in (n.get("notetext") or "") for n in notes):
            return
        self._call(
            "POST",
            "annotations",
            json={"notetext": action["text"], "objectid_incident@odata.bind": f"/incidents({_guid(ticket_id)})"},
        )

    def _do_assign(self, ticket_id, action) -> None:
        """Assign is an update of ownerid (the incident table's Assign message)."""
        self._patch_case(ticket_id, {"ownerid@odata.bind": _owner(str(action["agent_id"]))})

    def holder(self, ticket_id: str) -> Holder:
        """The case's owner, and whether it is still active (statecode 0)."""
        case = self._call(
            "GET",
            f"incidents({_guid(ticket_id)})",
            params={"$select": "_ownerid_value,statecode"},
            headers=LOGICAL_NAMES,
        ).json()
        return Holder(self._agent(case), case.get("statecode") == INCIDENT_ACTIVE)

    def _agent(self, case: dict) -> str | None:
        """The owner as contactguard names agents (a user's id, `team:<id>`), or None while nobody holds it:
        no owner, or one of the owners new cases are given before anyone takes them."""
        owner = case.get("_ownerid_value")
        if not owner or owner.lower() in {o.lower() for o in self.settings.get("unassigned_owners") or []}:
            return None
        return f"team:{owner}" if case.get(OWNER_TYPE) == "team" else owner

    def _do_move_queue(self, ticket_id, action) -> None:
        target = {"incidentid": _guid(ticket_id), "@odata.type": "Microsoft.Dynamics.CRM.incident"}
        self._add_to_queue(str(action["queue"]), target)

    def _add_to_queue(self, queue: str, target: dict) -> None:
        """AddToQueue, bound to the destination queue; an item already there stays where it is."""
        self._call("POST", f"queues({_guid(queue)})/Microsoft.Dynamics.CRM.AddToQueue", json={"Target": target})

    def _do_create_task(self, ticket_id, action) -> None:
        """A task for the officer, upserted under an id made from the outbox key (a retry finds the same row),
        then added to the review queue."""
        key = action.get("idempotency_key") or uuid.uuid4().hex
        task_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"contactguard:{self.host}:{key}"))
        body: dict[str, Any] = {"subject": action["title"][:200], "description": action["text"]}
        if action.get("agent_id"):
            body["ownerid@odata.bind"] = _owner(str(action["agent_id"]))
        self._call("PATCH", f"tasks({task_id})", json=body)
        if action.get("queue"):
            self._add_to_queue(
                str(action["queue"]), {"activityid": task_id, "@odata.type": "Microsoft.Dynamics.CRM.task"}
            )

    # -- who wrote ----------------------------------------------------------------------------------------------

    def lookup(self, ticket_id: str, lookup: dict) -> dict:
        """The case's owner and customer (a contact's e-mail addresses and phones), and for an e-mail its sender
        and the mailbox it was sent to, from the activity parties."""
        found: dict[str, Any] = {"emails": [], "phones": []}
        if lookup.get("activity") == "email":
            found.update(self._email(lookup["id"]))
            if found.get("ignore_reason"):
                return found
            ticket_id = found.get("ticket_id") or ticket_id
        if lookup.get("phone"):
            found["phones"].append(lookup["phone"])
        case = self._call(
            "GET",
            f"incidents({_guid(ticket_id)})",
            params={
                "$select": "_ownerid_value",
                "$expand": "customerid_contact($select=contactid,emailaddress1,emailaddress2,telephone1,mobilephone)",
            },
            headers=LOGICAL_NAMES,
        ).json()
        contact = case.get("customerid_contact") or {}
        found["emails"] += [e for e in (contact.get("emailaddress1"), contact.get("emailaddress2")) if e]
        found["phones"] += [p for p in (contact.get("telephone1"), contact.get("mobilephone")) if p]
        found["emails"], found["phones"] = _unique(found["emails"]), _unique(found["phones"])
        found["assigned_agent_id"] = self._agent(case)
        if contact.get("contactid"):
            found["helpdesk_user_id"] = contact["contactid"]
        return found

    def _email(self, activity_id: str) -> dict:
        """Sender (participationtypemask 1) and first To recipient (2) of an e-mail, from its activity parties."""
        email = self._call(
            "GET",
            f"emails({_guid(activity_id)})",
            params={
                "$select": "directioncode,_regardingobjectid_value,description",
                "$expand": "email_activity_parties($select=participationtypemask,addressused)",
            },
            headers=LOGICAL_NAMES,
        ).json()
        if email.get("directioncode") is True:
            return {"ignore_reason": "outgoing e-mail, not the customer's"}
        parties = email.get("email_activity_parties") or []
        sender = [p.get("addressused") for p in parties if p.get("participationtypemask") == SENDER]
        to = [p.get("addressused") for p in parties if p.get("participationtypemask") == TO_RECIPIENT]
        found: dict[str, Any] = {"emails": [s for s in sender if s], "phones": []}
        if to and to[0]:
            found["addressed_inbox"] = to[0].lower()
        regarding = email.get("_regardingobjectid_value@Microsoft.Dynamics.CRM.lookuplogicalname")
        if regarding and regarding != "incident":
            return {"ignore_reason": "an e-mail not regarding a case"}
        if email.get("_regardingobjectid_value"):
            found["ticket_id"] = email["_regardingobjectid_value"]
        return found

    def test_connection(self) -> None:
        """The client credentials request itself: tenant, app and secret, and the environment as the scope.

        Whether the application user has its security role shows on the first action (403)."""
        check_connection(
            lambda: make_session().post(
                f"{LOGIN}{self.settings['tenant_id']}/oauth2/v2.0/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.settings["client_id"],
                    "client_secret": self.secrets["client_secret"],
                    "scope": self.environment + "/.default",
                },
            ),
            label="Microsoft Entra ID",
            where="tenant_id",
            credentials="client_secret",
            extra={
                400: (
                    "invalid_auth",
                    "Entra ID refused the request: check the tenant, the client id and secret, and that the "
                    "environment URL is right",
                    "client_secret",
                )
            },
        )


def _guid(value: str) -> str:
    """An id for a URL or a filter: a GUID, or PermanentFailure (nothing else may reach the query)."""
    if not re.fullmatch(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", value or ""):
        raise PermanentFailure("not a Dataverse id (a GUID)")
    return value


def _owner(agent_id: str) -> str:
    """A user's id binds /systemusers(id); `team:<id>` binds /teams(id)."""
    if agent_id.startswith("team:"):
        return f"/teams({_guid(agent_id[5:])})"
    return f"/systemusers({_guid(agent_id)})"


def _unique(values: list) -> list:
    return list(dict.fromkeys(v for v in values if v))
