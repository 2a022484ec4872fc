"""Outbound calls to Intercom: tags by id (created first), admin notes, assignment as conversation parts.

Intercom has no paging for a conversation's parts: Retrieve a conversation answers them in one list,
"limit of 500 parts". The "already posted" check reads that list and the conversation's opening message.
"""

from __future__ import annotations

from ..base import TICKET_ACTIONS, ActionClient, ActionKind, Holder
from ..http import check_connection, make_session, send
from ..ratelimit import bucket_for

HOSTS = {"us": "https://api.intercom.io/", "eu": "https://api.eu.intercom.io/", "au": "https://api.au.intercom.io/"}


class IntercomClient(ActionClient):
    """Applies contactguard's actions to one Intercom workspace."""

    label = "intercom"
    actions = TICKET_ACTIONS - {ActionKind.CREATE_TASK, ActionKind.SET_PRIORITY}

    def __init__(self, settings: dict, secrets: dict):
        self.settings = settings
        self.admin = settings["admin_id"]
        self.base = HOSTS[settings.get("region", "us")]
        self.session = make_session(
            headers={"Authorization": f"Bearer {secrets['access_token']}", "Accept": "application/json"}
        )
        per_minute = settings.get("rate_limit_per_minute", 1000)
        self.bucket = bucket_for(f"intercom:{self.base}:{self.admin}", rate=per_minute / 60, burst=min(50, per_minute))

    def _call(self, method: str, path: str, **kwargs):
        return send(self.session, method, self.base + path, bucket=self.bucket, **kwargs)

    def _tag_id(self, name: str) -> str:
        """Create-or-update the tag, which returns its id."""
        return str(self._call("POST", "tags", json={"name": name}).json()["id"])

    def _do_add_tags(self, ticket_id, action) -> None:
        for name in action["tags"]:
            self._call(
                "POST", f"conversations/{ticket_id}/tags", json={"id": self._tag_id(name), "admin_id": self.admin}
            )

    def _do_remove_tags(self, ticket_id, action) -> None:
        for name in action["tags"]:
            self._call("DELETE", f"conversations/{ticket_id}/tags/{self._tag_id(name)}", json={"admin_id": self.admin})

    def _do_set_flag(self, ticket_id, action) -> None:
        attribute = self.settings.get("restriction_attribute")
        if attribute:
            self._call("PUT", f"conversations/{ticket_id}", json={"custom_attributes": {attribute: action["value"]}})

    def _do_clear_flag(self, ticket_id, action) -> None:
        """Intercom's Update a conversation allows no null for an attribute (a string, integer, date or object
        list in 2.11 to 2.16): the attribute is set to the cleared value, an empty string unless configured."""
        attribute = self.settings.get("restriction_attribute")
        if attribute:
            cleared = self.settings.get("cleared_value") or ""
            self._call("PUT", f"conversations/{ticket_id}", json={"custom_attributes": {attribute: cleared}})

    def _do_add_note(self, ticket_id, action) -> None:
        conversation = self._call("GET", f"conversations/{ticket_id}").json()
        if any(action["marker"] in body for body in _bodies(conversation)):
            return
        body = "<p>" + action["text"].replace("\n", "<br>") + "</p>"
        self._call(
            "POST",
            f"conversations/{ticket_id}/reply",
            json={"message_type": "note", "type": "admin", "admin_id": self.admin, "body": body},
        )

    def _assign(self, ticket_id: str, assignee: str) -> None:
        self._call(
            "POST",
            f"conversations/{ticket_id}/parts",
            json={"message_type": "assignment", "type": "admin", "admin_id": self.admin, "assignee_id": assignee},
        )

    def holder(self, ticket_id: str) -> Holder:
        """Retrieve a conversation: admin_assignee_id, open unless its state is closed."""
        convo = self._call("GET", f"conversations/{ticket_id}").json()
        admin = convo.get("admin_assignee_id")
        return Holder(str(admin) if admin is not None else None, convo.get("state") != "closed")

    def _do_assign(self, ticket_id, action) -> None:
        self._assign(ticket_id, str(action["agent_id"]))

    def _do_move_queue(self, ticket_id, action) -> None:
        self._assign(ticket_id, str(action["queue"]))

    def _do_set_status(self, ticket_id, action) -> None:
        self._call(
            "POST",
            f"conversations/{ticket_id}/parts",
            json={"message_type": action["status"], "type": "admin", "admin_id": self.admin},
        )

    def find_user(self, email: str) -> str | None:
        found = (
            self._call("POST", "contacts/search", json={"query": {"field": "email", "operator": "=", "value": email}})
            .json()
            .get("data", [])
        )
        return str(found[0]["id"]) if found else None

    def test_connection(self) -> None:
        check_connection(
            lambda: self.session.get(self.base + "me"), label="Intercom", where="region", credentials="access_token"
        )


def _bodies(conversation: dict) -> list[str]:
    """The opening message (2.x source, 1.x conversation_message) and every part returned."""
    parts = ((conversation.get("conversation_parts") or {}).get("conversation_parts")) or []
    opening = [(conversation.get(k) or {}).get("body") for k in ("source", "conversation_message")]
    return [b or "" for b in opening + [p.get("body") for p in parts]]
