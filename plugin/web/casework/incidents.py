"""Incidents and formal warnings: record what a member of staff experienced, and warn the customer citing it."""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app, flash, redirect, request, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput, GovSelect
from wtforms import RadioField, SelectField, SelectMultipleField
from wtforms.validators import InputRequired

from ...config import settings_of
from ...policy.vocabulary import Channel, IncidentCategory, Role, values
from ...services import ServiceError
from ...services import incidents as inc
from ...words import date_words
from ..auth import login_required, signed_in_actor, unit_of_work
from .base import (
    CASEWORKERS,
    INCIDENT_RECORDERS,
    bp,
    customer_by_ref_or_404,
    form_page,
    incident_choices,
    officer_choices,
)
from .fields import CHANNEL_LABELS, area_field, blank_none, choices_for, date_field, submit_button, text_field
from .refusals import show_refusal

log = logging.getLogger(__name__)


class IncidentForm(FlaskForm):
    experienced_by = SelectField("Who experienced it", widget=GovSelect(), validators=[InputRequired()])
    occurred_on = date_field("Date it happened", named="The date it happened", required="Enter the date it happened")
    occurred_time = text_field(
        "Time it happened",
        limit=5,
        required="Enter the time it happened",
        description="24-hour clock, UK time, for example 14:30",
    )
    channel = RadioField(
        "How did it happen?",
        widget=GovRadioInput(),
        choices=choices_for(values(Channel), CHANNEL_LABELS),
        validators=[InputRequired(message="Select how it happened")],
    )
    category = RadioField(
        "What kind of behaviour?",
        widget=GovRadioInput(),
        choices=choices_for(values(IncidentCategory)),
        validators=[InputRequired(message="Select what kind of behaviour it was")],
    )
    description = area_field("What happened", limit=20000, required="Describe what happened")
    immediate_action = text_field("Action taken at the time", description="For example, call ended")
    violence_at_work_ref = text_field("Violence at work reference", limit=64)
    submit = submit_button("Record incident")


class WarningForm(FlaskForm):
    incidents = SelectMultipleField(
        "Incidents the warning is about",
        widget=GovCheckboxesInput(),
        coerce=int,
        validators=[InputRequired(message="Select at least one incident")],
    )
    behaviour = area_field("What the customer did", limit=20000, required="Describe the behaviour")
    why_unacceptable = area_field("Why it is unacceptable", limit=20000, required="Explain why it is unacceptable")
    change_requested = area_field("What change is asked for", limit=20000, required="Say what change is asked for")
    consequences = area_field("What may follow", limit=20000, required="Say what may follow, such as a restriction")
    submit = submit_button("Issue warning")


@bp.route("/customers/<reference>/incidents/new", methods=["GET", "POST"])
@login_required(*INCIDENT_RECORDERS)
def incident_new(reference: str):
    """Record an incident: who experienced it, when, how, what happened and what was done."""
    form = IncidentForm()
    with unit_of_work() as ctx:
        customer_by_ref_or_404(ctx, reference)
        form.experienced_by.choices = officer_choices(ctx, "Choose the officer")[1:]
    if request.method == "GET":
        form.experienced_by.data = _my_email()
    page = {"back": url_for("casework.customer", reference=reference), "caption": reference}
    if not form.validate_on_submit():
        return form_page(form, "Record an incident", 400 if form.errors else 200, **page)
    occurred_at = _local_time(form)
    if occurred_at is None:
        return form_page(form, "Record an incident", 400, **page)
    data = {
        "customer": reference,
        "experienced_by": form.experienced_by.data,
        "occurred_at": occurred_at,
        "channel": form.channel.data,
        "category": form.category.data,
        "description": form.description.data,
        "immediate_action": blank_none(form.immediate_action.data),
        "violence_at_work_ref": blank_none(form.violence_at_work_ref.data),
    }
    try:
        with unit_of_work() as ctx:
            incident_id = inc.record_incident(ctx, data).id
    except ServiceError as exc:
        show_refusal(form, exc, {"occurred_at": "occurred_on"})
        return form_page(form, "Record an incident", exc.status, **page)
    log.info("incident recorded via web incident=%s", incident_id)
    flash(f"Incident {incident_id} recorded.")
    if signed_in_actor().role == Role.AGENT:  # an agent does not see the customer's file
        return redirect(url_for("pages.dashboard"))
    return redirect(url_for("casework.customer", reference=reference))


def _my_email() -> str | None:
    from ...models import Officer

    with unit_of_work() as ctx:
        officer = ctx.session.get(Officer, signed_in_actor().officer_id)
        return officer.email if officer else None


def _local_time(form: IncidentForm) -> str | None:
    """The date and the council's local time typed (TIMEZONE), as an aware ISO timestamp; None with the
    mistake on the time field."""
    try:
        time = dt.time.fromisoformat(form.occurred_time.data.strip())
    except ValueError:
        form.occurred_time.errors = [*form.occurred_time.errors, "Enter the time it happened like 14:30"]
        return None
    moment = dt.datetime.combine(form.occurred_on.data, time)
    return moment.replace(tzinfo=settings_of(current_app).zone).isoformat()


@bp.route("/customers/<reference>/warnings/new", methods=["GET", "POST"])
@login_required(*CASEWORKERS)
def warning_new(reference: str):
    """Issue a formal warning citing recorded incidents; its letter (with the policy) is queued."""
    form = WarningForm()
    with unit_of_work() as ctx:
        found = customer_by_ref_or_404(ctx, reference)
        form.incidents.choices = incident_choices(ctx, found.id)
    page = {"back": url_for("casework.customer", reference=reference), "caption": reference}
    if not form.validate_on_submit():
        return form_page(form, "Issue a warning", 400 if form.errors else 200, **page)
    data = {
        "customer": reference,
        "incidents": list(form.incidents.data or []),
        "behaviour": form.behaviour.data,
        "why_unacceptable": form.why_unacceptable.data,
        "change_requested": form.change_requested.data,
        "consequences": form.consequences.data,
    }
    try:
        with unit_of_work() as ctx:
            warning = inc.issue_warning(ctx, data)
            warning_id, followup = warning.id, warning.followup_until
    except ServiceError as exc:
        show_refusal(form, exc)
        return form_page(form, "Issue a warning", exc.status, **page)
    log.info("warning issued via web warning=%s", warning_id)
    flash(
        f"Warning {warning_id} issued; its letter is waiting to be sent. Follow-up window until {date_words(followup)}."
    )
    return redirect(url_for("casework.customer", reference=reference))
