"""The worker decides the events the webhook stored: in arrival order, once each, with the same audit entries.

The webhook request only stores an event (plugin/services/pipeline.py `accept`); here each stored event
is matched, decided and its helpdesk actions queued, in the transaction that records the decision. Rows
are taken with FOR UPDATE SKIP LOCKED on PostgreSQL, so several workers share the work; a crash rolls the
transaction back and the events wait for the next pass, so an event is decided exactly once.

A ticket's events are decided in the order they arrived: an event waits while an earlier one for the same
ticket is still undecided outside this batch (another worker has it), so their actions queue in order too.
An event whose decision fails (a bug, bad stored data) is left undecided, logged, and does not stop the
others; `/readyz` and `contactguard due` show events waiting too long.
"""
from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from ..models import Connection, WebhookEvent
from ..services import Actor, Context
from ..services.pipeline import PENDING, decide_stored

log = logging.getLogger(__name__)
BATCH = 50


def decide_pending(sessions, settings: dict, limit: int = BATCH) -> int:
    """Decide up to `limit` stored events, oldest first; returns how many were decided."""
    with sessions() as session, session.begin():
        query = (select(WebhookEvent).where(WebhookEvent.outcome == PENDING, WebhookEvent.inbound.is_not(None))
                 .order_by(WebhookEvent.id).limit(limit))
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = _in_arrival_order(session, list(session.scalars(query)))
        ctx = Context(session, Actor.system("worker"), settings)
        connections: dict[str, Connection] = {}
        decided = 0
        for row in rows:
            connection = connections.get(row.connection_id) or session.get(Connection, row.connection_id)
            connections[row.connection_id] = connection
            try:
                with session.begin_nested():
                    decide_stored(ctx, connection, row)
                decided += 1
            except DBAPIError:
                raise  # the database itself failed: the whole pass rolls back, every event waits for the next
            except Exception:  # noqa: BLE001 - one bad event must not stop the others; it stays pending
                log.exception("event could not be decided id=%s connection=%s", row.id, row.connection_id[:6])
        return decided


def _in_arrival_order(session, rows: list[WebhookEvent]) -> list[WebhookEvent]:
    """Drop rows with an earlier undecided event for the same ticket outside this batch (another worker's)."""
    tickets = {r.ticket_id for r in rows if r.ticket_id is not None}
    if not tickets:
        return rows
    batch = {r.id for r in rows}
    earlier = session.execute(
        select(WebhookEvent.connection_id, WebhookEvent.ticket_id, func.min(WebhookEvent.id))
        .where(WebhookEvent.outcome == PENDING, WebhookEvent.inbound.is_not(None),
               WebhookEvent.ticket_id.in_(tickets), WebhookEvent.id.not_in(batch), WebhookEvent.id < max(batch))
        .group_by(WebhookEvent.connection_id, WebhookEvent.ticket_id))
    blocked_from = {(cid, tid): first for cid, tid, first in earlier}
    return [r for r in rows if r.id < blocked_from.get((r.connection_id, r.ticket_id), r.id + 1)]


def waiting(session, older_than) -> int:
    """Stored events still undecided that arrived before `older_than` (the worker is down or failing on them)."""
    return session.scalar(select(func.count()).select_from(WebhookEvent).where(
        WebhookEvent.outcome == PENDING, WebhookEvent.inbound.is_not(None), WebhookEvent.received_at < older_than))
