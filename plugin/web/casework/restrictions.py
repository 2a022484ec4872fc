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

from ...models import Letter, Officer, Restriction
from ...policy.vocabulary import Channel, Role, values
from ...present import restriction_with_letters as restriction_data
from ...schemas import EndInput
from ...services import ServiceError, audit_view
from ...services import restrictions as rs
from ...services.audit import entries as audit_entries
from ...services.audit import record_read
from ...services.customer_view import may_read_reasons, view_level
from ...services.lookup import load
from ...services.terms import terms_of
from ...words import channels_words, date_words, windows_words
from ..auth import login_required, signed_in_actor, unit_of_work
from .appeals import last_day_to_appeal
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
from .refusals import refusal_list, show_refusal

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
    review_due = date_field("Review date", named="The review date")
    ends_on = date_field("End date", description="Leave empty for no end date.", named="The end date")
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
        details = _restriction_details(r, checks=full) if may_read_reasons(role) else None
        history, readings = _history(ctx, r, [a["id"] for a in data["appeals"]])
        open_appeal = next((a["id"] for a in data["appeals"] if a["state"] == "lodged"), None)
        appeal_text = last_day_to_appeal(data, ctx.today())
        hearers = {a["id"]: _hearer_name(ctx, a["heard_by_id"]) for a in data["appeals"]}
        open_hearer = next((a["heard_by_id"] for a in data["appeals"] if a["state"] == "lodged"), None)
        record_read(ctx, "restriction page", "restrictions", [r.id], [r.customer_id])
        customer = {"reference": r.customer.reference, "name": r.customer.name}
    return render_template(
        "casework/restriction.html",
        title=f"Restriction {restriction_id}",
        r=data,
        details=details,
        history=history,
        readings=readings,
        customer=customer,
        errors=errors or [],
        role=role.value if role else "",
        open_appeal=open_appeal,
        appeal_text=appeal_text,
        hearers=hearers,
        open_hearer=open_hearer,
        channel_labels=CHANNEL_LABELS,
        activate_form=ActivateForm(),
        may_act=role in CASEWORKERS,
        senior=role == Role.SENIOR,
    ), status


def _hearer_name(ctx, officer_id: int | None) -> str:
    """Who hears an appeal, by name and role, for the list of appeals."""
    officer = ctx.session.get(Officer, officer_id) if officer_id is not None else None
    return f"{officer.name} ({officer.role})" if officer is not None else "no one named yet"


def _restriction_details(r: Restriction, checks: bool) -> dict:
    """The reasons given to the customer (REASON_READERS), and the pre-restriction checks for the full view only."""
    c = r.checks if checks else None
    shown_checks = (
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
        "checks": shown_checks,
    }


def _history(ctx, r: Restriction, appeal_ids: list[int]) -> tuple[list[audit_view.Shown], list[str]]:
    """What was done to this restriction, its appeals and letters, oldest first, in words (who, what, details); and
    the readings of it and its letters, counted ("Letter 3 opened 8 times by ..."), so they do not bury the decisions.
    Every reading stays in the audit trail, one entry each."""
    letter_ids = ctx.session.scalars(select(Letter.id).where(Letter.restriction_id == r.id))
    about = {("restrictions", r.id)} | {("appeals", i) for i in appeal_ids} | {("letters", i) for i in letter_ids}
    changes = _about(audit_entries(ctx, customer_id=r.customer_id, limit=500, leave_out=audit_view.READINGS), about)
    recent = _about(audit_entries(ctx, customer_id=r.customer_id, limit=500), about)
    read = [e for e in recent if e.action in audit_view.READINGS]  # the newest readings
    return audit_view.shown(ctx, changes[-HISTORY_SHOWN:]), audit_view.readings(audit_view.shown(ctx, read))


def _about(newest_first, about: set) -> list:
    """The entries about these records, oldest first."""
    return [e for e in reversed(newest_first) if (e.entity_type, e.entity_id) in about]


@bp.route("/restrictions/<int:restriction_id>/activate", methods=["GET", "POST"])
@login_required(*CASEWORKERS)
def restriction_activate(restriction_id: int):
    """Check the terms before activating (GET), then bring the proposal into force (POST). Only a senior officer may
    (R2): the service refuses anyone else, and says why."""
    if request.method == "GET":
        return _activate_check(restriction_id)
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
        f"Restriction {restriction_id} is in force. It is reviewed by {date_words(review_due)}. "
        "The restriction letter is waiting to be sent."
    )
    return redirect(url_for("casework.restriction", restriction_id=restriction_id))


