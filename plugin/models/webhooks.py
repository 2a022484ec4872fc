"""Helpdesk connections, received events and the durable outbox of actions for the helpdesk."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..clock import utcnow
from .base import Base


class Connection(Base):
    """One helpdesk account: its adapter, where it is, its encrypted secrets and settings."""

    __tablename__ = "connections"
    # The public identifier (admin URLs, the API, the CLI, sidebar links, logs): never a credential. Events,
    # outbox actions, identities and officers' helpdesk ids refer to it.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The webhook URL is /webhooks/<token>. Only the token's SHA-256 (hex) is stored: the token is derived from the
    # instance's key, the id and `token_generation` (plugin/services/connections.py), so an admin can see the URL
    # again. `connections rotate-url` adds one to the generation: a new token, and the old URL answers 404.
    # Generation 0 is a token set before tokens were derived (migration 0016): it works, but cannot be shown. A row
    # made without the service gets a random value, the hash of no token: no URL until it is rotated.
    webhook_token_hash: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: secrets.token_hex(32))
    token_generation: Mapped[int] = mapped_column(Integer, default=1)
    adapter: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    settings: Mapped[dict] = mapped_column(default=dict)
    secrets_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The helpdesk stopped answering (connection refused, timeout, 5xx): its actions wait, spending no attempts,
    # until `probe_at`, when the next action is tried as a probe (plugin/worker/outbox.py). Cleared when it answers.
    unreachable_since: Mapped[dt.datetime | None] = mapped_column(default=None)
    probe_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    unreachable_error: Mapped[str | None] = mapped_column(Text, default=None)


class WebhookEvent(Base):
    """One contact received from a helpdesk, the decision taken on it, and why."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        UniqueConstraint("connection_id", "delivery_key"),
        Index(
            "ix_webhook_events_pending",
            "id",
            postgresql_where=text("outcome = 'pending'"),
            sqlite_where=text("outcome = 'pending'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"), index=True)
    delivery_key: Mapped[str] = mapped_column(String(128))
    event_type: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    customer_id: Mapped[int | None] = mapped_column(index=True)
    restriction_id: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    screen_hits: Mapped[list] = mapped_column(default=list)
    # The event as received, while it waits for the worker's decision (outcome 'pending'); cleared once decided, or
    # once handed to a lookup. Cleared means SQL NULL (the worker selects `inbound IS NOT NULL`), never JSON null.
    inbound: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), default=None)


class OutboxAction(Base):
    """An action for the helpdesk, written with its event and done by the worker, exactly once."""

    __tablename__ = "outbox_actions"
    __table_args__ = (Index("ix_outbox_due", "state", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_events.id"))
    ticket_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(32))  # the drain pass holding the lease
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    done_at: Mapped[dt.datetime | None]


OUTBOX_CHANNEL = "contactguard_outbox"


@event.listens_for(Session, "after_flush")
def _announce_revived_outbox_work(session: Session, _flush_context) -> None:
    """On PostgreSQL, a transaction that puts dead outbox actions back (`outbox retry`) sends NOTIFY
    contactguard_outbox, delivered at commit, so the workers (plugin/worker/wakeup.py) wake for them at once.

    New actions and new events need nothing here: a trigger on their tables notifies (migration 0011). A
    claim, a lease renewal or a retry's backoff changes a pending row without making it newly due, so it
    wakes no one."""
    if not any(isinstance(o, OutboxAction) and _became_pending(o) for o in session.dirty):
        return
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(text("SELECT pg_notify(:channel, '')"), {"channel": OUTBOX_CHANNEL})


def _became_pending(action: OutboxAction) -> bool:
    history = inspect(action).attrs.state.history
    return "pending" in history.added and "pending" not in history.unchanged


class RateLimitBucket(Base):
    """One helpdesk account's call budget, shared by every worker process (PostgreSQL only; see
    plugin/worker/rate_limits.py). `account` is a hash of the adapter's account key; `updated` is the
    database clock in seconds since the epoch, so every process reads the same clock."""

    __tablename__ = "rate_limit_buckets"
    account: Mapped[str] = mapped_column(String(64), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated: Mapped[float] = mapped_column(Float)
