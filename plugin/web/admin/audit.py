"""The audit trail (plugin/services/audit.py): entries newest first, a page at a time, optionally of one customer
and without readings, in words (plugin/services/audit_view.py: names and roles, actions and details as people read
them), and the hash chain's verification; for admins and senior officers."""

from __future__ import annotations

import logging

from flask import abort, current_app, render_template, request, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovTextInput
from wtforms import BooleanField, StringField
from wtforms.validators import Length

from ...services import ServiceError, audit_view
from ...services import audit as audit_service
from ...services.lookup import customer_by_ref
from ..auth import login_required, signed_in_actor, unit_of_work
from ..documents import put_on_form
from ..form_errors import error_list, sentence
from .base import AUDIT_READERS, ConfirmForm, bp

log = logging.getLogger(__name__)

AUDIT_PAGE = 50
PROBLEMS_SHOWN = 20


class AuditFilter(FlaskForm):
    """One customer's entries (by reference), and whether readings are shown; a GET form that changes nothing."""

    class Meta:
        csrf = False

    customer = StringField(
        "Customer reference", widget=GovTextInput(), description="For example, C1001", validators=[Length(max=64)]
    )
    changes = BooleanField(
        "Show changes only",
        widget=GovCheckboxInput(),
        description="Leave out readings: each time someone opened a record, a letter or a report",
    )


@bp.get("/audit")
@login_required(*AUDIT_READERS)
def audit():
    """Audit entries newest first in words, a page at a time, optionally of one customer and without readings."""
    form = AuditFilter(
        formdata=None,
        customer=(request.args.get("customer") or "").strip(),
        changes=request.args.get("changes") in ("1", "y", "on"),
    )
    before = request.args.get("before", type=int)
    rows: list[audit_view.Shown] = []
    status, older = 200, None
    try:
        with unit_of_work() as ctx:
            customer_id = customer_by_ref(ctx, form.customer.data).id if form.customer.data else None
            leave_out = audit_view.READINGS if form.changes.data else ()
            found = audit_service.entries(ctx, customer_id, before, AUDIT_PAGE, leave_out=leave_out)
            rows = audit_view.shown(ctx, found)
    except ServiceError as exc:
        put_on_form(form, exc)
        status = exc.status
    if len(rows) == AUDIT_PAGE:
        older = url_for("admin.audit", before=rows[-1].id, **_filters(form))
    return render_template(
        "admin/audit.html",
        title="Audit trail",
        rows=rows,
        form=form,
        errors=error_list(form),
        older=older,
        paged=before is not None,
        verify_form=ConfirmForm(),
    ), status


def _filters(form: AuditFilter) -> dict:
    """The filters to keep on the next page's link."""
    kept = {"customer": form.customer.data} if form.customer.data else {}
    return {**kept, "changes": "1"} if form.changes.data else kept


@bp.post("/audit/verify")
@login_required(*AUDIT_READERS)
def verify_audit():
    """Recompute the hash chain (as `contactguard audit verify` does) and show the result."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    engine = current_app.extensions["contactguard.engine"]
    with engine.connect() as conn:
        conn = conn.execution_options(**audit_service.snapshot_options(engine.dialect.name))
        with conn.begin():
            result = audit_service.verify(conn)
    log.info("audit verified officer=%s ok=%s entries=%s", signed_in_actor().officer_id, result.ok, result.entries)
    return render_template(
        "admin/audit_verify.html",
        title="Audit trail verification",
        result=result,
        problems=[sentence(p.message) for p in result.problems[:PROBLEMS_SHOWN]],
        more=max(0, len(result.problems) - PROBLEMS_SHOWN),
    )