def _activate_check(restriction_id: int):
    """GOV.UK's "check before you submit": the terms that come into force, each with a Change link, and what follows."""
    with unit_of_work() as ctx:
        r = restriction_or_404(ctx, restriction_id)
        if r.state != "proposed":  # nothing to activate: the restriction's page says where it stands
            return redirect(url_for("casework.restriction", restriction_id=restriction_id))
        amend = url_for("casework.restriction_amend", restriction_id=restriction_id)
        rows = _terms_rows(r, amend)
        name, days = r.customer.name, ctx.settings.RESTRICTION_APPEAL_WORKING_DAYS
        caption = f"{r.customer.reference} {name}: restriction {restriction_id}"
    return render_template(
        "casework/confirm.html",
        title="Check the restriction before you activate it",
        caption=caption,
        rows=rows,
        next_steps=[
            "The restriction is in force at once: contactguard applies these terms to every new contact from the "
            "customer, and flags their tickets in the helpdesk.",
            "The restriction letter is written, for an officer to check and send.",
            f"The customer may appeal within {days} working days of receiving the letter.",
        ],
        warning=f"Activate only if you, as a senior officer, have decided to restrict {name}'s contact on these terms.",
        button="Activate the restriction",
        action=url_for("casework.restriction_activate", restriction_id=restriction_id),
        back=url_for("casework.restriction", restriction_id=restriction_id),
        hidden={},
        errors=[],
    )


def _terms_rows(r: Restriction, change: str | None) -> list[dict]:
    """The terms as a summary list's rows, in words; `change` is where they are changed (None: not here)."""
    terms = terms_of(r)
    premises = (terms.premises or {}).get("excluded") or []
    rows = [
        ("Customer", f"{r.customer.reference} {r.customer.name}", None),
        ("Sole point of contact", terms.contact + (f" (deputy {terms.deputy})" if terms.deputy else ""), change),
        ("Ways of contact open", channels_words(terms.channels) or "None", change),
        ("Times", windows_words(terms.time_windows) or "Any time", change),
        *([("May not attend", "; ".join(premises), None)] if premises else []),
        ("Applies to", terms.scope_name or "Every council service", None),
        ("Starts", date_words(r.starts_on) or "The day it is activated", None),
        ("Review date", date_words(terms.review_due) or "-", change),
        ("Ends", date_words(terms.ends_on) or "No end date", change),
    ]
    return [{"key": key, "value": value, "href": href} for key, value, href in rows]


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
            form.review_due.process(None, r.review_due)
            form.ends_on.process(None, r.ends_on)
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
            data[name] = blank_none(getattr(form, name).data)
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
    """A senior officer gives the reasons, checks what lifting does, then lifts; the lifting letter is queued."""
    form = ReasonsForm()
    title = "Lift the restriction"
    with unit_of_work() as ctx:
        r = restriction_or_404(ctx, restriction_id)
        rows = _terms_rows(r, None)[:2] + [{"key": "State", "value": r.state.replace("_", " "), "href": None}]
    back = url_for("casework.restriction", restriction_id=restriction_id)
    page: dict = {"back": back, "caption": f"Restriction {restriction_id}", "button": "Continue"}
    if not form.validate_on_submit():
        return form_page(form, title, 400 if request.method == "POST" else 200, **page)
    if request.form.get("change"):  # back from the check page to change the reasons, as typed
        return form_page(form, title, **page)
    if request.form.get("confirm") != "yes":
        try:  # the service's own check of the reasons, so a refusal comes before the check page, not after it
            load(EndInput(), {"reasons": form.reasons.data})
        except ServiceError as exc:
            show_refusal(form, exc)
            return form_page(form, title, exc.status, **page)
        return _lift_check(restriction_id, rows, form.reasons.data or "", back)
    return act(
        form,
        title,
        page,
        lambda ctx: rs.lift(ctx, restriction_id, {"reasons": form.reasons.data}),
        f"Restriction {restriction_id} lifted. The lifting letter is waiting to be sent.",
        restriction_id,
    )


def _lift_check(restriction_id: int, rows: list[dict], reasons: str, back: str):
    """What lifting does, with the reasons given, before it is done."""
    return render_template(
        "casework/confirm.html",
        title="Check before you lift the restriction",
        caption=f"Restriction {restriction_id}",
        rows=[*rows, {"key": "Why it is lifted", "value": reasons, "href": None}],
        next_steps=[
            "The restriction ends at once: contactguard stops applying it to the customer's new contacts.",
            "The flags come off the customer's tickets in the helpdesk.",
            "The lifting letter is written, for an officer to check and send to the customer.",
        ],
        warning="Lifting cannot be undone: to restrict contact again, a new restriction must be proposed.",
        warning_button=True,
        button="Lift the restriction",
        change_button="Change the reasons",
        action=url_for("casework.restriction_lift", restriction_id=restriction_id),
        back=back,
        hidden={"reasons": reasons},
        errors=[],
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
