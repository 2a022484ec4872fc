"""The worker decides the events the webhook stored: in arrival order, once each, with the same audit entries.

The webhook request only stores an event (webhooks/event_insert.py); here stored events are matched,
decided and their helpdesk actions queued in batches: a pass takes up to BATCH of the oldest, reads the
register once for all of them (plugin/services/pipeline.py BatchReads), decides each in turn in Python, and
writes the decisions, the outbox actions and the audit entries with a few set-based statements in one
transaction, the audit chain extended once. A crash rolls the transaction back and the events wait for the
next pass, so an event is decided exactly once.

On PostgreSQL the batch is taken with FOR UPDATE SKIP LOCKED, so several workers share the work, each on its
own batch, in the transaction that writes the decisions. SQLite has one writer, shared with the webhook's
inserts: there the batch is read and decided outside any write transaction (a WAL reader waits for no one),
and only the writes take the writer lock, briefly, after checking that no one decided the events meanwhile.

A ticket's events are decided in the order they arrived: a batch holds the oldest undecided events, and an
event waits while an earlier one of its ticket is still undecided outside the batch (another worker has it);
within a batch they are decided in order, each reading the earlier ones' outcomes.
An event whose decision fails (a bug, bad stored data) is left undecided, logged, with its ticket's later
events waiting behind it, and does not stop the others; `/readyz` and `contactguard due` show events waiting
too long. If the database refuses a batch's writes (a value it will not store), the batch is written again
event by event, each in a savepoint, so only the event at fault waits.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from ..config import Settings
from ..db import reading
from ..models import WebhookEvent
from ..services import Actor, Context
from ..services.pipeline import PENDING, BatchReads, Decided, Stored, judge, write_decided

log = logging.getLogger(__name__)
BATCH = 100  # stored events per pass: one read of the register and one write transaction for all of them
WORKER = Actor.system("worker")
TAKEN = (
    WebhookEvent.id,
    WebhookEvent.connection_id,
    WebhookEvent.delivery_key,
    WebhookEvent.ticket_id,
    WebhookEvent.received_at,
    WebhookEvent.inbound,
)


def decide_pending(sessions, settings: Settings, limit: int = BATCH) -> int:
    """Decide up to `limit` stored events, oldest first, as one batch; returns how many were decided (an event
    handed to a lookup counts: the worker is done with it until the helpdesk answers)."""
    with sessions() as session:
        dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return _decide_on_sqlite(sessions, settings, limit)
    with sessions() as session, session.begin():
        ctx = Context(session, WORKER, settings)
        stored = _take(session, limit, lock=True)
        return _write(session, ctx, _judge_all(ctx, stored)) if stored else 0


def _decide_on_sqlite(sessions, settings: Settings, limit: int) -> int:
    """Read and decide without the writer lock; then write what is still undecided in one short transaction."""
    with reading(sessions) as session:
        ctx = Context(session, WORKER, settings)
        stored = _take(session, limit, lock=False)
        decided = _judge_all(ctx, stored) if stored else []
    if not decided:
        return 0
    with sessions() as session, session.begin():
        return _write(session, Context(session, WORKER, settings), _still_undecided(session, decided))


def _take(session, limit: int, lock: bool) -> list[Stored]:
    """The oldest undecided events, less those whose ticket has an earlier one undecided outside the batch
    (another worker holds it: they wait for it). With `lock` (PostgreSQL) the rows are locked for this
    transaction and rows other workers hold are skipped."""
    query = (
        select(*TAKEN)
        .where(WebhookEvent.outcome == PENDING, WebhookEvent.inbound.is_not(None))
        .order_by(WebhookEvent.id)
        .limit(limit)
    )
    if lock:
        query = query.with_for_update(of=WebhookEvent, skip_locked=True)
    rows = [Stored(*row) for row in session.execute(query)]
    tickets = {(r.connection_id, r.ticket_id) for r in rows if r.ticket_id is not None}
    if not tickets:
        return rows
    ids = [r.id for r in rows]
    elsewhere = (
        select(WebhookEvent.connection_id, WebhookEvent.ticket_id, func.min(WebhookEvent.id))
        .where(
            WebhookEvent.outcome == PENDING,
            WebhookEvent.inbound.is_not(None),
            WebhookEvent.id < max(ids),
            WebhookEvent.id.not_in(ids),
            WebhookEvent.ticket_id.in_({t for _, t in tickets}),
        )
        .group_by(WebhookEvent.connection_id, WebhookEvent.ticket_id)
    )
    waits_from = {(c, t): first for c, t, first in session.execute(elsewhere)}
    return [r for r in rows if r.id < waits_from.get((r.connection_id, r.ticket_id), r.id + 1)]


def _judge_all(ctx: Context, stored: list[Stored]) -> list[Decided]:
    """Each event's decision, in order, from one read of the register. An event whose decision fails is left
    out, logged, and so are its ticket's later events in the batch (they wait behind it)."""
    reads = BatchReads(ctx, stored)
    decided, failed = [], set()
    for item in stored:
        ticket = (item.connection_id, item.ticket_id)
        if item.ticket_id is not None and ticket in failed:
            continue
        try:
            decided.append(judge(reads, item))
        except DBAPIError:
            raise  # the database itself failed: the whole batch waits for the next pass
        except Exception:  # one bad event must not stop the others; it stays pending
            log.exception("event could not be decided id=%s connection=%s", item.id, item.connection_id[:6])
            failed.add(ticket)
    return decided


