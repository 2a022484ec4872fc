"""Retention: anonymise customers whose restriction ended long enough ago, purge allowed contacts (UK GDPR 5(1)(e)).

Two rules, both run by the clock (plugin/worker/sweeps.py) and by `contactguard retention run`:

1. A customer is **anonymised** when nothing is in force or pending for them (no restriction interim, proposed,
   active or under appeal; no appeal lodged) and nothing has happened on their file for
   RETENTION_AFTER_END_MONTHS: their last restriction ended, and their last incident, warning (with its
   follow-up window), appeal, review and letter are all older than the period. Anonymising keeps the shape
   of the file for statistics (dates, categories, channels, paths, outcomes, codes) and removes what
   identifies or describes the person: the name and reference are replaced, every identity is deleted (so
   the webhook no longer recognises them), every free-text field is redacted, and their webhook events
   lose the ticket id, the reason and the screen's hits. It happens once per customer (a ClockNotice keyed
   `anonymise`), with one `customer.anonymised` audit entry. The audit trail itself is append-only and holds
   identifiers and codes, not content, so it is left as it is.
2. **Allowed** webhook events (outcome allow or ignored: the contact was not restricted) are deleted
   RETENTION_UNRESTRICTED_EVENTS_DAYS after they arrived, with the helpdesk actions done for them. Events
   about a restricted contact stay until their customer is anonymised (rule 1).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..models import (
    Appeal,
    AuditEntry,
    ClockNotice,
    Customer,
    FormalWarning,
    Incident,
    Letter,
    OutboxAction,
    PreRestrictionCheck,
    Restriction,
    Review,
    WebhookEvent,
)
from ..policy.calendar import add_months
from ..policy.lifecycle import IN_FORCE, State
from .context import Context

log = logging.getLogger(__name__)

REDACTED = "[redacted]"
ANONYMISED_NAME = "Anonymised customer"
NOTICE_KIND = "anonymise"
NOTICE_KEY = "retention"
# Outcomes of contacts that were not restricted: kept only for operations, then deleted.
UNRESTRICTED_OUTCOMES = ("allow", "ignored")
# Restrictions in these states keep the customer's file: in force, or a proposal still to be decided.
OPEN_STATES = sorted({s.value for s in IN_FORCE} | {State.PROPOSED.value})
BATCH = 500  # customers anonymised per clock pass; the next pass takes the rest


@dataclass
class RetentionReport:
    """What a retention pass did (or, dry, would do)."""

    cutoff: dt.date
    events_before: dt.datetime
    customers: list[dict] = field(default_factory=list)  # {id, reference, last_activity}
    events_purged: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "anonymise_before": self.cutoff.isoformat(),
            "events_received_before": self.events_before.isoformat(),
            "customers": self.customers,
            "events_purged": self.events_purged,
        }


def cutoff_date(ctx: Context, today: dt.date) -> dt.date:
    """Activity on or after this day keeps a customer's file."""
    return add_months(today, -ctx.settings.RETENTION_AFTER_END_MONTHS)


def events_cutoff(ctx: Context, today: dt.date) -> dt.datetime:
    """Allowed events received before this instant (local midnight, N days before today) are deleted."""
    return _start_of(today - dt.timedelta(days=ctx.settings.RETENTION_UNRESTRICTED_EVENTS_DAYS), ctx)


