"""Letters queued by decisions, and recording how each went: its deemed receipt starts any appeal window (R41)."""

from __future__ import annotations

from ...present import letter_with_deadline as letter_data
from ...schemas import LetterSentInput
from ...services import letters as lt
from .core import OFFICERS, READERS, ApiBlueprint, acting, audit_read, body
from .queries import AllQuery
from .schemas import LetterOut

bp = ApiBlueprint("letters", __name__, description="Letters the policy requires.")


@bp.route("/letters", methods=["GET"])
@bp.arguments(AllQuery, location="query")
@bp.response(200, LetterOut(many=True))
@acting(READERS)
def list_letters(ctx, query):
    """Letters waiting to be sent and those whose appeal window is still open (`all=true`: every letter)."""
    if query["all"]:
        rows = lt.all_letters(ctx)
    else:
        rows = sorted(lt.unsent(ctx) + lt.open_appeal_windows(ctx, ctx.today()), key=lambda x: x.id)
    audit_read(ctx, "letters", rows, [x.customer_id for x in rows])
    return [letter_data(ctx, x) for x in rows]


@bp.route("/letters/<id:letter_id>/sent", methods=["POST"])
@bp.arguments(LetterSentInput)
@bp.response(200, LetterOut)
@acting(OFFICERS)
def mark_sent(ctx, _checked, letter_id):
    """Record how and when a letter went: its deemed receipt and the last day to appeal come back."""
    return letter_data(ctx, lt.mark_sent(ctx, letter_id, body()))
