"""Outbound calls to Zammad's REST API: one tag per call, internal note articles."""

from __future__ import annotations

from ..base import TICKET_ACTIONS, ActionClient, Holder
from ..errors import PermanentFailure
from ..http import check_connection, make_session, send
from ..ratelimit import bucket_for

CLOSED_STATES = ("closed", "merged", "removed")  # Zammad's default ticket states that are no longer worked on


class ZammadClient(ActionClient):
    """Applies contactguard's actions to one Zammad."""

    label = "zammad"
    actions = TICKET_ACTIONS

    def __init__(self, settings: dict, secrets: dict):
        self.settings = settings
        self.base = settings["base_url"].rstrip("/") + "/api/v1/"
        self.session = make_session(headers={"Authorization": f"Token token={secrets['api_token']}"}, settings=settings)
        per_minute = settings.get("rate_limit_per_minute", 600)
        self.bucket = bucket_for(f"zammad:{self.base}", rate=per_minute / 60, burst=min(20, per_minute))

    def _call(self, method: str, path: str, **kwargs):
        return send(self.session, method, self.base + path, bucket=self.bucket, **kwargs)

    def _update(self, ticket_id: str, fields: dict) -> None:
        self._call("PUT", f"tickets/{ticket_id}", json=fields)

    def _do_add_tags(self, ticket_id, action) -> None:
        for tag in action["tags"]:
            self._call("POST", "tags/add", json={"item": tag, "object": "Ticket", "o_id": int(ticket_id)})

    def _do_remove_tags(self, ticket_id, action) -> None:
        for tag in action["tags"]:
            self._call("DELETE", "tags/remove", json={"item": tag, "object": "Ticket", "o_id": int(ticket_id)})

    def _do_set_flag(self, ticket_id, action) -> None:
        field = self.settings.get("restriction_field")
        if field:
            self._update(ticket_id, {field: action["value"]})

    def _do_clear_flag(self, ticket_id, action) -> None:
        """The ticket attribute is emptied with null."""
        field = self.settings.get("restriction_field")
        if field:
            self._update(ticket_id, {field: None})

    def _do_add_note(self, ticket_id, action) -> None:
        """by_ticket answers every article of the ticket in one list (Zammad documents no paging for it)."""
        articles = self._call("GET", f"ticket_articles/by_ticket/{ticket_id}").json()
        if any(action["marker"] in (a.get("body") or "") for a in articles):
            return
        self._call(
            "POST",
            "ticket_articles",
            json={
                "ticket_id": int(ticket_id),
                "body": action["text"],
                "content_type": "text/plain",
                "type": "note",
                "internal": True,
            },
        )

    def holder(self, ticket_id: str) -> Holder:
        """The ticket expanded: owner_id (1 is Zammad's "nobody"), open unless its state is closed, merged or removed."""
        ticket = self._call("GET", f"tickets/{ticket_id}", params={"expand": "true"}).json()
        owner = ticket.get("owner_id")
        return Holder(str(owner) if owner not in (None, 1) else None, ticket.get("state") not in CLOSED_STATES)

    def _do_assign(self, ticket_id, action) -> None:
        self._update(ticket_id, {"owner_id": int(action["agent_id"])})

    def _do_move_queue(self, ticket_id, action) -> None:
        self._update(ticket_id, {"group_id": int(action["queue"])})

    def _do_set_priority(self, ticket_id, action) -> None:
        """Zammad's default priorities are 1 low, 2 normal, 3 high (Tickets API, "priority_id")."""
        self._update(ticket_id, {"priority_id": int(self.settings.get("escalation_priority_id", 3))})

    def _do_set_status(self, ticket_id, action) -> None:
        self._update(ticket_id, {"state": action["status"]})

    def _do_create_task(self, ticket_id, action) -> None:
        customer = self.settings.get("task_customer_email")
        if not customer:
            raise PermanentFailure("set task_customer_email to create review tasks in Zammad")
        body = {
            "title": action["title"],
            "group_id": int(action["queue"]),
            "customer": customer,
            "article": {"body": action["text"], "type": "note", "internal": True},
        }
        if action.get("agent_id"):
            body["owner_id"] = int(action["agent_id"])
        self._call("POST", "tickets", json=body)

    def find_user(self, email: str) -> str | None:
        users = self._call("GET", "users/search", params={"query": f"email:{email}", "limit": 1}).json()
        return str(users[0]["id"]) if users else None

    def test_connection(self) -> None:
        check_connection(
            lambda: self.session.get(self.base + "users/me"), label="Zammad", where="base_url", credentials="api_token"
        )
