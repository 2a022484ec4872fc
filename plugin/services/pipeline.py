"""One webhook event: stored as received, then matched, decided and recorded with its outbox and audit.

Two steps (issue 12): the webhook request only stores the event (the row of `pending_row`, one insert
keyed for de-duplication) and answers; the worker decides each stored event in arrival order (`decide_stored`),
writing the decision, the outbox actions and the audit entry in one transaction. `ingest` does both
at once for `connections rescan`. The caller commits; nothing here calls the helpdesk.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, fields, replace

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import joinedload

from adapters.base import InboundEvent

from .. import identity as idn
from .. import notes
from ..models import Identity, OfficerHelpdeskId, Restriction, Service, WebhookEvent
from ..policy import decision as policy
from ..policy.lifecycle import IN_FORCE_VALUES
from . import outbox
from .context import Context
from .cover import cover_on
from .lookup import helpdesk_agent_for
from .terms import policy_terms
from .ticket_actions import flag_action, plan
from .ticket_flags import WROTE_TO_TICKET

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    """What happened to one event."""

    status: str  # processed | duplicate | ignored
    outcome: str | None = None
    event_id: int | None = None


def ingest(ctx: Context, connection, event: InboundEvent) -> IngestResult:
    """Decide on one event and write event, actions and audit in the caller's transaction.

    A delivery seen before fails the caller's commit on the (connection, delivery key) unique key.
    """
    if event.ignore_reason:
        log.info(
            "event ignored connection=%s delivery=%s type=%s reason=%s",
            connection.id[:6],
            event.delivery_key,
            event.event_type,
            event.ignore_reason,
        )
        return IngestResult("ignored")
    if event.needs_lookup:
        return _await_lookup(ctx, connection, event)
    customer_id, restriction_ids = _match(ctx, connection.id, event)
    restrictions = _load(ctx, restriction_ids)
    if not restrictions:
        _record_allowed(ctx, connection, event, customer_id)
        return IngestResult("processed", policy.Outcome.ALLOW.value)
    row = WebhookEvent(
        connection_id=connection.id,
        delivery_key=event.delivery_key,
        event_type=event.event_type,
        ticket_id=event.ticket_id,
    )
    outcome = _decide(ctx, connection, event, row, customer_id, restrictions)
    return IngestResult("processed", outcome, row.id)


def _decide(
    ctx: Context,
    connection,
    event: InboundEvent,
    row: WebhookEvent,
    customer_id: int | None,
    restrictions: list[Restriction],
) -> str:
    """Decide, record the event and queue its helpdesk actions; the outcome."""
    at = _contact_time(ctx, connection, event, row)
    contact = policy.Contact(
        at=at,
        channel=event.channel,
        assigned_officer_id=_officer_for_agent(ctx, connection.id, event.assigned_agent_id),
        addressed_inbox=event.addressed_inbox,
        sender_email=event.emails[0] if event.emails else None,
        service_id=_service_id(ctx, connection),
        subject=event.subject,
        text=event.text,
    )
    terms = [policy_terms(r) for r in restrictions]
    screen = policy.screen_for(ctx.settings.SAFEGUARDING_SCREEN)
    decision = policy.decide(contact, terms, screen=screen, zone=ctx.settings.zone)
    row.customer_id, row.restriction_id = customer_id, decision.restriction_id
    row.outcome, row.reason, row.screen_hits = decision.outcome.value, decision.reason, list(decision.screen_hits)
    row.inbound = None  # the subject and text were needed for the decision only (with the rest: one update)
    ctx.session.add(row)
    ctx.session.flush()
    restriction = next((r for r in restrictions if r.id == decision.restriction_id), None)
    _queue_actions(ctx, connection, row, restriction, decision, event, at)
    if restriction is not None:
        ctx.audit(
            "contact." + decision.outcome.value,
            row,
            customer_id=customer_id,
            restriction=restriction.id,
            ticket=event.ticket_id,
            reason=decision.reason,
        )
    log.info(
        "event processed connection=%s delivery=%s type=%s outcome=%s",
        connection.id[:6],
        event.delivery_key,
        event.event_type,
        decision.outcome.value,
    )
    return decision.outcome.value


FUTURE_TOLERANCE = dt.timedelta(minutes=5)  # clocks drift; a contact dated further ahead did not happen then


def _contact_time(ctx: Context, connection, event: InboundEvent, row: WebhookEvent) -> dt.datetime:
    """When the contact was made: the helpdesk's time, unless it is ahead of the arrival by more than a few minutes
    (a wrong clock or a forged date would be decided against the permitted times of a day not yet come)."""
    arrived = row.received_at or ctx.now()
    if event.at is None:
        return arrived
    if event.at > arrived + FUTURE_TOLERANCE:
        log.warning(
            "event time ahead of its arrival connection=%s delivery=%s ahead_s=%d: decided at its arrival time",
            connection.id[:6],
            event.delivery_key,
            (event.at - arrived).total_seconds(),
        )
        return arrived
    return event.at


PENDING = "pending"
LOOKUP_FIELDS = ("delivery_key", "event_type", "ticket_id", "subject", "text", "channel", "lookup")
RECEIVED = "received; the worker decides"


def pending_row(connection_id: str, event: InboundEvent, now: dt.datetime) -> dict | None:
    """The webhook_events row that keeps `event` for the worker's decision; None when the event is ignored.

    The webhook stores it with one insert (webhooks/event_insert.py); a delivery seen before fails that insert
    on the (connection, delivery key) unique key, so retries and concurrent twins are stored once."""
    if event.ignore_reason:
        log.info(
            "event ignored connection=%s delivery=%s type=%s reason=%s",
            connection_id[:6],
            event.delivery_key,
            event.event_type,
            event.ignore_reason,
        )
        return None
    return {
        "connection_id": connection_id,
        "delivery_key": event.delivery_key,
        "event_type": event.event_type,
        "ticket_id": event.ticket_id,
        "outcome": PENDING,
        "reason": RECEIVED,
        "screen_hits": [],
        "received_at": now,
        "inbound": inbound_of(event),
    }


def inbound_of(event: InboundEvent) -> dict:
    """The event as JSON, to wait in webhook_events.inbound for the worker."""
    stored = {f.name: getattr(event, f.name) for f in fields(InboundEvent) if f.name != "ignore_reason"}
    stored["at"] = event.at.isoformat() if event.at else None
    stored["emails"], stored["phones"] = list(event.emails), list(event.phones)
    return stored


def event_from(inbound: dict | None) -> InboundEvent:
    """The stored event back as an InboundEvent."""
    if inbound is None:
        raise ValueError("the stored event has no content left: it was decided already")
    known = {f.name for f in fields(InboundEvent)}
    values = {k: v for k, v in inbound.items() if k in known}
    values["at"] = dt.datetime.fromisoformat(values["at"]) if values.get("at") else None
    values["emails"], values["phones"] = tuple(values.get("emails") or ()), tuple(values.get("phones") or ())
    return InboundEvent(**values)


def decide_stored(ctx: Context, connection, row: WebhookEvent) -> str:
    """The worker's step for one stored event: decide it, queue its actions, audit; clear what it carried."""
    event = event_from(row.inbound)
    if event.needs_lookup:
        row.inbound = None  # the subject and text were needed for the decision only (the lookup carries them)
        row.reason = "waiting to learn who wrote"
        _queue_lookup(ctx, connection, event, row)
        return PENDING
    customer_id, restriction_ids = _match(ctx, connection.id, event)
    restrictions = _load(ctx, restriction_ids)
    if not restrictions:
        row.customer_id, row.outcome, row.reason = customer_id, policy.Outcome.ALLOW.value, "not restricted"
        row.inbound = None  # the subject and text were needed for the decision only
        log.info(
            "event processed connection=%s delivery=%s type=%s outcome=allow",
            connection.id[:6],
            event.delivery_key,
            event.event_type,
        )
        return policy.Outcome.ALLOW.value
    return _decide(ctx, connection, event, row, customer_id, restrictions)


