"""Draining the outbox: each action done once, retried with backoff and jitter, dead-lettered after N tries.

Rows are claimed in short transactions (FOR UPDATE SKIP LOCKED on PostgreSQL, so any number of
workers can drain); the helpdesk is called outside any transaction; the result is recorded after.
A claim is a short lease with this pass's token: a killed worker's actions come back within a
minute. Before each call the action's lease is renewed, under the same token, once less than
RENEW_MARGIN of it is left (a slow helpdesk earlier in the pass); if it ran out and another worker
claimed the action, the renewal fails and this worker skips it: exactly once holds however slow the
helpdesk is. What the call needs is read when the action is claimed, and the actions that went through, or
that the helpdesk refused for good (dead letters), are recorded together when the pass ends (a statement each
and one commit for the pass, with the release of the actions held back), or sooner, before any lease of the
pass is renewed: an action costs its helpdesk call and a share of one commit (issue 24: a commit per action was
most of the drain's cost). A
worker killed between a call and the pass's record leaves its actions to be applied again once their lease
ends, as it would between a call and a commit of its own: each action carries its idempotency key, and the
adapters that post notes look for the key first, so a note is never posted twice.
A ticket's actions apply in the order they were queued: while one waits (backing off, or leased to
another worker), the later ones for that ticket wait behind it; a dead-lettered one no longer blocks.
A helpdesk that does not answer (refused connection, timeout, 408, 5xx) is an outage, not a failing action: its
actions pause without spending attempts, it is probed every OUTBOX_PROBE_SECONDS with its next action, and when
a probe gets through the rest follow in order (issue 21: nothing is dead-lettered by an outage).
A ticket's consecutive actions go to the helpdesk in one call where its client can apply them together (its
`applies_together` kinds and `apply_together`, e.g. the generic callback with actions_together): done together,
held back together behind an outage or a Retry-After, and, if the helpdesk refuses the call outright, tried again
one by one so that only the refused action is dead-lettered.
Within a pass, different tickets are worked on at the same time (OUTBOX_THREADS on PostgreSQL; one at a
time on SQLite, which has a single writer), each ticket's actions one after another in a single thread.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import func, select, update

from adapters import get_adapter
from adapters.errors import PermanentFailure, RetryLater, Unreachable

from ..clock import utcnow
from ..config import Settings
from ..models import Connection, OutboxAction
from ..secretbox import SecretBox
from ..services.outbox import dead_letters, pending, retry  # noqa: F401 - re-exported: the operator's view moved there

log = logging.getLogger(__name__)
LEASE = dt.timedelta(seconds=60)  # longer than any one action's calls (each call times out at 13 s)
BASE_DELAY = 5.0
MAX_DELAY = 3600.0


@dataclass
class DrainStats:
    """What one pass did."""

    done: int = 0
    retried: int = 0
    dead: int = 0
    paused: int = 0  # not tried again until its helpdesk answers a probe: no attempt spent
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, outcome: str, error: str | None = None) -> None:
        """Record one action's outcome ('done', 'retried' or 'dead'); safe from several threads."""
        with self.lock:
            setattr(self, outcome, getattr(self, outcome) + 1)
            if error is not None:
                self.errors.append(error)


