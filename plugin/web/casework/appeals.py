"""Appeals: record a customer's appeal against a restriction or a formal warning, and the decision of the senior
officer who hears it."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect
from wtforms import RadioField, SelectField
from wtforms.validators import InputRequired, Optional

from ...models import Appeal, FormalWarning
from ...policy.appeals import Grounds, Outcome
from ...policy.vocabulary import Channel, values
from ...services import appeals as ap
from ..auth import login_required, unit_of_work
from .base import CASEWORKERS, SENIORS, act, bp, form_page, restriction_or_404, senior_choices
from .fields import CHANNEL_LABELS, area_field, blank_none, checkboxes_field, choices_for, date_field, submit_button


class AppealForm(FlaskForm):
    grounds = RadioField(
        "Grounds of the appeal",
        widget=GovRadioInput(),
        choices=choices_for(values(Grounds)),
        validators=[InputRequired(message="Select the grounds of the appeal")],
    )
    statement = area_field("The customer's statement", limit=20000, required="Enter the customer's statement")
    received_on = date_field("Date received", description="For example, 2026-11-27. Leave empty for today.")
    late_reason = area_field(
        "Exceptional reason to accept it late",
        limit=2000,
        description="Only if it arrived after the appeal window closed",
    )
    heard_by = SelectField(
        "Senior officer hearing it",
        widget=GovSelect(),
        validators=[Optional()],
        description="Not someone involved in the decision. Leave empty to name them later.",
    )
    submit = submit_button("Record appeal")


class DecisionForm(FlaskForm):
    outcome = RadioField(
        "Decision",
        widget=GovRadioInput(),
        choices=choices_for(
            values(Outcome),
            {
                "upheld": "Upheld: the decision stands",
                "varied": "Varied: the terms change",
                "quashed": "Quashed: it is lifted",
            },
        ),
        validators=[InputRequired(message="Select the decision")],
    )
    reasons = area_field("Reasons for the decision", limit=5000, required="Give the reasons for the decision")
    allowed_channels = checkboxes_field("If varied: which ways of contact stay open?", values(Channel), CHANNEL_LABELS)
    review_due = date_field("If varied: review date", description="For example, 2027-05-20")
    submit = submit_button("Record decision")


class WarningDecisionForm(FlaskForm):
    """A warning appeal is upheld or quashed; there are no terms to vary (plugin/services/appeals.py)."""

    outcome = RadioField(
        "Decision",
        widget=GovRadioInput(),
        choices=choices_for(
            ["upheld", "quashed"],
            {"upheld": "Upheld: the warning stands", "quashed": "Quashed: the warning is withdrawn"},
        ),
        validators=[InputRequired(message="Select the decision")],
    )
    reasons = area_field("Reasons for the decision", limit=5000, required="Give the reasons for the decision")
    submit = submit_button("Record decision")


@bp.route("/restrictions/<int:restriction_id>/appeal", methods=["GET", "POST"])
@login_required(*CASEWORKERS)
def appeal_new(restriction_id: int):
    """Record an appeal the customer sent: grounds, statement, when it arrived; the window is the service's."""
    form = AppealForm()
    with unit_of_work() as ctx:
        restriction_or_404(ctx, restriction_id)
        form.heard_by.choices = senior_choices(ctx)
    page = {
        "back": url_for("casework.restriction", restriction_id=restriction_id),
        "caption": f"Restriction {restriction_id}",
    }
    if not form.validate_on_submit():
        return form_page(form, "Record an appeal", 400 if request.method == "POST" else 200, **page)
    data = _appeal_data(form, restriction=restriction_id)
    return act(
        form,
        "Record an appeal",
        page,
        lambda ctx: ap.lodge(ctx, data),
        "Appeal recorded. The restriction stays in force while it is heard.",
        restriction_id,
    )


@bp.route("/warnings/<int:warning_id>/appeal", methods=["GET", "POST"])
@login_required(*CASEWORKERS)
def warning_appeal_new(warning_id: int):
    """Record an appeal against a formal warning (R35): the same form; the window runs from the warning letter."""
    form = AppealForm()
    with unit_of_work() as ctx:
        warning = ctx.session.get(FormalWarning, warning_id)
        if warning is None:
            abort(404)
        back = url_for("casework.customer", reference=warning.customer.reference) + "#warnings"
        form.heard_by.choices = senior_choices(ctx)
    # R35: a warning is appealed only for factual inaccuracy, so that is the one ground offered (the service
    # refuses any other with the rule's id, for callers of the API).
    form.grounds.choices = choices_for([Grounds.FACTUAL_INACCURACY.value])
    page = {"back": back, "caption": f"Warning {warning_id}"}
    if not form.validate_on_submit():
        return form_page(form, "Record an appeal", 400 if request.method == "POST" else 200, **page)
    data = _appeal_data(form, warning=warning_id)
    return act(
        form,
        "Record an appeal",
        page,
        lambda ctx: ap.lodge(ctx, data),
        f"Appeal against warning {warning_id} recorded. The warning stands while it is heard.",
        None,
        then=back,
    )


def _appeal_data(form: AppealForm, **subject: int) -> dict:
    """What the appeal service takes from the form, for the restriction or warning appealed against."""
    return {
        **subject,
        "grounds": form.grounds.data,
        "statement": form.statement.data,
        "received_on": blank_none(form.received_on.data),
        "late_reason": blank_none(form.late_reason.data),
        "heard_by": blank_none(form.heard_by.data),
    }


@bp.route("/appeals/<int:appeal_id>", methods=["GET", "POST"])
@login_required(*SENIORS)
def appeal_decide(appeal_id: int):
    """The senior officer hearing the appeal decides it: a restriction's is upheld, varied (new terms) or quashed;
    a warning's is upheld or quashed. Reasons always."""
    with unit_of_work() as ctx:
        appeal = ctx.session.get(Appeal, appeal_id)
        if appeal is None:
            abort(404)
        restriction_id, warning_id = appeal.restriction_id, appeal.warning_id
        customer_page = url_for("casework.customer", reference=appeal.customer.reference) + "#appeals"
        summary = {
            "received_on": appeal.received_on,
            "grounds": appeal.grounds.replace("_", " "),
            "decision_due": appeal.decision_due,
            "state": appeal.state,
        }
    form = DecisionForm() if restriction_id else WarningDecisionForm()
    subject = f"restriction {restriction_id}" if restriction_id else f"warning {warning_id}"
    page = {
        "back": url_for("casework.restriction", restriction_id=restriction_id) if restriction_id else customer_page,
        "caption": f"Appeal {appeal_id} against {subject}",
        "summary": summary,
    }
    if not form.validate_on_submit():
        return form_page(form, "Decide the appeal", 400 if request.method == "POST" else 200, **page)
    terms = {}
    if form.outcome.data == Outcome.VARIED.value and isinstance(form, DecisionForm):
        if form.allowed_channels.data:
            terms["allowed_channels"] = list(form.allowed_channels.data)
        if blank_none(form.review_due.data):
            terms["review_due"] = form.review_due.data.strip()
    data = {"outcome": form.outcome.data, "reasons": form.reasons.data, "terms": terms or None}
    return act(
        form,
        "Decide the appeal",
        page,
        lambda ctx: ap.decide(ctx, appeal_id, data),
        f"Appeal {appeal_id} decided: {form.outcome.data}. The outcome letter is waiting to be sent.",
        restriction_id,
        {"terms": "allowed_channels", "terms.review_due": "review_due"},
        then=None if restriction_id else customer_page,
    )