def _await_lookup(ctx: Context, connection, event: InboundEvent) -> IngestResult:
    """The payload does not say who wrote: record the event and ask the worker to find out, then decide."""
    row = WebhookEvent(
        connection_id=connection.id,
        delivery_key=event.delivery_key,
        event_type=event.event_type,
        ticket_id=event.ticket_id,
        outcome=PENDING,
        reason="waiting to learn who wrote",
        screen_hits=[],
    )
    ctx.session.add(row)
    ctx.session.flush()
    _queue_lookup(ctx, connection, event, row)
    return IngestResult("processed", PENDING, row.id)


def _queue_lookup(ctx: Context, connection, event: InboundEvent, row: WebhookEvent) -> None:
    lookup = outbox.Lookup({f: getattr(event, f) for f in LOOKUP_FIELDS})
    outbox.write(ctx, connection, [lookup], origin=event_origin(row.id), ticket_id=event.ticket_id, event_id=row.id)


def event_origin(event_id: int) -> str:
    """What the outbox keys of an event's actions start with."""
    return f"event:{event_id}"


def decide_after_lookup(ctx: Context, connection, event_id: int | None, found: dict) -> str:
    """The worker learnt who wrote: decide now, once (a repeated lookup finds the event decided)."""
    row = ctx.session.get(WebhookEvent, event_id) if event_id is not None else None
    if row is None or row.outcome != PENDING:
        return row.outcome if row else "missing"
    queued = outbox.lookup_of(ctx, row.id)
    if queued is None:
        raise LookupError(f"event {event_id} is waiting for a lookup that was never queued")
    fields = {**queued, **found}
    fields["emails"], fields["phones"] = tuple(fields.get("emails", ())), tuple(fields.get("phones", ()))
    event = InboundEvent(**fields)
    if event.ignore_reason:
        row.outcome, row.reason = "ignored", event.ignore_reason
        return row.outcome
    customer_id, restriction_ids = _match(ctx, connection.id, event)
    restrictions = _load(ctx, restriction_ids)
    if not restrictions:
        row.customer_id, row.outcome, row.reason = customer_id, policy.Outcome.ALLOW.value, "not restricted"
        return policy.Outcome.ALLOW.value
    return _decide(ctx, connection, event, row, customer_id, restrictions)


