"""The policy's clock: periodic sweeps over indexed due dates, each act done exactly once.

Every act is recorded as a ClockNotice whose unique key (kind, subject, key) makes a repeat
impossible: a sweep run twice, a worker restarted mid-sweep, a worker down for a week that
catches up, or two workers at once all end with each act done once. The act and its notice are
written in one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from .. import notes
from ..clock import local_today, utcnow
from ..config import Settings
from ..metrics import record_sweep_run
from ..models import (
    Appeal,
    ClockNotice,
    Connection,
    Customer,
    FormalWarning,
    Incident,
    Letter,
    Restriction,
    Review,
)
from ..models.register import OfficerAbsence
from ..policy.lifecycle import REVIEWABLE, State
from ..services import Actor, Context, ServiceError, outbox, ticket_flags
from ..services import restrictions as rs
from ..services import retention as rt
from ..services.lookup import helpdesk_agent_for

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    """How many acts each sweep did in this pass."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1


def _once(
    ctx: Context,
    kind: str,
    subject,
    key: str,
    act: Callable[[], object],
    report: SweepReport,
    officer_id: int | None = None,
) -> None:
    """Do `act` and record it, unless a notice with this key exists (then do nothing)."""
    try:
        with ctx.session.begin_nested():
            ctx.session.add(
                ClockNotice(
                    kind=kind,
                    subject_type=type(subject).__tablename__,
                    subject_id=subject.id,
                    key=key,
                    officer_id=officer_id,
                )
            )
            ctx.session.flush()
            act()
    except IntegrityError:
        return  # done already, by an earlier pass or another worker
    except ServiceError as exc:  # the state moved on (e.g. lifted meanwhile): nothing to do, say why
        log.warning("clock %s skipped %s=%s: %s", kind, type(subject).__tablename__, subject.id, exc.message)
        return
    report.add(kind)
    log.info("clock %s %s=%s key=%s", kind, type(subject).__tablename__, subject.id, key)


def _once_each(ctx: Context, kind: str, due: list[tuple], act: Callable, report: SweepReport) -> None:
    """`_once` for many subjects of one kind at a time: `due` holds (subject, key, officer id) in order. Their
    notices are inserted together, a thousand to a statement, skipping any key already there (an earlier pass,
    or another worker at the same moment: its insert waits for ours, or ours for its); then `act(subject)`
    runs for each subject whose notice this pass inserted, in order. Only for acts that the services never
    refuse (a review task, an alert): an act that raises rolls back the sweep's transaction, its notices with
    it, as under `_once`."""
    insert = pg_insert if ctx.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = ClockNotice.metadata.tables[ClockNotice.__tablename__]
    for start in range(0, len(due), 1000):
        chunk = due[start : start + 1000]
        now = utcnow()
        rows = [
            {
                "kind": kind,
                "subject_type": type(subject).__tablename__,
                "subject_id": subject.id,
                "key": key,
                "officer_id": officer_id,
                "created_at": now,
            }
            for subject, key, officer_id in chunk
        ]
        statement = insert(table).on_conflict_do_nothing().returning(table.c.subject_id, table.c.key)
        new = {tuple(row) for row in ctx.session.execute(statement, rows)}  # compiled once, multi-row INSERTs
        for subject, key, _officer_id in chunk:
            if (subject.id, key) in new:
                act(subject)
                report.add(kind)
                log.info("clock %s %s=%s key=%s", kind, type(subject).__tablename__, subject.id, key)


def _not_done(ctx: Context, kind: str, candidates: list, key_of: Callable) -> list[tuple]:
    """(subject, key) pairs whose act has not happened yet: one query per thousand, not one per row."""
    pending = []
    for start in range(0, len(candidates), 1000):
        chunk = candidates[start : start + 1000]
        done = set(
            ctx.session.execute(
                select(ClockNotice.subject_id, ClockNotice.key).where(
                    ClockNotice.kind == kind, ClockNotice.subject_id.in_([c.id for c in chunk])
                )
            ).all()
        )
        pending += [(c, key_of(c)) for c in chunk if (c.id, key_of(c)) not in done]
    return pending


