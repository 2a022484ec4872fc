"""Outbound calls to django-helpdesk's DRF API: custom fields for flags and tags, non-public notes."""
from __future__ import annotations

from urllib.parse import urljoin

from ..base import ActionClient
from ..http import check_connection, make_session, send
from ..ratelimit import bucket_for


class DjangoHelpdeskClient(ActionClient):
    """Applies contactguard's actions to one django-helpdesk."""

    label = "django-helpdesk"

    def __init__(self, settings: dict, secrets: dict):
        self.settings = settings
        self.base = settings["base_url"].rstrip("/") + "/"
        self.session = make_session(auth=(secrets["username"], secrets["password"]))
        # django-helpdesk sets no limits of its own; be gentle with a small self-hosted server.
        self.bucket = bucket_for(f"django_helpdesk:{self.base}", rate=settings.get("rate_limit_per_minute", 600) / 60,
                                 burst=20)

    def _url(self, path: str) -> str:
        return urljoin(self.base, path)

    def _ticket(self, ticket_id: str) -> dict:
        return send(self.session, "GET", self._url(f"tickets/{ticket_id}/"), bucket=self.bucket).json()

    def _patch(self, ticket_id: str, fields: dict) -> None:
        send(self.session, "PATCH", self._url(f"tickets/{ticket_id}/"), bucket=self.bucket, json=fields)


    def _do_set_flag(self, ticket_id: str, action: dict) -> None:
        self._patch(ticket_id, {f"custom_{self.settings['restriction_field']}": action["value"][:255]})

    def _do_add_tags(self, ticket_id: str, action: dict) -> None:
        """django-helpdesk has no tags: merge ours into a custom field (read, merge, write)."""
        field = f"custom_{self.settings['tags_field']}"
        current = self._ticket(ticket_id).get(field) or ""
        tags = [t for t in (s.strip() for s in current.split(",")) if t]
        merged = tags + [t for t in action["tags"] if t not in tags]
        if merged != tags:
            self._patch(ticket_id, {field: ", ".join(merged)[:255]})

    def _do_remove_tags(self, ticket_id: str, action: dict) -> None:
        field = f"custom_{self.settings['tags_field']}"
        current = self._ticket(ticket_id).get(field) or ""
        tags = [t for t in (s.strip() for s in current.split(",")) if t and t not in action["tags"]]
        self._patch(ticket_id, {field: ", ".join(tags)})

    def _do_add_note(self, ticket_id: str, action: dict) -> None:
        """A non-public follow-up (staff only, never e-mailed); skipped if a retry already posted it."""
        marker = action["marker"]
        if any(marker in (f.get("comment") or "") for f in self._ticket(ticket_id).get("followup_set", [])):
            return
        send(self.session, "POST", self._url("followups/"), bucket=self.bucket, json={
            "ticket": int(ticket_id), "title": action.get("title", "contactguard"),
            "comment": action["text"], "public": False})

    def _do_assign(self, ticket_id: str, action: dict) -> None:
        self._patch(ticket_id, {"assigned_to": int(action["agent_id"])})

    def _do_move_queue(self, ticket_id: str, action: dict) -> None:
        self._patch(ticket_id, {"queue": int(action["queue"])})

    def _do_create_task(self, ticket_id: str | None, action: dict) -> None:
        """Review reminders become tickets in the review queue, assigned when the officer is known."""
        body = {"queue": int(action["queue"]), "title": action["title"], "description": action["text"],
                "submitter_email": self.settings.get("task_submitter") or "contactguard@localhost"}
        if action.get("agent_id"):
            body["assigned_to"] = int(action["agent_id"])
        send(self.session, "POST", self._url("tickets/"), bucket=self.bucket, json=body)

    def test_connection(self) -> None:
        """One call with the new credentials; failures come back as field-keyed codes."""
        check_connection(lambda: self.session.get(self._url("tickets/"), params={"page_size": 1}),
                         label="django-helpdesk", where="base_url", credentials="username",
                         extra={403: ("invalid_auth", "the API user must be staff", "username")})
