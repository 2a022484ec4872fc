"""One webhook event: stored as received, then matched, decided and recorded with its outbox and audit.

Two steps (issue 12): the webhook request only stores the event (the row of `pending_row`, one insert
keyed for de-duplication) and answers; the worker decides stored events in arrival order, a batch at a time
(issue 24, plugin/worker/decisions.py): `BatchReads` reads the register once for the batch, `judge` decides
each event from it without writing, and `write_decided` writes the batch's decisions, outbox actions and
audit entries with set-based statements in the caller's transaction. `ingest` does both at once for
`connections rescan`, and `decide_after_lookup` decides one event once its helpdesk said who wrote: both a
query at a time (`Reads`), through the same decision code (`_rule`, `_actions`). The caller commits; nothing
here calls the helpdesk.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, fields, replace

from sqlalchemy import bindparam, insert, or_, select
from sqlalchemy.orm import joinedload

from adapters.base import InboundEvent

from .. import identity as idn
from .. import notes
from ..models import Connection, Identity, OfficerHelpdeskId, OutboxAction, Restriction, Service, WebhookEvent
from ..models.audit import append as append_audit
from ..models.register import OfficerAbsence
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
    reads = Reads(ctx)
    ruled = _rule(reads, ctx.settings, connection, event, row.received_at or ctx.now(), customer_id, restrictions)
    for name, value in ruled.values.items():
        setattr(row, name, value)  # with `inbound` cleared: the subject and text were needed for the decision only
    ctx.session.add(row)
    ctx.session.flush()
    actions = _actions(reads, ctx.settings, connection, row.id, ruled, event)
    outbox.write(ctx, connection, actions, origin=event_origin(row.id), ticket_id=event.ticket_id, event_id=row.id)
    if ruled.restriction is not None:
        ctx.audit(ruled.audit_action, row, customer_id=customer_id, **ruled.audit_details)
    _log_outcome(connection.id, event, ruled.outcome)
    return ruled.outcome


@dataclass
class Ruled:
    """What the policy made of one event: the event row's new values and what the actions and audit need."""

    decision: policy.Decision
    restriction: Restriction | None
    at: dt.datetime
    values: dict
    ticket_id: str | None

    @property
    def outcome(self) -> str:
        return self.decision.outcome.value

    @property
    def audit_action(self) -> str:
        return "contact." + self.outcome

    @property
    def audit_details(self) -> dict:
        return {"restriction": self.decision.restriction_id, "ticket": self.ticket_id, "reason": self.decision.reason}


def _rule(reads, settings, connection, event: InboundEvent, arrived, customer_id, restrictions) -> Ruled:
    """The decision on one restricted customer's event (plugin/policy/decision.py), from what `reads` finds."""
    at = _contact_time(connection, event, arrived)
    contact = policy.Contact(
        at=at,
        channel=event.channel,
        assigned_officer_id=reads.officer_for_agent(connection.id, event.assigned_agent_id),
        addressed_inbox=event.addressed_inbox,
        sender_email=event.emails[0] if event.emails else None,
        service_id=reads.service_id(connection),
        subject=event.subject,
        text=event.text,
    )
    terms = [policy_terms(r) for r in restrictions]
    screen = policy.screen_for(settings.SAFEGUARDING_SCREEN)
    decision = policy.decide(contact, terms, screen=screen, zone=settings.zone)
    values = {
        "customer_id": customer_id,
        "restriction_id": decision.restriction_id,
        "outcome": decision.outcome.value,
        "reason": decision.reason,
        "screen_hits": list(decision.screen_hits),
        "inbound": None,
    }
    restriction = next((r for r in restrictions if r.id == decision.restriction_id), None)
    return Ruled(decision, restriction, at, values, event.ticket_id)


def _log_outcome(connection_id: str, event: InboundEvent, outcome: str) -> None:
    log.info(
        "event processed connection=%s delivery=%s type=%s outcome=%s",
        connection_id[:6],
        event.delivery_key,
        event.event_type,
        outcome,
    )


FUTURE_TOLERANCE = dt.timedelta(minutes=5)  # clocks drift; a contact dated further ahead did not happen then


def _contact_time(connection, event: InboundEvent, arrived: dt.datetime) -> dt.datetime:
    """When the contact was made: the helpdesk's time, unless it is ahead of the arrival by more than a few minutes
    (a wrong clock or a forged date would be decided against the permitted times of a day not yet come)."""
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


@dataclass(frozen=True)
class Stored:
    """One stored event as the worker takes it up."""

    id: int
    connection_id: str
    delivery_key: str
    ticket_id: str | None
    received_at: dt.datetime
    inbound: dict | None


