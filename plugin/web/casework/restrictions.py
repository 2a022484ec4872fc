"""A restriction's page (terms, state, letters, appeals, history) and what can be done to it: activate it, change
its terms, lift it, or withdraw a proposal."""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect
from sqlalchemy import select
from wtforms import SelectField
from wtforms.validators import Optional

from ...models import Letter, Restriction
from ...policy.vocabulary import Channel, Role, values
from ...present import restriction_with_letters as restriction_data
from ...services import ServiceError
from ...services import restrictions as rs
from ...services.audit import entries as audit_entries
from ...services.audit import record_read
from ...services.customer_view import view_level
from ..auth import login_required, signed_in_actor, unit_of_work
from .base import CASEWORKERS, READERS, SENIORS, act, bp, form_page, officer_choices, restriction_or_404
from .fields import (
    CHANNEL_LABELS,
    area_field,
    blank_none,
    check_windows,
    checkboxes_field,
    date_field,
    submit_button,
    windows_field,
    windows_text,
)
from .refusals import refusal_list

log = logging.getLogger(__name__)

HISTORY_SHOWN = 50


class ActivateForm(FlaskForm):
    submit = submit_button("Activate")


class ReasonsForm(FlaskForm):
    reasons = area_field("Reasons", limit=5000, required="Give the reasons")


class AmendForm(FlaskForm):
    spoc_officer = SelectField("Sole point of contact (officer)", widget=GovSelect(), validators=[Optional()])
    allowed_channels = checkboxes_field("Which ways of contact stay open?", values(Channel), CHANNEL_LABELS)
    windows = windows_field()
    review_due = date_field("Review date", description="For example, 2027-05-20")
    ends_on = date_field("End date", description="For example, 2027-11-20. Leave empty for no end date.")
    reasons = area_field("Why the terms change", limit=5000, required="Give the reasons for the change")
    submit = submit_button("Save changes")


@bp.get("/restrictions/<int:restriction_id>")
@login_required(*READERS)
def restriction(restriction_id: int):
    """Terms, state, review date, letter, appeal deadline, history; the actions the role allows."""
    return _restriction_page(restriction_id)


def _restriction_page(restriction_id: int, errors: list | None = None, status: int = 200):
    role = signed_in_actor().role
    with unit_of_work() as ctx:
        r = restriction_or_404(ctx, restriction_id)
        data = restriction_data(ctx, r)
        full = view_level(role) == "full"
        details = _restriction_details(r) if full else None
        history = [
            {
                "at": e.at.strftime("%Y-%m-%d %H:%M"),
                "action": e.action.replace(".", " ").replace("_", " "),
                "actor": e.actor,
            }
            for e in _history(ctx, r, [a["id"] for a in data["appeals"]])
        ]
        open_appeal = next((a["id"] for a in data["appeals"] if a["state"] == "lodged"), None)
        record_read(ctx, "restriction page", "restrictions", [r.id], [r.customer_id])
        customer = {"reference": r.customer.reference, "name": r.customer.name}
    return render_template(
        "casework/restriction.html",
        title=f"Restriction {restriction_id}",
        r=data,
        details=details,
        history=history,
        customer=customer,
        errors=errors or [],
        role=role.value if role else "",
        open_appeal=open_appeal,
        channel_labels=CHANNEL_LABELS,
        activate_form=ActivateForm(),
        may_act=role in CASEWORKERS,
        senior=role == Role.SENIOR,
    ), status


def _restriction_details(r: Restriction) -> dict:
    """What only the full view shows (senior officers and admins): reasons and the pre-restriction checks."""
    c = r.checks
    checks = (
        None
        if c is None
        else {
            "social_work_known": c.social_work_known,
            "social_work_enquiry_to": c.social_work_enquiry_to,
            "social_work_enquired_on": c.social_work_enquired_on,
            "mental_health_client": c.mental_health_client,
            "adjustments": ", ".join(a.replace("_", " ") for a in c.adjustments or []) or "none",
            "other_services": c.other_services,
        }
    )
    return {
        "why_necessary": r.why_necessary,
        "path_justification": r.path_justification,
        "end_reason": r.end_reason,
        "checks": checks,
    }


