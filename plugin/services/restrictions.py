"""Restrictions: propose, record checks, activate, confirm interim actions, amend, lift, lapse.

Every change goes through the lifecycle (policy.lifecycle) and, where it brings a restriction
into force, through the activation rules (policy.restrictions). A refusal changes nothing.
"""

from __future__ import annotations

import dataclasses

from marshmallow import fields, validate
from sqlalchemy import select

from ..models import FormalWarning, Incident, PreRestrictionCheck, Restriction
from ..notes import long_date
from ..policy.calendar import add_months
from ..policy.errors import PolicyViolation
from ..policy.lifecycle import (
    AMENDED_IN_FORCE,
    BEFORE_CONFIRMED,
    IN_FORCE,
    IN_FORCE_VALUES,
    Action,
    State,
    check_transition,
    values_of,
)
from ..policy.restrictions import ActivationFacts, Problem, activation_problems, review_date_problems
from ..policy.vocabulary import VIOLENT_CATEGORIES, LetterKind, Path, Role
from ..schemas import (
    AmendInput,
    ChecksInput,
    ConfirmInterimInput,
    EndInput,
    InterimInput,
    ProposalInput,
)
from . import ticket_flags
from .context import Context
from .errors import InvalidInput, Refused
from .incidents import standing_warning
from .letters import overtaken, queue_letter
from .lookup import acting_officer_id, customer_by_ref, get, load, require_senior, require_staff
from .terms import apply_terms, arrangement_of, arrangement_problems, checks_of, min_weekly_contact_minutes, terms_of


class RecordedChecksInput(ChecksInput):
    """The pre-restriction checks, with the enquiry made of Social Work Services when the answer is 'unknown'."""

    social_work_enquiry_to = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 500))
    social_work_enquired_on = fields.Date(load_default=None, allow_none=True)


def _move(ctx: Context, r: Restriction, action: Action, target: State) -> None:
    try:
        check_transition(State(r.state), action, target)
    except PolicyViolation as exc:
        raise Refused(exc.message, errors={"state": [exc.message]}, code=exc.code) from None
    r.state = target.value


def _defaults(ctx: Context, r: Restriction) -> None:
    r.starts_on = r.starts_on or ctx.today()
    if r.review_due is None:
        r.review_due = add_months(r.starts_on, ctx.settings.REVIEW_MONTHS)
        if r.ends_on is not None and r.starts_on < r.ends_on < r.review_due:
            r.review_due = r.ends_on  # a restriction ending sooner is reviewed by its end (R44)


def _refuse_bad_review_date(ctx: Context, r: Restriction, changed, summary: str) -> None:
    """A review date being set now is not in the past, and no review falls after the end date (R42, R44)."""
    if not {"review_due", "ends_on"} & set(changed):
        return
    today = ctx.today() if "review_due" in changed else None
    field = "review_due" if "review_due" in changed else "ends_on"  # name the date the officer gave
    problems = review_date_problems(r.review_due, ends_on=r.ends_on, today=today, field=field)
    if problems:
        raise Refused.from_problems(summary, problems)


def propose(ctx: Context, data: dict, checks: dict | None = None) -> Restriction:
    """An officer drafts a considered restriction, with its pre-restriction checks if they are known."""
    return _draft(ctx, data, checks, check_review_date=True)


def _draft(ctx: Context, data: dict, checks: dict | None, check_review_date: bool) -> Restriction:
    require_staff(ctx, Role.OFFICER, "proposing a restriction")
    data = load(ProposalInput(), data)
    customer = customer_by_ref(ctx, data["customer"])
    r = Restriction(
        customer_id=customer.id,
        state=State.PROPOSED.value,
        path=data["path"],
        path_justification=data["path_justification"],
        why_necessary=data["why_necessary"],
        proposed_by_id=ctx.actor.officer_id,
        allowed_channels=[],
        time_windows=[],
        premises={},
        subjects={},
    )
    ctx.session.add(r)
    _link(ctx, r, customer.id, data.get("warning"), data["incidents"])
    changed = apply_terms(ctx, r, data)
    if check_review_date:
        _refuse_bad_review_date(ctx, r, changed, "the restriction cannot be proposed")
    _defaults(ctx, r)
    ctx.audit("restriction.proposed", r, path=r.path)
    if checks is not None:
        record_checks(ctx, r.id, checks)
    return r


