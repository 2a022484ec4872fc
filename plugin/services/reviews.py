"""Reviews: continue with reasons and a next date, amend, or lift; the customer is told (R42-R45, R47)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ..models import Restriction, Review
from ..policy.calendar import add_months
from ..policy.lifecycle import REVIEW_DATE_RUNS, REVIEWABLE, Action, State, values_of
from ..policy.restrictions import review_date_problems
from ..policy.vocabulary import LetterKind
from ..schemas import ReviewInput
from . import ticket_flags
from .context import Context
from .errors import InvalidInput, Refused
from .letters import queue_letter
from .lookup import get, load, not_after_today, require_senior
from .restrictions import _move, letters_overtaken
from .terms import apply_terms, arrangement_problems, terms_of


def hold(ctx: Context, restriction_id: int, data: dict) -> Review:
    """A senior officer holds the review of a restriction in force."""
    require_senior(ctx, "hold a review")
    data = load(ReviewInput(), data)
    r = get(ctx, Restriction, restriction_id, "restriction")
    if r.state not in values_of(REVIEWABLE):
        raise Refused(
            f"restriction {r.id} is {r.state}; only an active restriction is reviewed", code="illegal_transition"
        )
    held_on = not_after_today(ctx, data["held_on"] or ctx.today(), "held_on", "a review")
    review = Review(
        restriction_id=r.id,
        due_on=r.review_due,
        held_on=held_on,
        held_by_id=ctx.actor.officer_id,
        outcome=data["outcome"],
        reasons=data["reasons"],
    )
    if data["outcome"] == "lift":
        _move(ctx, r, Action.REVIEW, State.LIFTED)
        r.ended_by_id, r.ended_at, r.end_reason = ctx.actor.officer_id, ctx.now(), data["reasons"]
        ticket_flags.restriction_ended(ctx, r)
        letters_overtaken(ctx, r, "was lifted at review")
    else:
        _continue(ctx, r, review, data, held_on)
    ctx.session.add(review)
    ctx.audit("restriction.reviewed", r, outcome=review.outcome, next_review_due=review.next_review_due)
    kind = LetterKind.LIFTING if data["outcome"] == "lift" else LetterKind.REVIEW_OUTCOME
    queue_letter(
        ctx,
        kind,
        r.customer_id,
        restriction_id=r.id,
        decided_on=held_on,
        facts={**terms_of(r).as_dict(), "outcome": review.outcome},
    )
    return review


def _continue(ctx: Context, r: Restriction, review: Review, data: dict, held_on: dt.date) -> None:
    _move(ctx, r, Action.REVIEW, State.ACTIVE)
    previous_spoc = r.spoc_officer_id
    if data["outcome"] == "amend":
        if not data["terms"]:
            raise InvalidInput("an amend outcome needs the new terms", errors={"terms": ["required"]})
        apply_terms(ctx, r, data["terms"])
        problems = [p for p in arrangement_problems(ctx, r) if p.field != "review_due"]  # set below
        if problems:
            raise Refused.from_problems("the amended terms are not allowed", problems)
    next_due = data["next_review_due"] or add_months(held_on, ctx.settings.REVIEW_MONTHS)
    if data["next_review_due"] is None and r.ends_on is not None and held_on < r.ends_on < next_due:
        next_due = r.ends_on  # ending sooner: reviewed again by its end (R44)
    if next_due <= held_on:
        raise InvalidInput("the next review must be after this one", errors={"next_review_due": ["not after"]})
    problems = review_date_problems(next_due, ends_on=r.ends_on, today=ctx.today(), field="next_review_due")
    if problems:
        raise Refused.from_problems("the next review date is not allowed", problems)
    review.next_review_due = r.review_due = next_due
    ticket_flags.terms_changed(ctx, r, previous_spoc)  # the flag shows the arrangement and the next review date


def due(ctx: Context, on: dt.date, within_days: int = 30) -> list[Restriction]:
    """Restrictions in force whose review falls due by `on` + `within_days` (overdue ones too), oldest first."""
    horizon = on + dt.timedelta(days=within_days)
    query = select(Restriction).where(
        Restriction.state.in_(values_of(REVIEW_DATE_RUNS)), Restriction.review_due <= horizon
    )
    return list(ctx.session.scalars(query.order_by(Restriction.review_due, Restriction.id)))


def overdue(ctx: Context, on: dt.date) -> list[Restriction]:
    """Restrictions in force whose review date has passed without a review (R47)."""
    query = select(Restriction).where(Restriction.state.in_(values_of(REVIEW_DATE_RUNS)), Restriction.review_due < on)
    return list(ctx.session.scalars(query.order_by(Restriction.review_due, Restriction.id)))
