"""The audit trail: recording reads of the register, and checking the hash chain end to end.

`verify` recomputes every entry's hash in id order and compares the newest end with `audit_head`
(and, if given, with a head recorded earlier away from this server). It finds:

- a changed row: its stored hash is not the hash of its fields;
- a deleted row, or a row slipped in out of chain: an entry's `prev_hash` is not the hash of the
  entry before it;
- deleted newest rows, or an emptied table: the head counts more entries, or another last hash;
- a back-dated entry: one dated earlier than the entry before it (beyond a small tolerance; entries
  are dated in chain order while the writer holds its turn, so honest entries never go backwards);
- a rewritten history (every hash recomputed by someone who can write the table): only against a
  head recorded elsewhere, `expect_head`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from ..models.audit import GENESIS, HEAD_ID, AuditEntry, AuditHead, hash_of
from .context import Context

DEFAULT_TOLERANCE = dt.timedelta(seconds=5)
READ_ACTION = "register.read"
MAX_IDS_PER_READ = 500


def record_read(ctx: Context, view: str, entity_type: str, ids, customer_ids=()) -> None:
    """One audit entry saying who looked at which records (`view`: the command or page), no content.

    `ids` are the records shown (ids of `entity_type`); a listing of more than MAX_IDS_PER_READ keeps
    the first ones and the total. One customer shown also fills the entry's `customer_id`.
    """
    ids = list(ids)
    customers = sorted({c for c in customer_ids if c is not None})
    details = {"view": view, "count": len(ids), "ids": ids[:MAX_IDS_PER_READ]}
    if len(customers) > 1:
        details["customers"] = customers[:MAX_IDS_PER_READ]
    ctx.session.add(
        AuditEntry(
            actor=ctx.actor.label,
            actor_officer_id=ctx.actor.officer_id,
            action=READ_ACTION,
            entity_type=entity_type,
            entity_id=ids[0] if len(ids) == 1 else None,
            customer_id=customers[0] if len(customers) == 1 else None,
            details=details,
        )
    )


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the trail; `entry_id` is the first entry it concerns (None: the head)."""

    entry_id: int | None
    kind: str
    message: str


@dataclass
class Verification:
    """What `verify` found: the chain's length and head, and every problem in id order."""

    entries: int = 0
    head_hash: str = GENESIS
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def head(self) -> str:
        """What an operator records off the server: `COUNT:HASH` of the newest entry."""
        return f"{self.entries}:{self.head_hash}"

    @property
    def first_bad_entry(self) -> int | None:
        return next((p.entry_id for p in self.problems if p.entry_id is not None), None)

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head": self.head,
            "first_bad_entry": self.first_bad_entry,
            "problems": [{"entry_id": p.entry_id, "kind": p.kind, "message": p.message} for p in self.problems],
        }


def parse_head(text: str) -> tuple[int | None, str]:
    """`COUNT:HASH` (as `verify` prints it) or a bare HASH."""
    count, _, digest = text.strip().rpartition(":")
    digest = digest.lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"not an audit head: {text!r} (expected COUNT:HASH, HASH being 64 hex digits)")
    if not count:
        return None, digest
    if not count.isdigit():
        raise ValueError(f"not an audit head: {text!r} (COUNT must be a number)")
    return int(count), digest


def verify(
    connection, expect_head: str | None = None, tolerance: dt.timedelta = DEFAULT_TOLERANCE, batch: int = 1000
) -> Verification:
    """Recompute the chain over `connection` (one snapshot: see `snapshot_options`)."""
    expected = parse_head(expect_head) if expect_head else None
    result = Verification()
    table = AuditEntry.__table__
    previous: tuple[int, str, dt.datetime] | None = None  # (id, hash, at) of the entry before
    expected_seen = expected is not None and expected[0] == 0 and expected[1] == GENESIS
    rows = connection.execution_options(yield_per=batch).execute(select(table).order_by(table.c.id))
    for row in rows:
        result.entries += 1
        prev_id, prev_hash, prev_at = previous if previous else (None, GENESIS, None)
        if row.prev_hash != prev_hash:
            where = f"entry {prev_id}" if prev_id else "the start of the trail"
            result.problems.append(
                Problem(
                    row.id,
                    "chain_broken",
                    (
                        f"entry {row.id} does not follow {where}: an entry between them was deleted, "
                        f"or entry {row.id} was inserted out of chain"
                    ),
                )
            )
        if row.hash is None or row.hash != hash_of(row):
            result.problems.append(
                Problem(
                    row.id,
                    "changed",
                    (
                        f"entry {row.id} does not match its hash: it was changed after it was written, "
                        "or inserted by hand"
                    ),
                )
            )
        if prev_at is not None and row.at < prev_at - tolerance:
            result.problems.append(
                Problem(
                    row.id,
                    "backdated",
                    (
                        f"entry {row.id} is dated {row.at.isoformat()}, before entry {prev_id} "
                        f"({prev_at.isoformat()}): it was back-dated or inserted out of order"
                    ),
                )
            )
        if expected and not expected_seen and row.hash == expected[1]:
            expected_seen = expected[0] is None or expected[0] == result.entries
        previous = (row.id, row.hash, row.at)
    result.head_hash = previous[1] if previous else GENESIS
    _check_head(connection, result, previous)
    if expected and not expected_seen:
        count, digest = expected
        at = f" as entry number {count}" if count is not None else ""
        result.problems.append(
            Problem(
                None,
                "expected_head_missing",
                (
                    f"the recorded head {digest}{at} is not in the trail: the history up to it was "
                    "rewritten, or entries up to it were removed"
                ),
            )
        )
    return result


def _check_head(connection, result: Verification, last) -> None:
    head = connection.execute(select(AuditHead.__table__).where(AuditHead.__table__.c.id == HEAD_ID)).first()
    if head is None:
        if result.entries:
            result.problems.append(
                Problem(
                    None,
                    "head_missing",
                    (f"the trail has {result.entries} entries but no head (audit_head was emptied)"),
                )
            )
        return
    if head.entries != result.entries:
        after = f" after entry {last[0]}" if last else ""
        result.problems.append(
            Problem(
                None,
                "truncated" if head.entries > result.entries else "head_behind",
                (
                    f"the head records {head.entries} entries but the trail has {result.entries}: "
                    + (
                        f"entries{after} were deleted or the trail was emptied"
                        if head.entries > result.entries
                        else "entries were added outside the chain"
                    )
                ),
            )
        )
    elif head.last_hash != result.head_hash:
        result.problems.append(
            Problem(
                last[0] if last else None,
                "head_mismatch",
                (
                    f"the newest entry{' ' + str(last[0]) if last else ''} is not the one the head records: "
                    "the newest entries were replaced"
                ),
            )
        )


def snapshot_options(dialect_name: str) -> dict:
    """Execution options for a consistent read of entries and head while others append."""
    return {"isolation_level": "REPEATABLE READ"} if dialect_name == "postgresql" else {}


def entries(
    ctx: Context,
    customer_id: int | None = None,
    before_id: int | None = None,
    limit: int = 100,
    leave_out: Iterable[str] = (),
) -> list[AuditEntry]:
    """The newest audit entries first (of one customer; older than `before_id` to page back; without the actions in
    `leave_out`, e.g. the readings)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if customer_id is not None:
        query = query.where(AuditEntry.customer_id == customer_id)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    leave_out = list(leave_out)
    if leave_out:
        query = query.where(AuditEntry.action.not_in(leave_out))
    return list(ctx.session.scalars(query))
