"""The one way actions for a helpdesk are written to the outbox, and what an operator does with them.

Producers (the pipeline's decisions and lookups, flags rewritten or taken off when a restriction changes,
the clock's review tasks) build typed actions and hand them to `write`, which keys each row in one format,
marks notes with that key, and skips the kinds the connection's client does not declare (with a log line
naming the kind and the connection). The worker (plugin/worker/outbox.py) drains the rows; their payload is
the action as JSON, `{"kind": ..., <its fields>}`, the same as rows written before this module existed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from functools import cache
from typing import ClassVar

from sqlalchemy import func, select

from adapters import get_adapter
from adapters.base import NOTE_MARKER, ActionKind

from ..clock import utcnow
from ..models import Connection, OutboxAction
from .context import Context
from .errors import Conflict, InvalidInput
from .lookup import get, require_admin

log = logging.getLogger(__name__)
KEY_LENGTH = 128  # outbox_actions.idempotency_key


@dataclass(frozen=True)
class Action:
    """One action for a helpdesk; each subclass is one ActionKind and its fields are the payload's."""

    kind: ClassVar[ActionKind]

    def payload(self) -> dict:
        """The action as the outbox stores it and a client's apply() receives it."""
        data: dict = {"kind": self.kind.value}
        for f in fields(self):
            value = getattr(self, f.name)
            data[f.name] = list(value) if isinstance(value, tuple) else value
        return data


@dataclass(frozen=True)
class SetFlag(Action):
    """Show the arrangement in the ticket's flag field (what agents and the helpdesk's triggers read)."""

    kind = ActionKind.SET_FLAG
    value: str


@dataclass(frozen=True)
class ClearFlag(Action):
    """Empty the flag field: the restriction ended."""

    kind = ActionKind.CLEAR_FLAG


@dataclass(frozen=True)
class AddTags(Action):
    kind = ActionKind.ADD_TAGS
    tags: tuple[str, ...]


@dataclass(frozen=True)
class RemoveTags(Action):
    kind = ActionKind.REMOVE_TAGS
    tags: tuple[str, ...]


@dataclass(frozen=True)
class AddNote(Action):
    """An internal note; `write` appends the marker that keeps it from being posted twice or read as a contact."""

    kind = ActionKind.ADD_NOTE
    text: str


@dataclass(frozen=True)
class Assign(Action):
    """Assign the ticket; with `only_from`, only if it is still open with that agent (the SPOC changed)."""

    kind = ActionKind.ASSIGN
    agent_id: str
    only_from: str | None = None

    def payload(self) -> dict:
        data = super().payload()
        if self.only_from is None:
            del data["only_from"]  # the shape every client has always been given
        return data


@dataclass(frozen=True)
class MoveQueue(Action):
    kind = ActionKind.MOVE_QUEUE
    queue: str | int


@dataclass(frozen=True)
class SetPriority(Action):
    """Raise the ticket's priority: the screen found a safeguarding concern (the client maps the level)."""

    kind = ActionKind.SET_PRIORITY
    priority: str = "urgent"


@dataclass(frozen=True)
class CreateTask(Action):
    """A new internal ticket (written with no ticket id), e.g. a review that needs holding; assigned to
    `agent_id` (the officer's helpdesk user) when known."""

    kind = ActionKind.CREATE_TASK
    queue: str | int
    title: str
    text: str
    agent_id: str | None = None


@dataclass(frozen=True)
class Lookup(Action):
    """Ask the helpdesk who wrote (the payload did not say), then decide the event."""

    kind = ActionKind.LOOKUP
    event: dict = field(hash=False)


def action_key(origin: str, connection_id: str, ticket_id: str | None, position: int, kind: ActionKind) -> str:
    """The row's idempotency key: unique per origin, connection, ticket, place in the list and kind.

    `origin` says what wrote the actions (`event:<id>`, `lapsed:<restriction>:<time>`, `task:...`). A key
    longer than the column keeps its start and ends with a digest of the whole, so it stays unique."""
    key = f"{origin}:{connection_id[:12]}:{ticket_id or '-'}:{position}:{kind.value}"
    if len(key) <= KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{key[: KEY_LENGTH - len(digest) - 1]}:{digest}"


def write(
    ctx: Context,
    connection: Connection,
    actions: Sequence[Action],
    *,
    origin: str,
    ticket_id: str | None,
    event_id: int | None = None,
) -> int:
    """Queue these actions, in order, for one ticket (or none, for a task) of one connection; how many were queued.

    A kind the connection's client does not declare is skipped with a log line: it could only be dead-lettered."""
    queued = rows(connection, actions, origin=origin, ticket_id=ticket_id, event_id=event_id)
    ctx.session.add_all(OutboxAction(**row) for row in queued)
    return len(queued)


