"""Officers and their absences: everyone on staff may list officers; only admins change them."""

from __future__ import annotations

from ... import present
from ...schemas import OfficerInput, OfficerUpdate
from ...services import register as reg
from ...services.register import AbsenceInput
from .core import ADMIN, READERS, SENIOR, ApiBlueprint, acting, body
from .queries import AbsenceQuery
from .schemas import AbsenceOut, OfficerOut, RemovedOut

bp = ApiBlueprint("officers", __name__, description="Staff, their roles and deputies, and their absences.")
MANAGERS = ADMIN | SENIOR  # who covers whom while an officer is away


@bp.route("/officers", methods=["GET"])
@bp.response(200, OfficerOut(many=True))
@acting(READERS)
def list_officers(ctx):
    """Every officer by e-mail: role, service, deputy, helpdesk agent ids."""
    rows = reg.list_officers(ctx)
    return [present.officer(o) for o in rows]


@bp.route("/officers", methods=["POST"])
@bp.arguments(OfficerInput)
@bp.response(201, OfficerOut)
@acting(ADMIN)
def add_officer(ctx, _checked):
    """Add a member of staff with a role."""
    return present.officer(reg.add_officer(ctx, body()))


@bp.route("/officers/<email>", methods=["PATCH"])
@bp.arguments(OfficerUpdate)
@bp.response(200, OfficerOut)
@acting(ADMIN)
def update_officer(ctx, _checked, email):
    """Change an officer's name, role, service, deputy, activity or helpdesk ids."""
    return present.officer(reg.update_officer(ctx, email, body()))


@bp.route("/officers/absences", methods=["GET"])
@bp.arguments(AbsenceQuery, location="query")
@bp.response(200, AbsenceOut(many=True))
@acting(MANAGERS)
def list_absences(ctx, query):
    """Absences current or to come (`all=true`: past ones too), of one officer or everyone."""
    rows = reg.list_absences(ctx, query["officer"], current_on=None if query["all"] else ctx.today())
    return [present.absence(a) for a in rows]


@bp.route("/officers/<email>/absences", methods=["POST"])
@bp.arguments(AbsenceInput)
@bp.response(201, AbsenceOut)
@acting(ADMIN)
def add_absence(ctx, _checked, email):
    """Record that an officer is away (first and last day): their deputy covers as sole point of contact."""
    return present.absence(reg.add_absence(ctx, email, body()))


@bp.route("/officers/absences/<id:absence_id>", methods=["DELETE"])
@bp.response(200, RemovedOut)
@acting(ADMIN)
def remove_absence(ctx, absence_id):
    """Remove an absence recorded in error or cancelled."""
    reg.remove_absence(ctx, absence_id)
    return {"id": absence_id, "removed": True}
