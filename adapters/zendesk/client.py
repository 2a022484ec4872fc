"""Outbound calls to the Zendesk API: tags added with PUT (POST would replace them), internal notes.

Comments are read with cursor pagination (page[size], then links.next while meta.has_more), so the
"already posted" check sees every comment on a long ticket, not the first page only.
"""

from __future__ import annotations

from ..base import TICKET_ACTIONS, ActionClient, Holder
from ..errors import ConnectionCheckFailed
from ..http import check_connection, make_session, next_link, send
from ..ratelimit import bucket_for

PAGE_SIZE = 100  # the documented maximum page[size]


class ZendeskClient(ActionClient):
    """Applies contactguard's actions to one Zendesk account."""

    label = "zendesk"
    actions = TICKET_ACTIONS

    def __init__(self, settings: dict, secrets: dict):
        self.settings = settings
        self.host = f"{settings['subdomain']}.zendesk.com"
        self.base = f"https://{self.host}/api/v2/"
        self.session = make_session(
            auth=(f"{settings['agent_email']}/token", secrets["api_token"]), headers={"Accept": "application/json"}
        )
        per_minute = settings.get("rate_limit_per_minute", 200)
        self.bucket = bucket_for(f"zendesk:{settings['subdomain']}", rate=per_minute / 60, burst=min(20, per_minute))

    def _call(self, method: str, path: str, **kwargs):
        return send(self.session, method, self.base + path, bucket=self.bucket, **kwargs)

    def _update(self, ticket_id: str, ticket: dict) -> None:
        self._call("PUT", f"tickets/{ticket_id}.json", json={"ticket": ticket})

    def _comments(self, ticket_id: str):
        """Every comment on the ticket, page by page (cursor pagination; offset next_page also followed)."""
        url: str | None = f"{self.base}tickets/{ticket_id}/comments.json?page[size]={PAGE_SIZE}"
        while url:
            page = send(self.session, "GET", url, bucket=self.bucket).json()
            yield from page.get("comments") or []
            url = next_link(_next_page(page), self.host)

    def _do_set_flag(self, ticket_id, action) -> None:
        field_id = self.settings.get("restriction_field_id")
        if field_id is not None:
            self._update(ticket_id, {"custom_fields": [{"id": field_id, "value": action["value"]}]})

    def _do_clear_flag(self, ticket_id, action) -> None:
        """A custom field is emptied with a null value."""
        field_id = self.settings.get("restriction_field_id")
        if field_id is not None:
            self._update(ticket_id, {"custom_fields": [{"id": field_id, "value": None}]})

    def _do_add_tags(self, ticket_id, action) -> None:
        self._call("PUT", f"tickets/{ticket_id}/tags.json", json={"tags": action["tags"]})

    def _do_remove_tags(self, ticket_id, action) -> None:
        self._call("DELETE", f"tickets/{ticket_id}/tags.json", json={"tags": action["tags"]})

    def _do_add_note(self, ticket_id, action) -> None:
        if any(action["marker"] in (c.get("body") or "") for c in self._comments(ticket_id)):
            return
        self._update(ticket_id, {"comment": {"body": action["text"], "public": False}})

    def holder(self, ticket_id: str) -> Holder:
        """Show Ticket: assignee_id, and open until solved or closed (a closed ticket cannot be updated)."""
        ticket = self._call("GET", f"tickets/{ticket_id}.json").json()["ticket"]
        assignee = ticket.get("assignee_id")
        return Holder(str(assignee) if assignee is not None else None, ticket.get("status") not in ("solved", "closed"))

    def _do_assign(self, ticket_id, action) -> None:
        self._update(ticket_id, {"assignee_id": int(action["agent_id"])})

    def _do_move_queue(self, ticket_id, action) -> None:
        self._update(ticket_id, {"group_id": int(action["queue"])})

    def _do_set_priority(self, ticket_id, action) -> None:
        """Zendesk's priorities are low, normal, high and urgent (Tickets API, "priority")."""
        self._update(ticket_id, {"priority": self.settings.get("escalation_priority", "urgent")})

    def _do_set_status(self, ticket_id, action) -> None:
        self._update(ticket_id, {"status": action["status"]})

    def _do_create_task(self, ticket_id, action) -> None:
        ticket = {
            "subject": action["title"],
            "type": "task",
            "comment": {"body": action["text"], "public": False},
            "group_id": int(action["queue"]),
        }
        if action.get("agent_id"):
            ticket["assignee_id"] = int(action["agent_id"])
        self._call("POST", "tickets.json", json={"ticket": ticket})

    def find_user(self, email: str) -> str | None:
        """The Zendesk user id for an e-mail address, or None."""
        users = self._call("GET", "users/search.json", params={"query": f"email:{email}"}).json().get("users", [])
        return str(users[0]["id"]) if users else None

    def test_connection(self) -> None:
        response = check_connection(
            lambda: self.session.get(self.base + "users/me.json"),
            label="Zendesk",
            where="subdomain",
            credentials="api_token",
        )
        if (response.json().get("user") or {}).get("role") == "end-user":
            raise ConnectionCheckFailed(
                "invalid_auth", "that token belongs to an end user, not an agent", "agent_email"
            )


def _next_page(page: dict) -> str | None:
    """The next page's URL: links.next while meta.has_more (cursor), else next_page (offset)."""
    if "meta" in page or "links" in page:
        more = (page.get("meta") or {}).get("has_more")
        return (page.get("links") or {}).get("next") if more else None
    return page.get("next_page")
