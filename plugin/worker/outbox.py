"""Draining the outbox: each action done once, retried with backoff and jitter, dead-lettered after N tries.

Rows are claimed in short transactions (FOR UPDATE SKIP LOCKED on PostgreSQL, so any number of
workers can drain); the helpdesk is called outside any transaction; the result is recorded after.
"""
from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass, field

from sqlalchemy import select

from adapters import get_adapter
from adapters.errors import PermanentFailure, RetryLater

from ..clock import utcnow
from ..models import Connection, OutboxAction
from ..secretbox import SecretBox

log = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=5)
BASE_DELAY = 5.0
MAX_DELAY = 3600.0


@dataclass
class DrainStats:
    """What one pass did."""

    done: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def backoff_seconds(attempts: int, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: up to 5 s, 10 s, 20 s ... capped at an hour."""
    rng = rng or random
    return rng.uniform(BASE_DELAY / 2, min(MAX_DELAY, BASE_DELAY * 2 ** (attempts - 1)))


def claim(sessions, limit: int, now: dt.datetime) -> list[int]:
    """Lease up to `limit` due actions to this worker; others skip them until the lease ends."""
    with sessions() as session, session.begin():
        query = (select(OutboxAction).where(OutboxAction.state == "pending", OutboxAction.next_attempt_at <= now)
                 .order_by(OutboxAction.id).limit(limit))
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list(session.scalars(query))
        for row in rows:
            row.next_attempt_at = now + LEASE  # the lease: a crashed worker's rows come back after it
        return [row.id for row in rows]


def drain_once(sessions, settings: dict, limit: int = 50, now: dt.datetime | None = None) -> DrainStats:
    """One pass over the due actions."""
    now = now or utcnow()
    stats = DrainStats()
    clients: dict[str, object] = {}
    for action_id in claim(sessions, limit, now):
        _perform(sessions, settings, action_id, clients, stats)
    return stats


def _perform(sessions, settings: dict, action_id: int, clients: dict, stats: DrainStats) -> None:
    with sessions() as session:
        action = session.get(OutboxAction, action_id)
        client = clients.get(action.connection_id) or _client(session, settings, action.connection_id)
        clients[action.connection_id] = client
        session.expunge(action)
    try:
        if action.kind == "lookup":
            _lookup_then_decide(sessions, settings, client, action)
        else:
            client.apply(action.ticket_id, action.payload)
    except RetryLater as exc:
        _record(sessions, settings, action_id, stats, error=str(exc), after=exc.after_seconds,
                counted=exc.counts_as_attempt)
    except PermanentFailure as exc:
        _record(sessions, settings, action_id, stats, error=str(exc), permanent=True)
    except Exception as exc:  # noqa: BLE001 - an adapter bug must not stop the drain; keep the action
        _record(sessions, settings, action_id, stats, error=f"{type(exc).__name__}: {exc}")
    else:
        _record(sessions, settings, action_id, stats)


def _lookup_then_decide(sessions, settings: dict, client, action: OutboxAction) -> None:
    """Ask the helpdesk who wrote (outside any transaction), then decide and queue the actions."""
    from ..services import Actor, Context
    from ..services.pipeline import decide_after_lookup

    found = client.lookup(action.ticket_id, action.payload["event"]["lookup"])
    with sessions() as session, session.begin():
        connection = session.get(Connection, action.connection_id)
        outcome = decide_after_lookup(Context(session, Actor.system("worker"), settings), connection,
                                      action.event_id, found)
    log.info("looked up event=%s outcome=%s", action.event_id, outcome)


def _client(session, settings: dict, connection_id: str):
    connection = session.get(Connection, connection_id)
    secrets = SecretBox(settings).open(connection.secrets_encrypted)
    return get_adapter(connection.adapter).client(connection.settings, secrets)


def _record(sessions, settings, action_id, stats, error=None, after=None, permanent=False,
            counted=True) -> None:
    with sessions() as session, session.begin():
        action = session.get(OutboxAction, action_id)
        now = utcnow()
        if error is None:
            action.state, action.done_at, action.last_error = "done", now, None
            stats.done += 1
            return
        action.attempts += 1 if counted else 0
        action.last_error = error[:2000]
        stats.errors.append(error)
        if permanent or action.attempts >= settings.get("OUTBOX_MAX_ATTEMPTS", 8):
            action.state = "dead"
            stats.dead += 1
            log.error("outbox action dead id=%s kind=%s attempts=%s", action.id, action.kind, action.attempts)
            return
        delay = max(after or 0.0, backoff_seconds(action.attempts) if counted else 0.0)
        action.next_attempt_at = now + dt.timedelta(seconds=delay)
        stats.retried += 1
        log.warning("outbox action retry id=%s kind=%s attempts=%s in=%.0fs", action.id, action.kind,
                    action.attempts, delay)


def dead_letters(session) -> list[OutboxAction]:
    """Actions that gave up, for an admin to inspect and retry."""
    return list(session.scalars(select(OutboxAction).where(OutboxAction.state == "dead").order_by(OutboxAction.id)))


def retry(session, action_ids: list[int] | None = None) -> int:
    """Put dead actions (all, or these) back in the queue now."""
    rows = [r for r in dead_letters(session) if action_ids is None or r.id in action_ids]
    for row in rows:
        row.state, row.attempts, row.next_attempt_at = "pending", 0, utcnow()
    return len(rows)