def review_reminders(ctx: Context, today: dt.date, report: SweepReport) -> None:
    """Remind before a review is due (default 30 and 7 days); the nearest threshold only when catching up."""
    thresholds = sorted(ctx.settings.REVIEW_REMINDER_DAYS)
    horizon = today + dt.timedelta(days=max(thresholds))
    query = select(Restriction).where(
        Restriction.state == State.ACTIVE.value, Restriction.review_due >= today, Restriction.review_due <= horizon
    )

    def key_of(r):
        return f"{r.review_due.isoformat()}:{min(t for t in thresholds if (r.review_due - today).days <= t)}"

    candidates = list(ctx.session.scalars(query.order_by(Restriction.review_due)))
    due = [(r, key, r.activated_by_id) for r, key in _not_done(ctx, "review_reminder", candidates, key_of)]
    tasks = _ReviewTasks(ctx, [r for r, _, _ in due])
    titles = {r.id: f"Review due in {key.split(':')[1]} days or fewer" for r, key, _ in due}
    _once_each(ctx, "review_reminder", due, lambda r: tasks.queue(r, titles[r.id]), report)


def overdue_reviews(ctx: Context, today: dt.date, report: SweepReport) -> None:
    """Escalate each overdue review once a day until it is held (R47); not while an appeal is heard, when the
    review itself is refused (REVIEWABLE): it escalates again from the day after the appeal is decided."""
    query = select(Restriction).where(
        Restriction.state.in_([s.value for s in REVIEWABLE]), Restriction.review_due < today
    )
    candidates = list(ctx.session.scalars(query.order_by(Restriction.review_due)))
    due = [
        (r, key, r.activated_by_id)
        for r, key in _not_done(ctx, "review_overdue", candidates, lambda r: today.isoformat())
    ]
    tasks = _ReviewTasks(ctx, [r for r, _, _ in due])
    _once_each(ctx, "review_overdue", due, lambda r: tasks.queue(r, f"OVERDUE review (due {r.review_due})"), report)


def expiry(ctx: Context, today: dt.date, report: SweepReport) -> None:
    """At its end date a restriction lapses (sunset), unless the setting holds it until reviewed (R44)."""
    # "Ends on" a day means in force through that day, in the council's zone: it lapses the day after.
    query = select(Restriction).where(Restriction.state == State.ACTIVE.value, Restriction.ends_on < today)
    hold = ctx.settings.EXPIRY_MODE == "hold_until_reviewed"
    for r in ctx.session.scalars(query.order_by(Restriction.ends_on)):
        if hold:
            _once(
                ctx,
                "expiry_held",
                r,
                today.isoformat(),
                partial(_review_task, ctx, r, "End date reached: held until a senior officer reviews it"),
                report,
                r.activated_by_id,
            )
        else:
            _once(ctx, "lapse", r, str(r.ends_on), partial(_lapse, ctx, r, "end date reached"), report)


def unconfirmed_interims(ctx: Context, today: dt.date, report: SweepReport) -> None:
    """Immediate actions not confirmed by a senior officer in time lapse (R1)."""
    query = select(Restriction).where(Restriction.state == State.INTERIM.value, Restriction.confirm_by < today)
    for r in ctx.session.scalars(query.order_by(Restriction.confirm_by)):
        _once(
            ctx,
            "lapse",
            r,
            f"interim:{r.confirm_by}",
            partial(_lapse, ctx, r, "not confirmed by a senior officer in time"),
            report,
        )


def appeal_deadlines(ctx: Context, today: dt.date, report: SweepReport) -> None:
    """Alert daily while an appeal decision is late (R36)."""
    query = select(Appeal).where(Appeal.state == "lodged", Appeal.decision_due < today)
    candidates = list(ctx.session.scalars(query.order_by(Appeal.decision_due)))
    due = [(a, key, a.heard_by_id) for a, key in _not_done(ctx, "appeal_late", candidates, lambda a: today.isoformat())]
    _once_each(ctx, "appeal_late", due, lambda appeal: None, report)


