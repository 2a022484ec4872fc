"""Outbound calls to Front's Core API: tags by id, internal comments, assignment.

Comments are read page by page, following `_pagination.next` until it is null.
"""

from __future__ import annotations

from ..base import TICKET_ACTIONS, ActionClient, ActionKind, Holder
from ..errors import PermanentFailure
from ..http import check_connection, make_session, next_link, send
from ..ratelimit import bucket_for

API = "https://api2.frontapp.com/"


class FrontClient(ActionClient):
    """Applies contactguard's actions to one Front company."""

    label = "front"
    actions = TICKET_ACTIONS - {ActionKind.SET_STATUS, ActionKind.CREATE_TASK, ActionKind.SET_PRIORITY}

    def __init__(self, settings: dict, secrets: dict):
        self.settings = settings
        self.session = make_session(
            headers={"Authorization": f"Bearer {secrets['api_token']}", "Accept": "application/json"}
        )
        per_minute = settings.get("rate_limit_per_minute", 100)
        self.bucket = bucket_for(f"front:{secrets['api_token'][-8:]}", rate=per_minute / 60, burst=5)

    def _call(self, method: str, path: str, **kwargs):
        return send(self.session, method, API + path, bucket=self.bucket, **kwargs)

    def _tag_ids(self, names: list[str]) -> list[str]:
        known = self.settings.get("tag_ids") or {}
        missing = [n for n in names if n not in known]
        if missing:
            raise PermanentFailure(f"no Front tag id configured for {', '.join(missing)} (setting tag_ids)")
        return [known[n] for n in names]

    def _do_add_tags(self, ticket_id, action) -> None:
        self._call("POST", f"conversations/{ticket_id}/tags", json={"tag_ids": self._tag_ids(action["tags"])})

    def _do_remove_tags(self, ticket_id, action) -> None:
        self._call("DELETE", f"conversations/{ticket_id}/tags", json={"tag_ids": self._tag_ids(action["tags"])})

    def _do_set_flag(self, ticket_id, action) -> None:
        """Front shows the arrangement in the internal comment; there is no field to set."""

    def _do_clear_flag(self, ticket_id, action) -> None:
        """No field was set, so there is none to clear."""

    def _comments(self, ticket_id: str):
        """Every comment on the conversation, following `_pagination.next` (a full URL on *.frontapp.com)."""
        url: str | None = f"{API}conversations/{ticket_id}/comments"
        while url:
            page = send(self.session, "GET", url, bucket=self.bucket).json()
            yield from page.get("_results") or []
            url = next_link((page.get("_pagination") or {}).get("next"), "frontapp.com")

    def _do_add_note(self, ticket_id, action) -> None:
        if any(action["marker"] in (c.get("body") or "") for c in self._comments(ticket_id)):
            return
        self._call(
            "POST",
            f"conversations/{ticket_id}/comments",
            json={"author_id": self.settings["author_id"], "body": action["text"]},
        )

    def holder(self, ticket_id: str) -> Holder:
        """Get conversation: its assignee (a teammate, or null), open unless archived or deleted."""
        convo = self._call("GET", f"conversations/{ticket_id}").json()
        assignee = (convo.get("assignee") or {}).get("id")
        return Holder(assignee, convo.get("status") not in ("archived", "deleted"))

    def _do_assign(self, ticket_id, action) -> None:
        self._call("PUT", f"conversations/{ticket_id}/assignee", json={"assignee_id": action["agent_id"]})

    def _do_move_queue(self, ticket_id, action) -> None:
        self._call("PUT", f"conversations/{ticket_id}/assignee", json={"assignee_id": str(action["queue"])})

    def find_user(self, email: str) -> str | None:
        try:
            return self._call("GET", f"contacts/alt:email:{email}").json().get("id")
        except PermanentFailure:
            return None

    def test_connection(self) -> None:
        check_connection(
            lambda: self.session.get(API + "me"), label="Front", where="api_token", credentials="api_token"
        )
