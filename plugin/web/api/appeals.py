"""Appeals against restrictions and (factual inaccuracy only) warnings: lodged in time, heard by an uninvolved
senior officer, decided with reasons (R35-R38)."""

from __future__ import annotations

from marshmallow import fields

from ...present import appeal_with_customer as appeal_data
from ...schemas import AppealDecisionInput, AppealInput, StrictSchema
from ...services import appeals as ap
from .core import OFFICERS, READERS, SENIOR, ApiBlueprint, acting, audit_read, body
from .schemas import AppealOut

bp = ApiBlueprint("appeals", __name__, description="Appeals and their decisions.")


class AssignInput(StrictSchema):
    heard_by = fields.Email(required=True, metadata={"description": "the senior officer who hears the appeal"})


@bp.route("/appeals", methods=["GET"])
@bp.response(200, AppealOut(many=True))
@acting(READERS)
def list_appeals(ctx):
    """Appeals awaiting a decision, by due date (late ones are marked)."""
    rows = ap.open_appeals(ctx)
    audit_read(ctx, "appeals", rows, [a.customer_id for a in rows])
    return [appeal_data(a) for a in rows]


@bp.route("/appeals", methods=["POST"])
@bp.arguments(AppealInput)
@bp.response(201, AppealOut)
@acting(OFFICERS)
def lodge(ctx, _checked):
    """Record an appeal received; one received after the window closed needs `late_reason`."""
    return appeal_data(ap.lodge(ctx, body()))


@bp.route("/appeals/<id:appeal_id>/assign", methods=["POST"])
@bp.arguments(AssignInput)
@bp.response(200, AppealOut)
@acting(OFFICERS)
def assign(ctx, _checked, appeal_id):
    """Name the senior officer, not involved in the decision, who hears the appeal."""
    return appeal_data(ap.assign(ctx, appeal_id, body()["heard_by"]))


@bp.route("/appeals/<id:appeal_id>/decision", methods=["POST"])
@bp.arguments(AppealDecisionInput)
@bp.response(200, AppealOut)
@acting(SENIOR)
def decide(ctx, _checked, appeal_id):
    """The hearing officer decides: upheld, varied (with new terms) or quashed; the outcome letter is queued."""
    return appeal_data(ap.decide(ctx, appeal_id, body()))