def _link(ctx: Context, r: Restriction, customer_id: int, warning_id, incident_ids) -> None:
    if warning_id is not None:
        warning = get(ctx, FormalWarning, warning_id, "warning")
        if warning.customer_id != customer_id:
            raise InvalidInput("the warning is another customer's", errors={"warning": ["another customer's"]})
        r.warning_id = warning.id
    for incident_id in incident_ids:
        incident = get(ctx, Incident, incident_id, "incident")
        if incident.customer_id != customer_id:
            raise InvalidInput(f"incident {incident_id} is another customer's", errors={"incidents": ["mismatch"]})
        r.incidents.append(incident)
    ctx.session.flush()


def record_checks(ctx: Context, restriction_id: int, data: dict) -> PreRestrictionCheck:
    """Record the pre-restriction checks: Social Work Services, adjustments, other services (R9)."""
    require_staff(ctx, Role.OFFICER, "recording pre-restriction checks")
    data = load(RecordedChecksInput(), data)
    r = get(ctx, Restriction, restriction_id, "restriction")
    if r.state not in values_of(BEFORE_CONFIRMED):
        raise Refused(
            f"checks are recorded before a restriction comes into force; this one is {r.state}",
            code="illegal_transition",
        )
    for field in ("social_work_enquired_on", "social_work_checked_on"):
        if data[field] is not None and data[field] > ctx.today():
            raise Refused(
                f"{field} cannot be in the future ({data[field].isoformat()})",
                errors={field: ["in the future [R9]"]},
                code="date_in_future",
            )
    row = r.checks or PreRestrictionCheck(restriction_id=r.id)
    for key, value in data.items():
        setattr(row, key, value)
    row.social_work_checked_on = data["social_work_checked_on"] or ctx.today()
    row.social_work_checked_by_id = row.recorded_by_id = acting_officer_id(ctx, "recording pre-restriction checks")
    row.recorded_at = ctx.now()
    r.checks = row
    ctx.audit(
        "restriction.checks_recorded",
        r,
        social_work_known=row.social_work_known,
        social_work_enquired_on=row.social_work_enquired_on,
        adjustments_needed=row.adjustments_needed,
    )
    return row


def _facts(ctx: Context, r: Restriction) -> ActivationFacts:
    warning = standing_warning(ctx, r.customer_id)
    violent = {c.value for c in VIOLENT_CATEGORIES}
    return ActivationFacts(
        actor_role=ctx.actor.role or Role.AGENT,
        path=Path(r.path),
        path_justification=r.path_justification,
        has_standing_warning=warning is not None and warning.issued_on <= ctx.today(),
        has_violent_incident=any(i.category in violent for i in r.incidents),
        why_necessary=r.why_necessary,
        checks=checks_of(r.checks),
        arrangement=arrangement_of(r),
        today=ctx.today(),
        min_weekly_contact_minutes=min_weekly_contact_minutes(ctx),
    )


def _bring_into_force(ctx: Context, r: Restriction, action: Action, summary: str) -> None:
    problems = activation_problems(_facts(ctx, r))
    if problems:
        raise Refused.from_problems(summary, problems)
    _move(ctx, r, action, State.ACTIVE)
    if r.path == Path.AFTER_WARNING.value and r.warning_id is None:
        warning = standing_warning(ctx, r.customer_id)  # activation_problems refused a path without one
        r.warning_id = warning.id if warning else None
    r.activated_by_id, r.activated_at = ctx.actor.officer_id, ctx.now()
    ctx.audit(f"restriction.{action.value}", r, path=r.path, review_due=r.review_due)
    queue_letter(ctx, LetterKind.RESTRICTION, r.customer_id, restriction_id=r.id, facts=terms_of(r).as_dict())
    ticket_flags.terms_changed(ctx, r)  # an interim action's tickets now show the considered arrangement


def activate(ctx: Context, restriction_id: int) -> Restriction:
    """A senior officer brings a considered restriction into force, once every rule is met (R2-R14)."""
    r = get(ctx, Restriction, restriction_id, "restriction")
    if r.state != State.PROPOSED.value:
        _move(ctx, r, Action.ACTIVATE, State.ACTIVE)  # refuses with the allowed moves: only proposals activate
    _bring_into_force(ctx, r, Action.ACTIVATE, f"restriction {r.id} cannot be activated")
    return r


def impose(ctx: Context, data: dict, checks: dict | None = None) -> Restriction:
    """A senior officer proposes, records the checks and activates in one step, e.g. after a serious threat (R61)."""
    require_senior(ctx, "impose a restriction")
    return activate(ctx, propose(ctx, data, checks).id)


