"""Reviews: those falling due (or overdue), and a senior officer's outcome: continue, amend or lift (R42-R47)."""

from __future__ import annotations

from ... import present
from ...schemas import ReviewInput
from ...services import reviews as rv
from .core import READERS, SENIOR, ApiBlueprint, acting, audit_read, body
from .queries import ReviewsQuery
from .schemas import RestrictionOut, ReviewOut

bp = ApiBlueprint("reviews", __name__, description="Restriction reviews.")


@bp.route("/reviews", methods=["GET"])
@bp.arguments(ReviewsQuery, location="query")
@bp.response(200, RestrictionOut(many=True))
@acting(READERS)
def due_reviews(ctx, query):
    """Restrictions whose review falls due within `within` days (overdue ones too), or only overdue ones."""
    today = ctx.today()
    rows = rv.overdue(ctx, today) if query["overdue"] else rv.due(ctx, today, query["within"])
    audit_read(ctx, "restrictions", rows, [r.customer_id for r in rows])
    return [present.restriction(r) for r in rows]


@bp.route("/restrictions/<id:restriction_id>/reviews", methods=["POST"])
@bp.arguments(ReviewInput)
@bp.response(201, ReviewOut)
@acting(SENIOR)
def hold_review(ctx, _checked, restriction_id):
    """Record a review's outcome with reasons; the customer's letter is queued."""
    return present.review(rv.hold(ctx, restriction_id, body()))
