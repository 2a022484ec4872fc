"""Management reports: counts over the register for a date range, by calendar month, never names.

The policy expects a warning to work in around half of all cases (R10), every restriction to be reviewed
on time (R42, R47), appeals to be heard (R36, R37) and all restrictions to be reported to governance
(R46); the council also needs to see how many contacts were disregarded or escalated, to spot over-use.
Each report here is plain data (`Report`: columns and rows of counts) that `plugin/reports` renders as
text, CSV, JSON, SVG or HTML. Only senior officers and admins read them, and every reading is audited
(`report.viewed`, with the report id and range: identifiers, no content). Months are calendar months
in the council's zone (plugin/clock.py); the default range is the last 12 of them, this one included.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from ..models import Appeal, AuditEntry, FormalWarning, Restriction, Review, WebhookEvent
from ..policy.appeals import Outcome
from ..policy.calendar import add_months
from ..policy.lifecycle import REVIEW_DATE_RUNS, State, values_of
from ..policy.vocabulary import Path, Role, values
from .context import Context
from .errors import Forbidden, InvalidInput, NotFound

DEFAULT_MONTHS = 12
MAX_MONTHS = 120
READERS = (Role.SENIOR, Role.ADMIN)
AGE_BANDS = ("under 3 months", "3 to 6 months", "6 to 12 months", "over 12 months")


@dataclass(frozen=True)
class Column:
    """One column of a report: a stable key (CSV header, JSON) and a label for people."""

    key: str
    label: str


@dataclass
class Report:
    """A report's figures: the first column labels each row (a month `YYYY-MM`, or a category)."""

    id: str
    title: str
    description: str
    start: dt.date
    end: dt.date
    columns: list[Column]
    rows: list[list]
    chart: str = "bar"  # bar | line
    chart_series: list[str] = field(default_factory=list)
    summary: list[tuple[str, str]] = field(default_factory=list)

    def total(self, key: str) -> int:
        """The sum of one column over every row."""
        index = [c.key for c in self.columns].index(key)
        return sum(row[index] for row in self.rows)

    def as_dict(self) -> dict:
        """The report as JSON-ready data."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "columns": [c.key for c in self.columns],
            "labels": [c.label for c in self.columns],
            "rows": self.rows,
            "summary": [{"label": k, "value": v} for k, v in self.summary],
        }


@dataclass(frozen=True)
class ReportSpec:
    """An entry of the catalogue: what the report is called and how its figures are built."""

    id: str
    title: str
    description: str
    build: Callable[[Context, dt.date, dt.date], Report]


def catalogue() -> list[dict]:
    """Every report: id, title and what it counts (no figures, so no role is needed)."""
    return [{"id": s.id, "title": s.title, "description": s.description} for s in REPORTS.values()]


def run(ctx: Context, report_id: str, start=None, end=None, fmt: str = "data") -> Report:
    """Build one report for a senior officer or an admin, and audit that it was viewed."""
    require_reader(ctx)
    spec = REPORTS.get(report_id)
    if spec is None:
        raise NotFound(f"no report {report_id!r}; reports: {', '.join(REPORTS)}", errors={"report": ["unknown report"]})
    start, end = report_range(ctx.today(), start, end)
    report = spec.build(ctx, start, end)
    ctx.session.add(
        AuditEntry(
            actor=ctx.actor.label,
            actor_officer_id=ctx.actor.officer_id,
            action="report.viewed",
            entity_type="report",
            entity_id=None,
            details={"report": report_id, "from": start.isoformat(), "to": end.isoformat(), "format": fmt},
        )
    )
    return report


def require_reader(ctx: Context) -> None:
    """Reports are for senior officers and admins (they show the policy's use, not customers)."""
    if ctx.actor.role not in READERS:
        shown = ctx.actor.role.value if ctx.actor.role else ctx.actor.label
        raise Forbidden(f"reports need a senior officer or an admin; you are {shown}")


def report_range(today: dt.date, start=None, end=None) -> tuple[dt.date, dt.date]:
    """The range asked for; by default the last 12 calendar months up to today (this month included)."""
    end = _as_date(end, "to") or today
    start = _as_date(start, "from") or add_months(end.replace(day=1), 1 - DEFAULT_MONTHS)
    if start > end:
        raise InvalidInput(
            f"the range starts ({start.isoformat()}) after it ends ({end.isoformat()})", errors={"from": ["after to"]}
        )
    if len(months(start, end)) > MAX_MONTHS:
        raise InvalidInput(f"a report covers at most {MAX_MONTHS} months", errors={"from": ["range too long"]})
    return start, end


def _as_date(value, name: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(
            f"{name} must be a date like 2026-01-31, not {value!r}", errors={name: ["not a date"]}
        ) from None


def months(start: dt.date, end: dt.date) -> list[str]:
    """The calendar months from `start` to `end`, both included, as `YYYY-MM`."""
    found, day = [], start.replace(day=1)
    while day <= end:
        found.append(f"{day.year:04d}-{day.month:02d}")
        day = add_months(day, 1)
    return found


def _month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _local_date(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    return moment.astimezone(zone).date()


def _local_midnight_utc(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.timezone.utc)


def _monthly(start, end, columns: list[Column], counts: dict[str, Counter]) -> list[list]:
    """One row per month: the month, then each column's count that month (0 when none)."""
    return [[month] + [counts[month][c.key] for c in columns[1:]] for month in months(start, end)]


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "n/a"


# --- warnings ---------------------------------------------------------------------------------------

WARNING_COLUMNS = [
    Column("month", "Month"),
    Column("issued", "Warnings issued"),
    Column("followed_by_restriction", "Followed by a restriction"),
    Column("no_restriction", "No restriction"),
    Column("in_follow_up", "Still in follow-up"),
    Column("withdrawn", "Withdrawn on appeal"),
]


def warnings_report(ctx: Context, start: dt.date, end: dt.date) -> Report:
    """Warnings issued per month, and whether a restriction of the same customer followed (R10)."""
    in_range = (FormalWarning.issued_on >= start, FormalWarning.issued_on <= end)
    rows = ctx.session.execute(
        select(
            FormalWarning.customer_id, FormalWarning.issued_on, FormalWarning.followup_until, FormalWarning.state
        ).where(*in_range)
    ).all()
    began = _restrictions_began(ctx, select(FormalWarning.customer_id).where(*in_range))
    counts: dict[str, Counter] = defaultdict(Counter)
    for w in rows:
        counts[_month(w.issued_on)].update(["issued", _warning_outcome(w, began[w.customer_id], ctx.today())])
    report = Report(
        "warnings",
        *_about("warnings"),
        start,
        end,
        WARNING_COLUMNS,
        _monthly(start, end, WARNING_COLUMNS, counts),
        "bar",
        ["issued", "followed_by_restriction"],
    )
    followed, judged = report.total("followed_by_restriction"), report.total("no_restriction")
    report.summary = [
        ("Warnings issued", str(report.total("issued"))),
        ("Followed by a restriction", str(followed)),
        ("Share followed by a restriction (follow-up over)", _share(followed, followed + judged)),
        ("Share with no restriction (policy expects about half)", _share(judged, followed + judged)),
    ]
    return report


def _warning_outcome(w, began: list[dt.date], today: dt.date) -> str:
    if w.state == "withdrawn":
        return "withdrawn"
    if any(w.issued_on <= day <= w.followup_until for day in began):
        return "followed_by_restriction"
    return "in_follow_up" if w.followup_until >= today else "no_restriction"


def _restrictions_began(ctx: Context, customer_ids) -> dict[int, list[dt.date]]:
    """For each customer of the `customer_ids` query, the dates their restrictions came into force."""
    began: dict[int, list[dt.date]] = defaultdict(list)
    query = select(Restriction.customer_id, Restriction.activated_at, Restriction.path, Restriction.starts_on).where(
        Restriction.customer_id.in_(customer_ids),
        or_(Restriction.activated_at.is_not(None), Restriction.path == Path.INTERIM.value),
    )
    for r in ctx.session.execute(query):
        began[r.customer_id].append(_came_into_force(r, ctx.settings.zone))
    return began


def _came_into_force(r, zone: ZoneInfo) -> dt.date:
    """When a senior officer brought it into force; an immediate action is in force from its start."""
    return _local_date(r.activated_at, zone) if r.activated_at is not None else r.starts_on


# --- restrictions in force --------------------------------------------------------------------------


def _in_force_on(ctx: Context, day: dt.date) -> list:
    """Restrictions in force at the end of `day`: brought into force by then, and not ended by then."""
    zone = ctx.settings.zone
    query = select(Restriction.path, Restriction.starts_on, Restriction.activated_at, Restriction.ended_at).where(
        Restriction.state.notin_([State.PROPOSED.value, State.WITHDRAWN.value]),
        or_(Restriction.activated_at.is_not(None), Restriction.path == Path.INTERIM.value),
        Restriction.starts_on <= day,
        or_(Restriction.ended_at.is_(None), Restriction.ended_at >= _local_midnight_utc(day, zone)),
    )
    return [
        r
        for r in ctx.session.execute(query)
        if _came_into_force(r, zone) <= day and (r.ended_at is None or _local_date(r.ended_at, zone) > day)
    ]


def restrictions_by_type_report(ctx: Context, start: dt.date, end: dt.date) -> Report:
    """Restrictions in force at the end of the range, by the path that led to them (R46)."""
    as_at = min(end, ctx.today())
    counts = Counter(r.path for r in _in_force_on(ctx, as_at))
    paths = values(Path) + sorted(set(counts) - set(values(Path)))
    columns = [Column("type", "Type"), Column("in_force", "In force")]
    report = Report(
        "restrictions-by-type",
        *_about("restrictions-by-type"),
        start,
        end,
        columns,
        [[path, counts[path]] for path in paths],
        "bar",
        ["in_force"],
    )
    report.summary = [("In force on", as_at.isoformat()), ("Restrictions in force", str(sum(counts.values())))]
    return report


def restrictions_by_age_report(ctx: Context, start: dt.date, end: dt.date) -> Report:
    """Restrictions in force at the end of the range, by how long they have run (R43, R54)."""
    as_at = min(end, ctx.today())
    counts = Counter(_age_band(r.starts_on, as_at) for r in _in_force_on(ctx, as_at))
    columns = [Column("age", "Running for"), Column("in_force", "In force")]
    report = Report(
        "restrictions-by-age",
        *_about("restrictions-by-age"),
        start,
        end,
        columns,
        [[band, counts[band]] for band in AGE_BANDS],
        "bar",
        ["in_force"],
    )
    report.summary = [("In force on", as_at.isoformat()), ("Restrictions in force", str(sum(counts.values())))]
    return report


def _age_band(started: dt.date, as_at: dt.date) -> str:
    for band, months_back in zip(AGE_BANDS, (3, 6, 12), strict=False):  # the last band has no bound
        if started > add_months(as_at, -months_back):
            return band
    return AGE_BANDS[-1]


# --- reviews, appeals, contacts ---------------------------------------------------------------------

REVIEW_COLUMNS = [Column("month", "Month"), Column("on_time", "Held on time"), Column("late", "Held late")]


def reviews_report(ctx: Context, start: dt.date, end: dt.date) -> Report:
    """Reviews held per month: on or before their due date, or after it (R42, R47)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for held_on, due_on in ctx.session.execute(
        select(Review.held_on, Review.due_on).where(Review.held_on >= start, Review.held_on <= end)
    ):
        counts[_month(held_on)]["late" if due_on is not None and held_on > due_on else "on_time"] += 1
    report = Report(
        "reviews",
        *_about("reviews"),
        start,
        end,
        REVIEW_COLUMNS,
        _monthly(start, end, REVIEW_COLUMNS, counts),
        "bar",
        ["on_time", "late"],
    )
    on_time, late = report.total("on_time"), report.total("late")
    overdue = ctx.session.scalar(
        select(func.count(Restriction.id)).where(
            Restriction.state.in_(values_of(REVIEW_DATE_RUNS)), Restriction.review_due < ctx.today()
        )
    )
    report.summary = [
        ("Reviews held", str(on_time + late)),
        ("Held on time", _share(on_time, on_time + late)),
        ("Reviews overdue today", str(overdue)),
    ]
    return report


def appeals_report(ctx: Context, start: dt.date, end: dt.date) -> Report:
    """Appeals lodged per month, by the outcome recorded so far (R36, R37)."""
    rows = ctx.session.execute(
        select(Appeal.received_on, Appeal.outcome).where(Appeal.received_on >= start, Appeal.received_on <= end)
    ).all()
    outcomes = values(Outcome) + sorted({o for _, o in rows if o} - set(values(Outcome)))
    columns = (
        [Column("month", "Month"), Column("lodged", "Appeals lodged")]
        + [Column(o, o.capitalize()) for o in outcomes]
        + [Column("undecided", "Not yet decided")]
    )
    counts: dict[str, Counter] = defaultdict(Counter)
    for received_on, outcome in rows:
        counts[_month(received_on)].update(["lodged", outcome or "undecided"])
    report = Report(
        "appeals",
        *_about("appeals"),
        start,
        end,
        columns,
        _monthly(start, end, columns, counts),
        "bar",
        ["lodged"] + outcomes,
    )
    decided = sum(report.total(o) for o in outcomes)
    report.summary = [("Appeals lodged", str(report.total("lodged")))] + [
        (f"{o.capitalize()} (of those decided)", _share(report.total(o), decided)) for o in outcomes
    ]
    return report


CONTACT_COLUMNS = [Column("month", "Month"), Column("disregard", "Disregarded"), Column("escalate", "Escalated")]


def contacts_report(ctx: Context, start: dt.date, end: dt.date) -> Report:
    """Contacts disregarded or escalated per month, from the helpdesk events decided (R23-R25)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for received_at, outcome in ctx.session.execute(
        select(WebhookEvent.received_at, WebhookEvent.outcome).where(
            WebhookEvent.outcome.in_(["disregard", "escalate"]),
            WebhookEvent.received_at >= _local_midnight_utc(start, ctx.settings.zone),
            WebhookEvent.received_at < _local_midnight_utc(end + dt.timedelta(days=1), ctx.settings.zone),
        )
    ):
        counts[_month(_local_date(received_at, ctx.settings.zone))][outcome] += 1
    report = Report(
        "contacts",
        *_about("contacts"),
        start,
        end,
        CONTACT_COLUMNS,
        _monthly(start, end, CONTACT_COLUMNS, counts),
        "line",
        ["disregard", "escalate"],
    )
    report.summary = [
        ("Contacts disregarded", str(report.total("disregard"))),
        ("Contacts escalated", str(report.total("escalate"))),
    ]
    return report


def _about(report_id: str) -> tuple[str, str]:
    spec = REPORTS[report_id]
    return spec.title, spec.description


REPORTS: dict[str, ReportSpec] = {
    spec.id: spec
    for spec in (
        ReportSpec(
            "warnings",
            "Warnings and what followed",
            "Warnings issued per month, and how many were followed by a restriction of the same customer "
            "within the warning's follow-up window",
            warnings_report,
        ),
        ReportSpec(
            "restrictions-by-type",
            "Restrictions in force by type",
            "Restrictions in force at the end of the range, by how they came about",
            restrictions_by_type_report,
        ),
        ReportSpec(
            "restrictions-by-age",
            "Restrictions in force by age",
            "Restrictions in force at the end of the range, by how long they have run",
            restrictions_by_age_report,
        ),
        ReportSpec("reviews", "Reviews held on time", "Reviews held per month, on time or late", reviews_report),
        ReportSpec("appeals", "Appeals and their outcomes", "Appeals lodged per month, by outcome", appeals_report),
        ReportSpec(
            "contacts",
            "Disregarded and escalated contacts",
            "Helpdesk contacts disregarded or escalated per month",
            contacts_report,
        ),
    )
}