# The old register records that Social Work Services were asked, not whom or when: the import cannot
# supply that enquiry, and refusing would leave a restriction in force off the register.
LEGACY_EXEMPT = frozenset({"social_work_enquiry_required"})


def import_active(ctx: Context, data: dict, checks: dict) -> Restriction:
    """A restriction already in force in the council's old register, vouched for by a senior officer.

    The warning that preceded it lives in the old records, so the path is taken as recorded; every
    other activation rule (checks, necessity, an open channel, a review date) applies as usual, except
    that a review date already past is overdue rather than wrong, and an 'unknown' Social Work answer
    need not name the enquiry (LEGACY_EXEMPT).
    """
    require_senior(ctx, "import a restriction in force")
    r = _draft(ctx, data, checks, check_review_date=False)  # the date rules are all gathered below
    facts = dataclasses.replace(_facts(ctx, r), today=None)  # a legacy review date may already be overdue (R47)
    problems = [
        p
        for p in activation_problems(facts)
        if p.field not in ("path", "path_justification") and p.code not in LEGACY_EXEMPT
    ]
    if r.ends_on is not None and r.ends_on < ctx.today():  # in force through its last day
        problems.append(
            Problem(
                "ends_on",
                "already_ended",
                f"the restriction ended on {r.ends_on.isoformat()}; it is no longer in force",
                "R30",
            )
        )
    if problems:
        raise Refused.from_problems("the restriction cannot be imported", problems)
    _move(ctx, r, Action.ACTIVATE, State.ACTIVE)
    r.activated_by_id, r.activated_at = ctx.actor.officer_id, ctx.now()
    ctx.audit("restriction.imported", r, path=r.path, review_due=r.review_due)
    return r


def record_interim(ctx: Context, data: dict) -> Restriction:
    """Frontline staff record an immediate action; it lapses unless a senior officer confirms it (R1, R32)."""
    require_staff(ctx, Role.AGENT, "recording an immediate action")
    data = load(InterimInput(), data)
    incident = get(ctx, Incident, data["incident"], "incident")
    days = ctx.settings.INTERIM_CONFIRM_WORKING_DAYS
    occurred = incident.occurred_at.date()
    r = Restriction(
        customer_id=incident.customer_id,
        state=State.INTERIM.value,
        path=Path.INTERIM.value,
        why_necessary=data["note"],
        proposed_by_id=ctx.actor.officer_id,
        allowed_channels=[],
        time_windows=[],
        premises={},
        subjects={},
        confirm_by=ctx.calendar.add_working_days(occurred, days),
    )
    ctx.session.add(r)
    r.incidents.append(incident)
    changed = apply_terms(ctx, r, data)
    _refuse_bad_review_date(ctx, r, changed, "the immediate action cannot be recorded")
    r.starts_on = r.starts_on or occurred
    ctx.audit("restriction.interim_recorded", r, incident=incident.id, confirm_by=r.confirm_by)
    # R32: the action lasts beyond the incident, so the customer gets it in writing: what is limited for now and
    # when a senior officer decides. Queued like every letter, for an officer to check and record as sent.
    ctx.session.flush()
    queue_letter(ctx, LetterKind.INTERIM_CONFIRMATION, r.customer_id, restriction_id=r.id, facts=terms_of(r).as_dict())
    return r


def confirm_interim(ctx: Context, restriction_id: int, data: dict) -> Restriction:
    """A senior officer confirms an interim action as a considered restriction, within the window."""
    require_senior(ctx, "confirm an immediate action")
    data = load(ConfirmInterimInput(), data)
    r = get(ctx, Restriction, restriction_id, "restriction")
    if r.state == State.INTERIM.value and r.confirm_by and ctx.today() > r.confirm_by:
        raise Refused(
            f"the interim action had to be confirmed by {r.confirm_by.isoformat()}; it has lapsed "
            "and a new, considered restriction must be proposed",
            code="confirmation_too_late",
        )
    with ctx.session.no_autoflush:
        r.path, r.path_justification = data["path"], data["path_justification"]
        r.why_necessary = data["why_necessary"]
        _link(ctx, r, r.customer_id, data.get("warning"), [])
        apply_terms(ctx, r, data)
        r.starts_on = ctx.today()
        r.review_due = data.get("review_due")
        _defaults(ctx, r)
    _refuse_bad_review_date(
        ctx, r, [k for k in ("review_due", "ends_on") if data.get(k)], f"interim action {r.id} cannot be confirmed"
    )
    _bring_into_force(ctx, r, Action.CONFIRM_INTERIM, f"interim action {r.id} cannot be confirmed")
    return r


