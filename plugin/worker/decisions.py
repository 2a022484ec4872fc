"""The worker decides the events the webhook stored: in arrival order, once each, with the same audit entries.

The webhook request only stores an event (plugin/services/pipeline.py `accept`); here each stored event
is matched, decided and its helpdesk actions queued, in the transaction that records the decision. Rows
are taken with FOR UPDATE SKIP LOCKED on PostgreSQL, so several workers share the work; a crash rolls the
transaction back and the events wait for the next pass, so an event is decided exactly once.

Each event is decided in its own short transaction. A ticket's events are decided in the order they
arrived: an event waits while an earlier one for the same ticket is still undecided (another worker has
it), so their actions queue in order too.
An event whose decision fails (a bug, bad stored data) is left undecided, logged, and does not stop the
others; `/readyz` and `contactguard due` show events waiting too long.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from ..models import Connection, WebhookEvent
from ..services import Actor, Context
from ..services.pipeline import PENDING, decide_stored

log = logging.getLogger(__name__)
BATCH = 50


def decide_pending(sessions, settings: dict, limit: int = BATCH) -> int:
    """Decide up to `limit` stored events, oldest first, each in its own short transaction (SQLite's single
    write lock is never held for long, so webhooks keep being stored meanwhile); on PostgreSQL several at
    once (OUTBOX_THREADS), since each commit waits for the disk. Returns how many were decided."""
    with sessions() as session:
        candidates = list(
            session.execute(
                select(WebhookEvent.id, WebhookEvent.connection_id)
                .where(WebhookEvent.outcome == PENDING, WebhookEvent.inbound.is_not(None))
                .order_by(WebhookEvent.id)
                .limit(limit)
            )
        )
        threads = (
            1
            if session.get_bind().dialect.name != "postgresql"
            else max(1, min(len(candidates), int(settings.get("OUTBOX_THREADS") or 8)))
        )
    if threads == 1:
        return sum(_decide_one(sessions, settings, event_id, connection_id) for event_id, connection_id in candidates)
    with ThreadPoolExecutor(threads, thread_name_prefix="decide") as pool:
        return sum(pool.map(lambda c: _decide_one(sessions, settings, *c), candidates))


def _decide_one(sessions, settings: dict, event_id: int, connection_id: str) -> bool:
    with sessions() as session, session.begin():
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
            raise  # the database itself failed: this transaction rolls back and the event waits
        except Exception:  # one bad event must not stop the others; it stays pending
            log.exception("event could not be decided id=%s connection=%s", row.id, connection_id[:6])
            return False


def _take(session, event_id: int) -> WebhookEvent | None:
    """Lock the event for this transaction if it is still undecided and no earlier event of its ticket is."""
    query = select(WebhookEvent).where(
        WebhookEvent.id == event_id, WebhookEvent.outcome == PENDING, WebhookEvent.inbound.is_not(None)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = session.scalar(query)
    if row is None or row.ticket_id is None:
        return row
    earlier = session.scalar(
        select(func.count())
        .select_from(WebhookEvent)
        .where(
            WebhookEvent.connection_id == row.connection_id,
            WebhookEvent.ticket_id == row.ticket_id,
            WebhookEvent.outcome == PENDING,
            WebhookEvent.inbound.is_not(None),
            WebhookEvent.id < row.id,
        )
    )
    return None if earlier else row


def waiting(session, older_than) -> int:
    """Stored events still undecided that arrived before `older_than` (the worker is down or failing on them)."""
    return session.scalar(
        select(func.count())
        .select_from(WebhookEvent)
        .where(
            WebhookEvent.outcome == PENDING, WebhookEvent.inbound.is_not(None), WebhookEvent.received_at < older_than
        )
    )