def _start_of(day: dt.date, ctx: Context) -> dt.datetime:
    """Local midnight (the council's TIMEZONE) at the start of `day`, in UTC."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=ctx.settings.zone).astimezone(dt.timezone.utc)


def due_for_anonymisation(ctx: Context, today: dt.date, limit: int | None = None) -> list[Customer]:
    """Customers with nothing open and nothing on file since the cutoff, not yet anonymised, oldest first."""
    day = cutoff_date(ctx, today)
    instant = _start_of(day, ctx)
    cid = Customer.id
    query = (
        select(Customer)
        .where(
            Customer.created_at < instant,
            ~exists().where(
                ClockNotice.kind == NOTICE_KIND, ClockNotice.subject_type == "customers", ClockNotice.subject_id == cid
            ),
            ~exists().where(
                Restriction.customer_id == cid,
                or_(
                    Restriction.state.in_(OPEN_STATES),
                    Restriction.ended_at >= instant,
                    Restriction.created_at >= instant,
                ),
            ),
            ~exists().where(
                Appeal.customer_id == cid,
                or_(Appeal.state != "decided", Appeal.received_on >= day, Appeal.decided_on >= day),
            ),
            ~exists().where(
                Incident.customer_id == cid, or_(Incident.occurred_at >= instant, Incident.recorded_at >= instant)
            ),
            ~exists().where(
                FormalWarning.customer_id == cid,
                or_(FormalWarning.issued_on >= day, FormalWarning.followup_until >= day),
            ),
            ~exists().where(
                Review.restriction_id == Restriction.id, Restriction.customer_id == cid, Review.held_on >= day
            ),
            ~exists().where(Letter.customer_id == cid, or_(Letter.generated_at >= instant, Letter.sent_on >= day)),
        )
        .order_by(Customer.id)
    )
    if limit:
        query = query.limit(limit)
    return list(ctx.session.scalars(query))


def last_activity(ctx: Context, customer: Customer) -> dt.date:
    """The latest date on the customer's file (what the retention period runs from)."""
    s, cid = ctx.session, customer.id
    dates = [customer.created_at]
    for restriction in s.scalars(select(Restriction).where(Restriction.customer_id == cid)):
        dates.append(restriction.ended_at or restriction.created_at)
    dates += [
        d
        for row in s.execute(select(Incident.occurred_at, Incident.recorded_at).where(Incident.customer_id == cid))
        for d in row
    ]
    dates += [
        d
        for row in s.execute(
            select(FormalWarning.issued_on, FormalWarning.followup_until).where(FormalWarning.customer_id == cid)
        )
        for d in row
    ]
    dates += [
        d
        for row in s.execute(select(Appeal.received_on, Appeal.decided_on).where(Appeal.customer_id == cid))
        for d in row
    ]
    dates += list(
        s.scalars(
            select(Review.held_on)
            .join(Restriction, Review.restriction_id == Restriction.id)
            .where(Restriction.customer_id == cid)
        )
    )
    dates += [
        d
        for row in s.execute(select(Letter.generated_at, Letter.sent_on).where(Letter.customer_id == cid))
        for d in row
    ]
    days = [d.astimezone(ctx.settings.zone).date() if isinstance(d, dt.datetime) else d for d in dates if d is not None]
    return max(days)


def _redact(value):
    return REDACTED if value else value


def anonymise(ctx: Context, customer: Customer) -> dict:
    """Anonymise one customer now; returns what was removed (counts). Safe to repeat (it finds nothing)."""
    s, cid = ctx.session, customer.id
    counts = {"identities": len(customer.identities)}
    customer.identities.clear()
    customer.name = ANONYMISED_NAME
    customer.set_postal_address(None)
    customer.reference = f"anon-{cid}"

    incidents = list(s.scalars(select(Incident).where(Incident.customer_id == cid)))
    for incident in incidents:
        incident.description = REDACTED
        incident.immediate_action = _redact(incident.immediate_action)
        incident.violence_at_work_ref = _redact(incident.violence_at_work_ref)
    warnings = list(s.scalars(select(FormalWarning).where(FormalWarning.customer_id == cid)))
    for warning in warnings:
        warning.behaviour = warning.why_unacceptable = warning.change_requested = warning.consequences = REDACTED
    restrictions = list(s.scalars(select(Restriction).where(Restriction.customer_id == cid)))
    for restriction in restrictions:
        for name in (
            "path_justification",
            "why_necessary",
            "end_reason",
            "consent_basis",
            "spoc_external_name",
            "spoc_external_role",
            "spoc_external_email",
            "spoc_external_phone",
        ):
            setattr(restriction, name, _redact(getattr(restriction, name)))
        subjects = dict(restriction.subjects or {})
        if any(subjects.get(k) for k in ("allowed", "excluded")):
            restriction.subjects = {
                **subjects,
                **{k: [REDACTED] * len(subjects.get(k) or []) for k in ("allowed", "excluded") if k in subjects},
            }
    restriction_ids = [r.id for r in restrictions]
    checks = (
        list(s.scalars(select(PreRestrictionCheck).where(PreRestrictionCheck.restriction_id.in_(restriction_ids))))
        if restriction_ids
        else []
    )
    for check in checks:
        check.social_work_enquiry_to = _redact(check.social_work_enquiry_to)
        check.adjustments_notes = _redact(check.adjustments_notes)
        check.other_services = _redact(check.other_services)
    reviews = (
        list(s.scalars(select(Review).where(Review.restriction_id.in_(restriction_ids)))) if restriction_ids else []
    )
    for review in reviews:
        review.reasons = REDACTED
    appeals = list(s.scalars(select(Appeal).where(Appeal.customer_id == cid)))
    for appeal in appeals:
        appeal.statement = REDACTED
        appeal.late_reason = _redact(appeal.late_reason)
        appeal.outcome_reasons = _redact(appeal.outcome_reasons)
    letters = list(s.scalars(select(Letter).where(Letter.customer_id == cid)))
    for letter in letters:
        if letter.facts != {"redacted": True}:
            letter.facts = {"redacted": True}
    event_ids = list(s.scalars(select(WebhookEvent.id).where(WebhookEvent.customer_id == cid)))
    if event_ids:
        # The customer id stays (it points at this anonymised record, so the counts per customer and
        # restriction survive); what leads back to the person or their words goes.
        s.execute(
            update(WebhookEvent)
            .where(WebhookEvent.id.in_(event_ids))
            .values(ticket_id=None, reason=REDACTED, screen_hits=[])
        )
        # Helpdesk actions done for those events carry the ticket and what was written on it (a lookup
        # carries the message itself). Pending ones are still to be done and are left alone.
        for action in s.scalars(
            select(OutboxAction).where(OutboxAction.event_id.in_(event_ids), OutboxAction.state.in_(["done", "dead"]))
        ):
            action.ticket_id = None
            action.payload = {"kind": action.kind, "redacted": True}
    counts.update(
        incidents=len(incidents),
        warnings=len(warnings),
        restrictions=len(restrictions),
        checks=len(checks),
        reviews=len(reviews),
        appeals=len(appeals),
        letters=len(letters),
        webhook_events=len(event_ids),
    )
    ctx.audit(
        "customer.anonymised",
        customer,
        months=ctx.settings.RETENTION_AFTER_END_MONTHS,
        redacted=counts,
    )
    return counts