def backoff_seconds(attempts: int, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: up to 5 s, 10 s, 20 s ... capped at an hour."""
    uniform = rng.uniform if rng is not None else random.uniform
    return uniform(BASE_DELAY / 2, min(MAX_DELAY, BASE_DELAY * 2 ** (attempts - 1)))


def lease_of(settings: Settings) -> dt.timedelta:
    """How long a claim holds (OUTBOX_LEASE_SECONDS)."""
    return dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def claim(sessions, limit: int, now: dt.datetime, token: str = "", lease: dt.timedelta = LEASE) -> list[int]:
    """Lease up to `limit` due actions to this worker; others skip them until the lease ends."""
    return [action.id for action in _claim(sessions, limit, now, token, lease)]


@dataclass(frozen=True)
class Claimed:
    """An action leased to this pass: what the helpdesk call needs, read once when it was claimed."""

    id: int
    connection_id: str
    ticket_id: str | None
    event_id: int | None
    kind: str
    payload: dict
    idempotency_key: str
    until: dt.datetime  # the lease's end
    probe: bool = False  # its helpdesk was unreachable: this call tells whether it is back
    attempts: int = 0  # calls counted against it before this pass

    @property
    def ticket(self) -> tuple[str, str] | None:
        return (self.connection_id, self.ticket_id) if self.ticket_id is not None else None


CLAIMED_COLUMNS = (
    OutboxAction.id,
    OutboxAction.connection_id,
    OutboxAction.ticket_id,
    OutboxAction.event_id,
    OutboxAction.kind,
    OutboxAction.payload,
    OutboxAction.idempotency_key,
    OutboxAction.attempts,
)


def _claim(sessions, limit: int, now: dt.datetime, token: str, lease: dt.timedelta) -> list[Claimed]:
    """The leased actions in queue order (none of a helpdesk paused until a later probe).

    The rows are read as plain columns and leased with one UPDATE by id: no ORM objects to track and flush
    row by row (issue 24: a third of a pass's CPU went to that)."""
    with sessions() as session, session.begin():
        paused = select(Connection.id).where(Connection.probe_at > now)
        query = (
            select(*CLAIMED_COLUMNS)
            .where(
                OutboxAction.state == "pending",
                OutboxAction.next_attempt_at <= now,
                OutboxAction.connection_id.not_in(paused),
            )
            .order_by(OutboxAction.id)
            .limit(limit)
        )
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = _in_ticket_order(session, list(session.execute(query)))
        if not rows:
            return []
        down = set(
            session.scalars(
                select(Connection.id).where(
                    Connection.id.in_({r.connection_id for r in rows}), Connection.unreachable_since.is_not(None)
                )
            )
        )
        session.execute(  # the lease: a crashed worker's rows come back after it
            update(OutboxAction)
            .where(OutboxAction.id.in_([r.id for r in rows]))
            .values(next_attempt_at=now + lease, claimed_by=token)
            .execution_options(synchronize_session=False)
        )
        return [
            Claimed(
                row.id,
                row.connection_id,
                row.ticket_id,
                row.event_id,
                row.kind,
                row.payload,
                row.idempotency_key,
                until=now + lease,
                probe=row.connection_id in down,
                attempts=row.attempts,
            )
            for row in rows
        ]


def _in_ticket_order(session, rows: list) -> list:
    """Drop rows that have an earlier unfinished action for the same ticket outside this batch."""
    tickets = {r.ticket_id for r in rows if r.ticket_id is not None}
    if not tickets:
        return rows
    batch = {r.id for r in rows}
    earlier = session.execute(
        select(OutboxAction.connection_id, OutboxAction.ticket_id, func.min(OutboxAction.id))
        .where(
            OutboxAction.state == "pending",
            OutboxAction.ticket_id.in_(tickets),
            OutboxAction.id.not_in(batch),
            OutboxAction.id < max(batch),
        )
        .group_by(OutboxAction.connection_id, OutboxAction.ticket_id)
    )
    blocked_from = {(cid, tid): first for cid, tid, first in earlier}
    return [r for r in rows if r.id < blocked_from.get((r.connection_id, r.ticket_id), r.id + 1)]


def drain_once(sessions, settings: Settings, limit: int = 50, now: dt.datetime | None = None) -> DrainStats:
    """One pass over the due actions: tickets in parallel, each ticket's actions in order."""
    now = now or utcnow()
    token, lease = uuid.uuid4().hex, lease_of(settings)
    stats = DrainStats()
    clients = _Clients(settings, sessions)
    groups = _by_ticket(_claim(sessions, limit, now, token, lease))
    threads = _threads(sessions, settings, len(groups))
    held_back: list[int] = []
    try:
        if threads == 1:
            held_back = [a for group in groups for a in _work_ticket(sessions, settings, group, token, clients, stats)]
        else:
            with ThreadPoolExecutor(threads, thread_name_prefix="outbox") as pool:
                held_back = [
                    a
                    for done in pool.map(
                        lambda group: _work_ticket(sessions, settings, group, token, clients, stats), groups
                    )
                    for a in done
                ]
    finally:  # what went through is recorded even if the pass failed part way
        clients.finished.record(held_back, token)
    return stats


def _by_ticket(claimed: Iterable[Claimed]) -> list[list[Claimed]]:
    """The claimed actions grouped by ticket, in queue order (an action without a ticket is its own group)."""
    groups: dict[object, list[Claimed]] = {}
    for action in claimed:
        groups.setdefault(action.ticket or ("action", action.id), []).append(action)
    return list(groups.values())


def _threads(sessions, settings: Settings, groups: int) -> int:
    if groups <= 1:
        return 1
    with sessions() as session:
        if session.get_bind().dialect.name != "postgresql":
            return 1
    return max(1, min(groups, settings.OUTBOX_THREADS))


RENEW_MARGIN = dt.timedelta(seconds=30)
"""A lease with less than this left is renewed before the call (longer than one action's calls take)."""


def _work_ticket(
    sessions, settings: Settings, group: list[Claimed], token: str, clients, stats: DrainStats
) -> list[int]:
    """One ticket's claimed actions in order; once one does not go through, the rest wait (returned).

    Consecutive actions the ticket's client can apply together (its `applies_together`) go in one call; if
    that call is refused outright, they are tried again one by one, so only the refused one is set aside.
    The lease is renewed before a call only when little of it is left (a slow helpdesk earlier in the pass),
    so the usual action costs its share of a helpdesk call and of one update recording the result."""
    position, one_by_one_until = 0, 0
    while position < len(group):
        action = group[position]
        if clients.paused(action.connection_id):
            return [a.id for a in group[position:]]  # its helpdesk stopped answering in this pass: wait for a probe
        run = [action] if position < one_by_one_until else _together(group, position, clients, sessions)
        if action.until - utcnow() < RENEW_MARGIN and not _renew(
            sessions, clients.finished, [a.id for a in run], token, utcnow() + lease_of(settings)
        ):
            log.warning("outbox action id=%s was claimed by another worker after its lease ran out", action.id)
            return [a.id for a in group[position + len(run) :]]  # that worker has this ticket's later actions too
        outcome = (
            _perform_together(sessions, settings, run, clients, stats)
            if len(run) > 1
            else _perform(sessions, settings, action, clients, stats)
        )
        if outcome == "refused":
            one_by_one_until = position + len(run)
            continue
        if outcome in ("retry", "paused"):
            return [a.id for a in group[position + 1 :]]  # a dead-lettered action no longer holds the later ones
        position += len(run) if outcome == "done" else 1
    return []


def _together(group: list[Claimed], position: int, clients, sessions) -> list[Claimed]:
    """The actions from `position` on that the ticket's client applies in one call (at least the first)."""
    first = group[position]
    if first.probe or first.ticket_id is None:
        return [first]  # a probe tells whether the helpdesk is back: one action, as it was queued
    try:
        kinds: frozenset = getattr(clients.get(sessions, first.connection_id), "applies_together", frozenset())
    except Exception:  # noqa: BLE001 - the client could not be made: _perform records why, for this action
        return [first]
    run = []
    for action in group[position:]:
        if action.kind not in kinds or action.probe:
            break
        run.append(action)
    return run or [first]


def _perform_together(sessions, settings: Settings, run: list[Claimed], clients: _Clients, stats: DrainStats) -> str:
    """Apply a ticket's consecutive actions in one call: all done, or the first waits and holds the rest back
    (retry, paused), or 'refused' (a call the helpdesk refused outright: the caller tries them one by one)."""
    first = run[0]
    try:
        clients.get(sessions, first.connection_id).apply_together(
            first.ticket_id, [{**a.payload, "idempotency_key": a.idempotency_key} for a in run]
        )
    except RetryLater as exc:
        return _wait(sessions, settings, first, exc, clients, stats)
    except Exception as exc:  # noqa: BLE001 - refused (or an adapter bug): one by one tells which action it was
        log.warning(
            "outbox actions id=%s..%s refused together (%s): tried one by one", first.id, run[-1].id, type(exc).__name__
        )
        return "refused"
    for action in run:
        clients.finished.went_through(action)
        stats.count("done")
    return "done"


class _Finished:
    """The actions of a pass that are finished, went through or dead-lettered, waiting to be recorded together
    (from any of its threads): a pass against a helpdesk that refuses every call (a revoked permission, a
    connection with nowhere to send) had committed one transaction per action."""

    def __init__(self, sessions):
        self.sessions, self.lock = sessions, threading.Lock()
        self.done: list[dict] = []
        self.dead: list[dict] = []

    def went_through(self, action: Claimed) -> None:
        with self.lock:
            self.done.append({"id": action.id, "state": "done", "done_at": utcnow(), "last_error": None})

    def refused(self, action: Claimed, error: str) -> None:
        """A call the helpdesk refused for good: dead-lettered, its attempt counted."""
        with self.lock:
            self.dead.append(
                {"id": action.id, "state": "dead", "attempts": action.attempts + 1, "last_error": error[:2000]}
            )

    def record(self, released: list[int] | None = None, token: str = "") -> None:
        """Record every finished action, and give back the lease on those held back, in one commit."""
        with self.lock:
            done, dead, self.done, self.dead = self.done, self.dead, [], []
            if not done and not dead and not released:
                return
            with self.sessions() as session, session.begin():
                for rows in (done, dead):
                    if rows:
                        session.execute(update(OutboxAction), rows)  # by primary key, one statement for all
                if released:
                    _release(session, released, token)


class _Clients:
    """One helpdesk client per connection for the pass, shared by its threads, and what went through."""

    def __init__(self, settings: Settings, sessions):
        self.settings, self.lock = settings, threading.Lock()
        self.made: dict[str, object] = {}
        self.unreachable: set[str] = set()  # helpdesks that did not answer in this pass
        self.finished = _Finished(sessions)

    def paused(self, connection_id: str) -> bool:
        with self.lock:
            return connection_id in self.unreachable

    def pause(self, connection_id: str) -> None:
        with self.lock:
            self.unreachable.add(connection_id)

    def get(self, sessions, connection_id: str):
        with self.lock:
            if connection_id not in self.made:
                with sessions() as session:
                    self.made[connection_id] = _client(session, self.settings, connection_id)
            return self.made[connection_id]


def _renew(sessions, finished: _Finished, action_ids: list[int], token: str, until: dt.datetime) -> bool:
    """Extend this worker's lease on the actions of one call just before it; False if any is no longer ours.

    The pass's leases were all taken together: those finished are recorded first, before theirs end."""
    finished.record()
    with sessions() as session, session.begin():
        renewed = session.execute(
            update(OutboxAction)
            .where(OutboxAction.id.in_(action_ids), OutboxAction.claimed_by == token, OutboxAction.state == "pending")
            .values(next_attempt_at=until)
            .execution_options(synchronize_session=False)
        )
        return renewed.rowcount == len(action_ids)


def _release(session, action_ids: list[int], token: str) -> None:
    """Give back the lease on actions held behind an earlier one; they run once it has gone through."""
    session.execute(
        update(OutboxAction)
        .where(OutboxAction.id.in_(action_ids), OutboxAction.claimed_by == token)
        .values(next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _perform(sessions, settings: Settings, action: Claimed, clients: _Clients, stats: DrainStats) -> str:
    """Apply one action and record the result: done, retry (it will be tried again) or dead."""
    try:
        client = clients.get(sessions, action.connection_id)
        if action.kind == "lookup":
            _lookup_then_decide(sessions, settings, client, action)
        else:
            # The key goes with the action: clients that can send one (Idempotency-Key) let the helpdesk dedupe.
            client.apply(action.ticket_id, {**action.payload, "idempotency_key": action.idempotency_key})
    except RetryLater as exc:
        return _wait(sessions, settings, action, exc, clients, stats)
    except PermanentFailure as exc:  # recorded with the pass: a dead action holds none of the ticket's later ones
        clients.finished.refused(action, str(exc))
        return _counted_dead(stats, action.id, action.kind, action.attempts + 1, str(exc))
    except Exception as exc:  # noqa: BLE001 - an adapter bug must not stop the drain; keep the action
        return _record(sessions, settings, action.id, stats, error=f"{type(exc).__name__}: {exc}")
    if action.probe:
        _record_probe_done(sessions, action)
    else:
        clients.finished.went_through(action)
    stats.count("done")
    return "done"


def _wait(sessions, settings: Settings, action: Claimed, exc: RetryLater, clients: _Clients, stats: DrainStats) -> str:
    """The helpdesk did not take the call now: unreachable (an outage: its actions pause, no attempt spent) or
    asked to wait (429, 409, Retry-After: this action waits, its attempt counted only if the error says so)."""
    if isinstance(exc, Unreachable):
        clients.pause(action.connection_id)
        return _pause(sessions, settings, action, str(exc), exc.after_seconds, stats)
    return _record(
        sessions, settings, action.id, stats, error=str(exc), after=exc.after_seconds, counted=exc.counts_as_attempt
    )


def _record_probe_done(sessions, action: Claimed) -> None:
    """A probe that went through is recorded at once, with the end of its helpdesk's outage."""
    with sessions() as session, session.begin():
        session.execute(
            update(OutboxAction)
            .where(OutboxAction.id == action.id)
            .values(state="done", done_at=utcnow(), last_error=None)
            .execution_options(synchronize_session=False)
        )
        _answered(session, action.connection_id)


def _pause(sessions, settings: Settings, action: Claimed, error: str, after, stats: DrainStats) -> str:
    """The helpdesk did not answer: note since when, pause its actions until the next probe; no attempt spent."""
    now = utcnow()
    probe_at = now + dt.timedelta(seconds=max(settings.OUTBOX_PROBE_SECONDS, min(after or 0.0, MAX_PROBE_WAIT)))
    with sessions() as session, session.begin():
        session.execute(
            update(Connection)
            .where(Connection.id == action.connection_id)
            .values(
                unreachable_since=func.coalesce(Connection.unreachable_since, now),
                probe_at=probe_at,
                unreachable_error=error[:500],
            )
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(OutboxAction)
            .where(OutboxAction.id == action.id)
            .values(next_attempt_at=probe_at, last_error=error[:2000])
            .execution_options(synchronize_session=False)
        )
    stats.count("paused", error)
    log.warning(
        "helpdesk unreachable connection=%s action=%s: its actions wait, next probe in %.0fs",
        action.connection_id[:6],
        action.id,
        (probe_at - now).total_seconds(),
    )
    return "paused"


MAX_PROBE_WAIT = 300.0  # a Retry-After longer than this is not waited out: probing goes on meanwhile


def _answered(session, connection_id: str) -> None:
    """The helpdesk answered again: its outage is over; the actions that waited follow in order."""
    since = session.scalar(select(Connection.unreachable_since).where(Connection.id == connection_id))
    if since is None:
        return
    session.execute(
        update(Connection)
        .where(Connection.id == connection_id)
        .values(unreachable_since=None, probe_at=None, unreachable_error=None)
        .execution_options(synchronize_session=False)
    )
    log.info("helpdesk answering again connection=%s (unreachable since %s)", connection_id[:6], since.isoformat())


def _lookup_then_decide(sessions, settings: Settings, client, action: Claimed) -> None:
    """Ask the helpdesk who wrote (outside any transaction), then decide and queue the actions."""
    from ..services import Actor, Context
    from ..services.pipeline import decide_after_lookup

    found = client.lookup(action.ticket_id, action.payload["event"]["lookup"])
    with sessions() as session, session.begin():
        connection = session.get(Connection, action.connection_id)
        outcome = decide_after_lookup(
            Context(session, Actor.system("worker"), settings), connection, action.event_id, found
        )
    log.info("looked up event=%s outcome=%s", action.event_id, outcome)


def _client(session, settings: Settings, connection_id: str):
    connection = session.get(Connection, connection_id)
    secrets = SecretBox(settings).open(connection.secrets_encrypted)
    return get_adapter(connection.adapter).client(connection.settings, secrets)


def _record(sessions, settings, action_id, stats, error: str, after=None, counted=True) -> str:
    """A call that did not go through this time: retried after a backoff, or dead-lettered once its attempts are
    spent (two plain statements: a helpdesk failing every call records one of these per action)."""
    with sessions() as session, session.begin():
        kind, attempts = session.execute(
            select(OutboxAction.kind, OutboxAction.attempts).where(OutboxAction.id == action_id)
        ).one()
        attempts += 1 if counted else 0
        values: dict = {"attempts": attempts, "last_error": error[:2000]}
        if attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            outcome, values["state"] = "dead", "dead"
        else:
            outcome, delay = "retry", max(after or 0.0, backoff_seconds(attempts) if counted else 0.0)
            values["next_attempt_at"] = utcnow() + dt.timedelta(seconds=delay)
        session.execute(
            update(OutboxAction)
            .where(OutboxAction.id == action_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    if outcome == "dead":
        return _counted_dead(stats, action_id, kind, attempts, error)
    stats.count("retried", error)
    log.warning("outbox action retry id=%s kind=%s attempts=%s in=%.0fs", action_id, kind, attempts, delay)
    return outcome


def _counted_dead(stats, action_id: int, kind: str, attempts: int, error: str) -> str:
    """A dead-lettered action in the pass's figures and the log (identifiers only)."""
    stats.count("dead", error)
    log.error("outbox action dead id=%s kind=%s attempts=%s", action_id, kind, attempts)
    return "dead"


def summary(session) -> dict:
    """Counts for the operator: how much waits, how much gave up, and since when."""
    counts = dict(
        session.execute(
            select(OutboxAction.state, func.count())
            .where(OutboxAction.state.in_(("pending", "dead")))
            .group_by(OutboxAction.state)
        ).all()
    )
    oldest = session.scalar(select(func.min(OutboxAction.created_at)).where(OutboxAction.state == "pending"))
    return {
        "pending": counts.get("pending", 0),
        "dead": counts.get("dead", 0),
        "oldest_pending_at": _aware(oldest).isoformat() if oldest else None,
    }


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
