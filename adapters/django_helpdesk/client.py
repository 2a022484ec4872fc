"""Outbound calls to django-helpdesk's DRF API: custom fields for flags and tags, non-public notes."""

from __future__ import annotations

import datetime as dt
import math
from urllib.parse import urljoin

from ..base import TICKET_ACTIONS, ActionClient, ActionKind, Holder, InboundEvent
from ..http import check_connection, make_session, send
from ..ratelimit import bucket_for
from . import schemas
from .events import followup_event, parse_date, ticket_event

PAGE_SIZE = 100


class DjangoHelpdeskClient(ActionClient):
    """Applies contactguard's actions to one django-helpdesk."""

    label = "django-helpdesk"
    actions = TICKET_ACTIONS - {ActionKind.SET_STATUS}

    def __init__(self, settings: dict, secrets: dict):
        self.settings = settings
        self.base = settings["base_url"].rstrip("/") + "/"
        self.session = make_session(auth=(secrets["username"], secrets["password"]), settings=settings)
        # django-helpdesk sets no limits of its own; be gentle with a small self-hosted server.
        self.bucket = bucket_for(
            f"django_helpdesk:{self.base}", rate=settings.get("rate_limit_per_minute", 600) / 60, burst=20
        )

    def _url(self, path: str) -> str:
        return urljoin(self.base, path)

    def _ticket(self, ticket_id: str) -> dict:
        return send(self.session, "GET", self._url(f"tickets/{ticket_id}/"), bucket=self.bucket).json()

    def _patch(self, ticket_id: str, fields: dict) -> None:
        send(self.session, "PATCH", self._url(f"tickets/{ticket_id}/"), bucket=self.bucket, json=fields)

    def _empty(self, value: str | None) -> bool:
        """Nothing of ours in a field: unset, blank, or the placeholder written when we cleared it."""
        return not value or value.strip() == self._cleared

    @property
    def _cleared(self) -> str:
        return self.settings.get("cleared_value") or "-"

    def _tags(self, ticket_id: str) -> list[str]:
        value = self._ticket(ticket_id).get(self._tags_field) or ""
        return [] if self._empty(value) else [t for t in (s.strip() for s in value.split(",")) if t]

    @property
    def _tags_field(self) -> str:
        return f"custom_{self.settings['tags_field']}"

    def _do_set_flag(self, ticket_id: str, action: dict) -> None:
        self._patch(ticket_id, {f"custom_{self.settings['restriction_field']}": action["value"][:255]})

    def _do_clear_flag(self, ticket_id: str, action: dict) -> None:
        """Take the arrangement off: django-helpdesk 2.6.1 refuses "" and null, so write the placeholder."""
        self._patch(ticket_id, {f"custom_{self.settings['restriction_field']}": self._cleared})

    def _do_add_tags(self, ticket_id: str, action: dict) -> None:
        """django-helpdesk has no tags: merge ours into a custom field (read, merge, write)."""
        tags = self._tags(ticket_id)
        merged = tags + [t for t in action["tags"] if t not in tags]
        if merged != tags:
            self._patch(ticket_id, {self._tags_field: ", ".join(merged)[:255]})

    def _do_remove_tags(self, ticket_id: str, action: dict) -> None:
        """Remove only these tags; when none is left, write the placeholder (an empty value is refused)."""
        tags = self._tags(ticket_id)
        kept = [t for t in tags if t not in action["tags"]]
        if kept != tags:
            self._patch(ticket_id, {self._tags_field: ", ".join(kept) or self._cleared})

    def _do_add_note(self, ticket_id: str, action: dict) -> None:
        """A non-public follow-up, skipped if a retry already posted it.

        No title is ever sent: django-helpdesk copies a follow-up's title onto the ticket (update_ticket)."""
        marker = action["marker"]
        if any(marker in (f.get("comment") or "") for f in self._ticket(ticket_id).get("followup_set", [])):
            return
        send(
            self.session,
            "POST",
            self._url("followups/"),
            bucket=self.bucket,
            json={"ticket": int(ticket_id), "comment": action["text"], "public": False},
        )

    def holder(self, ticket_id: str) -> Holder:
        """Ticket.assigned_to, and open while its status is 1 (Open) or 2 (Reopened)."""
        ticket = self._ticket(ticket_id)
        assignee = ticket.get("assigned_to")
        return Holder(str(assignee) if assignee is not None else None, ticket.get("status") in (1, 2))

    def _do_assign(self, ticket_id: str, action: dict) -> None:
        self._patch(ticket_id, {"assigned_to": int(action["agent_id"])})

    def _do_set_priority(self, ticket_id: str, action: dict) -> None:
        """django-helpdesk's priorities run 1 (Critical) to 5 (Very Low); a safeguarding concern is Critical."""
        self._patch(ticket_id, {"priority": int(self.settings.get("escalation_priority", 1))})

    def _do_move_queue(self, ticket_id: str, action: dict) -> None:
        self._patch(ticket_id, {"queue": int(action["queue"])})

    def _do_create_task(self, ticket_id: str | None, action: dict) -> None:
        """Review reminders become tickets in the review queue, assigned when the officer is known.

        django-helpdesk's API makes a ticket's description its first follow-up, always public, and e-mails it to
        the submitter: so the ticket is made with no submitter and a description that says nothing, and the
        task's text follows as a staff-only follow-up."""
        body = {
            "queue": int(action["queue"]),
            "title": action["title"],
            "description": "A task from contactguard: the details are in the staff-only follow-up.",
            "priority": self.settings.get("task_priority", 3),
        }
        if action.get("agent_id"):
            body["assigned_to"] = int(action["agent_id"])
        created = send(self.session, "POST", self._url("tickets/"), bucket=self.bucket, json=body).json()
        send(
            self.session,
            "POST",
            self._url("followups/"),
            bucket=self.bucket,
            json={"ticket": int(created["id"]), "comment": action["text"], "public": False},
        )

    def events_since(self, since: dt.datetime) -> list[InboundEvent]:
        """New tickets and follow-ups since `since`, as the webhooks would have reported them (for a rescan).

        The API filters neither by date, so follow-ups (ordered by date) are read from the last page back."""
        by_ticket: dict[int, set[int]] = {}
        for followup in self._followups_since(since):
            by_ticket.setdefault(int(followup["ticket"]), set()).add(int(followup["id"]))
        events = []
        for ticket_id in sorted(by_ticket):
            ticket = schemas.Ticket().load(self._ticket(str(ticket_id)))
            first = ticket["followup_set"][0]["id"] if ticket["followup_set"] else None
            for followup_id in sorted(by_ticket[ticket_id]):
                events.append(
                    ticket_event(ticket, None, self.settings)
                    if followup_id == first
                    else followup_event(ticket, followup_id, None, self.settings)
                )
        return events

    def _followups_page(self, page: int) -> dict:
        return send(
            self.session,
            "GET",
            self._url("followups/"),
            bucket=self.bucket,
            params={"page": page, "page_size": PAGE_SIZE},
        ).json()

    def _followups_since(self, since: dt.datetime) -> list[dict]:
        """Follow-ups dated at or after `since`: the last pages, back to the first older one."""
        first = self._followups_page(1)
        found = []
        for page in range(max(1, math.ceil(first["count"] / PAGE_SIZE)), 0, -1):
            results = first["results"] if page == 1 else self._followups_page(page)["results"]
            recent = [f for f in results if (parse_date(f.get("date")) or since) >= since]
            found.extend(recent)
            if len(recent) < len(results):
                break
        return found

    def test_connection(self) -> None:
        """One call with the new credentials; failures come back as field-keyed codes."""
        check_connection(
            lambda: self.session.get(self._url("tickets/"), params={"page_size": 1}),
            label="django-helpdesk",
            where="base_url",
            credentials="username",
            extra={403: ("invalid_auth", "the API user must be staff", "username")},
        )
