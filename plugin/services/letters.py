"""Letters the policy requires: queued when a decision is made, deemed received once sent (R30-R34, R41)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..config import Settings
from ..models import Appeal, Customer, FormalWarning, Letter, Restriction
from ..policy.appeals import AppealWindow
from ..policy.calendar import DELIVERY_METHODS, sending_problems
from ..policy.lifecycle import APPEALABLE as APPEALABLE_STATES
from ..policy.lifecycle import values_of
from ..policy.vocabulary import LetterKind, Role
from ..schemas import LetterSentInput
from .context import Context
from .errors import Conflict, Refused
from .lookup import get, load, require_staff

# Letters a customer may appeal, and the setting that gives the window in working days (R35, R36).
APPEALABLE: dict[str, Callable[[Settings], int]] = {
    LetterKind.RESTRICTION.value: lambda settings: settings.RESTRICTION_APPEAL_WORKING_DAYS,
    LetterKind.AMENDMENT.value: lambda settings: settings.RESTRICTION_APPEAL_WORKING_DAYS,
    LetterKind.WARNING.value: lambda settings: settings.WARNING_APPEAL_WORKING_DAYS,
}


# Ways of sending that need the customer's postal address (plugin/policy/calendar.py DELIVERY_METHODS has them all).
POSTAL_METHODS = ("post_first_class", "post_second_class", "recorded_delivery")


def sending_methods(customer: Customer) -> tuple[str, ...]:
    """The ways a letter to this customer may go: by post only when the council holds their postal address."""
    if customer.postal_address is not None:
        return DELIVERY_METHODS
    return tuple(m for m in DELIVERY_METHODS if m not in POSTAL_METHODS)


def queue_letter(ctx: Context, kind: LetterKind, customer_id: int, **links) -> Letter:
    """Queue a letter for a decision; the facts it must state are kept with it, and the officer making the decision
    (the acting one; none when the clock decides), who signs the letter."""
    facts = links.pop("facts", {})
    decided_on = links.pop("decided_on", None) or ctx.today()
    letter = Letter(
        kind=LetterKind(kind).value,
        customer_id=customer_id,
        facts=facts,
        decided_on=decided_on,
        decided_by_id=ctx.actor.officer_id,
        **links,
    )
    ctx.session.add(letter)
    ctx.audit("letter.queued", letter, kind=letter.kind)
    return letter


def mark_sent(ctx: Context, letter_id: int, data: dict) -> Letter:
    """Record how and when a letter went; its deemed receipt starts the appeal clock (R41)."""
    require_staff(ctx, Role.OFFICER, "recording a letter as sent")
    data = load(LetterSentInput(), data)
    letter = get(ctx, Letter, letter_id, "letter")
    if letter.state == "sent":
        raise Conflict(f"letter {letter.id} was already sent on {letter.sent_on}")
    if letter.state == NOT_SENT:
        raise Conflict(f"letter {letter.id} is not to be sent: {letter.not_sent_reason}")
    if data["method"] not in sending_methods(letter.customer):
        raise Refused(
            f"letter {letter.id} cannot be recorded as sent by post: no postal address is held for customer "
            f"{letter.customer.reference}; add their address first, or record how else it went",
            errors={"method": ["no postal address"]},
            code="no_postal_address",
        )
    sent_on = data["sent_on"] or ctx.today()
    problems = sending_problems(sent_on, decided_on=decision_date(letter, ctx.settings.zone), today=ctx.today())
    if problems:
        raise Refused.from_problems(f"letter {letter.id} cannot be recorded as sent", problems)
    letter.state, letter.delivery_method, letter.sent_on = "sent", data["method"], sent_on
    letter.deemed_receipt = ctx.calendar.deemed_receipt(sent_on, data["method"])
    ctx.audit(
        "letter.sent",
        letter,
        method=letter.delivery_method,
        deemed_receipt=letter.deemed_receipt,
        appeal_deadline=appeal_deadline(ctx, letter),
    )
    return letter


NOT_SENT = "not_sent"
# Letters that tell the customer of terms in force: pointless, and misleading, once the restriction has ended.
OVERTAKEN_KINDS = (LetterKind.RESTRICTION, LetterKind.INTERIM_CONFIRMATION, LetterKind.AMENDMENT)


def overtaken(ctx: Context, restriction_id: int, why: str) -> list[Letter]:
    """The restriction ended before these letters went: mark them as not to be sent, saying why (the letter that
    tells of the end itself, lifting or an appeal or review outcome, is another kind and still goes)."""
    queued = ctx.session.scalars(
        select(Letter).where(
            Letter.restriction_id == restriction_id,
            Letter.state == "queued",
            Letter.kind.in_([k.value for k in OVERTAKEN_KINDS]),
        )
    )
    marked = []
    for letter in queued:
        letter.state, letter.not_sent_reason = NOT_SENT, why
        ctx.audit("letter.not_sent", letter, kind=letter.kind)
        marked.append(letter)
    return marked


def decision_date(letter: Letter, zone: ZoneInfo) -> dt.date | None:
    """The date of the decision the letter reports (letters queued before it was kept: the day queued)."""
    if letter.decided_on is not None:
        return letter.decided_on
    if letter.generated_at is None:
        return None
    return letter.generated_at.astimezone(zone).date()


def appeal_window(ctx: Context, letter: Letter) -> AppealWindow | None:
    """The window in which the customer may appeal what the letter tells them; None if it is not appealable."""
    window_days = APPEALABLE.get(letter.kind)
    if window_days is None:
        return None
    return AppealWindow(letter.deemed_receipt, window_days(ctx.settings))


def appeal_deadline(ctx: Context, letter: Letter) -> dt.date | None:
    """The last day to appeal: working days from deemed receipt; None until the letter is sent (R36, R41)."""
    window = appeal_window(ctx, letter)
    return window.closes_on(ctx.calendar) if window else None


def latest_sent(ctx: Context, kinds: tuple[LetterKind, ...], **link) -> Letter | None:
    """The most recent sent letter of these kinds for a restriction or warning."""
    ((column, value),) = link.items()
    query = (
        select(Letter)
        .where(getattr(Letter, column) == value, Letter.state == "sent", Letter.kind.in_([k.value for k in kinds]))
        .order_by(Letter.sent_on.desc(), Letter.id.desc())
    )
    return ctx.session.scalars(query).first()


def latest(ctx: Context, kinds: tuple[LetterKind, ...], **link) -> Letter | None:
    """The most recent letter of these kinds for a restriction or warning, sent or not."""
    ((column, value),) = link.items()
    query = (
        select(Letter)
        .where(getattr(Letter, column) == value, Letter.kind.in_([k.value for k in kinds]))
        .order_by(Letter.id.desc())
    )
    return ctx.session.scalars(query).first()


def open_appeal_windows(ctx: Context, today: dt.date) -> list[Letter]:
    """Sent letters whose appeal window is still open and unused, by deadline (R36, R41).

    A restriction still in force and not under appeal, or a warning not withdrawn, with no appeal
    received since the letter was deemed received.
    """
    longest = max(window_days(ctx.settings) for window_days in APPEALABLE.values())
    earliest = today - dt.timedelta(days=longest * 2 + 21)
    query = (
        select(Letter)
        .where(Letter.state == "sent", Letter.kind.in_(list(APPEALABLE)), Letter.deemed_receipt >= earliest)
        .order_by(Letter.id)
    )
    newest: dict[
        tuple[str, int | None], Letter
    ] = {}  # the window runs from the newest letter about the decision (as `appeals lodge` counts it)
    for letter in ctx.session.scalars(query):
        subject = (
            ("warning", letter.warning_id)
            if letter.kind == LetterKind.WARNING.value
            else ("restriction", letter.restriction_id)
        )
        if subject not in newest or (letter.sent_on, letter.id) > (newest[subject].sent_on, newest[subject].id):
            newest[subject] = letter
    found = []
    for letter in newest.values():
        deadline = appeal_deadline(ctx, letter)
        if deadline is None or deadline < today or not _still_appealable(ctx, letter):
            continue
        found.append((deadline, letter.id, letter))
    return [letter for _, _, letter in sorted(found, key=lambda item: item[:2])]


def _still_appealable(ctx: Context, letter: Letter) -> bool:
    if letter.kind == LetterKind.WARNING.value:
        warning = ctx.session.get(FormalWarning, letter.warning_id)
        if warning is None or warning.state != "issued":
            return False
        later = select(Appeal.id).where(Appeal.warning_id == warning.id)
    else:
        r = ctx.session.get(Restriction, letter.restriction_id)
        if r is None or r.state not in values_of(APPEALABLE_STATES):
            return False
        later = select(Appeal.id).where(Appeal.restriction_id == r.id)
    return ctx.session.scalar(later.where(Appeal.received_on >= letter.deemed_receipt)) is None


def unsent(ctx: Context) -> list[Letter]:
    """Letters queued but not yet recorded as sent."""
    return list(ctx.session.scalars(select(Letter).where(Letter.state == "queued").order_by(Letter.id)))


def all_letters(ctx: Context) -> list[Letter]:
    """Every letter, oldest first."""
    return list(ctx.session.scalars(select(Letter).order_by(Letter.id)))
