"""Appeals: record a customer's appeal against a restriction or a formal warning, name (or change) the senior officer
who hears it, and their decision; and the restriction page's "Last day to appeal", in words true in every state."""

from __future__ import annotations

import datetime as dt

from flask import abort, request, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect
from wtforms import RadioField, SelectField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # in WTForms 3.2, not yet in its stubs
from wtforms.validators import InputRequired, Optional

from ...models import Appeal, FormalWarning, Officer
from ...policy.appeals import Grounds, Outcome
from ...policy.vocabulary import Channel, values
from ...services import appeals as ap
from ...words import date_words
from ..auth import login_required, unit_of_work
from .base import CASEWORKERS, SENIORS, act, bp, form_page, restriction_or_404
from .fields import CHANNEL_LABELS, area_field, blank_none, checkboxes_field, choices_for, date_field, submit_button


class AppealForm(FlaskForm):
    grounds = RadioField(
        "Grounds of the appeal",
        widget=GovRadioInput(),
        choices=choices_for(values(Grounds)),
        validators=[InputRequired(message="Select the grounds of the appeal")],
    )
    statement = area_field("The customer's statement", limit=20000, required="Enter the customer's statement")
    received_on = date_field("Date received", description="Leave empty for today.", named="The date received")
    late_reason = area_field(
        "Exceptional reason to accept it late",
        limit=2000,
        description="Only if it arrived after the appeal window closed",
    )
    heard_by = SelectField(
        "Senior officer hearing it",
        widget=GovSelect(),
        validators=[Optional()],
        # Only those who may hear it are offered; any other choice goes to the service, which refuses it with R36.
        validate_choice=False,
        description="Only senior officers in post who were not involved in the decision are offered (R36). "
        "Leave empty to name them later.",
    )
    submit = submit_button("Record appeal")


class HearingOfficerForm(FlaskForm):
    heard_by = SelectField(
        "Senior officer hearing it",
        widget=GovSelect(),
        validators=[InputRequired(message="Choose the senior officer who hears the appeal")],
        validate_choice=False,  # as above: the service's refusal names the rule
        description="Only senior officers in post who were not involved in the decision are offered (R36).",
    )
    submit = submit_button("Save")


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
    review_due = date_field("If varied: review date", named="The review date")
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
        form.heard_by.choices = hearer_choices(ctx, "Not named yet", restriction=restriction_id)
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
        form.heard_by.choices = hearer_choices(ctx, "Not named yet", warning=warning_id)
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


def hearer_choices(ctx, blank: str, **subject: int | None) -> list[SelectChoice]:
    """The senior officers who may hear an appeal against this restriction or warning (the service's rule, R36),
    after a first choice that names none (`blank`)."""
    return [SelectChoice("", blank)] + [
        SelectChoice(o.email, f"{o.name} ({o.email})") for o in ap.eligible_hearers(ctx, **subject)
    ]


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
        summary = appeal_summary(ctx, appeal)
    form = DecisionForm() if restriction_id else WarningDecisionForm()
    subject = f"restriction {restriction_id}" if restriction_id else f"warning {warning_id}"
    page = {
        "back": url_for("casework.restriction", restriction_id=restriction_id) if restriction_id else customer_page,
        "caption": f"Appeal {appeal_id} against {subject}",
        "summary": summary,
        "summary_changes": {"Heard by": url_for("casework.appeal_hearing_officer", appeal_id=appeal_id)}
        if summary["State"] == "lodged"
        else {},
    }
    if not form.validate_on_submit():
        return form_page(form, "Decide the appeal", 400 if request.method == "POST" else 200, **page)
    terms = {}
    if form.outcome.data == Outcome.VARIED.value and isinstance(form, DecisionForm):
        if form.allowed_channels.data:
            terms["allowed_channels"] = list(form.allowed_channels.data)
        if form.review_due.data:
            terms["review_due"] = form.review_due.data.isoformat()
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


def hearer_words(officer: Officer | None) -> str:
    """Who hears an appeal, by name and role."""
    if officer is None:
        return "Not named yet: the senior officer who decides it is named then"
    return f"{officer.name} ({officer.role})"


def hearer_of(ctx, appeal: Appeal) -> Officer | None:
    """The senior officer named to hear the appeal, if any."""
    return ctx.session.get(Officer, appeal.heard_by_id) if appeal.heard_by_id is not None else None


