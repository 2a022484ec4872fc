"""The append-only audit trail: every change, with who and when (R46a), hash-chained.

Each entry stores the hash of the entry before it (`prev_hash`) and its own `hash`, a SHA-256 over a
canonical serialisation of its fields and `prev_hash`. One row of `audit_head` holds the number of
entries and the newest hash, so deleting the newest rows or emptying the table shows too.

Entries are chained when they are flushed (a `before_flush` hook on every Session), however they were
added: `Context.audit` or a bare `session.add(AuditEntry(...))`. Writers take turns: on PostgreSQL the
head row is locked (SELECT ... FOR UPDATE) from the first audited flush to the end of the transaction, and
a transaction-level advisory lock stands in before the first entry makes the row; SQLite's BEGIN IMMEDIATE
already lets one writer in at a time. So entries chain in id order.

The hash is not keyed: anyone able to rewrite rows can rewrite the whole chain. What it gives is
evidence against a role that can only append (docs/operations-database.md), and against anyone at all
once the head has been recorded somewhere they cannot reach (`contactguard audit verify`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from types import SimpleNamespace

from sqlalchemy import ForeignKey, Index, String, event, inspect, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..clock import utcnow
from .base import Base

GENESIS = "0" * 64
"""The `prev_hash` of the first entry, and the head of an empty trail."""
HASH_VERSION = "contactguard-audit-v1"
"""Part of every hashed payload: a change to the serialisation must change this."""
ADVISORY_LOCK = 0x63676175  # "cgau": PostgreSQL advisory lock taken by writers of the audit trail
HEAD_ID = 1


class AuditEntry(Base):
    """One change. Rows are never updated or deleted (database triggers refuse it)."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entity", "entity_type", "entity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    actor_officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None]
    customer_id: Mapped[int | None] = mapped_column(index=True)
    details: Mapped[dict] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The newest end of the chain: how many entries there are and the last one's hash (one row)."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    entries: Mapped[int]
    last_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime]


def canonical_details(details) -> dict:
    """`details` as the database gives it back: JSON types only, keys as strings."""
    return json.loads(json.dumps(details if details is not None else {}))


def entry_hash(
    prev_hash: str,
    at: dt.datetime,
    actor: str,
    actor_officer_id: int | None,
    action: str,
    entity_type: str,
    entity_id: int | None,
    customer_id: int | None,
    details: dict,
) -> str:
    """SHA-256 (hex) of one entry's canonical serialisation, chained to `prev_hash`."""
    when = at.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds")
    payload = [
        HASH_VERSION,
        prev_hash,
        when,
        actor,
        actor_officer_id,
        action,
        entity_type,
        entity_id,
        customer_id,
        canonical_details(details),
    ]
    data = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def hash_of(entry) -> str:
    """The hash `entry` (an AuditEntry or a row with the same fields) should carry."""
    return entry_hash(
        entry.prev_hash,
        entry.at,
        entry.actor,
        entry.actor_officer_id,
        entry.action,
        entry.entity_type,
        entry.entity_id,
        entry.customer_id,
        entry.details,
    )


def lock_chain(connection) -> None:
    """Wait for our turn to append (PostgreSQL; SQLite writers are serialised by BEGIN IMMEDIATE)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK})


@event.listens_for(Session, "before_flush")
def _chain_new_entries(session: Session, _flush_context, _instances) -> None:
    """Give new audit entries their place in the chain, in the order they were added."""
    new = [obj for obj in session.new if isinstance(obj, AuditEntry)]
    if not new:
        return
    new.sort(key=lambda obj: inspect(obj).insert_order or 0)  # pending objects always have one
    extend_chain(session.connection(), new)


def append(connection, entries: list[dict]) -> None:
    """Append `entries` (the AuditEntry columns but the chain's, in order) with one INSERT: the worker's batch of
    decisions. They are dated, linked and hashed exactly as the flush hook does it for ORM objects, and take ids
    in the same order (one multi-row INSERT, under the chain's lock), so `verify` checks them entry by entry."""
    if not entries:
        return
    chained = [SimpleNamespace(**{"at": None, **entry}) for entry in entries]
    extend_chain(connection, chained)
    table = AuditEntry.metadata.tables[AuditEntry.__tablename__]
    connection.execute(table.insert(), [vars(entry) for entry in chained])


def extend_chain(connection, new: list) -> None:
    """Date, link and hash `new` (objects with the AuditEntry fields, in chain order) after the newest entry,
    and move the head past them: one read (and lock) of the head and one write of it, however many entries."""
    head = AuditHead.metadata.tables[AuditHead.__tablename__]  # the Table, typed as one
    newest = select(head.c.entries, head.c.last_hash).where(head.c.id == HEAD_ID)
    # Our turn: the head row stays locked until this transaction ends (PostgreSQL; SQLite's BEGIN IMMEDIATE
    # already lets one writer in). Reading and locking it is one statement, since every audited transaction
    # waits here.
    row = connection.execute(newest.with_for_update()).first()
    if row is None:  # the very first entry: no row to lock yet, so writers take turns on the advisory lock
        lock_chain(connection)
        row = connection.execute(newest.with_for_update()).first()
    entries, last = (row.entries, row.last_hash) if row else (0, GENESIS)
    for entry in new:
        if entry.at is None:
            entry.at = utcnow()
        entry.details = canonical_details(entry.details)
        entry.prev_hash = last
        entry.hash = last = hash_of(entry)
        entries += 1
    values = {"entries": entries, "last_hash": last, "updated_at": utcnow()}
    if row:
        connection.execute(head.update().where(head.c.id == HEAD_ID).values(**values))
    else:
        connection.execute(head.insert().values(id=HEAD_ID, **values))
