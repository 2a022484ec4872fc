"""What needs someone's attention, scoped by role: the dashboard's data (plugin/services/dashboard.py)."""

from __future__ import annotations

from ...services import dashboard
from .core import ALL_ROLES, ApiBlueprint, acting
from .schemas import DueOut

bp = ApiBlueprint("due", __name__, description="What is due: reviews, interim actions, appeals, letters.")


@bp.route("/due", methods=["GET"])
@bp.response(200, DueOut)
@acting(ALL_ROLES)
def what_is_due(ctx):
    """Arrangements in force; for officers and above also reviews, interims, appeals, letters, contacts to
    triage and helpdesk actions given up on."""
    return dashboard.dashboard(ctx)
