"""Appeals: lodged within the window, heard by an uninvolved senior officer, decided in time (R35-R38)."""

from __future__ import annotations

from sqlalchemy import select

from ..models import Appeal, FormalWarning, Officer, Restriction
from ..policy.appeals import AppealWindow, Grounds, Outcome, decision_due, hearing_problems, lodging_problems
from ..policy.lifecycle import Action, State
from ..policy.restrictions import review_date_problems
from ..policy.vocabulary import LetterKind, Role
from ..schemas import AppealDecisionInput, AppealInput
from . import ticket_flags
from .context import Context
from .errors import Conflict, InvalidInput, Refused
from .letters import latest_sent, queue_letter
from .lookup import get, load, not_after_today, officer_by_email, require_staff
from .restrictions import _move, letters_overtaken
from .terms import apply_terms, arrangement_problems, terms_of

RESTRICTION_LETTERS = (LetterKind.RESTRICTION, LetterKind.AMENDMENT)


def lodge(ctx: Context, data: dict) -> Appeal:
    """Record an appeal received from the customer; the restriction stays in force while it is heard."""
    require_staff(ctx, Role.OFFICER, "recording an appeal")
    data = load(AppealInput(), data)
    received_on = data["received_on"] or ctx.today()
    kind, subject, window = _subject_and_window(ctx, data)
    problems = lodging_problems(
        kind=kind,
        grounds=Grounds(data["grounds"]),
        received_on=received_on,
        window=window,
        calendar=ctx.calendar,
        late_reason=data["late_reason"],
        today=ctx.today(),
    )
    if problems:
        raise Refused.from_problems("the appeal cannot be accepted", problems)
    _refuse_second_open_appeal(ctx, kind, subject.id)
    late = window.is_late(received_on, ctx.calendar)
    appeal = Appeal(
        kind=kind,
        customer_id=subject.customer_id,
        received_on=received_on,
        grounds=data["grounds"],
        statement=data["statement"],
        late_reason=data["late_reason"],
        late=late,
        window_closes_on=window.closes_on(ctx.calendar),
        decision_due=decision_due(received_on, _decide_days(ctx), ctx.calendar),
        recorded_by_id=ctx.actor.officer_id,
        **{f"{kind}_id": subject.id},
    )
    if kind == "restriction":
        _move(ctx, subject, Action.LODGE_APPEAL, State.UNDER_APPEAL)
    ctx.session.add(appeal)
    if data["heard_by"]:
        _assign(ctx, appeal, data["heard_by"])
    ctx.audit(
        "appeal.lodged",
        appeal,
        kind=kind,
        late=late,
        window_closes_on=appeal.window_closes_on,
        decision_due=appeal.decision_due,
        **({"heard_by": appeal.heard_by_id} if appeal.heard_by_id is not None else {}),
    )
    return appeal


def _decide_days(ctx: Context) -> int:
    return ctx.settings.APPEAL_DECISION_WORKING_DAYS


def _subject_and_window(ctx: Context, data: dict):
    if data["restriction"] is not None:
        r = get(ctx, Restriction, data["restriction"], "restriction")
        letter = latest_sent(ctx, RESTRICTION_LETTERS, restriction_id=r.id)
        return "restriction", r, restriction_appeal_window(ctx, letter)
    warning = get(ctx, FormalWarning, data["warning"], "warning")
    if warning.state != "issued":
        raise Refused(f"warning {warning.id} has been withdrawn", code="warning_withdrawn")
    letter = latest_sent(ctx, (LetterKind.WARNING,), warning_id=warning.id)
    days = ctx.settings.WARNING_APPEAL_WORKING_DAYS
    return "warning", warning, AppealWindow(letter.deemed_receipt if letter else None, days)


def restriction_appeal_window(ctx: Context, letter=None) -> AppealWindow:
    """The window to appeal a restriction, from the newest restriction or amendment letter sent (R36, R41)."""
    return AppealWindow(letter.deemed_receipt if letter else None, ctx.settings.RESTRICTION_APPEAL_WORKING_DAYS)


def _refuse_second_open_appeal(ctx: Context, kind: str, subject_id: int) -> None:
    column = Appeal.restriction_id if kind == "restriction" else Appeal.warning_id
    if ctx.session.scalar(select(Appeal.id).where(column == subject_id, Appeal.state == "lodged")):
        raise Conflict(f"an appeal against this {kind} is already being heard")


def _involved(ctx: Context, appeal: Appeal) -> set[int]:
    return _involved_in(ctx, restriction=appeal.restriction_id, warning=appeal.warning_id)


def _involved_in(ctx: Context, *, restriction: int | None = None, warning: int | None = None) -> set[int]:
    """Who made the decision appealed against: a restriction's proposer and activator, a warning's issuer."""
    if restriction is not None:
        r = get(ctx, Restriction, restriction, "restriction")
        return {i for i in (r.proposed_by_id, r.activated_by_id) if i is not None}
    issued_by = get(ctx, FormalWarning, warning, "warning").issued_by_id
    return {issued_by} if issued_by is not None else set()


def _hearing_problems(hearer: Officer, involved: set[int]) -> list:
    return hearing_problems(
        hearer_id=hearer.id, hearer_role=Role(hearer.role), involved_ids=involved, hearer_active=bool(hearer.active)
    )


def eligible_hearers(ctx: Context, *, restriction: int | None = None, warning: int | None = None) -> list[Officer]:
    """The senior officers who may hear an appeal against this restriction or warning, by name: in post and not
    involved in the decision (R36). The same rule `assign` and `lodge` apply, so a form offers only these."""
    involved = _involved_in(ctx, restriction=restriction, warning=warning)
    seniors = ctx.session.scalars(
        select(Officer)
        .where(Officer.active.is_(True), Officer.role == Role.SENIOR.value)
        .order_by(Officer.name, Officer.id)
    )
    return [o for o in seniors if not _hearing_problems(o, involved)]