def appeal_windows(ctx: Context, today: dt.date, report: SweepReport) -> None:
    """Record when a letter's appeal window closes unused, so the file shows the decision stands (R36)."""
    days = {
        "restriction": ctx.settings.RESTRICTION_APPEAL_WORKING_DAYS,
        "warning": ctx.settings.WARNING_APPEAL_WORKING_DAYS,
    }
    earliest = today - dt.timedelta(days=max(days.values()) * 2 + 14)
    query = select(Letter).where(Letter.state == "sent", Letter.kind.in_(list(days)), Letter.deemed_receipt >= earliest)
    letters = [
        x
        for x in ctx.session.scalars(query)
        if x.deemed_receipt and ctx.calendar.add_working_days(x.deemed_receipt, days[x.kind]) < today
    ]
    for letter, _key in _not_done(ctx, "appeal_window_closed", letters, lambda x: str(x.deemed_receipt)):
        column = Appeal.restriction_id if letter.kind == "restriction" else Appeal.warning_id
        subject = letter.restriction_id if letter.kind == "restriction" else letter.warning_id
        if ctx.session.scalar(select(Appeal.id).where(column == subject)) is None:
            _once(
                ctx,
                "appeal_window_closed",
                letter,
                str(letter.deemed_receipt),
                partial(ctx.audit, "appeal.window_closed", letter, kind=letter.kind),
                report,
            )


def warning_followups(ctx: Context, today: dt.date, report: SweepReport) -> None:
    """After the follow-up window, a warning with no further incident counts as effective (R10)."""
    query = select(FormalWarning).where(
        FormalWarning.state == "issued", FormalWarning.effective.is_(None), FormalWarning.followup_until < today
    )
    for warning in ctx.session.scalars(query):
        _once(
            ctx, "warning_followup", warning, str(warning.followup_until), partial(_judge_warning, ctx, warning), report
        )


def retention(ctx: Context, today: dt.date, report: SweepReport) -> None:
    """Anonymise customers past the retention period, once each; delete old allowed events (UK GDPR 5(1)(e))."""
    for customer in rt.due_for_anonymisation(ctx, today, limit=rt.BATCH):
        _once(ctx, rt.NOTICE_KIND, customer, rt.NOTICE_KEY, partial(rt.anonymise, ctx, customer), report)
    purged = rt.purge_unrestricted_events(ctx, today)
    if purged:
        report.counts["events_purged"] = report.counts.get("events_purged", 0) + purged


def absence_cover(ctx: Context, today: dt.date, report: SweepReport) -> None:
    """When an officer's absence begins and after it ends, their customers' ticket flags name who to contact."""
    began = select(OfficerAbsence).where(OfficerAbsence.starts_on <= today, OfficerAbsence.ends_on >= today)
    ended = select(OfficerAbsence).where(
        OfficerAbsence.ends_on < today, OfficerAbsence.ends_on >= today - dt.timedelta(days=ABSENCE_CATCH_UP_DAYS)
    )
    for query, key in ((began, "began"), (ended, "ended")):
        for absence in ctx.session.scalars(query.order_by(OfficerAbsence.id)):
            act = partial(ticket_flags.cover_changed, ctx, absence.officer_id, today)
            _once(ctx, "absence_cover", absence, key, act, report)


ABSENCE_CATCH_UP_DAYS = 14  # a worker down longer than this leaves old absences alone


def _judge_warning(ctx: Context, warning: FormalWarning) -> None:
    start = dt.datetime.combine(warning.issued_on, dt.time.max, tzinfo=dt.timezone.utc)
    end = dt.datetime.combine(warning.followup_until, dt.time.max, tzinfo=dt.timezone.utc)
    later = ctx.session.scalar(
        select(Incident.id).where(
            Incident.customer_id == warning.customer_id, Incident.occurred_at > start, Incident.occurred_at <= end
        )
    )
    warning.effective = later is None
    ctx.audit("warning.followup_judged", warning, effective=warning.effective)


def _lapse(ctx: Context, r: Restriction, reason: str) -> None:
    """The restriction ends by the clock; its flags come off the tickets with it (services.ticket_flags)."""
    rs.lapse(ctx, r, reason)


