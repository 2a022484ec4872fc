"""Outbound calls to HubSpot: ticket properties for flag and tags, notes associated to tickets,
comments in Conversations threads, and the look-up of who wrote.

A thread's assignee is set with the documented assignee call (PUT .../threads/{id}/assignee with an actor
id); PATCH on the thread accepts only status and archived. Lists (thread messages, a ticket's notes) are
read page by page with `after` = paging.next.after.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..base import TICKET_ACTIONS, ActionClient, ActionKind, Holder, strip_html
from ..http import check_connection, make_session, send
from ..ratelimit import bucket_for

API = "https://api.hubapi.com/"
ASSIGNEE = "conversations/conversations/2026-09-beta/threads/{thread}/assignee"
BATCH = 100  # inputs per batch read


class HubSpotClient(ActionClient):
    """Applies contactguard's actions to one HubSpot portal."""

    label = "hubspot"
    actions = TICKET_ACTIONS - {ActionKind.CREATE_TASK} | {ActionKind.LOOKUP}

    def __init__(self, settings: dict, secrets: dict):
        self.settings = settings
        self.session = make_session(
            headers={"Authorization": f"Bearer {secrets['access_token']}", "Accept": "application/json"}
        )
        per_minute = settings.get("rate_limit_per_minute", 600)
        self.bucket = bucket_for(f"hubspot:{secrets['access_token'][-8:]}", rate=per_minute / 60, burst=19)

    def _call(self, method: str, path: str, **kwargs):
        return send(self.session, method, API + path, bucket=self.bucket, **kwargs)

    @staticmethod
    def _thread(ticket_id: str | None) -> str | None:
        return ticket_id[len("thread-") :] if ticket_id and ticket_id.startswith("thread-") else None

    def _ticket_properties(self, ticket_id: str, properties: dict) -> None:
        self._call("PATCH", f"crm/v3/objects/tickets/{ticket_id}", json={"properties": properties})

    def _pages(self, path: str, **params):
        """Every result of a paged list, following paging.next.after."""
        while True:
            page = self._call("GET", path, params=params or None).json()
            yield from page.get("results") or []
            after = ((page.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return
            params = {**params, "after": after}

    def _do_set_flag(self, ticket_id, action) -> None:
        if not self._thread(ticket_id):
            self._ticket_properties(ticket_id, {self.settings["restriction_property"]: action["value"]})

    def _do_clear_flag(self, ticket_id, action) -> None:
        """Property values are cleared with an empty string; a thread has no property to clear."""
        if not self._thread(ticket_id):
            self._ticket_properties(ticket_id, {self.settings["restriction_property"]: ""})

    def _tag_values(self, ticket_id: str) -> list[str]:
        prop = self.settings["tags_property"]
        ticket = self._call("GET", f"crm/v3/objects/tickets/{ticket_id}", params={"properties": prop}).json()
        return [t for t in ((ticket.get("properties") or {}).get(prop) or "").split(";") if t]

    def _do_set_priority(self, ticket_id, action) -> None:
        """The ticket's hs_ticket_priority (LOW, MEDIUM, HIGH by default); a thread has no priority."""
        if not self._thread(ticket_id):
            self._ticket_properties(ticket_id, {"hs_ticket_priority": self.settings.get("escalation_priority", "HIGH")})

    def _do_add_tags(self, ticket_id, action) -> None:
        """No ticket tags in HubSpot: a multi-select property, read, merged and written back."""
        if self._thread(ticket_id):
            return
        current = self._tag_values(ticket_id)
        merged = current + [t for t in action["tags"] if t not in current]
        if merged != current:
            self._ticket_properties(ticket_id, {self.settings["tags_property"]: ";".join(merged)})

    def _do_remove_tags(self, ticket_id, action) -> None:
        if self._thread(ticket_id):
            return
        current = self._tag_values(ticket_id)
        kept = [t for t in current if t not in action["tags"]]
        if kept != current:
            self._ticket_properties(ticket_id, {self.settings["tags_property"]: ";".join(kept)})

    def _do_add_note(self, ticket_id, action) -> None:
        thread = self._thread(ticket_id)
        if thread:
            messages = self._pages(f"conversations/v3/conversations/threads/{thread}/messages")
            if any(action["marker"] in (m.get("text") or "") for m in messages):
                return
            self._call(
                "POST",
                f"conversations/v3/conversations/threads/{thread}/messages",
                json={"type": "COMMENT", "text": action["text"], "attachments": []},
            )
            return
        if self._note_exists(ticket_id, action["marker"]):
            return
        self._call(
            "POST",
            "crm/v3/objects/notes",
            json={
                "properties": {"hs_timestamp": utc_now(), "hs_note_body": action["text"]},
                "associations": [
                    {
                        "to": {"id": ticket_id},
                        "types": [
                            {
                                "associationCategory": "HUBSPOT_DEFINED",
                                "associationTypeId": self.settings.get("note_association_type_id", 228),
                            }
                        ],
                    }
                ],
            },
        )

    def _note_exists(self, ticket_id: str, marker: str) -> bool:
        linked = [str(n["toObjectId"]) for n in self._pages(f"crm/v4/objects/tickets/{ticket_id}/associations/notes")]
        for start in range(0, len(linked), BATCH):
            notes = self._call(
                "POST",
                "crm/v3/objects/notes/batch/read",
                json={"properties": ["hs_note_body"], "inputs": [{"id": i} for i in linked[start : start + BATCH]]},
            ).json()
            if any(marker in ((n.get("properties") or {}).get("hs_note_body") or "") for n in notes.get("results", [])):
                return True
        return False

    def holder(self, ticket_id: str) -> Holder:
        """A ticket's hubspot_owner_id and hs_is_closed; a thread's assignedTo and status (OPEN or CLOSED)."""
        thread = self._thread(ticket_id)
        if thread:
            found = self._call("GET", f"conversations/v3/conversations/threads/{thread}").json()
            actor = found.get("assignedTo") or ""
            agent = actor[2:] if actor.startswith("A-") else actor  # an agent actor id is A-<user id>
            return Holder(agent or None, found.get("status") != "CLOSED")
        props = (
            self._call(
                "GET", f"crm/v3/objects/tickets/{ticket_id}", params={"properties": "hubspot_owner_id,hs_is_closed"}
            )
            .json()
            .get("properties")
            or {}
        )
        return Holder(props.get("hubspot_owner_id") or None, str(props.get("hs_is_closed")).lower() != "true")

    def _do_assign(self, ticket_id, action) -> None:
        thread = self._thread(ticket_id)
        if thread:
            self._call("PUT", ASSIGNEE.format(thread=thread), json={"actorId": actor_id(action["agent_id"])})
        else:
            self._ticket_properties(ticket_id, {"hubspot_owner_id": str(action["agent_id"])})

    def _do_move_queue(self, ticket_id, action) -> None:
        self._do_assign(ticket_id, {"agent_id": action["queue"]})

    def _do_set_status(self, ticket_id, action) -> None:
        if not self._thread(ticket_id):
            self._ticket_properties(ticket_id, {"hs_pipeline_stage": str(action["status"])})

    def lookup(self, ticket_id: str, lookup: dict) -> dict:
        """Who wrote, what, and to whom: the fields the payload left out."""
        if lookup["object"] == "thread":
            message = self._call(
                "GET", f"conversations/v3/conversations/threads/{lookup['id']}/messages/{lookup['message']}"
            ).json()
            if message.get("direction") != "INCOMING":
                return {"ignore_reason": "outgoing message"}
            senders = [s.get("deliveryIdentifier") or {} for s in message.get("senders", [])]
            emails = [s["value"] for s in senders if s.get("type") == "HS_EMAIL_ADDRESS"]
            phones = [s["value"] for s in senders if s.get("type") == "HS_PHONE_NUMBER"]
            return {"emails": emails, "phones": phones, "text": strip_html(message.get("text"))}
        ticket = self._call(
            "GET",
            f"crm/v3/objects/tickets/{ticket_id}",
            params={"properties": "subject,content,hubspot_owner_id", "associations": "contacts"},
        ).json()
        props = ticket.get("properties") or {}
        contacts = ((ticket.get("associations") or {}).get("contacts") or {}).get("results", [])
        found: dict[str, Any] = {
            "subject": props.get("subject") or "",
            "text": props.get("content") or "",
            "assigned_agent_id": props.get("hubspot_owner_id") or None,
            "emails": [],
            "phones": [],
        }
        if contacts:
            contact = (
                self._call("GET", f"crm/v3/objects/contacts/{contacts[0]['id']}", params={"properties": "email,phone"})
                .json()
                .get("properties")
                or {}
            )
            found["emails"] = [contact["email"]] if contact.get("email") else []
            found["phones"] = [contact["phone"]] if contact.get("phone") else []
            found["helpdesk_user_id"] = str(contacts[0]["id"])
        return found

    def find_user(self, email: str) -> str | None:
        found = (
            self._call(
                "POST",
                "crm/v3/objects/contacts/search",
                json={"filterGroups": [{"filters": [{"propertyName": "email", "operator": "EQ", "value": email}]}]},
            )
            .json()
            .get("results", [])
        )
        return str(found[0]["id"]) if found else None

    def test_connection(self) -> None:
        check_connection(
            lambda: self.session.get(API + "crm/v3/objects/tickets", params={"limit": 1}),
            label="HubSpot",
            where="access_token",
            credentials="access_token",
        )


def actor_id(agent_id) -> str:
    """A Conversations actor id: agents are `A-<id>`; an id already carrying a type prefix is kept."""
    value = str(agent_id)
    return value if len(value) > 2 and value[1] == "-" and value[0].isalpha() else f"A-{value}"


def utc_now() -> str:
    """hs_timestamp as the notes guide shows it: a UTC date-time string (property values are strings)."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
