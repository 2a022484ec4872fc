"""Request Tracker transactions (the scrip's body, or read back through REST2 for a rescan) as InboundEvents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..base import NOTE_MARKER, InboundEvent
from . import schemas

EVENT_TYPES = {"Create": "ticket.created", "Correspond": "ticket.customer_reply"}
NOBODY = "nobody"  # RT's user that "owns" unowned tickets


@dataclass(frozen=True)
class Transaction:
    """One Create or Correspond transaction and its ticket, as the scrip posts them and a rescan reads them."""

    id: int
    type: str
    ticket_id: int
    subject: str
    queue: str | None
    owner: str | None
    requestors: tuple[str, ...]
    actor_name: str | None
    actor_email: str | None
    actor_privileged: bool
    interface: str | None
    content: str
    created: dt.datetime | None


def from_body(body: dict) -> Transaction:
    """The scrip's body (schemas.Body, loaded) as a Transaction."""
    ticket, txn, actor = body["ticket"], body["transaction"], body["actor"]
    return Transaction(
        id=txn["id"],
        type=txn["type"],
        ticket_id=ticket["id"],
        subject=ticket["subject"] or "",
        queue=ticket["queue"],
        owner=ticket["owner"],
        requestors=tuple(ticket["requestors"]),
        actor_name=actor["name"],
        actor_email=actor["email"],
        actor_privileged=actor["privileged"],
        interface=txn["interface"],
        content=txn["content"] or "",
        created=parse_date(txn["created"]),
    )


def delivery_key(transaction_id: int) -> str:
    """`rt-txn:<id>`: RT numbers every transaction once, and a rescan reads the same number back.

    The scrip's POST carries the connection's shared secret, so nobody without it can post a made-up body for a
    transaction first and have the real delivery dropped as its duplicate."""
    return f"rt-txn:{transaction_id}"


def source(txn: Transaction) -> str:
    """Where the contact came from: RT's mail gateway, a customer on the web pages, or staff recording it."""
    if (txn.interface or "").strip().lower() == "email":
        return "email"
    return "staff" if txn.actor_privileged else "self_service"


def channel_for(kind: str, settings: dict) -> str | None:
    """The product's channel for a source: the connection's channel_map over the defaults (None: not judged)."""
    return {**schemas.DEFAULT_CHANNEL_MAP, **(settings.get("channel_map") or {})}.get(kind)


def owner_of(name: str | None) -> str | None:
    """The RT user name holding a ticket, None when RT's Nobody does."""
    if not name or name.strip().lower() == NOBODY:
        return None
    return name


def to_event(txn: Transaction, settings: dict) -> InboundEvent:
    """The event the pipeline decides: who wrote (the requestors of a new ticket, the author of a reply), and why
    it is not a customer's contact when it is not."""
    writer = None if txn.actor_privileged else (txn.actor_email or None)
    if txn.type == "Correspond" and writer:
        emails: tuple[str, ...] = (writer,)
    else:
        emails = tuple(dict.fromkeys(e for e in txn.requestors if e))
    return InboundEvent(
        delivery_key=delivery_key(txn.id),
        event_type=EVENT_TYPES[txn.type],
        ticket_id=str(txn.ticket_id),
        emails=emails,
        helpdesk_user_id=_user_id(txn, emails),
        assigned_agent_id=owner_of(txn.owner),
        channel=channel_for(source(txn), settings),
        queue=txn.queue,
        subject=txn.subject,
        text=txn.content,
        at=txn.created,
        ignore_reason=ignore_reason(txn, settings),
    )


def _user_id(txn: Transaction, emails: tuple[str, ...]) -> str | None:
    """The customer's RT user name, when it says more than their address: rt-mailgate names the users it makes
    after their e-mail address, and staff are not customers."""
    name = (txn.actor_name or "").strip()
    if txn.actor_privileged or not name or name.casefold() in {e.casefold() for e in emails}:
        return None
    return name


def ignore_reason(txn: Transaction, settings: dict) -> str | None:
    """contactguard's own changes (its user, its notes) and staff replies are not customer contacts (no loops)."""
    ours = (settings.get("rt_user") or "contactguard").casefold()
    if (txn.actor_name or "").casefold() == ours:
        return "by contactguard's own RT user"
    if NOTE_MARKER in txn.content:
        return "our own note"
    if txn.type == "Correspond" and txn.actor_privileged:
        return "reply by staff"
    return None


def parse_date(value: str | None) -> dt.datetime | None:
    """RT's W3C date (UTC, `2026-12-07T09:26:31Z`), aware; None when missing, RT's "not set" or malformed."""
    if not value or value.startswith("1970-01-01"):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
