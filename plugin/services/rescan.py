"""After an outage: read a connection's recent tickets back from the helpdesk and check each one.

The helpdesk's client turns them into the InboundEvents its webhooks would have sent, with the same
delivery keys, so a contact contactguard already received counts as known and is not checked twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from adapters import REGISTRY, get_adapter
from adapters.base import check_event
from adapters.errors import PayloadError, PermanentFailure, RetryLater

from ..config import Settings
from . import connections as conns
from .context import Actor, Context
from .errors import InvalidInput, ServiceError
from .lookup import require_admin
from .pipeline import ingest

log = logging.getLogger(__name__)


class HelpdeskUnavailable(ServiceError):
    """The helpdesk could not be read."""

    status = 502
    code = "helpdesk_unavailable"


@dataclass(frozen=True)
class Snapshot:
    """What the pipeline reads of a connection, kept after the session closes."""

    id: str
    adapter: str
    settings: dict


@dataclass
class RescanReport:
    """How many tickets the helpdesk reported, and what became of their events."""

    tickets: int = 0
    events: int = 0
    checked: int = 0
    known: int = 0
    ignored: int = 0
    unreadable: list[str] = field(default_factory=list)  # ticket ids whose events cannot be stored: check by hand

    def as_dict(self) -> dict:
        """For --json."""
        return asdict(self)


def parse_since(value: str, zone: ZoneInfo) -> dt.datetime:
    """An ISO date and time; without a zone it is the council's local time (`zone`, the TIMEZONE setting)."""
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"--since {value!r}: use an ISO date and time, e.g. 2026-11-27T09:00", errors={"since": ["invalid"]}
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def rescan(sessions, settings: Settings, actor: Actor, connection_id: str, since: dt.datetime) -> RescanReport:
    """Check every ticket and customer reply since `since` that contactguard has not seen."""
    connection, secrets = _load(sessions, settings, actor, connection_id)
    client = get_adapter(connection.adapter).client(connection.settings, secrets)
    if not hasattr(client, "events_since"):
        readable = sorted(key for key, a in REGISTRY.items() if hasattr(a.client_class(), "events_since"))
        raise InvalidInput(
            f"the {connection.adapter} adapter cannot read tickets back; "
            f"connections of these helpdesks can be rescanned: {', '.join(readable)}",
            errors={"adapter": ["no_rescan"]},
        )
    try:
        events = client.events_since(since)
    except (RetryLater, PermanentFailure) as exc:
        raise HelpdeskUnavailable(f"could not read the helpdesk: {exc}") from None
    report = RescanReport(tickets=len({e.ticket_id for e in events}), events=len(events))
    for event in events:
        try:
            event = check_event(event)  # the same checks as the receiver: NUL characters, lengths, types
        except PayloadError as exc:
            log.warning(
                "rescan: unreadable event connection=%s ticket=%.64s: %s", connection.id[:6], event.ticket_id, exc
            )
            report.unreadable.append(str(event.ticket_id)[:64])
            continue
        status = _ingest_one(sessions, settings, connection, event)
        report.checked += status == "processed"
        report.known += status == "duplicate"
        report.ignored += status == "ignored"
    log.info(
        "rescan connection=%s tickets=%d events=%d checked=%d known=%d",
        connection.id[:6],
        report.tickets,
        report.events,
        report.checked,
        report.known,
    )
    return report


def _load(sessions, settings: Settings, actor: Actor, connection_id: str) -> tuple[Snapshot, dict]:
    with sessions() as session:
        ctx = Context(session, actor, settings)
        require_admin(ctx, "rescanning a helpdesk")
        row = conns.get(ctx, connection_id)
        if not row.active:
            raise InvalidInput(f"connection {connection_id} is inactive", errors={"connection": ["inactive"]})
        return Snapshot(row.id, row.adapter, dict(row.settings)), conns.secrets_of(ctx, row)


def _ingest_one(sessions, settings: Settings, connection: Snapshot, event) -> str:
    """One event in its own transaction, as the receiver does; a delivery already received loses on the key."""
    with sessions() as session:
        ctx = Context(session, Actor.system("rescan"), settings)
        try:
            with session.begin():
                result = ingest(ctx, connection, event)
        except IntegrityError:
            log.info("rescan: already received connection=%s delivery=%s", connection.id[:6], event.delivery_key)
            return "duplicate"
    return result.status