def appeal_summary(ctx, appeal: Appeal) -> dict:
    """An appeal in words: when it came and on what grounds, who hears it, and each of its dates."""
    lodge_by = date_words(appeal.window_closes_on) or "No window: the letter was not sent"
    if appeal.late:
        lodge_by += " (it came after that, and was accepted late for an exceptional reason)"
    summary = {
        "Received": date_words(appeal.received_on),
        "Grounds": appeal.grounds.replace("_", " "),
        "Heard by": hearer_words(hearer_of(ctx, appeal)),
        "Last day to lodge it": lodge_by,
        "Decision due by": date_words(appeal.decision_due),
        "State": appeal.state,
    }
    if appeal.state == "decided":
        summary["Decision"] = f"{appeal.outcome} on {date_words(appeal.decided_on)}"
    return summary


@bp.route("/appeals/<int:appeal_id>/hearing-officer", methods=["GET", "POST"])
@login_required(*SENIORS)
def appeal_hearing_officer(appeal_id: int):
    """Name, or change, the senior officer who hears an appeal: only those the service allows are offered (R36); any
    other choice is refused with the rule, and every change goes to the audit trail."""
    form = HearingOfficerForm()
    with unit_of_work() as ctx:
        appeal = ctx.session.get(Appeal, appeal_id)
        if appeal is None:
            abort(404)
        subject = f"restriction {appeal.restriction_id}" if appeal.restriction_id else f"warning {appeal.warning_id}"
        form.heard_by.choices = hearer_choices(
            ctx, "Choose a senior officer", restriction=appeal.restriction_id, warning=appeal.warning_id
        )
        hearer = hearer_of(ctx, appeal)
        if request.method == "GET" and hearer is not None:
            form.heard_by.data = hearer.email
        summary = {"Heard by now": hearer_words(hearer), "Decision due by": date_words(appeal.decision_due)}
    title = "Change who hears the appeal" if hearer is not None else "Name who hears the appeal"
    back = url_for("casework.appeal_decide", appeal_id=appeal_id)
    page = {"back": back, "caption": f"Appeal {appeal_id} against {subject}", "summary": summary}
    if not form.validate_on_submit():
        return form_page(form, title, 400 if request.method == "POST" else 200, **page)
    chosen = form.heard_by.data.strip()
    names = {c.value: c.label.rsplit(" (", 1)[0] for c in form.heard_by.choices if c.value}
    return act(
        form,
        title,
        page,
        lambda ctx: ap.assign(ctx, appeal_id, chosen),
        f"Appeal {appeal_id} is heard by {names.get(chosen, chosen)} (senior).",
        None,
        then=back,
    )


def last_day_to_appeal(r: dict, today: dt.date) -> str:
    """The restriction page's "Last day to appeal", true in every state: open or closed before an appeal (or
    nothing to appeal, once the restriction has ended); once one is lodged, when, and where it stands.

    `r` is the restriction as plugin/present.py gives it: its newest sent letter's deemed receipt and deadline,
    whether the window is still open (policy.appeals.restriction_appeal_open), and its appeals, oldest first."""
    deadline, receipt, appeals = r["appeal_deadline"], r["deemed_receipt"], r["appeals"]
    made = next((a for a in appeals if a["state"] == "lodged"), None)
    if made is None and deadline is not None:  # an appeal against the newest letter uses its window
        made = next(
            (a for a in reversed(appeals) if a["window_closes_on"] == deadline or a["received_on"] >= receipt), None
        )
    if made is not None:
        return _appeal_made_words(made)
    if deadline is None:
        return "Counts from the letter's deemed receipt, once it is sent"
    if r["appeal_window_open"]:
        return f"{date_words(deadline)} (open)"
    if deadline < today:
        return f"{date_words(deadline)} (closed)"
    return f"{date_words(deadline)}: there is nothing to appeal now, the restriction is {r['state'].replace('_', ' ')}"


def _appeal_made_words(a: dict) -> str:
    """An appeal lodged against the newest letter: when, whether late, then due or decided."""
    text = f"Appeal lodged on {date_words(a['received_on'])}"
    if a["late"]:
        text += f", after the window closed on {date_words(a['window_closes_on'])}: accepted late"
    if a["state"] == "lodged":
        return f"{text}; decision due by {date_words(a['decision_due'])}"
    text += f"; {a['outcome']} on {date_words(a['decided_on'])}"
    if a["outcome"] == "varied":
        text += ". The new terms may be appealed: the window counts from the amendment letter's deemed receipt"
    return text
