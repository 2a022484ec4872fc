"""Helpdesk connections, received events and the durable outbox of actions for the helpdesk."""

from __future__ import annotations

import datetime as dt

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
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # events and outbox rows refer to it
    # Unguessable: the webhook URL is /webhooks/<url_token>. It starts equal to the id; `connections rotate-url`
    # replaces it (the old URL then answers 404) while the id, and so the history, stays.
    url_token: Mapped[str] = mapped_column(String(64), unique=True, default=lambda c: c.get_current_parameters()["id"])
    adapter: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    settings: Mapped[dict] = mapped_column(default=dict)
    secrets_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


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
