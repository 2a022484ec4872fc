"""Restrictions: propose (with the checks), record checks, activate, interim actions and their confirmation,
amend, lift, withdraw, list and show. Every rule is the service layer's (plugin/services/restrictions.py)."""

from __future__ import annotations

from ...models import Restriction
from ...present import restriction as restriction_summary
from ...present import restriction_with_letters as restriction_data
from ...schemas import AmendInput, ConfirmInterimInput, EndInput, InterimInput
from ...services import restrictions as rs
from ...services.lookup import get
from ...services.restrictions import RecordedChecksInput
from .core import OFFICERS, READERS, SENIOR, STAFF, ApiBlueprint, acting, audit_read, body
from .queries import ProposalRequest, StateQuery
from .schemas import ChecksOut, RestrictionOut

bp = ApiBlueprint("restrictions", __name__, description="Restrictions and their pre-restriction checks.")


@bp.route("/restrictions", methods=["GET"])
@bp.arguments(StateQuery, location="query")
@bp.response(200, RestrictionOut(many=True))
@acting(READERS)
def list_restrictions(ctx, query):
    """Restrictions oldest first, optionally in one state (proposed, interim, active, under_appeal, ...)."""
    rows = rs.list_restrictions(ctx, query["state"])
    audit_read(ctx, "restrictions", rows, [r.customer_id for r in rows])
    return [restriction_summary(r) for r in rows]


@bp.route("/restrictions", methods=["POST"])
@bp.arguments(ProposalRequest)
@bp.response(201, RestrictionOut)
@acting(OFFICERS)
def propose(ctx, _checked):
    """Propose a restriction, with its checks if known; `activate: true` (senior officers) imposes it at once."""
    data = body()
    checks, activate = data.pop("checks", None), data.pop("activate", False)
    r = rs.impose(ctx, data, checks) if activate else rs.propose(ctx, data, checks)
    return restriction_data(ctx, r)


@bp.route("/restrictions/<id:restriction_id>", methods=["GET"])
@bp.response(200, RestrictionOut)
@acting(READERS)
def show(ctx, restriction_id):
    """One restriction's arrangement, its letter's deemed receipt, the appeal deadline and any appeals."""
    r = get(ctx, Restriction, restriction_id, "restriction")
    audit_read(ctx, "restrictions", [r], [r.customer_id])
    return restriction_data(ctx, r)


@bp.route("/restrictions/<id:restriction_id>", methods=["PATCH"])
@bp.arguments(AmendInput)
@bp.response(200, RestrictionOut)
@acting(OFFICERS)
def amend(ctx, _checked, restriction_id):
    """Amend the terms, with reasons; a restriction in force needs a senior officer and still meets every rule."""
    return restriction_data(ctx, rs.amend(ctx, restriction_id, body()))


@bp.route("/restrictions/<id:restriction_id>/checks", methods=["POST"])
@bp.arguments(RecordedChecksInput)
@bp.response(200, ChecksOut)
@acting(OFFICERS)
def record_checks(ctx, _checked, restriction_id):
    """Record the pre-restriction checks: Social Work Services, adjustments, other services (R9)."""
    row = rs.record_checks(ctx, restriction_id, body())
    return {
        "restriction": restriction_id,
        "social_work_known": row.social_work_known,
        "social_work_enquiry_to": row.social_work_enquiry_to,
        "social_work_enquired_on": row.social_work_enquired_on,
        "mental_health_client": row.mental_health_client,
        "adjustments_needed": row.adjustments_needed,
        "adjustments": list(row.adjustments or []),
        "other_services": row.other_services,
    }


@bp.route("/restrictions/<id:restriction_id>/activate", methods=["POST"])
@bp.response(200, RestrictionOut)
@acting(SENIOR)
def activate(ctx, restriction_id):
    """A senior officer brings a proposal into force once every rule is met; the letter is queued."""
    return restriction_data(ctx, rs.activate(ctx, restriction_id))


@bp.route("/restrictions/<id:restriction_id>/lift", methods=["POST"])
@bp.arguments(EndInput)
@bp.response(200, RestrictionOut)
@acting(SENIOR)
def lift(ctx, _checked, restriction_id):
    """Lift a restriction, with reasons; the customer is told by letter."""
    return restriction_data(ctx, rs.lift(ctx, restriction_id, body()))


@bp.route("/restrictions/<id:restriction_id>/withdraw", methods=["POST"])
@bp.arguments(EndInput)
@bp.response(200, RestrictionOut)
@acting(OFFICERS)
def withdraw(ctx, _checked, restriction_id):
    """Withdraw a proposal not taken forward, with reasons."""
    return restriction_data(ctx, rs.withdraw(ctx, restriction_id, body()))


@bp.route("/restrictions/interim", methods=["POST"])
@bp.arguments(InterimInput)
@bp.response(201, RestrictionOut)
@acting(STAFF)
def record_interim(ctx, _checked):
    """Frontline staff record an immediate action after an incident; it lapses unless confirmed in time."""
    return restriction_data(ctx, rs.record_interim(ctx, body()))


@bp.route("/restrictions/<id:restriction_id>/confirm", methods=["POST"])
@bp.arguments(ConfirmInterimInput)
@bp.response(200, RestrictionOut)
@acting(SENIOR)
def confirm_interim(ctx, _checked, restriction_id):
    """A senior officer confirms an interim action as a considered restriction, within the window."""
    return restriction_data(ctx, rs.confirm_interim(ctx, restriction_id, body()))
