"""Absences: periods an officer is away, while their deputy covers as sole point of contact (plugin/services/
register.py add_absence and remove_absence, as `contactguard officers absence`). The deputy is set on the officer's
page (officers.py). Dates are typed as day, month and year (the GOV.UK date input)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from ...models.register import OfficerAbsence
from ...policy.vocabulary import Role
from ...services import register as reg
from ..auth import login_required, unit_of_work
from ..forms_dates import DateInputField
from .base import ConfirmForm, act, bp, choices, confirm_page, form_page, uk_date


def absence_form(ctx):
    """Who is away, the first and last day, and a note for admins."""

    class AbsenceForm(FlaskForm):
        officer = SelectField(
            "Who is away",
            widget=GovSelect(),
            choices=choices(
                [("", "Choose an officer")] + [(o.email, f"{o.name} ({o.email})") for o in reg.active_officers(ctx)]
            ),
            validators=[InputRequired(message="Choose who is away")],
        )
        starts_on = DateInputField("First day away", named="The first day away", required="Enter the first day away")
        ends_on = DateInputField(
            "Last day away",
            description="For example, 3 4 2027",
            named="The last day away",
            required="Enter the last day away",
        )
        note = StringField(
            "Note (optional)",
            widget=GovTextInput(),
            description="For admins only, never shown on tickets. No health details",
            validators=[Optional(), Length(max=200)],
        )
        submit = SubmitField("Record the absence", widget=GovSubmitInput())

    return AbsenceForm


@bp.get("/admin/absences")
@login_required(Role.ADMIN)
def absences():
    """Absences now or to come, by officer, with who covers each."""
    with unit_of_work() as ctx:
        rows = [
            {
                "id": a.id,
                "officer": f"{a.officer.name} ({a.officer.email})",
                "officer_id": a.officer_id,
                "from": uk_date(a.starts_on),
                "to": uk_date(a.ends_on),
                "deputy": a.officer.deputy.name if a.officer.deputy else "No deputy set",
                "note": a.note or "-",
            }
            for a in reg.list_absences(ctx, current_on=ctx.today())
        ]
    return render_template("admin/absences.html", title="Absences", rows=rows)


@bp.route("/admin/absences/new", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def add_absence():
    """Record that an officer is away from one day to another (inclusive)."""
    with unit_of_work() as ctx:
        form_class = absence_form(ctx)
    chosen = request.args.get("officer", "")
    form = form_class() if request.method == "POST" else form_class(data={"officer": chosen})
    back = url_for("admin.absences")
    page = {"back": back, "cancel": back}
    if not form.validate_on_submit():
        return form_page(form, "Record an absence", 400 if form.errors else 200, **page)
    data = {
        "starts_on": form.starts_on.data.isoformat(),
        "ends_on": form.ends_on.data.isoformat(),
        "note": (form.note.data or "").strip() or None,
    }
    return act(
        form,
        "Record an absence",
        lambda ctx: reg.add_absence(ctx, form.officer.data, data),
        "Absence recorded: their deputy covers as sole point of contact meanwhile.",
        back,
        page,
    )


@bp.route("/admin/absences/<int:absence_id>/remove", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def remove_absence(absence_id: int):
    """Remove an absence that was cancelled or recorded in error (a confirmation page first)."""
    form = ConfirmForm()
    with unit_of_work() as ctx:
        absence = ctx.session.get(OfficerAbsence, absence_id)
        if absence is None:
            abort(404)
        name = absence.officer.name
        period = f"{uk_date(absence.starts_on)} to {uk_date(absence.ends_on)}"
    back = url_for("admin.absences")
    if not form.validate_on_submit():
        return confirm_page(
            "Remove this absence?",
            f"{name} is no longer recorded as away from {period}. If that is now, tickets name them again instead "
            "of their deputy.",
            "Remove the absence",
            name,
            back,
            form,
        )
    with unit_of_work() as ctx:
        reg.remove_absence(ctx, absence_id)
    flash("Absence removed.")
    return redirect(back)