def amend(ctx: Context, restriction_id: int, data: dict) -> Restriction:
    """Change the terms; a restriction in force needs a senior officer and still meets every rule."""
    data = load(AmendInput(), data)
    r = get(ctx, Restriction, restriction_id, "restriction")
    in_force = r.state in values_of(AMENDED_IN_FORCE)
    if in_force:
        require_senior(ctx, "amend a restriction in force")
    else:
        require_staff(ctx, Role.OFFICER, "amending a proposal")
    _move(ctx, r, Action.AMEND, State(r.state))
    previous_spoc = r.spoc_officer_id
    changed = apply_terms(ctx, r, data)
    _refuse_bad_review_date(ctx, r, changed, f"restriction {r.id} cannot be amended")
    if in_force:
        problems = arrangement_problems(ctx, r)
        if problems:
            raise Refused.from_problems(f"restriction {r.id} cannot be amended", problems)
    ctx.audit("restriction.amended", r, fields=changed)
    if in_force:
        ticket_flags.terms_changed(ctx, r, previous_spoc)
        queue_letter(ctx, LetterKind.AMENDMENT, r.customer_id, restriction_id=r.id, facts=terms_of(r).as_dict())
    return r


def lift(ctx: Context, restriction_id: int, data: dict) -> Restriction:
    """A senior officer lifts a restriction (behaviour changed, or no longer necessary); the customer is told."""
    require_senior(ctx, "lift a restriction")
    data = load(EndInput(), data)
    r = get(ctx, Restriction, restriction_id, "restriction")
    _end(ctx, r, Action.LIFT, State.LIFTED, data["reasons"])
    queue_letter(ctx, LetterKind.LIFTING, r.customer_id, restriction_id=r.id, facts={"restriction": r.id})
    return r


def withdraw(ctx: Context, restriction_id: int, data: dict) -> Restriction:
    """A proposal not taken forward."""
    require_staff(ctx, Role.OFFICER, "withdrawing a proposal")
    data = load(EndInput(), data)
    r = get(ctx, Restriction, restriction_id, "restriction")
    _end(ctx, r, Action.WITHDRAW, State.WITHDRAWN, data["reasons"])
    return r


def lapse(ctx: Context, r: Restriction, reason: str) -> None:
    """The clock ends a restriction (end date reached, or an interim action left unconfirmed)."""
    _end(ctx, r, Action.LAPSE, State.LAPSED, reason)
    if r.activated_at is not None:
        queue_letter(ctx, LetterKind.LIFTING, r.customer_id, restriction_id=r.id, facts={"lapsed": True})


def _end(ctx: Context, r: Restriction, action: Action, target: State, reasons: str) -> None:
    was_in_force = State(r.state) in IN_FORCE
    _move(ctx, r, action, target)
    r.ended_by_id, r.ended_at, r.end_reason = ctx.actor.officer_id, ctx.now(), reasons
    ctx.audit(f"restriction.{target.value}", r)
    if was_in_force:
        ticket_flags.restriction_ended(ctx, r)
    letters_overtaken(ctx, r, "lapsed" if target == State.LAPSED else f"was {target.value}")


def letters_overtaken(ctx: Context, r: Restriction, how: str) -> None:
    """Letters about terms that no longer apply are not sent (the reason says when and how the restriction ended)."""
    overtaken(ctx, r.id, f"the restriction {how} on {long_date(ctx.today())}, before this letter was sent")


def in_force_for(ctx: Context, customer_id: int) -> list[Restriction]:
    """The customer's restrictions currently in force."""
    query = select(Restriction).where(Restriction.customer_id == customer_id, Restriction.state.in_(IN_FORCE_VALUES))
    return list(ctx.session.scalars(query.order_by(Restriction.id)))


def get_restriction(ctx: Context, restriction_id: int) -> Restriction:
    """One restriction by id, NotFound otherwise."""
    return get(ctx, Restriction, restriction_id, "restriction")


def list_restrictions(ctx: Context, state: str | None = None) -> list[Restriction]:
    """Restrictions, optionally in one state, oldest first."""
    query = select(Restriction).order_by(Restriction.id)
    if state:
        query = query.where(Restriction.state == state)
    return list(ctx.session.scalars(query))
