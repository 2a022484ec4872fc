"""Outbound calls to Help Scout: OAuth2 client credentials, tags replace (read, merge, write), notes.

Help Scout counts writes twice against the rate limit, so writes take two tokens from the bucket.
PUT .../fields replaces the conversation's whole list of custom fields, so the current list is read and
ours merged in (or taken out) before writing. Threads are read page by page (`_links.next`).
"""

from __future__ import annotations

from ..base import TICKET_ACTIONS, ActionClient, ActionKind, Holder
from ..http import check_connection, make_session, next_link, send
from ..ratelimit import bucket_for

API = "https://api.helpscout.net/v2/"


class HelpScoutClient(ActionClient):
    """Applies contactguard's actions to one Help Scout account."""

    label = "helpscout"
    actions = TICKET_ACTIONS - {ActionKind.CREATE_TASK, ActionKind.SET_PRIORITY}  # no priorities in Help Scout

    def __init__(self, settings: dict, secrets: dict):
        self.settings = settings
        self.secrets = secrets
        self.session = make_session(headers={"Accept": "application/json"})
        per_minute = settings.get("rate_limit_per_minute", 200)
        self.bucket = bucket_for(f"helpscout:{secrets['app_id']}", rate=per_minute / 60, burst=min(20, per_minute))
        self._token = None

    def _authorise(self) -> None:
        if self._token is None:
            reply = send(
                self.session,
                "POST",
                API + "oauth2/token",
                bucket=self.bucket,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.secrets["app_id"],
                    "client_secret": self.secrets["app_secret"],
                },
            ).json()
            self._token = reply["access_token"]
            self.session.headers["Authorization"] = f"Bearer {self._token}"

    def _call(self, method: str, path: str, **kwargs):
        self._authorise()
        cost = 1 if method == "GET" else 2
        return send(self.session, method, API + path, bucket=self.bucket, cost=cost, **kwargs)

    def _tags(self, ticket_id: str) -> list[str]:
        convo = self._call("GET", f"conversations/{ticket_id}").json()
        return [t["tag"] for t in convo.get("tags") or []]

    def _do_add_tags(self, ticket_id, action) -> None:
        current = self._tags(ticket_id)
        merged = current + [t for t in action["tags"] if t not in current]
        if merged != current:
            self._call("PUT", f"conversations/{ticket_id}/tags", json={"tags": merged})

    def _do_remove_tags(self, ticket_id, action) -> None:
        current = self._tags(ticket_id)
        kept = [t for t in current if t not in action["tags"]]
        if kept != current:
            self._call("PUT", f"conversations/{ticket_id}/tags", json={"tags": kept})

    def _other_fields(self, ticket_id: str, field_id: int) -> list[dict]:
        """The conversation's custom fields other than ours, as {id, value} for writing back."""
        convo = self._call("GET", f"conversations/{ticket_id}").json()
        current = convo.get("customFields") or []
        fields = [{"id": f.get("id", f.get("fieldId")), "value": f.get("value")} for f in current]
        return [f for f in fields if f["id"] is not None and f["id"] != field_id]

    def _write_fields(self, ticket_id: str, fields: list[dict]) -> None:
        self._call("PUT", f"conversations/{ticket_id}/fields", json={"fields": fields})

    def _do_set_flag(self, ticket_id, action) -> None:
        field_id = self.settings.get("restriction_field_id")
        if field_id is not None:
            others = self._other_fields(ticket_id, field_id)
            self._write_fields(ticket_id, others + [{"id": field_id, "value": action["value"]}])

    def _do_clear_flag(self, ticket_id, action) -> None:
        """Omitting a field from the list removes it; the other fields are written back unchanged."""
        field_id = self.settings.get("restriction_field_id")
        if field_id is not None:
            self._write_fields(ticket_id, self._other_fields(ticket_id, field_id))

    def _threads(self, ticket_id: str):
        """Every thread of the conversation, following `_links.next` page by page."""
        url: str | None = f"{API}conversations/{ticket_id}/threads?page=1"
        while url:
            self._authorise()
            page = send(self.session, "GET", url, bucket=self.bucket).json()
            yield from (page.get("_embedded") or {}).get("threads") or []
            url = next_link(((page.get("_links") or {}).get("next") or {}).get("href"), "api.helpscout.net")

    def _do_add_note(self, ticket_id, action) -> None:
        if any(action["marker"] in (t.get("body") or "") for t in self._threads(ticket_id)):
            return
        self._call("POST", f"conversations/{ticket_id}/notes", json={"text": action["text"]})

    def holder(self, ticket_id: str) -> Holder:
        """Get Conversation: assignee.id, open while its status is active or pending (not closed or spam)."""
        convo = self._call("GET", f"conversations/{ticket_id}").json()
        assignee = (convo.get("assignee") or {}).get("id")
        return Holder(str(assignee) if assignee is not None else None, convo.get("status") in ("active", "pending"))

    def _do_assign(self, ticket_id, action) -> None:
        self._call(
            "PATCH",
            f"conversations/{ticket_id}",
            json={"op": "replace", "path": "/assignTo", "value": int(action["agent_id"])},
        )

    def _do_move_queue(self, ticket_id, action) -> None:
        self._call(
            "PATCH",
            f"conversations/{ticket_id}",
            json={"op": "move", "path": "/mailboxId", "value": int(action["queue"])},
        )

    def _do_set_status(self, ticket_id, action) -> None:
        self._call(
            "PATCH", f"conversations/{ticket_id}", json={"op": "replace", "path": "/status", "value": action["status"]}
        )

    def find_user(self, email: str) -> str | None:
        found = self._call("GET", "customers", params={"query": f'(email:"{email}")'}).json()
        customers = (found.get("_embedded") or {}).get("customers") or []
        return str(customers[0]["id"]) if customers else None

    def test_connection(self) -> None:
        check_connection(
            lambda: self.session.post(
                API + "oauth2/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.secrets["app_id"],
                    "client_secret": self.secrets["app_secret"],
                },
            ),
            label="Help Scout",
            where="app_id",
            credentials="app_secret",
            extra={400: ("invalid_auth", "Help Scout refused the app id and secret", "app_secret")},
        )
