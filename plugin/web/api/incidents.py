"""Incidents staff experienced, and formal warnings resting on them (R1, R3, R4, R51)."""

from __future__ import annotations

from ... import present
from ...schemas import IncidentInput, WarningInput
from ...services import incidents as inc
from .core import OFFICERS, STAFF, ApiBlueprint, acting, body
from .schemas import IncidentOut, WarningOut

bp = ApiBlueprint("incidents", __name__, description="Incidents and formal warnings.")


@bp.route("/incidents", methods=["POST"])
@bp.arguments(IncidentInput)
@bp.response(201, IncidentOut)
@acting(STAFF)
def record_incident(ctx, _checked):
    """Any member of staff records what they experienced, and any action taken on the spot."""
    i = inc.record_incident(ctx, body())
    return {**present.incident(i), "description": i.description}


@bp.route("/warnings", methods=["POST"])
@bp.arguments(WarningInput)
@bp.response(201, WarningOut)
@acting(OFFICERS)
def issue_warning(ctx, _checked):
    """Issue a formal warning (describe, explain, suggest, consequences); its letter, with the policy, is queued."""
    return present.warning(inc.issue_warning(ctx, body()))