class _ReviewTasks:
    """`_review_task` for many restrictions of one sweep: the helpdesks that take review tasks read once, and
    when one does, the reviewers, their helpdesk users and the customers' references read for all together."""

    def __init__(self, ctx: Context, restrictions: list[Restriction]):
        self.ctx = ctx
        self.connections = [
            c
            for c in ctx.session.scalars(select(Connection).where(Connection.active.is_(True)))
            if c.settings.get("review_queue") is not None
        ]
        self.reviewers: dict[int, int | None] = {}
        self.agents: dict[tuple[str, int | None], str | None] = {}
        if self.connections and restrictions:
            self._read(restrictions)

    def _read(self, restrictions: list[Restriction]) -> None:
        for start in range(0, len(restrictions), 1000):
            chunk = restrictions[start : start + 1000]
            last = dict.fromkeys((r.id for r in chunk), None)
            held = select(Review.restriction_id, Review.held_by_id).where(Review.restriction_id.in_(list(last)))
            for restriction_id, held_by_id in self.ctx.session.execute(held.order_by(Review.id)):
                last[restriction_id] = held_by_id  # the newest review comes last
            for r in chunk:
                self.reviewers[r.id] = last[r.id] if last[r.id] is not None else r.activated_by_id
            # the customers in the identity map, so r.customer below asks nothing more
            list(self.ctx.session.scalars(select(Customer).where(Customer.id.in_({r.customer_id for r in chunk}))))

    def queue(self, r: Restriction, title: str) -> None:
        """What `_review_task` does for `r`, from what was read once."""
        if not self.connections:
            return
        reviewer = self.reviewers[r.id]
        for connection in self.connections:
            if (connection.id, reviewer) not in self.agents:
                self.agents[(connection.id, reviewer)] = helpdesk_agent_for(self.ctx, connection.id, reviewer)
            _queue_review_task(self.ctx, connection, r, title, self.agents[(connection.id, reviewer)])


def _review_task(ctx: Context, r: Restriction, title: str) -> None:
    """A task for the reviewing senior officer in each helpdesk that takes review tasks, assigned to their user
    there when it is known; internal only (never a reply the helpdesk could send to anyone)."""
    reviewer = _reviewer_id(ctx, r)
    for connection in ctx.session.scalars(select(Connection).where(Connection.active.is_(True))):
        if connection.settings.get("review_queue") is None:
            continue
        _queue_review_task(ctx, connection, r, title, helpdesk_agent_for(ctx, connection.id, reviewer))


def _queue_review_task(ctx: Context, connection: Connection, r: Restriction, title: str, agent_id: str | None) -> None:
    """One review task in one helpdesk's review queue."""
    task = outbox.CreateTask(
        queue=connection.settings["review_queue"],
        title=f"contactguard: {title}: restriction {r.id}",
        text=notes.render(
            "review_task",
            title=title,
            restriction=r.id,
            customer=r.customer.reference,
            review_due=r.review_due,
            link=f"{ctx.settings.base_url}/restrictions/{r.id}/review",
        ),
        agent_id=agent_id,
    )
    origin = f"task:{r.id}:{title[:20]}:{ctx.today().isoformat()}"
    outbox.write(ctx, connection, [task], origin=origin, ticket_id=None)


def _reviewer_id(ctx: Context, r: Restriction) -> int | None:
    """Who reviews it: the senior officer who held its last review, else the one who put it in force."""
    last = ctx.session.scalar(
        select(Review.held_by_id).where(Review.restriction_id == r.id).order_by(Review.id.desc()).limit(1)
    )
    return last if last is not None else r.activated_by_id


SWEEPS = (
    unconfirmed_interims,
    expiry,
    review_reminders,
    overdue_reviews,
    appeal_deadlines,
    appeal_windows,
    warning_followups,
    absence_cover,
    retention,
)


def run_sweeps(sessions, settings: Settings, today: dt.date | None = None) -> SweepReport:
    """One pass of every sweep; safe to repeat at any time. `today` defaults to today in the council's zone."""
    today = today or local_today(settings.zone)
    report = SweepReport()
    for sweep in SWEEPS:
        with sessions() as session, session.begin():
            sweep(Context(session, Actor.system("clock"), settings), today, report)
    record_sweep_run(sessions)  # the "no sweep for 30 minutes" alert reads it
    return report
