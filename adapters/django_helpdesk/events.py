"""django-helpdesk tickets and follow-ups (webhook bodies or API reads) as InboundEvents, and their channel."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from ..base import NOTE_MARKER, InboundEvent
from ..errors import PayloadError
from . import schemas

PUBLIC_FORM_TITLE = "Ticket Opened Via Web"  # PublicTicketForm's first follow-up (English; translated elsewhere)


def ticket_source(first: dict) -> str:
    """Where django-helpdesk 2.6.1 says a new ticket came from, read off its first follow-up.

    E-mail import sets message_id; the public form leaves user empty (anonymous) or titles the follow-up
    "Ticket Opened Via Web"; the staff form and the API (TicketForm) record the staff user."""
    if first.get("message_id"):
        return "email"
    if first.get("user") is None or first.get("title") == PUBLIC_FORM_TITLE:
        return "public_form"
    return "staff"


def followup_source(followup: dict) -> str:
    """A follow-up: e-mail import sets message_id; staff follow-ups record the user; the rest came from the web."""
    if followup.get("message_id"):
        return "email"
    return "staff" if followup.get("user") is not None else "public_form"


def channel_for(source: str, settings: dict) -> str | None:
    """The product's channel for a source: the connection's channel_map over the defaults (None: not judged)."""
    return {**schemas.DEFAULT_CHANNEL_MAP, **(settings.get("channel_map") or {})}.get(source)


def delivery_key(kind: str, ticket: dict, followup: dict | None) -> str:
    """`ticket:<id>:<digest>` or `followup:<id>:<digest>`, the same from a webhook body and from the API (rescan).

    django-helpdesk sends no delivery id and cannot sign, so the ids alone would let anyone holding the URL
    post a forged body for ticket 5 first and have the real delivery dropped as its duplicate. The digest
    covers what the decision reads and the helpdesk never changes afterwards: the submitter, the ticket's
    description or the follow-up's comment, who wrote it, how (message id) and when, to the microsecond.
    The assignee and queue are left out: they change (contactguard itself assigns), and a rescan must still
    recognise the delivery."""
    item = followup or {}
    when = parse_date(item.get("date"))
    facts = {
        "ticket": ticket["id"],
        "submitter": (ticket.get("submitter_email") or "").strip().lower(),
        "followup": item.get("id"),
        "user": _id_of(item.get("user")),
        "message_id": item.get("message_id"),
        "date": when.astimezone(dt.timezone.utc).isoformat() if when else None,
        "text": (item.get("comment") if kind == "followup" else ticket.get("description")) or "",
    }
    digest = hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode("utf-8", "surrogatepass"))
    return f"{kind}:{item['id'] if kind == 'followup' else ticket['id']}:{digest.hexdigest()[:32]}"


def _common(ticket: dict, queue_slug: str | None) -> dict:
    email = ticket["submitter_email"]
    return {
        "ticket_id": str(ticket["id"]),
        "emails": (email,) if email else (),
        "assigned_agent_id": _id_of(ticket["assigned_to"]),
        "queue": queue_slug,
        "subject": ticket["title"] or "",
    }


def ticket_event(ticket: dict, queue_slug: str | None, settings: dict) -> InboundEvent:
    """A new ticket, as the new-ticket webhook reports it (delivery key ticket:<id>:<digest>)."""
    first = ticket["followup_set"][0] if ticket["followup_set"] else {}
    return InboundEvent(
        delivery_key=delivery_key("ticket", ticket, first or None),
        event_type="ticket.created",
        text=ticket["description"] or "",
        channel=channel_for(ticket_source(first), settings),
        at=parse_date(first.get("date")),
        **_common(ticket, queue_slug),
    )


def followup_event(ticket: dict, followup_id: int, queue_slug: str | None, settings: dict) -> InboundEvent:
    """One follow-up, as the follow-up webhook reports it (delivery key followup:<id>:<digest>)."""
    followup = next((f for f in ticket["followup_set"] if f["id"] == followup_id), None)
    if followup is None:
        raise PayloadError(f"followup_id {followup_id} is not in the ticket's followup_set")
    return InboundEvent(
        delivery_key=delivery_key("followup", ticket, followup),
        event_type="ticket.customer_reply",
        text=followup["comment"] or "",
        channel=channel_for(followup_source(followup), settings),
        at=parse_date(followup["date"]),
        ignore_reason=_ignore_reason(followup),
        **_common(ticket, queue_slug),
    )


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


def parse_date(value: str | None) -> dt.datetime | None:
    """An ISO date from django-helpdesk, aware (UTC when it carries no zone); None when missing or malformed."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