def anonymise_once(ctx: Context, customer: Customer) -> bool:
    """Anonymise under the clock's notice key, so two passes or two workers do it once; True if done now."""
    try:
        with ctx.session.begin_nested():
            ctx.session.add(
                ClockNotice(kind=NOTICE_KIND, subject_type="customers", subject_id=customer.id, key=NOTICE_KEY)
            )
            ctx.session.flush()
            anonymise(ctx, customer)
    except IntegrityError:
        return False  # done already, by an earlier pass or another worker
    log.info("retention anonymised customer=%s", customer.id)
    return True


def unrestricted_events_query(ctx: Context, today: dt.date):
    """Allowed events received before the cutoff whose helpdesk actions are all finished."""
    before = events_cutoff(ctx, today)
    unfinished = exists().where(OutboxAction.event_id == WebhookEvent.id, OutboxAction.state.not_in(["done", "dead"]))
    return select(WebhookEvent.id).where(
        WebhookEvent.outcome.in_(UNRESTRICTED_OUTCOMES), WebhookEvent.received_at < before, ~unfinished
    )


def purge_unrestricted_events(ctx: Context, today: dt.date, dry_run: bool = False) -> int:
    """Delete allowed events older than RETENTION_UNRESTRICTED_EVENTS_DAYS; returns how many (would) go."""
    ids = list(ctx.session.scalars(unrestricted_events_query(ctx, today).order_by(WebhookEvent.id)))
    if dry_run or not ids:
        return len(ids)
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        ctx.session.execute(delete(OutboxAction).where(OutboxAction.event_id.in_(chunk)))
        ctx.session.execute(delete(WebhookEvent).where(WebhookEvent.id.in_(chunk)))
    ctx.session.add(
        AuditEntry(
            actor=ctx.actor.label,
            actor_officer_id=ctx.actor.officer_id,
            action="webhook_events.purged",
            entity_type="webhook_events",
            entity_id=None,
            customer_id=None,
            details={
                "count": len(ids),
                "received_before": events_cutoff(ctx, today).isoformat(),
                "outcomes": list(UNRESTRICTED_OUTCOMES),
            },
        )
    )
    log.info("retention purged %d unrestricted events", len(ids))
    return len(ids)


def run(ctx: Context, today: dt.date, dry_run: bool = False, limit: int | None = None) -> RetentionReport:
    """One retention pass: anonymise the customers due, purge old allowed events (or, dry, say what would go)."""
    report = RetentionReport(cutoff=cutoff_date(ctx, today), events_before=events_cutoff(ctx, today), dry_run=dry_run)
    for customer in due_for_anonymisation(ctx, today, limit):
        entry = {
            "id": customer.id,
            "reference": customer.reference,
            "last_activity": last_activity(ctx, customer).isoformat(),
        }
        if dry_run or anonymise_once(ctx, customer):
            report.customers.append(entry)
    report.events_purged = purge_unrestricted_events(ctx, today, dry_run)
    return report
