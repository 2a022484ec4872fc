"""Letters the policy requires: queued when a decision is made, deemed received once sent (R30-R34, R41)."""
from __future__ import annotations

from sqlalchemy import select

from ..models import Letter
from ..policy.vocabulary import LetterKind
from ..schemas import LetterSentInput
from .context import Context
from .errors import Conflict
from .lookup import get, load, require_staff
from ..policy.vocabulary import Role


def queue_letter(ctx: Context, kind: LetterKind, customer_id: int, **links) -> Letter:
    """Queue a letter for a decision; the facts it must state are kept with it."""
    facts = links.pop("facts", {})
    letter = Letter(kind=LetterKind(kind).value, customer_id=customer_id, facts=facts, **links)
    ctx.session.add(letter)
    ctx.audit("letter.queued", letter, kind=letter.kind)
    return letter


def mark_sent(ctx: Context, letter_id: int, data: dict) -> Letter:
    """Record how and when a letter went; its deemed receipt starts the appeal clock (R41)."""
    require_staff(ctx, Role.OFFICER, "recording a letter as sent")
    data = load(LetterSentInput(), data)
    letter = get(ctx, Letter, letter_id, "letter")
    if letter.state == "sent":
        raise Conflict(f"letter {letter.id} was already sent on {letter.sent_on.isoformat()}")
    sent_on = data["sent_on"] or ctx.today()
    letter.state, letter.delivery_method, letter.sent_on = "sent", data["method"], sent_on
    letter.deemed_receipt = ctx.calendar.deemed_receipt(sent_on, data["method"])
    ctx.audit("letter.sent", letter, method=letter.delivery_method, deemed_receipt=letter.deemed_receipt)
    return letter


def latest_sent(ctx: Context, kinds: tuple[LetterKind, ...], **link) -> Letter | None:
    """The most recent sent letter of these kinds for a restriction or warning."""
    (column, value), = link.items()
    query = (select(Letter).where(getattr(Letter, column) == value, Letter.state == "sent",
                                  Letter.kind.in_([k.value for k in kinds]))
             .order_by(Letter.sent_on.desc(), Letter.id.desc()))
    return ctx.session.scalars(query).first()


def unsent(ctx: Context) -> list[Letter]:
    """Letters queued but not yet recorded as sent."""
    return list(ctx.session.scalars(select(Letter).where(Letter.state == "queued").order_by(Letter.id)))