@dataclass
class Decided:
    """One stored event decided, ready to be written with the rest of its batch (`write_decided`)."""

    stored: Stored
    values: dict  # the event row's new values
    actions: list[dict]  # its outbox rows, in order
    audit: dict | None  # its audit entry's columns
    outcome: str


def judge(reads: BatchReads, stored: Stored) -> Decided:
    """The worker's step for one stored event: its decision, helpdesk actions and audit entry, written
    later with its batch's; nothing is written here. An event handed to a lookup stays pending."""
    connection = reads.connection(stored.connection_id)
    event = reads.event(stored)
    origin = event_origin(stored.id)
    if event.needs_lookup:
        lookup = outbox.Lookup({f: getattr(event, f) for f in LOOKUP_FIELDS})
        rows = outbox.rows(connection, [lookup], origin=origin, ticket_id=event.ticket_id, event_id=stored.id)
        # the subject and text were needed for the decision only (the lookup carries them)
        return Decided(stored, {"inbound": None, "reason": "waiting to learn who wrote"}, rows, None, PENDING)
    customer_id, restrictions = reads.match(connection.id, event)
    if not restrictions:
        _log_outcome(connection.id, event, policy.Outcome.ALLOW.value)
        values = {**NOT_RESTRICTED, "customer_id": customer_id}
        return Decided(stored, values, [], None, policy.Outcome.ALLOW.value)
    ruled = _rule(reads, reads.ctx.settings, connection, event, stored.received_at, customer_id, restrictions)
    actions = _actions(reads, reads.ctx.settings, connection, stored.id, ruled, event)
    rows = outbox.rows(connection, actions, origin=origin, ticket_id=event.ticket_id, event_id=stored.id)
    audit = None
    if ruled.restriction is not None:
        actor = reads.ctx.actor
        audit = {
            "actor": actor.label,
            "actor_officer_id": actor.officer_id,
            "action": ruled.audit_action,
            "entity_type": WebhookEvent.__tablename__,
            "entity_id": stored.id,
            "customer_id": customer_id,
            "details": ruled.audit_details,
        }
    reads.decided(connection.id, event.ticket_id, stored.id, ruled)  # a later event of its ticket reads it
    _log_outcome(connection.id, event, ruled.outcome)
    return Decided(stored, ruled.values, rows, audit, ruled.outcome)


NOT_RESTRICTED: dict = {
    "restriction_id": None,
    "outcome": policy.Outcome.ALLOW.value,
    "reason": "not restricted",
    "screen_hits": [],
    "inbound": None,  # the subject and text were needed for the decision only
}


def write_decided(ctx: Context, decided: list[Decided]) -> None:
    """Write a batch's decisions with set-based statements: the events' updates, every outbox row in one
    insert, and the audit entries appended last, so the chain's lock is held only from there to the commit."""
    events = WebhookEvent.metadata.tables[WebhookEvent.__tablename__]
    session = ctx.session
    for keys in {tuple(sorted(d.values)) for d in decided}:  # the decided events, and those handed to a lookup
        same = [d for d in decided if tuple(sorted(d.values)) == keys]
        statement = (
            events.update()
            .where(events.c.id == bindparam("event_id"))
            .values({key: bindparam(f"new_{key}") for key in keys})
        )
        session.execute(
            statement, [{"event_id": d.stored.id, **{f"new_{k}": v for k, v in d.values.items()}} for d in same]
        )
    actions = [row for d in decided for row in d.actions]
    if actions:
        session.execute(insert(OutboxAction.metadata.tables[OutboxAction.__tablename__]), actions)
    append_audit(session.connection(), [d.audit for d in decided if d.audit is not None])


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


def _actions(reads, settings, connection, event_id: int, ruled: Ruled, event: InboundEvent) -> list[outbox.Action]:
    """The helpdesk actions for a decided event, in order (services/ticket_actions.py plan(), and the cover
    for a sole point of contact who is away)."""
    restriction, decision = ruled.restriction, ruled.decision
    day = ruled.at.astimezone(settings.zone).date()
    away, cover = None, None
    if restriction is not None and decision.outcome != policy.Outcome.ALLOW:
        away, cover = reads.cover(restriction, day)  # the SPOC is away: the flag names, and routing goes to, cover
    route_to = cover.id if cover is not None else (restriction.spoc_officer_id if restriction else None)
    spoc_agent = reads.agent_for(connection.id, route_to) if restriction else None
    earlier = reads.earlier(connection.id, event.ticket_id, event_id)
    actions = plan(decision, restriction, connection.settings, spoc_agent, event.assigned_agent_id, earlier)
    if away is not None and restriction is not None:  # away only when there is a restriction
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
    return actions


