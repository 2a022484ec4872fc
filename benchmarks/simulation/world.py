"""The simulated council: its services, staff and customers, the options of a run, and the local clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from plugin.policy.calendar import WorkingCalendar
from plugin.policy.vocabulary import Role
from plugin.services import Actor

UTC = dt.timezone.utc
SIGNING_SECRET = "simulation-signing-secret-0123456789"  # the generic connection's, shared with the helpdesk
ZONE = ZoneInfo("Europe/London")
CALENDAR = WorkingCalendar("SCT")
SERVICES = (
    ("housing", "Housing"),
    ("council-tax", "Council Tax and Benefits"),
    ("cleansing", "Neighbourhoods and Cleansing"),
    ("social-work", "Social Work Services"),
    ("education", "Education"),
    ("parking", "Parking and Roads"),
)
OFFICERS_PER_SERVICE = 5
AGENTS = 12  # the contact centre
EXTRA_SENIORS = 2  # corporate: they hear appeals


@dataclass
class Options:
    """What a run simulates; the defaults are a year of a council the size of Glasgow."""

    days: int = 365
    customers: int = 20_000
    seed: int = 2026
    start: dt.date = dt.date(2026, 4, 1)  # the council's year: 1 April to 31 March, both clock changes inside
    contacts_per_working_day: int = 150
    difficult_share: float = 0.012  # customers whose behaviour leads to incidents during the year
    failure_rate: float = 0.01  # helpdesk calls answered 503 on their first attempt
    out: Path | None = Path("build/simulation")  # where the committee's report goes; None: no report
    stop_after: int | None = None  # run only this many of the planned days (to measure part of a year)


@dataclass
class Staff:
    """An officer as the simulation knows them."""

    id: int
    email: str
    name: str
    role: Role
    service: str | None
    agent: str  # their user id in the helpdesk
    deputy: str | None = None  # e-mail of their standing deputy
    active: bool = True

    @property
    def actor(self) -> Actor:
        return Actor(label=f"officer:{self.id}", role=self.role, officer_id=self.id)


@dataclass
class Case:
    """A customer whose behaviour leads to incidents: the path their story takes, and where it has got to."""

    kind: str  # warn | vexatious | serious | interim
    service: str
    officer: Staff  # who deals with them (their sole point of contact once restricted)
    first_day: dt.date
    incidents: list[int] = field(default_factory=list)
    warning: int | None = None
    restriction: int | None = None


@dataclass
class Person:
    """A customer on the register, and the tickets they have open at the helpdesk."""

    index: int
    ref: str
    email: str
    phone: str | None
    id: int = 0  # the register's id, once added
    has_address: bool = True  # a postal address on the register (letters by post only then)
    open_tickets: list[str] = field(default_factory=list)
    case: Case | None = None


def at_local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """That wall-clock time in Glasgow on `day`, as an aware UTC datetime (BST or GMT as the day has it)."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZONE).astimezone(UTC)


def working_day_on_or_after(day: dt.date) -> dt.date:
    return CALENDAR.on_or_after(day)


def working_days_after(day: dt.date, count: int) -> dt.date:
    """`count` working days after `day` (Scottish bank holidays and weekends skipped)."""
    return CALENDAR.add_working_days(day, count)


def working_day_on_or_before(day: dt.date) -> dt.date:
    while not CALENDAR.is_working_day(day):
        day -= dt.timedelta(days=1)
    return day