def _still_undecided(session, decided: list[Decided]) -> list[Decided]:
    """SQLite: what no other process decided between our read and this write transaction (which holds the
    writer lock, so nothing changes now); a ticket's later events go only if its earlier ones do."""
    ids = [d.stored.id for d in decided]
    pending = set(
        session.scalars(
            select(WebhookEvent.id).where(
                WebhookEvent.id.in_(ids), WebhookEvent.outcome == PENDING, WebhookEvent.inbound.is_not(None)
            )
        )
    )
    return _in_ticket_order(decided, lambda d: d.stored.id in pending)


def _in_ticket_order(decided: list[Decided], keep) -> list[Decided]:
    """`decided` where `keep` holds, less the later events of a ticket once one of its events is left out."""
    kept, dropped = [], set()
    for d in decided:
        ticket = (d.stored.connection_id, d.stored.ticket_id)
        if (d.stored.ticket_id is None or ticket not in dropped) and keep(d):
            kept.append(d)
        else:
            dropped.add(ticket)
    return kept


def _write(session, ctx: Context, decided: list[Decided]) -> int:
    """Write the batch with set-based statements; if the database refuses a value, write it again event by
    event in savepoints, so that only the event at fault (and its ticket's later ones) waits. Other database
    errors undo the whole batch. Returns how many were written."""
    if not decided:
        return 0
    try:
        with session.begin_nested():
            write_decided(ctx, decided)
        return len(decided)
    except (DataError, IntegrityError):
        log.warning("a batch of %d decisions was refused; writing them one by one", len(decided))

    def alone(d: Decided) -> bool:
        try:
            with session.begin_nested():
                write_decided(ctx, [d])
            return True
        except (DataError, IntegrityError):
            log.exception("event could not be decided id=%s connection=%s", d.stored.id, d.stored.connection_id[:6])
            return False

    return len(_in_ticket_order(decided, alone))


def waiting(session, older_than) -> int:
    """Stored events still undecided that arrived before `older_than` (the worker is down or failing on them)."""
    return session.scalar(
        select(func.count())
        .select_from(WebhookEvent)
        .where(
            WebhookEvent.outcome == PENDING, WebhookEvent.inbound.is_not(None), WebhookEvent.received_at < older_than
        )
    )
