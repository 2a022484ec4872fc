"""Who is acting, in which unit of work, under which settings and calendar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ..clock import local_today, utcnow
from ..config import Settings
from ..models import AuditEntry
from ..policy.calendar import WorkingCalendar
from ..policy.vocabulary import Role


@dataclass(frozen=True)
class Actor:
    """An officer acting in their role, or no officer (the worker; an operator at the server's shell).

    `label` is what the audit trail records as the actor: `officer:ID`, `system:NAME`, or for the CLI
    `cli:USER@HOST` and `cli:USER@HOST as officer:ID` (plugin/cli/base.py).
    """

    label: str
    role: Role | None = None
    officer_id: int | None = None

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        """The system acting on its own (sweeps, administration from the server's shell)."""
        return cls(label=f"system:{label}")

    @property
    def is_system(self) -> bool:
        """True when no person is acting."""
        return self.officer_id is None


@dataclass
class Context:
    """One unit of work: a session, an actor, the settings and the calendar they imply."""

    session: Session
    actor: Actor
    settings: Settings
    calendar: WorkingCalendar = field(init=False)

    def __post_init__(self) -> None:
        self.calendar = WorkingCalendar(self.settings.JURISDICTION)

    def now(self) -> dt.datetime:
        """Now, aware UTC."""
        return utcnow()

    def today(self) -> dt.date:
        """Today in the council's zone (TIMEZONE)."""
        return local_today(self.settings.zone)

    def audit(self, action: str, entity, customer_id: int | None = None, **details) -> None:
        """Append one audit entry for a change to `entity` (identifiers and codes, not content).

        The entry is hash-chained to the one before it when the session flushes, under the chain's
        lock (plugin/models/audit.py), so its date and place in the chain are those of the flush.
        """
        self.session.flush()
        if customer_id is None and type(entity).__tablename__ == "customers":
            customer_id = entity.id
        self.session.add(
            AuditEntry(
                actor=self.actor.label,
                actor_officer_id=self.actor.officer_id,
                action=action,
                entity_type=type(entity).__tablename__,
                entity_id=entity.id,
                customer_id=customer_id if customer_id is not None else getattr(entity, "customer_id", None),
                details=_jsonable(details),
            )
        )


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value
