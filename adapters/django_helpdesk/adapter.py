"""django-helpdesk: new-ticket and follow-up webhooks (unsigned, no delivery id), DRF API outbound."""
from __future__ import annotations

import datetime as dt
import json

from marshmallow import ValidationError

from ..base import NOTE_MARKER, Adapter, InboundEvent, check_shared_secret
from ..errors import PayloadError
from . import schemas
from .client import DjangoHelpdeskClient

SECRET_HEADER = "X-Contactguard-Secret"


class DjangoHelpdeskAdapter(Adapter):
    """django-helpdesk 2.x (PyPI django-helpdesk)."""

    key = "django_helpdesk"
    title = "django-helpdesk"
    events = ("ticket.created", "ticket.customer_reply")
    settings_schema = schemas.Settings
    secrets_schema = schemas.Secrets

    def verify(self, headers, raw: bytes, secrets: dict, settings: dict, now: dt.datetime) -> None:
        """django-helpdesk cannot sign: the unguessable URL, plus the shared-secret header if configured."""
        check_shared_secret(headers, secrets, SECRET_HEADER)

    def parse(self, raw: bytes, headers, settings: dict) -> list[InboundEvent]:
        try:
            body = schemas.Body().load(json.loads(raw))
        except (ValueError, ValidationError) as exc:
            detail = exc.messages if isinstance(exc, ValidationError) else "not JSON"
            raise PayloadError(f"not a django-helpdesk webhook body: {detail}") from None
        ticket = body["ticket"]
        if body["followup_id"] is None:
            return [self._new_ticket(ticket, body)]
        return [self._followup(ticket, body)]

    def _common(self, ticket: dict, body: dict) -> dict:
        email = ticket["submitter_email"]
        return {
            "ticket_id": str(ticket["id"]), "emails": (email,) if email else (),
            "assigned_agent_id": _id_of(ticket["assigned_to"]), "queue": body["queue_slug"],
            "subject": ticket["title"] or "",
        }

    def _new_ticket(self, ticket: dict, body: dict) -> InboundEvent:
        first = ticket["followup_set"][0] if ticket["followup_set"] else {}
        return InboundEvent(
            delivery_key=f"ticket:{ticket['id']}", event_type="ticket.created", text=ticket["description"] or "",
            channel="email" if first.get("message_id") else "web_form", at=_parse_date(first.get("date")),
            **self._common(ticket, body),
        )

    def _followup(self, ticket: dict, body: dict) -> InboundEvent:
        followup = next((f for f in ticket["followup_set"] if f["id"] == body["followup_id"]), None)
        if followup is None:
            raise PayloadError(f"followup_id {body['followup_id']} is not in the ticket's followup_set")
        return InboundEvent(
            delivery_key=f"followup:{followup['id']}", event_type="ticket.customer_reply",
            text=followup["comment"] or "", channel="email" if followup["message_id"] else "web_form",
            at=_parse_date(followup["date"]), ignore_reason=_ignore_reason(followup),
            **self._common(ticket, body),
        )

    def client(self, settings: dict, secrets: dict) -> DjangoHelpdeskClient:
        return DjangoHelpdeskClient(settings, secrets)


def _ignore_reason(followup: dict) -> str | None:
    """Our own notes, staff replies and internal follow-ups are not customer contacts (no loops)."""
    if NOTE_MARKER in (followup["comment"] or ""):
        return "our own note"
    if followup["user"] is not None:
        return "follow-up by staff"
    if not followup["public"]:
        return "internal follow-up"
    return None


def _id_of(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        value = value.get("id")
    return str(value)


def _parse_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
