"""What the policy's clock has already done: one row per reminder, escalation, lapse or alert."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from .base import Base


class ClockNotice(Base):
    """A sweep's act, keyed so the same act can never happen twice (restarts, catch-up, two workers)."""

    __tablename__ = "clock_notices"
    __table_args__ = (UniqueConstraint("kind", "subject_type", "subject_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int]
    key: Mapped[str] = mapped_column(String(64))
    officer_id: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WorkerHeartbeat(Base):
    """When a worker last finished a piece of periodic work (name: 'sweeps'); /metrics and /readyz read it."""

    __tablename__ = "worker_heartbeats"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[dt.datetime]
