"""Outbound calls to Freshdesk's v2 API: tags replace, so read, merge and write; private notes.

Conversations are read page by page (page, per_page=100) following the Link header's rel="next", so
the "already posted" check sees every reply and note on a long ticket.
"""

from __future__ import annotations

from ..base import TICKET_ACTIONS, ActionClient, ActionKind, Holder
from ..errors import PermanentFailure
from ..http import check_connection, make_session, next_link, send
from ..ratelimit import bucket_for

PER_PAGE = 100  # the documented maximum per_page


class FreshdeskClient(ActionClient):
    """Applies contactguard's actions to one Freshdesk account."""

    label = "freshdesk"
    actions = TICKET_ACTIONS | {ActionKind.LOOKUP}

    def __init__(self, settings: dict, secrets: dict):
        self.settings = settings
        self.host = f"{settings['domain']}.freshdesk.com"
        self.base = f"https://{self.host}/api/v2/"
        self.session = make_session(auth=(secrets["api_key"], "X"))
        per_minute = settings.get("rate_limit_per_minute", 200)
        self.bucket = bucket_for(f"freshdesk:{settings['domain']}", rate=per_minute / 60, burst=min(20, per_minute))

    def _call(self, method: str, path: str, **kwargs):
        return send(self.session, method, self.base + path, bucket=self.bucket, **kwargs)

    def _update(self, ticket_id: str, fields: dict) -> None:
        self._call("PUT", f"tickets/{ticket_id}", json=fields)

    def _tags(self, ticket_id: str) -> list[str]:
        return list(self._call("GET", f"tickets/{ticket_id}").json().get("tags") or [])

    def _do_add_tags(self, ticket_id, action) -> None:
        current = self._tags(ticket_id)
        merged = current + [t for t in action["tags"] if t not in current]
        if merged != current:
            self._update(ticket_id, {"tags": merged})

    def _do_remove_tags(self, ticket_id, action) -> None:
        current = self._tags(ticket_id)
        kept = [t for t in current if t not in action["tags"]]
        if kept != current:
            self._update(ticket_id, {"tags": kept})

    def _do_set_priority(self, ticket_id, action) -> None:
        """Freshdesk's priorities are 1 Low, 2 Medium, 3 High, 4 Urgent (Update a Ticket, "priority")."""
        self._update(ticket_id, {"priority": int(self.settings.get("escalation_priority", 4))})

    def _do_set_flag(self, ticket_id, action) -> None:
        field = self.settings.get("restriction_field")
        if field:
            self._update(ticket_id, {"custom_fields": {field: action["value"]}})

    def _do_clear_flag(self, ticket_id, action) -> None:
        """A custom field is emptied with null."""
        field = self.settings.get("restriction_field")
        if field:
            self._update(ticket_id, {"custom_fields": {field: None}})

    def _conversations(self, ticket_id: str):
        """Every reply and note on the ticket, page by page (Link: <...>; rel="next")."""
        url: str | None = f"{self.base}tickets/{ticket_id}/conversations?page=1&per_page={PER_PAGE}"
        while url:
            response = send(self.session, "GET", url, bucket=self.bucket)
            yield from response.json() or []
            url = next_link(response.links.get("next", {}).get("url"), self.host)

    def _do_add_note(self, ticket_id, action) -> None:
        bodies = (c.get("body_text") or c.get("body") or "" for c in self._conversations(ticket_id))
        if any(action["marker"] in body for body in bodies):
            return
        self._call(
            "POST", f"tickets/{ticket_id}/notes", json={"body": action["text"].replace("\n", "<br>"), "private": True}
        )

    def holder(self, ticket_id: str) -> Holder:
        """View a Ticket: responder_id, and open unless its status is 4 (Resolved) or 5 (Closed)."""
        ticket = self._call("GET", f"tickets/{ticket_id}").json()
        agent = ticket.get("responder_id")
        return Holder(str(agent) if agent is not None else None, ticket.get("status") not in (4, 5))

    def _do_assign(self, ticket_id, action) -> None:
        self._update(ticket_id, {"responder_id": int(action["agent_id"])})

    def _do_move_queue(self, ticket_id, action) -> None:
        self._update(ticket_id, {"group_id": int(action["queue"])})

    def _do_set_status(self, ticket_id, action) -> None:
        self._update(ticket_id, {"status": int(action["status"])})

    def _do_create_task(self, ticket_id, action) -> None:
        requester = self.settings.get("task_requester_email")
        if not requester:
            raise PermanentFailure("set task_requester_email to create review tasks in Freshdesk")
        body = {
            "subject": action["title"],
            "description": action["text"],
            "email": requester,
            "group_id": int(action["queue"]),
            "status": 2,
            "priority": 2,
        }
        if action.get("agent_id"):
            body["responder_id"] = int(action["agent_id"])
        self._call("POST", "tickets", json=body)

    def lookup(self, ticket_id: str, lookup: dict) -> dict:
        """What no webhook placeholder names, from View a Ticket with include=requester: the requester, the
        agent it is assigned to (`responder_id`) and the addresses the customer wrote to (`to_emails`)."""
        ticket = self._call("GET", f"tickets/{ticket_id}", params={"include": "requester"}).json()
        requester = ticket.get("requester") or {}
        agent, to = ticket.get("responder_id"), [e for e in ticket.get("to_emails") or [] if isinstance(e, str)]
        requester_id = ticket.get("requester_id") or requester.get("id")
        return {
            "emails": [requester["email"]] if requester.get("email") else [],
            "phones": [p for p in (requester.get("phone"), requester.get("mobile")) if p],
            "helpdesk_user_id": str(requester_id) if requester_id else None,
            "assigned_agent_id": str(agent) if agent is not None else None,
            # the first To address: the support mailbox the e-mail was sent to (cc'd ones are in cc_emails)
            "addressed_inbox": _address(to[0]) if to else None,
        }

    def find_user(self, email: str) -> str | None:
        """The Freshdesk contact id for an e-mail address, or None."""
        contacts = self._call("GET", "contacts", params={"email": email}).json()
        return str(contacts[0]["id"]) if contacts else None

    def test_connection(self) -> None:
        check_connection(
            lambda: self.session.get(self.base + "agents/me"), label="Freshdesk", where="domain", credentials="api_key"
        )


def _address(value: str) -> str:
    """`Name <box@council.gov.uk>` or a bare address, as the lower-case address."""
    return value.rsplit("<", 1)[-1].rstrip(">").strip().lower()
