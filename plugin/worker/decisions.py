"""The worker decides the events the webhook stored: in arrival order, once each, with the same audit entries.

The webhook request only stores an event (webhooks/event_insert.py); here each stored event
is matched, decided and its helpdesk actions queued, in the transaction that records the decision. Rows
are taken with FOR UPDATE SKIP LOCKED on PostgreSQL, so several workers share the work; a crash rolls the
transaction back and the events wait for the next pass, so an event is decided exactly once.

On PostgreSQL each event is decided in its own short transaction, one at a time per worker process (they
all wait their turn for the audit trail's head, so threads would only queue there); on SQLite a few in
one transaction, each in a savepoint. A ticket's events are decided in the order they arrived: an event
waits while an earlier one for the same ticket is still undecided (another worker has it), so their
actions queue in order too.
An event whose decision fails (a bug, bad stored data) is left undecided, logged, and does not stop the
others; `/readyz` and `contactguard due` show events waiting too long.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import aliased

from ..config import Settings
from ..models import Connection, WebhookEvent
from ..services import Actor, Context
from ..services.pipeline import PENDING, decide_stored

log = logging.getLogger(__name__)
BATCH = 50
SQLITE_GROUP = 8  # at most this many events decided per SQLite transaction: fewer commits and lock hand-overs
SQLITE_LOCK_SECONDS = 0.01  # and no more once this long has gone: the webhooks wait for the same lock


def decide_pending(sessions, settings: Settings, limit: int = BATCH) -> int:
    """Decide up to `limit` stored events, oldest first. On PostgreSQL each in its own short transaction
    (workers on PostgreSQL run this beside their drain, plugin/worker/scheduler.py). On SQLite, which has
    one writer, a few at a time in one transaction under the writer lock shared with the webhook
    (plugin.db.WriterLock): fewer commits and lock hand-overs, and the lock is still held only briefly
    (`_decide_group`), so webhooks keep being stored meanwhile. Returns how many were decided."""
    with sessions() as session:
        candidates = list(
            session.execute(
                select(WebhookEvent.id, WebhookEvent.connection_id)
                .where(WebhookEvent.outcome == PENDING, WebhookEvent.inbound.is_not(None))
                .order_by(WebhookEvent.id)
                .limit(limit)
            )
        )
        dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        decided = 0
        while candidates:
            count, taken = _decide_group(sessions, settings, candidates)
            decided, candidates = decided + count, candidates[taken:]
        return decided
    return sum(_decide_one(sessions, settings, event_id, connection_id) for event_id, connection_id in candidates)


def _decide_one(sessions, settings: Settings, event_id: int, connection_id: str) -> bool:
    """One event in its own transaction: a failed decision rolls it back whole and the event stays pending."""
    with sessions() as session:
        try:
            with session.begin():
                row = _take(session, event_id)
                if row is None:
                    return False  # decided meanwhile, another worker has it, or an earlier event of its ticket waits
                decide_stored(
                    Context(session, Actor.system("worker"), settings), session.get(Connection, connection_id), row
                )
                return True
        except DBAPIError:
            raise  # the database itself failed: the event waits for the next pass
        except Exception:  # one bad event must not stop the others; it stays pending
            log.exception("event could not be decided id=%s connection=%s", event_id, connection_id[:6])
            return False


def _decide_group(sessions, settings: Settings, candidates: list) -> tuple[int, int]:
    """Decide the first of `candidates` (oldest first) in one SQLite transaction: up to
    SQLITE_GROUP of them, fewer once SQLITE_LOCK_SECONDS have gone, so webhooks never wait long for the lock.
    Each event in its own savepoint: a bad event is undone alone and its ticket's later events wait behind it
    (`_take`); a database error undoes the whole group, which waits for the next pass, so each event is
    decided exactly once. Returns (decided, candidates used)."""
    decided = used = 0
    with sessions() as session, session.begin():
        deadline = time.monotonic() + SQLITE_LOCK_SECONDS
        for event_id, connection_id in candidates[:SQLITE_GROUP]:
            decided += _decide(session, settings, event_id, connection_id)
            used += 1
            if time.monotonic() >= deadline:
                break
    return decided, used


def _decide(session, settings: Settings, event_id: int, connection_id: str) -> bool:
    """Decide one event inside the caller's transaction; False when it is not ready or its decision failed."""
    row = _take(session, event_id)
    if row is None:
        return False  # decided meanwhile, another worker has it, or an earlier event of its ticket waits
    try:
        with session.begin_nested():
            decide_stored(
                Context(session, Actor.system("worker"), settings), session.get(Connection, connection_id), row
            )
        return True
    except DBAPIError:
        raise  # the database itself failed: the whole transaction rolls back and its events wait
    except Exception:  # one bad event must not stop the others; it stays pending
        log.exception("event could not be decided id=%s connection=%s", row.id, connection_id[:6])
        return False


def _take(session, event_id: int) -> WebhookEvent | None:
    """Lock the event for this transaction if it is still undecided and no earlier event of its ticket is
    (one statement: every decision starts here)."""
    earlier = aliased(WebhookEvent)
    query = select(WebhookEvent).where(
        WebhookEvent.id == event_id,
        WebhookEvent.outcome == PENDING,
        WebhookEvent.inbound.is_not(None),
        ~select(earlier.id)
        .where(
            earlier.connection_id == WebhookEvent.connection_id,
            earlier.ticket_id == WebhookEvent.ticket_id,  # never true for an event without a ticket
            earlier.outcome == PENDING,
            earlier.inbound.is_not(None),
            earlier.id < WebhookEvent.id,
        )
        .exists(),
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=WebhookEvent, skip_locked=True)
    return session.scalar(query)


def waiting(session, older_than) -> int:
    """Stored events still undecided that arrived before `older_than` (the worker is down or failing on them)."""
    return session.scalar(
        select(func.count())
        .select_from(WebhookEvent)
        .where(
            WebhookEvent.outcome == PENDING, WebhookEvent.inbound.is_not(None), WebhookEvent.received_at < older_than
        )
    )