def rows(
    connection: Connection,
    actions: Sequence[Action],
    *,
    origin: str,
    ticket_id: str | None,
    event_id: int | None = None,
) -> list[dict]:
    """The outbox_actions rows `write` queues for these actions (the worker inserts a batch's rows with one
    statement, plugin/services/pipeline.py); kinds the connection's client does not declare are left out, logged."""
    supported = _supported(connection.adapter)
    queued = []
    for position, action in enumerate(actions):
        if action.kind not in supported:
            log.info(
                "outbox: %s not queued for connection=%s origin=%s: the %s client does not support it",
                action.kind.value,
                connection.id[:6],
                origin,
                connection.adapter,
            )
            continue
        key = action_key(origin, connection.id, ticket_id, position, action.kind)
        queued.append(
            {
                "connection_id": connection.id,
                "event_id": event_id,
                "ticket_id": ticket_id,
                "kind": action.kind.value,
                "payload": _with_marker(action.payload(), key),
                "idempotency_key": key,
            }
        )
    return queued


@cache
def _supported(adapter_key: str) -> frozenset[ActionKind]:
    """What the adapter's client declares; read once per process (declarations are code)."""
    return get_adapter(adapter_key).supported_actions()


def _with_marker(payload: dict, key: str) -> dict:
    """Notes carry a marker with their key: never posted twice, never mistaken for a customer's contact."""
    if payload["kind"] != ActionKind.ADD_NOTE.value:
        return payload
    marker = f"{NOTE_MARKER} ref {key}"
    return {**payload, "marker": marker, "text": f"{payload['text']}\n\n{marker}"}


def lookup_of(ctx: Context, event_id: int) -> dict | None:
    """The event a lookup was queued with (its payload's `event`), or None when none was queued."""
    payload = ctx.session.scalar(
        select(OutboxAction.payload).where(
            OutboxAction.event_id == event_id, OutboxAction.kind == ActionKind.LOOKUP.value
        )
    )
    return payload["event"] if payload is not None else None


# What an operator sees and does (the CLI's `outbox` commands, the admin pages, the API).


def pending(session, connection_id: str | None = None, limit: int = 100) -> list[OutboxAction]:
    """Actions still to do (waiting, backing off or leased), oldest first."""
    query = select(OutboxAction).where(OutboxAction.state == "pending")
    if connection_id:
        query = query.where(OutboxAction.connection_id == connection_id)
    return list(session.scalars(query.order_by(OutboxAction.id).limit(limit)))


def dead_letters(session) -> list[OutboxAction]:
    """Actions that gave up, for an admin to inspect and retry."""
    return list(session.scalars(select(OutboxAction).where(OutboxAction.state == "dead").order_by(OutboxAction.id)))


def retry(session, action_ids: list[int] | None = None) -> int:
    """Put dead actions (all, or these) back in the queue now."""
    rows = [r for r in dead_letters(session) if action_ids is None or r.id in action_ids]
    for row in rows:
        row.state, row.attempts, row.next_attempt_at = "pending", 0, utcnow()
    return len(rows)


def discard(ctx: Context, action_id: int, reason: str) -> OutboxAction:
    """An admin gives up on a dead-lettered action for good, saying why (someone put it right on the ticket by
    hand, or the ticket is gone); it leaves the list of actions needing a person, and the trail keeps why."""
    require_admin(ctx, "discarding a helpdesk action")
    reason = " ".join((reason or "").split())
    if len(reason) < 10:
        raise InvalidInput("say why the action is discarded (at least 10 characters)", errors={"reason": ["too short"]})
    row = get(ctx, OutboxAction, action_id, "helpdesk action")
    if row.state != "dead":
        raise Conflict(f"action {action_id} is not dead-lettered: only an action given up on can be discarded")
    row.state, row.last_error = DISCARDED, f"discarded: {reason}"[:2000]
    ctx.audit("outbox.discarded", row, kind=row.kind, connection=row.connection_id[:6], ticket=row.ticket_id)
    return row


DISCARDED = "discarded"


@dataclass(frozen=True)
class Outage:
    """A helpdesk that stopped answering: which, since when, what its last call met, and how much waits for it."""

    connection_id: str
    name: str
    since: dt.datetime
    waiting: int
    error: str | None


def outages(session) -> list[Outage]:
    """Every helpdesk not answering now, with the number of its actions waiting (they go out when it answers)."""
    waiting = (
        select(OutboxAction.connection_id, func.count().label("waiting"))
        .where(OutboxAction.state == "pending")
        .group_by(OutboxAction.connection_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Connection.id,
            Connection.name,
            Connection.unreachable_since,
            Connection.unreachable_error,
            waiting.c.waiting,
        )
        .outerjoin(waiting, waiting.c.connection_id == Connection.id)
        .where(Connection.unreachable_since.is_not(None))
        .order_by(Connection.unreachable_since)
    )
    return [Outage(cid, name, since, count or 0, error) for cid, name, since, error, count in rows]