def _history(ctx, r: Restriction, appeal_ids: list[int]):
    """The audit trail's changes to this restriction, its appeals and letters, oldest first (what and who).

    Readings (`register.read`) are left out: the history says what was done, not who looked."""
    letter_ids = ctx.session.scalars(select(Letter.id).where(Letter.restriction_id == r.id))
    about = {("restrictions", r.id)} | {("appeals", i) for i in appeal_ids} | {("letters", i) for i in letter_ids}
    rows = audit_entries(ctx, customer_id=r.customer_id, limit=500)
    changes = [e for e in reversed(rows) if (e.entity_type, e.entity_id) in about and not e.action.endswith(".read")]
    return changes[-HISTORY_SHOWN:]


@bp.post("/restrictions/<int:restriction_id>/activate")
@login_required(*CASEWORKERS)
def restriction_activate(restriction_id: int):
    """Bring a proposal into force. Only a senior officer may (R2): the service refuses anyone else, and says why."""
    if not ActivateForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work() as ctx:
            r = rs.activate(ctx, restriction_id)
            review_due = r.review_due
            assert review_due is not None, "activation sets the review date (R42)"
    except ServiceError as exc:
        if exc.status == 404:
            abort(404)
        return _restriction_page(restriction_id, refusal_list(exc), exc.status)
    log.info("restriction activated via web restriction=%s", restriction_id)
    flash(
        f"Restriction {restriction_id} is in force. It is reviewed by {review_due.isoformat()}. "
        "The restriction letter is waiting to be sent."
    )
    return redirect(url_for("casework.restriction", restriction_id=restriction_id))


@bp.route("/restrictions/<int:restriction_id>/amend", methods=["GET", "POST"])
@login_required(*CASEWORKERS)
def restriction_amend(restriction_id: int):
    """Change the terms: a proposal by an officer, a restriction in force by a senior officer (the service decides)."""
    form = AmendForm()
    with unit_of_work() as ctx:
        r = restriction_or_404(ctx, restriction_id)
        form.spoc_officer.choices = officer_choices(ctx, "Not an officer")
        if request.method == "GET":
            form.spoc_officer.data = r.spoc_officer.email if r.spoc_officer else ""
            form.allowed_channels.data = list(r.allowed_channels or [])
            form.windows.data = windows_text(r.time_windows)
            form.review_due.data = r.review_due.isoformat() if r.review_due else ""
            form.ends_on.data = r.ends_on.isoformat() if r.ends_on else ""
    page = {
        "back": url_for("casework.restriction", restriction_id=restriction_id),
        "caption": f"Restriction {restriction_id}",
    }
    windows = check_windows(form) if form.validate_on_submit() else None
    if windows is None:
        return form_page(form, "Change the terms", 400 if request.method == "POST" else 200, **page)
    data = {
        "reasons": form.reasons.data,
        "allowed_channels": list(form.allowed_channels.data or []),
        "time_windows": windows,
        "ends_on": blank_none(form.ends_on.data),
    }
    for name in ("spoc_officer", "review_due"):  # left empty: kept as they are
        if blank_none(getattr(form, name).data):
            data[name] = getattr(form, name).data.strip()
    return act(
        form,
        "Change the terms",
        page,
        lambda ctx: rs.amend(ctx, restriction_id, data),
        f"Restriction {restriction_id} changed.",
        restriction_id,
        {"time_windows": "windows"},
    )


@bp.route("/restrictions/<int:restriction_id>/lift", methods=["GET", "POST"])
@login_required(*SENIORS)
def restriction_lift(restriction_id: int):
    """A senior officer lifts a restriction; the lifting letter is queued."""
    return _reasons_action(
        restriction_id,
        "Lift the restriction",
        "Lift restriction",
        rs.lift,
        f"Restriction {restriction_id} lifted. The lifting letter is waiting to be sent.",
    )


@bp.route("/restrictions/<int:restriction_id>/withdraw", methods=["GET", "POST"])
@login_required(*CASEWORKERS)
def restriction_withdraw(restriction_id: int):
    """A proposal not taken forward."""
    return _reasons_action(
        restriction_id,
        "Withdraw the proposal",
        "Withdraw proposal",
        rs.withdraw,
        f"Restriction {restriction_id} withdrawn.",
    )


def _reasons_action(restriction_id: int, title: str, button: str, action, done: str):
    form = ReasonsForm()
    with unit_of_work() as ctx:
        restriction_or_404(ctx, restriction_id)
    page = {
        "back": url_for("casework.restriction", restriction_id=restriction_id),
        "caption": f"Restriction {restriction_id}",
        "button": button,
    }
    if not form.validate_on_submit():
        return form_page(form, title, 400 if request.method == "POST" else 200, **page)
    return act(
        form, title, page, lambda ctx: action(ctx, restriction_id, {"reasons": form.reasons.data}), done, restriction_id
    )