class Reads:
    """The register as one decision reads it, a query at a time (`ingest`, `decide_after_lookup`);
    BatchReads answers the same questions for a batch of stored events from a few queries."""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    def officer_for_agent(self, connection_id: str, agent_id: str | None) -> int | None:
        return _officer_for_agent(self.ctx, connection_id, agent_id)

    def service_id(self, connection) -> int | None:
        return _service_id(self.ctx, connection)

    def cover(self, restriction: Restriction, day: dt.date):
        return cover_on(self.ctx, restriction, day)

    def agent_for(self, connection_id: str, officer_id: int | None) -> str | None:
        return helpdesk_agent_for(self.ctx, connection_id, officer_id)

    def earlier(self, connection_id: str, ticket_id: str | None, event_id: int) -> tuple:
        return _earlier_outcomes(self.ctx, connection_id, ticket_id, event_id)


class BatchReads(Reads):
    """The register read once for a batch of stored events: identities, restrictions in force with their
    officers, officers' helpdesk ids, the connections and their services, absences (once per day) and the
    tickets' earlier outcomes. Each answer is the one the Reads query would give; what is rare (an absent sole
    point of contact, a covering officer's helpdesk id) still asks the database."""

    def __init__(self, ctx: Context, stored: list[Stored]):
        super().__init__(ctx)
        session = ctx.session
        ids = {s.connection_id for s in stored}
        self.connections = {c.id: c for c in session.scalars(select(Connection).where(Connection.id.in_(ids)))}
        events = {}
        for item in stored:
            try:
                events[item.id] = (item.connection_id, event_from(item.inbound))
            except Exception:  # noqa: BLE001 - bad stored data fails its own event, in `judge`
                continue
        self.events = {event_id: event for event_id, (_, event) in events.items()}
        wanted = {w for cid, event in events.values() for w in _wanted(cid, event)}
        self.identities = self._identities(wanted)
        customers = {customer for found in self.identities.values() for _, customer in found}
        self.in_force: dict[int, list[Restriction]] = {}
        if customers:
            query = (
                select(Restriction)
                .where(Restriction.customer_id.in_(customers), Restriction.state.in_(IN_FORCE_VALUES))
                .order_by(Restriction.id)
                .options(
                    joinedload(Restriction.spoc_officer),
                    joinedload(Restriction.deputy_officer),
                    joinedload(Restriction.scope_service),
                )
            )
            for restriction in session.scalars(query).unique():
                self.in_force.setdefault(restriction.customer_id, []).append(restriction)
        spocs = {r.spoc_officer_id for rs in self.in_force.values() for r in rs if r.spoc_officer_id is not None}
        self.spocs = spocs
        self.helpdesk_ids = self._helpdesk_ids(ids, spocs, {e.assigned_agent_id for _, e in events.values()})
        slugs = {c.settings.get("service") for c in self.connections.values()} - {None}
        self.services = (
            dict(session.execute(select(Service.slug, Service.id).where(Service.slug.in_(slugs))).all())
            if slugs
            else {}
        )
        self.absent: dict[dt.date, set[int]] = {}
        self.outcomes = self._outcomes({(cid, e.ticket_id) for cid, e in events.values() if e.ticket_id is not None})

    def _identities(self, wanted: set) -> dict[tuple, list[tuple[int, int]]]:
        """(kind, value, connection) -> [(identity id, customer id)]: one indexed query (kind, value)."""
        found: dict[tuple, list[tuple[int, int]]] = {}
        if not wanted:
            return found
        query = select(Identity.id, Identity.kind, Identity.value, Identity.connection_id, Identity.customer_id).where(
            Identity.kind.in_({k for k, _, _ in wanted}), Identity.value.in_({v for _, v, _ in wanted})
        )
        for identity_id, kind, value, connection_id, customer_id in self.ctx.session.execute(query):
            if (kind, value, connection_id) in wanted:
                found.setdefault((kind, value, connection_id), []).append((identity_id, customer_id))
        return found

    def _helpdesk_ids(self, connections: set, officers: set, agents: set) -> list:
        """Officers' helpdesk user ids for this batch: the sole points of contact's, and the assigned agents'."""
        agents.discard(None)
        if not officers and not agents:
            return []
        clauses = []
        if officers:
            clauses.append(OfficerHelpdeskId.officer_id.in_(officers))
        if agents:
            clauses.append(OfficerHelpdeskId.agent_id.in_(agents))
        query = select(
            OfficerHelpdeskId.id,
            OfficerHelpdeskId.officer_id,
            OfficerHelpdeskId.connection_id,
            OfficerHelpdeskId.agent_id,
        ).where(or_(*clauses), OfficerHelpdeskId.connection_id.in_([*connections, ""]))
        return sorted(self.ctx.session.execute(query).all())

    def _outcomes(self, tickets: set) -> dict[tuple, list]:
        """(connection, ticket) -> [(event id, outcome, screen hits)] of the decisions already written to them."""
        found: dict[tuple, list] = {}
        if not tickets:
            return found
        query = select(
            WebhookEvent.connection_id,
            WebhookEvent.ticket_id,
            WebhookEvent.id,
            WebhookEvent.outcome,
            WebhookEvent.screen_hits,
        ).where(
            WebhookEvent.ticket_id.in_({t for _, t in tickets}),
            WebhookEvent.connection_id.in_({c for c, _ in tickets}),
            WebhookEvent.outcome.in_(WROTE_TO_TICKET),
        )
        for connection_id, ticket_id, event_id, outcome, hits in self.ctx.session.execute(query):
            if (connection_id, ticket_id) in tickets:
                found.setdefault((connection_id, ticket_id), []).append((event_id, outcome, hits))
        return found

    def connection(self, connection_id: str):
        return self.connections[connection_id]

    def event(self, stored: Stored) -> InboundEvent:
        """The stored event as an InboundEvent (parsed once; bad stored data raises here, for its event alone)."""
        return self.events[stored.id] if stored.id in self.events else event_from(stored.inbound)

    def match(self, connection_id: str, event: InboundEvent) -> tuple[int | None, list[Restriction]]:
        """As `_match` then `_load`: the customer of the first identity found, and their restrictions in force."""
        found = sorted(hit for w in _wanted(connection_id, event) for hit in self.identities.get(w, ()))
        if not found:
            return None, []
        customer_id = found[0][1]
        return customer_id, list(self.in_force.get(customer_id, ()))

    def officer_for_agent(self, connection_id: str, agent_id: str | None) -> int | None:
        if agent_id is None:
            return None
        mine = [(c, o) for _, o, c, a in self.helpdesk_ids if a == agent_id and c in (connection_id, "")]
        return max(mine)[1] if mine else -1  # this connection's id wins over one for every helpdesk

    def service_id(self, connection) -> int | None:
        slug = connection.settings.get("service")
        return self.services.get(slug) if slug else None

    def cover(self, restriction: Restriction, day: dt.date):
        spoc = restriction.spoc_officer
        if spoc is not None and spoc.active and spoc.id not in self._absent_on(day):
            return None, None  # what cover_on answers when the sole point of contact is in
        return cover_on(self.ctx, restriction, day)

    def _absent_on(self, day: dt.date) -> set[int]:
        if day not in self.absent:
            self.absent[day] = set(
                self.ctx.session.scalars(
                    select(OfficerAbsence.officer_id).where(
                        OfficerAbsence.officer_id.in_(self.spocs),
                        OfficerAbsence.starts_on <= day,
                        OfficerAbsence.ends_on >= day,
                    )
                )
            )
        return self.absent[day]

    def agent_for(self, connection_id: str, officer_id: int | None) -> str | None:
        if officer_id is None:
            return None
        if officer_id not in self.spocs:  # a covering officer: rare, asked for
            return super().agent_for(connection_id, officer_id)
        mine = [
            (c, -row_id, a) for row_id, o, c, a in self.helpdesk_ids if o == officer_id and c in (connection_id, "")
        ]
        return max(mine)[2] if mine else None  # this connection's id wins over one for every helpdesk

    def earlier(self, connection_id: str, ticket_id: str | None, event_id: int) -> tuple:
        if ticket_id is None:
            return ()
        rows = self.outcomes.get((connection_id, ticket_id), ())
        return tuple({(outcome, tuple(hits or ())) for found, outcome, hits in rows if found < event_id})

    def decided(self, connection_id: str, ticket_id: str | None, event_id: int, ruled: Ruled) -> None:
        """A decision of this batch: a later event of the same ticket in the batch reads it as written."""
        if ticket_id is not None and ruled.outcome in WROTE_TO_TICKET:
            hits = ruled.values["screen_hits"]
            self.outcomes.setdefault((connection_id, ticket_id), []).append((event_id, ruled.outcome, hits))


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