def _assign(ctx: Context, appeal: Appeal, email: str) -> None:
    hearer = officer_by_email(ctx, email, "heard_by")
    problems = _hearing_problems(hearer, _involved(ctx, appeal))
    if problems:
        raise Refused.from_problems("that officer cannot hear this appeal", problems)
    appeal.heard_by_id = hearer.id


def assign(ctx: Context, appeal_id: int, email: str) -> Appeal:
    """Name (or change) the senior officer, in post and not involved in the decision, who hears the appeal."""
    require_staff(ctx, Role.OFFICER, "assigning an appeal")
    appeal = get(ctx, Appeal, appeal_id, "appeal")
    if appeal.state != "lodged":
        raise Conflict(f"appeal {appeal.id} was already decided ({appeal.outcome}); who heard it stays on the record")
    previous = appeal.heard_by_id
    _assign(ctx, appeal, email)
    changed = {"previous_heard_by": previous} if previous is not None and previous != appeal.heard_by_id else {}
    ctx.audit("appeal.assigned", appeal, heard_by=appeal.heard_by_id, **changed)
    return appeal


def decide(ctx: Context, appeal_id: int, data: dict) -> Appeal:
    """The hearing officer decides: upheld, varied or quashed; the customer gets the outcome in writing."""
    data = load(AppealDecisionInput(), data)
    appeal = get(ctx, Appeal, appeal_id, "appeal")
    if appeal.state != "lodged":
        raise Conflict(f"appeal {appeal.id} was already decided ({appeal.outcome})")
    if appeal.heard_by_id is None and ctx.actor.officer_id is not None:
        _assign(ctx, appeal, _email_of(ctx, ctx.actor.officer_id))
    if appeal.heard_by_id != ctx.actor.officer_id:
        raise Refused("only the officer hearing the appeal decides it", code="not_the_hearer")
    outcome = Outcome(data["outcome"])
    if appeal.kind == "restriction":
        _apply_restriction_outcome(ctx, appeal, outcome, data)
    else:
        _apply_warning_outcome(ctx, appeal, outcome)
    appeal.state, appeal.outcome, appeal.outcome_reasons = "decided", outcome.value, data["reasons"]
    appeal.decided_on = not_after_today(ctx, data["decided_on"] or ctx.today(), "decided_on", "an appeal decision")
    ctx.audit("appeal.decided", appeal, outcome=outcome, late=appeal.decided_on > appeal.decision_due)
    queue_letter(
        ctx,
        LetterKind.APPEAL_OUTCOME,
        appeal.customer_id,
        appeal_id=appeal.id,
        decided_on=appeal.decided_on,
        restriction_id=appeal.restriction_id,
        warning_id=appeal.warning_id,
        facts={"outcome": outcome.value, "ombudsman": True},
    )
    return appeal


def _email_of(ctx: Context, officer_id: int) -> str:
    return get(ctx, Officer, officer_id).email


def _apply_restriction_outcome(ctx: Context, appeal: Appeal, outcome: Outcome, data: dict) -> None:
    r = get(ctx, Restriction, appeal.restriction_id)
    if outcome == Outcome.QUASHED:
        _move(ctx, r, Action.DECIDE_APPEAL, State.LIFTED)
        r.ended_by_id, r.ended_at, r.end_reason = ctx.actor.officer_id, ctx.now(), data["reasons"]
        ticket_flags.restriction_ended(ctx, r)
        letters_overtaken(ctx, r, "was quashed on appeal")
        return
    _move(ctx, r, Action.DECIDE_APPEAL, State.ACTIVE)
    if outcome == Outcome.VARIED:
        if not data["terms"]:
            raise InvalidInput("a varied outcome needs the new terms", errors={"terms": ["required"]})
        previous_spoc = r.spoc_officer_id
        changed = apply_terms(ctx, r, data["terms"])
        problems = arrangement_problems(ctx, r)
        if {"review_due", "ends_on"} & set(changed):
            today = ctx.today() if "review_due" in changed else None
            problems += [
                p for p in review_date_problems(r.review_due, ends_on=r.ends_on, today=today) if p not in problems
            ]
        if problems:
            raise Refused.from_problems("the varied terms are not allowed", problems)
        ctx.audit("restriction.varied_on_appeal", r, appeal=appeal.id)
        ticket_flags.terms_changed(ctx, r, previous_spoc)
        queue_letter(
            ctx,
            LetterKind.AMENDMENT,
            r.customer_id,
            restriction_id=r.id,
            decided_on=data["decided_on"],
            facts=terms_of(r).as_dict(),
        )


def _apply_warning_outcome(ctx: Context, appeal: Appeal, outcome: Outcome) -> None:
    if outcome == Outcome.VARIED:
        raise InvalidInput("a warning appeal is upheld or quashed, not varied", errors={"outcome": ["not varied"]})
    if outcome == Outcome.QUASHED:
        warning = get(ctx, FormalWarning, appeal.warning_id)
        warning.state = "withdrawn"
        ctx.audit("warning.withdrawn", warning, appeal=appeal.id)


def appeals_against(ctx: Context, **subject) -> list[Appeal]:
    """Every appeal against one restriction or warning, oldest first."""
    ((column, value),) = subject.items()
    return list(ctx.session.scalars(select(Appeal).where(getattr(Appeal, column) == value).order_by(Appeal.id)))


def open_appeals(ctx: Context) -> list[Appeal]:
    """Appeals lodged and not yet decided, by due date."""
    return list(ctx.session.scalars(select(Appeal).where(Appeal.state == "lodged").order_by(Appeal.decision_due)))