def _record_allowed(ctx: Context, connection, event: InboundEvent, customer_id: int | None) -> None:
    """The common case, kept lean: one insert, no actions."""
    ctx.session.execute(
        insert(WebhookEvent).values(
            connection_id=connection.id,
            delivery_key=event.delivery_key,
            event_type=event.event_type,
            ticket_id=event.ticket_id,
            customer_id=customer_id,
            outcome=policy.Outcome.ALLOW.value,
            reason="not restricted",
            screen_hits=[],
            received_at=ctx.now(),
        )
    )
    log.info(
        "event processed connection=%s delivery=%s type=%s outcome=allow",
        connection.id[:6],
        event.delivery_key,
        event.event_type,
    )


def _wanted(connection_id: str, event: InboundEvent) -> list[tuple[str, str, str]]:
    wanted = []
    for kind, raws in (("email", event.emails), ("phone", event.phones)):
        for raw in raws:
            try:
                wanted.append((kind, idn.normalise(kind, raw), ""))
            except idn.IdentityError:
                continue
    if event.helpdesk_user_id:
        wanted.append(("helpdesk_user", event.helpdesk_user_id, connection_id))
    return wanted


def _match(ctx: Context, connection_id: str, event: InboundEvent) -> tuple[int | None, list[int]]:
    """One indexed query: the customer an identity belongs to, and their restrictions in force."""
    wanted = _wanted(connection_id, event)
    if not wanted:
        return None, []
    clauses = [(Identity.kind == k) & (Identity.value == v) & (Identity.connection_id == c) for k, v, c in wanted]
    in_force = (Restriction.customer_id == Identity.customer_id) & Restriction.state.in_(IN_FORCE_VALUES)
    rows = ctx.session.execute(
        select(Identity.customer_id, Restriction.id)
        .outerjoin(Restriction, in_force)
        .where(or_(*clauses))
        .order_by(Identity.id, Restriction.id)
    ).all()
    if not rows:
        return None, []
    customer_id = rows[0][0]
    return customer_id, [rid for cid, rid in rows if cid == customer_id and rid is not None]


def _load(ctx: Context, restriction_ids: list[int]) -> list[Restriction]:
    if not restriction_ids:
        return []
    query = (
        select(Restriction)
        .where(Restriction.id.in_(restriction_ids))
        .order_by(Restriction.id)
        .options(joinedload(Restriction.spoc_officer), joinedload(Restriction.deputy_officer))
    )
    return list(ctx.session.scalars(query))


def _officer_for_agent(ctx: Context, connection_id: str, agent_id: str | None) -> int | None:
    if agent_id is None:
        return None
    query = select(OfficerHelpdeskId.officer_id).where(
        OfficerHelpdeskId.agent_id == agent_id, OfficerHelpdeskId.connection_id.in_([connection_id, ""])
    )
    found = ctx.session.scalar(query.order_by(OfficerHelpdeskId.connection_id.desc()).limit(1))
    return found if found is not None else -1  # an agent we do not know is still not the SPOC


def _service_id(ctx: Context, connection) -> int | None:
    slug = connection.settings.get("service")
    return ctx.session.scalar(select(Service.id).where(Service.slug == slug)) if slug else None


def _queue_actions(ctx, connection, row, restriction, decision, event, at: dt.datetime) -> None:
    day = at.astimezone(ctx.settings.zone).date()
    away, cover = None, None
    if restriction is not None and decision.outcome in ROUTED_OUTCOMES:
        away, cover = cover_on(ctx, restriction, day)  # the SPOC is away: route to the deputy instead
    route_to = cover.id if cover is not None else (restriction.spoc_officer_id if restriction else None)
    spoc_agent = helpdesk_agent_for(ctx, connection.id, route_to) if restriction else None
    earlier = _earlier_outcomes(ctx, connection.id, event.ticket_id, row.id)
    actions = plan(decision, restriction, connection.settings, spoc_agent, event.assigned_agent_id, earlier)
    if away is not None:
        flag = flag_action(restriction, away, cover)  # the field names who covers, not the absent officer
        actions = [flag if isinstance(a, outbox.SetFlag) else a for a in actions]
        assigned = any(isinstance(a, outbox.Assign) for a in actions)
        cover_note = notes.render(
            "deputy_cover",
            spoc=away.name,
            day=day.isoformat(),
            assigned=assigned,
            deputy=f"{cover.name} <{cover.email}>" if cover is not None else None,
        )
        actions = [replace(a, text=f"{a.text}\n{cover_note}") if isinstance(a, outbox.AddNote) else a for a in actions]
    outbox.write(ctx, connection, actions, origin=event_origin(row.id), ticket_id=event.ticket_id, event_id=row.id)


def _earlier_outcomes(ctx: Context, connection_id: str, ticket_id: str | None, event_id: int) -> tuple:
    """(outcome, screen hits) of the decisions already written to this ticket, distinct (their tags may be on it)."""
    if ticket_id is None:
        return ()
    rows = ctx.session.execute(
        select(WebhookEvent.outcome, WebhookEvent.screen_hits).where(
            WebhookEvent.connection_id == connection_id,
            WebhookEvent.ticket_id == ticket_id,
            WebhookEvent.id < event_id,
            WebhookEvent.outcome.in_(WROTE_TO_TICKET),
        )
    ).all()
    return tuple({(outcome, tuple(hits or ())) for outcome, hits in rows})


ROUTED_OUTCOMES = (policy.Outcome.FLAG, policy.Outcome.DISREGARD, policy.Outcome.ESCALATE)
