"""Casework in the browser: customers, incidents, warnings, the restriction wizard, restrictions, appeals, reviews.

These pages only carry the policy over HTTP. Every rule lives in the service layer and is called exactly as the
CLI calls it (plugin/cli/register.py, plugin/cli/workflow.py): the same service functions, the same input
dictionaries. A page never decides whether something is allowed; it asks, and a refusal (ServiceError) comes
back as the GOV.UK error summary on the form, naming the field and keeping the policy's rule id ([R2], [R42]).

What each role sees of a customer is decided by plugin/services/customer_view.py (R50, need to know). Agents
may open a customer's page (the arrangement in force) but none of the casework forms; officers and senior
officers do the casework; only a senior officer activates, lifts, holds a review or decides an appeal, and the
service says so when anyone else tries. Admins may read the casework pages but act on none.

The restriction wizard walks the policy's steps in order, one question per page, and keeps the answers in the
server-signed session cookie until "Check your answers" sends them to `restrictions.propose`. Only ids, codes
and short text go there (each free-text answer is capped), and the answers are dropped once proposed.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from sqlalchemy import select
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # in WTForms 3.2, not yet in its stubs
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..config import settings_of
from ..models import Appeal, FormalWarning, Incident, Letter, Restriction
from ..policy.appeals import Grounds, Outcome
from ..policy.vocabulary import Adjustment, Channel, IncidentCategory, Role, SpocKind, Tristate, values
from ..present import restriction_with_letters as restriction_data
from ..services import ServiceError
from ..services import appeals as ap
from ..services import events as ev
from ..services import incidents as inc
from ..services import register as reg
from ..services import restrictions as rs
from ..services import reviews as rv
from ..services.audit import entries as audit_entries
from ..services.audit import record_read
from ..services.customer_view import customer_view, view_level
from ..services.lookup import customer_by_ref
from .auth import current_actor, has_bearer, login_required, signed_in_actor, unit_of_work

log = logging.getLogger(__name__)

bp = Blueprint("casework", __name__)

READERS = (Role.OFFICER, Role.SENIOR, Role.ADMIN)  # may search customers and read restriction pages
CASEWORKERS = (Role.OFFICER, Role.SENIOR)  # warn, propose, appeal (the service checks the rest)
# Staff who experience abuse deal with it at once (the policy's first paragraph): front-line agents too record an
# incident, as the service (incidents.record_incident) and the API allow.
INCIDENT_RECORDERS = (Role.AGENT, Role.OFFICER, Role.SENIOR)
SENIORS = (Role.SENIOR,)
WIZARD = "restriction_wizard"  # session key: {"customer": REF, "answers": {...}}
CONTACTS_SHOWN = 20
HISTORY_SHOWN = 50
SHORT, MEDIUM, LONG = 200, 400, 1000  # caps on what the wizard keeps in the session cookie
COOKIE_LIMIT = 3800  # bytes: browsers drop a cookie over 4096, which would sign the officer out
GENERIC_MESSAGE = "invalid input: check"  # plugin/services/lookup.py: then the fields' own messages say more

LABELS = {  # service field names as a person reads them (the error summary names the field)
    "actor": "Your role",
    "state": "State",
    "path": "Path",
    "path_justification": "Reason to restrict without a warning",
    "warning": "Warning",
    "incidents": "Incidents",
    "why_necessary": "Why the restriction is necessary",
    "checks": "Pre-restriction checks",
    "social_work_known": "Known to Social Work Services",
    "social_work_enquiry_to": "Who at Social Work Services was asked",
    "social_work_enquired_on": "When Social Work Services were asked",
    "adjustments_needed": "Adjustments needed",
    "adjustments": "Adjustments",
    "other_services": "Other services involved",
    "spoc_kind": "Sole point of contact",
    "spoc_officer": "Sole point of contact",
    "deputy_officer": "Deputy",
    "spoc_inbox": "Team inbox",
    "spoc_external_name": "External contact's name",
    "consent_basis": "Consent or lawful basis",
    "allowed_channels": "Channels left open",
    "time_windows": "Time windows",
    "premises": "Premises",
    "review_due": "Review date",
    "ends_on": "End date",
    "starts_on": "Start date",
    "reasons": "Reasons",
    "next_review_due": "Next review date",
    "outcome": "Outcome",
    "grounds": "Grounds",
    "statement": "Statement",
    "received_on": "Date received",
    "late_reason": "Reason to accept a late appeal",
    "heard_by": "Heard by",
    "restriction": "Restriction",
    "terms": "New terms",
    "customer": "Customer",
    "reference": "Reference",
    "name": "Name",
    "occurred_at": "When it happened",
    "experienced_by": "Experienced by",
}
CHANNEL_LABELS = {
    "email": "E-mail",
    "telephone": "Telephone",
    "letter": "Letter",
    "in_person": "In person",
    "web_form": "Web form",
    "chat": "Web chat",
    "sms": "Text message (SMS)",
    "social_media": "Social media",
}
PATH_LABELS = {
    "after_warning": "After a warning",
    "without_warning": "Without a warning (particularly vexatious or unreasonable behaviour)",
    "serious_threat": "Serious threat or violence (no warning needed)",
}
SPOC_LABELS = {
    "officer": "A named officer (with a deputy)",
    "shared_inbox": "A team inbox",
    "external_worker": "The customer's social or care worker",
    "representative": "A representative",
}


def _choices(codes, labels: dict | None = None) -> list[SelectChoice]:
    return [SelectChoice(code, (labels or {}).get(code, code.replace("_", " ").capitalize())) for code in codes]


def _checkboxes(label: str, codes, labels=None, description: str = "", required: str | None = None):
    validators = [InputRequired(message=required)] if required else [Optional()]
    return SelectMultipleField(
        label,
        widget=GovCheckboxesInput(),
        choices=_choices(codes, labels),
        description=description,
        validators=validators,
    )


def _text(label: str, limit: int = SHORT, required: str | None = None, description: str = ""):
    validators = [InputRequired(message=required)] if required else [Optional()]
    return StringField(
        label, widget=GovTextInput(), description=description, validators=[*validators, Length(max=limit)]
    )


def _area(label: str, limit: int = LONG, required: str | None = None, description: str = ""):
    validators = [InputRequired(message=required)] if required else [Optional()]
    return TextAreaField(
        label, widget=GovTextArea(), description=description, validators=[*validators, Length(max=limit)]
    )


def _date(label: str, description: str = "For example, 2027-05-20. Leave empty for the default."):
    return StringField(
        label, widget=GovTextInput(), description=description, validators=[Optional(), Length(max=10), _iso_date]
    )


def _iso_date(form, field) -> None:
    if field.data:
        try:
            dt.date.fromisoformat(field.data.strip())
        except ValueError:
            raise ValidationError(f"{field.label.text} must be a date like 2027-05-20") from None


def _windows_field(label: str = "Times the customer may make contact"):
    return _area(
        label,
        limit=MEDIUM,
        description="One line each, for example: mon,wed 10:00-12:00. Leave empty for no time limit.",
    )


def _submit(text: str):
    return SubmitField(text, widget=GovSubmitInput())


# -- forms ------------------------------------------------------------------------------------------------


class CustomerForm(FlaskForm):
    name = _text("Full name", required="Enter the customer's name")
    reference = _text("Council reference", limit=64, description="Leave empty to have one made up")
    emails = _area("E-mail addresses", limit=MEDIUM, description="One on each line")
    phones = _area("Phone numbers", limit=MEDIUM, description="One on each line, UK or +country")
    submit = _submit("Add customer")


class IncidentForm(FlaskForm):
    experienced_by = SelectField("Who experienced it", widget=GovSelect(), validators=[InputRequired()])
    occurred_on = _text(
        "Date it happened", limit=10, required="Enter the date it happened", description="For example, 2026-11-20"
    )
    occurred_time = _text(
        "Time it happened",
        limit=5,
        required="Enter the time it happened",
        description="24-hour clock, UK time, for example 14:30",
    )
    channel = RadioField(
        "How did it happen?",
        widget=GovRadioInput(),
        choices=_choices(values(Channel), CHANNEL_LABELS),
        validators=[InputRequired(message="Select how it happened")],
    )
    category = RadioField(
        "What kind of behaviour?",
        widget=GovRadioInput(),
        choices=_choices(values(IncidentCategory)),
        validators=[InputRequired(message="Select what kind of behaviour it was")],
    )
    description = _area("What happened", limit=20000, required="Describe what happened")
    immediate_action = _text("Action taken at the time", description="For example, call ended")
    violence_at_work_ref = _text("Violence at work reference", limit=64)
    submit = _submit("Record incident")


class WarningForm(FlaskForm):
    incidents = SelectMultipleField(
        "Incidents the warning is about",
        widget=GovCheckboxesInput(),
        coerce=int,
        validators=[InputRequired(message="Select at least one incident")],
    )
    behaviour = _area("What the customer did", limit=20000, required="Describe the behaviour")
    why_unacceptable = _area("Why it is unacceptable", limit=20000, required="Explain why it is unacceptable")
    change_requested = _area("What change is asked for", limit=20000, required="Say what change is asked for")
    consequences = _area("What may follow", limit=20000, required="Say what may follow, such as a restriction")
    submit = _submit("Issue warning")


class PathStep(FlaskForm):
    path = RadioField(
        "Why is contact being restricted?",
        widget=GovRadioInput(),
        choices=_choices(["after_warning", "without_warning", "serious_threat"], PATH_LABELS),
        validators=[InputRequired(message="Select why contact is being restricted")],
    )
    incidents = SelectMultipleField(
        "Which incidents does it rest on?", widget=GovCheckboxesInput(), validators=[Optional()]
    )
    submit = _submit("Continue")


class WarningStep(FlaskForm):
    warning = RadioField(
        "Which warning did the customer receive?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the warning")],
    )
    submit = _submit("Continue")


class SkipWarningStep(FlaskForm):
    path_justification = _area(
        "Why is no warning given first?", limit=LONG, required="Record why no warning is given first"
    )
    submit = _submit("Continue")


class ChecksStep(FlaskForm):
    social_work_known = RadioField(
        "Is the customer known to Social Work Services?",
        widget=GovRadioInput(),
        choices=_choices(values(Tristate), {"yes": "Yes", "no": "No", "unknown": "We asked and could not tell"}),
        validators=[InputRequired(message="Select whether Social Work Services know the customer")],
    )
    social_work_enquiry_to = _text("Who at Social Work Services was asked", description="Needed if you could not tell")
    social_work_enquired_on = _date("When they were asked", description="For example, 2026-11-24")
    mental_health_client = BooleanField(
        "A mental-health client of Social Work Services", widget=GovCheckboxInput(), validators=[Optional()]
    )
    adjustments_needed = RadioField(
        "Are reasonable adjustments needed?",
        widget=GovRadioInput(),
        choices=_choices(["yes", "no"]),
        validators=[InputRequired(message="Select whether adjustments are needed")],
    )
    adjustments = _checkboxes("Which adjustments?", values(Adjustment))
    adjustments_notes = _area("About the adjustments", limit=SHORT)
    other_services = _text(
        "Other services involved",
        required="Enter the other services involved, or none",
        description="Write none if there are none",
    )
    submit = _submit("Continue")


class ContactStep(FlaskForm):
    spoc_kind = RadioField(
        "Who is the customer's sole point of contact?",
        widget=GovRadioInput(),
        choices=_choices(values(SpocKind), SPOC_LABELS),
        validators=[InputRequired(message="Select who the sole point of contact is")],
    )
    spoc_officer = SelectField("The officer", widget=GovSelect(), validators=[Optional()])
    deputy_officer = SelectField(
        "Their deputy",
        widget=GovSelect(),
        validators=[Optional()],
        description="Leave as it is for the officer's standing deputy",
    )
    spoc_inbox = _text("Team inbox address", limit=320)
    spoc_external_name = _text("Name of the worker or representative")
    spoc_external_role = _text("Their role", limit=64)
    spoc_external_email = _text("Their e-mail address", limit=320)
    spoc_external_phone = _text("Their phone number", limit=40)
    consent_basis = _text("The customer's consent or other lawful basis")
    submit = _submit("Continue")


class ChannelsStep(FlaskForm):
    allowed_channels = _checkboxes(
        "Which ways of contact stay open?",
        values(Channel),
        CHANNEL_LABELS,
        required="Select at least one way of contact that stays open",
    )
    windows = _windows_field()
    excluded_premises = _area("Premises the customer may not attend", limit=MEDIUM, description="One on each line")
    submit = _submit("Continue")


class ReasonsStep(FlaskForm):
    why_necessary = _area(
        "Why is the restriction necessary?", limit=LONG, required="Say why the restriction is necessary"
    )
    submit = _submit("Continue")


class ReviewStep(FlaskForm):
    review_due = _date(
        "When will the restriction be reviewed?",
        description="For example, 2027-05-20. Leave empty for 6 months from the start.",
    )
    submit = _submit("Continue")


class ProposeForm(FlaskForm):
    submit = _submit("Propose restriction")


class ActivateForm(FlaskForm):
    submit = _submit("Activate")


class ReasonsForm(FlaskForm):
    reasons = _area("Reasons", limit=5000, required="Give the reasons")


class AmendForm(FlaskForm):
    spoc_officer = SelectField("Sole point of contact (officer)", widget=GovSelect(), validators=[Optional()])
    allowed_channels = _checkboxes("Which ways of contact stay open?", values(Channel), CHANNEL_LABELS)
    windows = _windows_field()
    review_due = _date("Review date", description="For example, 2027-05-20")
    ends_on = _date("End date", description="For example, 2027-11-20. Leave empty for no end date.")
    reasons = _area("Why the terms change", limit=5000, required="Give the reasons for the change")
    submit = _submit("Save changes")


class AppealForm(FlaskForm):
    grounds = RadioField(
        "Grounds of the appeal",
        widget=GovRadioInput(),
        choices=_choices(values(Grounds)),
        validators=[InputRequired(message="Select the grounds of the appeal")],
    )
    statement = _area("The customer's statement", limit=20000, required="Enter the customer's statement")
    received_on = _date("Date received", description="For example, 2026-11-27. Leave empty for today.")
    late_reason = _area(
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
    submit = _submit("Record appeal")


class DecisionForm(FlaskForm):
    outcome = RadioField(
        "Decision",
        widget=GovRadioInput(),
        choices=_choices(
            values(Outcome),
            {
                "upheld": "Upheld: the decision stands",
                "varied": "Varied: the terms change",
                "quashed": "Quashed: it is lifted",
            },
        ),
        validators=[InputRequired(message="Select the decision")],
    )
    reasons = _area("Reasons for the decision", limit=5000, required="Give the reasons for the decision")
    allowed_channels = _checkboxes("If varied: which ways of contact stay open?", values(Channel), CHANNEL_LABELS)
    review_due = _date("If varied: review date", description="For example, 2027-05-20")
    submit = _submit("Record decision")


class WarningDecisionForm(FlaskForm):
    """A warning appeal is upheld or quashed; there are no terms to vary (plugin/services/appeals.py)."""

    outcome = RadioField(
        "Decision",
        widget=GovRadioInput(),
        choices=_choices(
            ["upheld", "quashed"],
            {"upheld": "Upheld: the warning stands", "quashed": "Quashed: the warning is withdrawn"},
        ),
        validators=[InputRequired(message="Select the decision")],
    )
    reasons = _area("Reasons for the decision", limit=5000, required="Give the reasons for the decision")
    submit = _submit("Record decision")


class ReviewForm(FlaskForm):
    outcome = RadioField(
        "Outcome of the review",
        widget=GovRadioInput(),
        choices=_choices(
            ["continue", "amend", "lift"],
            {"continue": "Continue as it is", "amend": "Continue with new terms", "lift": "Lift the restriction"},
        ),
        validators=[InputRequired(message="Select the outcome of the review")],
    )
    reasons = _area("Reasons", limit=5000, required="Give the reasons for the outcome")
    next_review_due = _date("Next review date", description="For example, 2027-05-20. Leave empty for 6 months.")
    allowed_channels = _checkboxes("If new terms: which ways of contact stay open?", values(Channel), CHANNEL_LABELS)
    windows = _windows_field("If new terms: times the customer may make contact")
    submit = _submit("Record review")


# -- refusals on the page ---------------------------------------------------------------------------------


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def flat_errors(errors: dict, prefix: str = ""):
    """(field name, message) pairs from the service's field-keyed errors, nested names joined with dots."""
    for name, value in (errors or {}).items():
        if isinstance(value, dict):
            yield from flat_errors(value, f"{prefix}{name}.")
        else:
            messages = value if isinstance(value, (list, tuple)) else [value]
            yield f"{prefix}{name}", "; ".join(str(m) for m in messages)


def label_of(name: str) -> str:
    """A service field name as a person reads it: `time_windows.0.end` -> `Time windows`."""
    head = name.split(".")[0]
    return LABELS.get(name, LABELS.get(head, head.replace("_", " ").capitalize()))


def show_refusal(form: FlaskForm, exc: ServiceError, aliases: dict | None = None) -> None:
    """The service's refusal on the form: each message on the field it names, the rest on the form as a whole."""
    aliases = aliases or {}
    named = list(flat_errors(exc.errors))
    if len(named) == 1 and "[R" not in named[0][1] and not exc.message.startswith(GENERIC_MESSAGE):
        named = [(named[0][0], exc.message)]  # e.g. "email x already identifies customer C1" says more
    found_any = False
    for name, message in named:
        field = _field_for(form, name, aliases)
        if field is not None:
            field.errors = [*field.errors, sentence(message)]
        else:
            form.form_errors.append(f"{label_of(name)}: {message}")
        found_any = True
    if not found_any:
        form.form_errors.append(sentence(exc.message))


def _field_for(form: FlaskForm, name: str, aliases: dict):
    while name:
        field = form._fields.get(aliases.get(name, name))
        if field is not None and field.name != "csrf_token":
            return field
        name = name.rpartition(".")[0]
    return None


def error_list(form: FlaskForm) -> list[dict]:
    """The GOV.UK error summary's list: each message linked to its field (or to the form)."""
    items = [{"text": message, "href": "#main-content"} for message in form.form_errors]
    for field in form:
        items += [{"text": message, "href": f"#{field.id}"} for message in field.errors if isinstance(message, str)]
    return items


def refusal_list(exc: ServiceError, hrefs: dict | None = None) -> list[dict]:
    """A refusal not tied to a form (Activate): one line per field, named, with its rule id."""
    items = [
        {"text": f"{label_of(name)}: {message}", "href": (hrefs or {}).get(name.split(".")[0], "#main-content")}
        for name, message in flat_errors(exc.errors)
    ]
    return items or [{"text": sentence(exc.message), "href": "#main-content"}]


def form_page(form: FlaskForm, title: str, status: int = 200, **context):
    """Any one form on the standard page: back link, error summary, caption, heading, the fields, the button."""
    return render_template("casework/form.html", form=form, title=title, errors=error_list(form), **context), status


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse_windows(text: str | None) -> list[dict]:
    """Time windows typed one a line, 'mon,wed 10:00-12:00' (optionally followed by channels, 'email,telephone')."""
    windows = []
    for line in _lines(text):
        parts = line.split()
        if len(parts) not in (2, 3) or parts[1].count("-") != 1:
            raise ValueError(f"'{line}' is not like mon,wed 10:00-12:00")
        start, end = parts[1].split("-")
        window = {"days": parts[0].lower().split(","), "start": start, "end": end}
        if len(parts) == 3:
            window["channels"] = parts[2].lower().split(",")
        windows.append(window)
    return windows


def windows_text(windows) -> str:
    return "\n".join(
        f"{','.join(w['days'])} {w['start']}-{w['end']}" + (f" {','.join(w['channels'])}" if w.get("channels") else "")
        for w in windows or []
    )


def _check_windows(form: FlaskForm) -> list[dict] | None:
    """The windows typed on the form, or None with the mistake on the field."""
    try:
        return parse_windows(form.windows.data)
    except ValueError as exc:
        form.windows.errors = [*form.windows.errors, f"Time windows: {exc}"]
        return None


def _officer_choices(ctx, blank: str) -> list[SelectChoice]:
    return [SelectChoice("", blank)] + [
        SelectChoice(o.email, f"{o.name} ({o.email})") for o in reg.active_officers(ctx)
    ]


def _senior_choices(ctx) -> list[SelectChoice]:
    return [SelectChoice("", "Not named yet")] + [
        SelectChoice(o.email, f"{o.name} ({o.email})") for o in reg.active_officers(ctx) if o.role == Role.SENIOR.value
    ]


def _blank_none(value):
    return value.strip() if isinstance(value, str) and value.strip() else None


# -- customers --------------------------------------------------------------------------------------------


@bp.get("/customers")
@login_required(*READERS)
def customers():
    """Search the register by reference, name, e-mail or phone."""
    query = (request.args.get("q") or "").strip()[:SHORT]
    rows = []
    if query:
        with unit_of_work() as ctx:
            found = reg.find_customers(ctx, query)
            record_read(ctx, "customer search page", "customers", [c.id for c in found], [c.id for c in found])
            rows = [{"reference": c.reference, "name": c.name} for c in found]
    return render_template(
        "casework/customers.html",
        title="Customers",
        query=query,
        rows=rows,
        may_add=signed_in_actor().role in CASEWORKERS,
    )


@bp.route("/customers/new", methods=["GET", "POST"])
@login_required(*CASEWORKERS)
def customer_new():
    """Put a customer on the register with the e-mails and phones that recognise them."""
    form = CustomerForm()
    if not form.validate_on_submit():
        return form_page(form, "Add a customer", 400 if form.errors else 200, back=url_for("casework.customers"))
    emails, phones = _lines(form.emails.data), _lines(form.phones.data)
    identities = [{"kind": "email", "value": e} for e in emails] + [{"kind": "phone", "value": p} for p in phones]
    aliases = {f"identities.{i}": "emails" if i < len(emails) else "phones" for i in range(len(identities))}
    try:
        with unit_of_work() as ctx:
            customer = reg.add_customer(
                ctx,
                {
                    "name": form.name.data.strip(),
                    "identities": identities,
                    "reference": _blank_none(form.reference.data),
                },
            )
            reference = customer.reference
    except ServiceError as exc:
        show_refusal(form, exc, aliases)
        return form_page(form, "Add a customer", exc.status, back=url_for("casework.customers"))
    log.info("customer added via web reference_id=%s", reference)
    flash(f"Customer {reference} added.")
    return redirect(url_for("casework.customer", reference=reference))


@bp.get("/customers/<reference>")
@login_required()
def customer(reference: str):
    """The customer's file, as the signed-in officer's role may see it (customer_view decides)."""
    with unit_of_work() as ctx:
        try:
            found = reg.customer_for(ctx, reference)  # an agent: only a customer with an arrangement in force
        except ServiceError:
            abort(404)
        data = customer_view(ctx, found)
        contacts = ev.recent(ctx, customer_id=found.id, limit=CONTACTS_SHOWN) if data["view"] != "agent" else []
        record_read(ctx, "customer page", "customers", [found.id], [found.id])
    role = signed_in_actor().role
    return render_template(
        "casework/customer.html",
        title=f"{data['reference']} {data['name']}",
        c=data,
        contacts=contacts,
        may_act=role in CASEWORKERS,
        may_record=role in INCIDENT_RECORDERS,
        may_decide=role in SENIORS,
        channel_labels=CHANNEL_LABELS,
    )


def customer_by_ref_or_404(ctx, reference: str):
    try:
        return customer_by_ref(ctx, reference)
    except ServiceError:
        abort(404)


# -- incidents and warnings -------------------------------------------------------------------------------


@bp.route("/customers/<reference>/incidents/new", methods=["GET", "POST"])
@login_required(*INCIDENT_RECORDERS)
def incident_new(reference: str):
    """Record an incident: who experienced it, when, how, what happened and what was done."""
    form = IncidentForm()
    with unit_of_work() as ctx:
        customer_by_ref_or_404(ctx, reference)
        form.experienced_by.choices = _officer_choices(ctx, "Choose the officer")[1:]
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
        "immediate_action": _blank_none(form.immediate_action.data),
        "violence_at_work_ref": _blank_none(form.violence_at_work_ref.data),
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
    from ..models import Officer

    with unit_of_work() as ctx:
        officer = ctx.session.get(Officer, signed_in_actor().officer_id)
        return officer.email if officer else None


def _local_time(form: IncidentForm) -> str | None:
    """The date and the council's local time typed (TIMEZONE), as an aware ISO timestamp; None with the
    mistake on the field."""
    try:
        moment = dt.datetime.fromisoformat(f"{form.occurred_on.data.strip()}T{form.occurred_time.data.strip()}")
    except ValueError:
        form.occurred_on.errors = [*form.occurred_on.errors, "Enter the date like 2026-11-20 and the time like 14:30"]
        return None
    return moment.replace(tzinfo=settings_of(current_app).zone).isoformat()


@bp.route("/customers/<reference>/warnings/new", methods=["GET", "POST"])
@login_required(*CASEWORKERS)
def warning_new(reference: str):
    """Issue a formal warning citing recorded incidents; its letter (with the policy) is queued."""
    form = WarningForm()
    with unit_of_work() as ctx:
        found = customer_by_ref_or_404(ctx, reference)
        form.incidents.choices = _incident_choices(ctx, found.id)
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
    flash(f"Warning {warning_id} issued; its letter is waiting to be sent. Follow-up window until {followup}.")
    return redirect(url_for("casework.customer", reference=reference))


def _incident_choices(ctx, customer_id: int) -> list[SelectChoice]:
    rows = ctx.session.scalars(select(Incident).where(Incident.customer_id == customer_id).order_by(Incident.id))
    return [
        SelectChoice(
            i.id,
            f"Incident {i.id}: {i.occurred_at.date().isoformat()}, {i.category.replace('_', ' ')} "
            f"({CHANNEL_LABELS.get(i.channel, i.channel)})",
        )
        for i in rows
    ]


def _warning_choices(ctx, customer_id: int) -> list[SelectChoice]:
    rows = ctx.session.scalars(
        select(FormalWarning)
        .where(FormalWarning.customer_id == customer_id, FormalWarning.state == "issued")
        .order_by(FormalWarning.id)
    )
    return [SelectChoice(str(w.id), f"Warning {w.id}, issued {w.issued_on.isoformat()}") for w in rows]


# -- the restriction wizard -------------------------------------------------------------------------------

STEPS = ["path", "warning", "checks", "contact", "channels", "reasons", "review"]
STEP_TITLES = {
    "path": "Why contact is restricted",
    "warning": "The warning",
    "checks": "Pre-restriction checks",
    "contact": "Sole point of contact",
    "channels": "Ways and times of contact",
    "reasons": "Why it is necessary",
    "review": "Review date",
}
STEP_FORMS: dict[str, type[FlaskForm]] = {
    "path": PathStep,
    "checks": ChecksStep,
    "contact": ContactStep,
    "channels": ChannelsStep,
    "reasons": ReasonsStep,
    "review": ReviewStep,
}
STEP_OF_FIELD = {  # where a refused field is answered, for the "Change" link in the error summary
    "path": "path",
    "incidents": "path",
    "warning": "warning",
    "path_justification": "warning",
    "social_work_known": "checks",
    "social_work_enquiry_to": "checks",
    "social_work_enquired_on": "checks",
    "mental_health_client": "checks",
    "adjustments_needed": "checks",
    "adjustments": "checks",
    "adjustments_notes": "checks",
    "other_services": "checks",
    "checks": "checks",
    "spoc_kind": "contact",
    "spoc_officer": "contact",
    "deputy_officer": "contact",
    "spoc_inbox": "contact",
    "spoc_external_name": "contact",
    "spoc_external_role": "contact",
    "spoc_external_email": "contact",
    "spoc_external_phone": "contact",
    "consent_basis": "contact",
    "allowed_channels": "channels",
    "time_windows": "channels",
    "premises": "channels",
    "why_necessary": "reasons",
    "review_due": "review",
}


def _answers(reference: str) -> dict:
    """This customer's wizard answers so far (a wizard for another customer is forgotten)."""
    wizard = session.get(WIZARD) or {}
    return dict(wizard.get("answers", {})) if wizard.get("customer") == reference else {}


def _save_answers(reference: str, answers: dict) -> None:
    session[WIZARD] = {"customer": reference, "answers": answers}


@bp.get("/customers/<reference>/restrict")
@login_required(*CASEWORKERS)
def wizard_start(reference: str):
    """Start a new restriction for this customer: fresh answers, first question."""
    with unit_of_work() as ctx:
        customer_by_ref_or_404(ctx, reference)
    _save_answers(reference, {})
    return redirect(url_for("casework.wizard_step", reference=reference, step=STEPS[0]))


@bp.route("/customers/<reference>/restrict/<step>", methods=["GET", "POST"])
@login_required(*CASEWORKERS)
def wizard_step(reference: str, step: str):
    """One question page of the wizard; answers go to the session, then on to the next step (or back to the check)."""
    if step not in STEPS:
        abort(404)
    answers = _answers(reference)
    if step != STEPS[0] and "path" not in answers:
        return redirect(url_for("casework.wizard_step", reference=reference, step=STEPS[0]))
    form = _step_form(reference, step, answers)
    changing = request.args.get("change") == "1"
    page = {
        "back": _back_link(reference, step, changing),
        "caption": f"Restrict contact: {reference}",
        "action": request.full_path.rstrip("?"),
    }
    if not form.validate_on_submit() or not _store_step(form, step, answers) or not _fits(form, reference, answers):
        status = 400 if request.method == "POST" else 200
        return form_page(form, STEP_TITLES[step], status, **page)
    _save_answers(reference, answers)
    target = "check" if changing else _next_step(step)
    if target == "check":
        return redirect(url_for("casework.wizard_check", reference=reference))
    return redirect(url_for("casework.wizard_step", reference=reference, step=target))


def _step_form(reference: str, step: str, answers: dict) -> FlaskForm:
    """The form for a step, its choices filled in, and pre-filled with the answers given so far."""
    form_class: type[FlaskForm]
    if step == "warning":
        form_class = WarningStep if answers.get("path") == "after_warning" else SkipWarningStep
    else:
        form_class = STEP_FORMS[step]
    form = form_class() if request.method == "POST" else form_class(data=_prefill(form_class, answers))
    with unit_of_work() as ctx:
        found = customer_by_ref_or_404(ctx, reference)
        if step == "path":
            form.incidents.choices = [SelectChoice(str(c.value), c.label) for c in _incident_choices(ctx, found.id)]
        elif isinstance(form, WarningStep):
            form.warning.choices = _warning_choices(ctx, found.id)
        elif step == "contact":
            form.spoc_officer.choices = _officer_choices(ctx, "Choose the officer")
            form.deputy_officer.choices = _officer_choices(ctx, "The officer's standing deputy")
    return form


def _prefill(form_class, answers: dict) -> dict:
    """The answers already given that this step's form asks for (only on GET: a POST carries its own)."""
    return {name: answers[name] for name in dir(form_class) if name in answers}


def _store_step(form: FlaskForm, step: str, answers: dict) -> bool:
    """Copy the step's answers into `answers`; False (with the mistake on the field) when a line cannot be read."""
    if step == "channels" and _check_windows(form) is None:
        return False
    for field in form:
        if field.name in ("csrf_token", "submit"):
            continue
        value = field.data
        answers[field.name] = value.strip() if isinstance(value, str) else value
    if step == "path":
        answers.pop("warning", None)  # the path decides what the warning step asks
        answers.pop("path_justification", None)
    return True


def _fits(form: FlaskForm, reference: str, answers: dict) -> bool:
    """The answers still fit in the session cookie; if not, ask for shorter ones rather than lose them all."""
    cookie = dict(session, **{WIZARD: {"customer": reference, "answers": answers}})
    serializer = current_app.session_interface.get_signing_serializer(current_app)  # type: ignore[attr-defined]  # Flask's SecureCookieSessionInterface
    if len(serializer.dumps(cookie)) <= COOKIE_LIMIT:
        return True
    form.form_errors.append("Your answers are too long to keep between pages: shorten the longest ones")
    return False


def _next_step(step: str) -> str:
    index = STEPS.index(step)
    return STEPS[index + 1] if index + 1 < len(STEPS) else "check"


def _back_link(reference: str, step: str, changing: bool) -> str:
    if changing:
        return url_for("casework.wizard_check", reference=reference)
    index = STEPS.index(step)
    if index == 0:
        return url_for("casework.customer", reference=reference)
    return url_for("casework.wizard_step", reference=reference, step=STEPS[index - 1])


@bp.route("/customers/<reference>/restrict/check", methods=["GET", "POST"])
@login_required(*CASEWORKERS)
def wizard_check(reference: str):
    """Check your answers, then propose: the service checks everything and a refusal names the step to change."""
    answers = _answers(reference)
    missing = [step for step in STEPS if not _step_answered(step, answers)]
    if missing:
        return redirect(url_for("casework.wizard_step", reference=reference, step=missing[0]))
    form = ProposeForm()
    errors, status = [], 200
    if form.validate_on_submit():
        proposal, checks = proposal_data(reference, answers)
        try:
            with unit_of_work() as ctx:
                restriction_id = rs.propose(ctx, proposal, checks).id
        except ServiceError as exc:
            errors, status = _wizard_refusal(reference, exc), exc.status
        else:
            session.pop(WIZARD, None)
            log.info("restriction proposed via web restriction=%s", restriction_id)
            flash(f"Restriction {restriction_id} proposed. A senior officer must activate it before it is in force.")
            return redirect(url_for("casework.restriction", restriction_id=restriction_id))
    elif request.method == "POST":
        status = 400
    with unit_of_work() as ctx:
        rows = _answer_rows(ctx, reference, answers)
    return render_template(
        "casework/check.html",
        title="Check your answers",
        reference=reference,
        rows=rows,
        form=form,
        errors=errors,
        back=url_for("casework.wizard_step", reference=reference, step=STEPS[-1]),
    ), status


def _step_answered(step: str, answers: dict) -> bool:
    if step == "warning":
        return bool(answers.get("warning") or answers.get("path_justification"))
    first_field = {
        "path": "path",
        "checks": "social_work_known",
        "contact": "spoc_kind",
        "channels": "allowed_channels",
        "reasons": "why_necessary",
        "review": "review_due",
    }[step]
    return first_field in answers


def _wizard_refusal(reference: str, exc: ServiceError) -> list[dict]:
    """The service's refusal, one line per field, each linked to the step where it is answered."""
    hrefs = {
        name: url_for("casework.wizard_step", reference=reference, step=step, change=1)
        for name, step in STEP_OF_FIELD.items()
    }
    return refusal_list(exc, hrefs)


def proposal_data(reference: str, a: dict) -> tuple[dict, dict]:
    """The wizard's answers as the proposal and checks that `restrictions propose` sends (plugin/cli/workflow.py)."""
    data = {
        "customer": reference,
        "path": a["path"],
        "incidents": [int(i) for i in a.get("incidents") or []],
        "warning": int(a["warning"]) if a.get("warning") else None,
        "path_justification": _blank_none(a.get("path_justification")),
        "why_necessary": _blank_none(a.get("why_necessary")),
        "spoc_kind": a["spoc_kind"],
        "allowed_channels": list(a.get("allowed_channels") or []),
        "time_windows": parse_windows(a.get("windows")),
    }
    data.update(_spoc_terms(a))
    excluded = _lines(a.get("excluded_premises"))
    if excluded:
        data["premises"] = {"excluded": excluded}
    if a.get("review_due"):
        data["review_due"] = a["review_due"]
    return data, _checks_data(a)


def _spoc_terms(a: dict) -> dict:
    """Only the details of the kind of sole point of contact chosen."""
    kind = a["spoc_kind"]
    names: tuple[str, ...]
    if kind == SpocKind.OFFICER.value:
        names = ("spoc_officer", "deputy_officer")
    elif kind == SpocKind.SHARED_INBOX.value:
        names = ("spoc_inbox",)
    else:
        names = (
            "spoc_external_name",
            "spoc_external_role",
            "spoc_external_email",
            "spoc_external_phone",
            "consent_basis",
        )
    return {name: a[name] for name in names if _blank_none(a.get(name))}


def _checks_data(a: dict) -> dict:
    checks = {
        "social_work_known": a["social_work_known"],
        "adjustments_needed": a["adjustments_needed"] == "yes",
        "adjustments": list(a.get("adjustments") or []),
        "other_services": a.get("other_services") or "",
        "mental_health_client": bool(a.get("mental_health_client")),
    }
    for name in ("social_work_enquiry_to", "social_work_enquired_on", "adjustments_notes"):
        if _blank_none(a.get(name)):
            checks[name] = a[name]
    return checks


def _answer_rows(ctx, reference: str, a: dict) -> list[dict]:
    """The summary list on "Check your answers": each answer in words, with its Change link."""

    def change(step):
        return url_for("casework.wizard_step", reference=reference, step=step, change=1)

    incidents = {str(c.value): c.label for c in _incident_choices(ctx, customer_by_ref(ctx, reference).id)}
    rows = [
        ("Why contact is restricted", PATH_LABELS.get(a["path"], a["path"]), "path"),
        ("Incidents", "; ".join(incidents.get(str(i), str(i)) for i in a.get("incidents") or []) or "None", "path"),
    ]
    if a.get("warning"):
        rows.append(("Warning", f"Warning {a['warning']}", "warning"))
    else:
        rows.append(("Why no warning is given first", a.get("path_justification") or "-", "warning"))
    rows += [
        (
            "Known to Social Work Services",
            a["social_work_known"].capitalize()
            + (
                f", asked {a['social_work_enquiry_to']} on {a.get('social_work_enquired_on') or '-'}"
                if a.get("social_work_enquiry_to")
                else ""
            ),
            "checks",
        ),
        ("Mental-health client", "Yes" if a.get("mental_health_client") else "No", "checks"),
        (
            "Adjustments",
            ", ".join(x.replace("_", " ") for x in a.get("adjustments") or [])
            or ("Needed" if a.get("adjustments_needed") == "yes" else "None needed"),
            "checks",
        ),
        ("Other services involved", a.get("other_services") or "-", "checks"),
        ("Sole point of contact", _spoc_words(a), "contact"),
        (
            "Ways of contact left open",
            ", ".join(CHANNEL_LABELS.get(c, c) for c in a.get("allowed_channels") or []),
            "channels",
        ),
        ("Times", "; ".join(_lines(a.get("windows"))) or "No time limit", "channels"),
        ("Premises the customer may not attend", "; ".join(_lines(a.get("excluded_premises"))) or "None", "channels"),
        ("Why it is necessary", a.get("why_necessary") or "-", "reasons"),
        ("Review date", a.get("review_due") or "6 months from the start", "review"),
    ]
    return [{"key": key, "value": value, "href": change(step), "step": step} for key, value, step in rows]


def _spoc_words(a: dict) -> str:
    terms = _spoc_terms(a)
    kind = SPOC_LABELS.get(a["spoc_kind"], a["spoc_kind"])
    details = ", ".join(f"{'deputy ' if k == 'deputy_officer' else ''}{v}" for k, v in terms.items())
    return f"{kind}: {details}" if details else kind


# -- a restriction and what can be done to it -------------------------------------------------------------


@bp.get("/restrictions/<int:restriction_id>")
@login_required(*READERS)
def restriction(restriction_id: int):
    """Terms, state, review date, letter, appeal deadline, history; the actions the role allows."""
    return _restriction_page(restriction_id)


def _restriction_page(restriction_id: int, errors: list | None = None, status: int = 200):
    role = signed_in_actor().role
    with unit_of_work() as ctx:
        r = _restriction_or_404(ctx, restriction_id)
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


def _restriction_or_404(ctx, restriction_id: int) -> Restriction:
    found = ctx.session.get(Restriction, restriction_id)
    if found is None:
        abort(404)
    return found


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
        r = _restriction_or_404(ctx, restriction_id)
        form.spoc_officer.choices = _officer_choices(ctx, "Not an officer")
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
    windows = _check_windows(form) if form.validate_on_submit() else None
    if windows is None:
        return form_page(form, "Change the terms", 400 if request.method == "POST" else 200, **page)
    data = {
        "reasons": form.reasons.data,
        "allowed_channels": list(form.allowed_channels.data or []),
        "time_windows": windows,
        "ends_on": _blank_none(form.ends_on.data),
    }
    for name in ("spoc_officer", "review_due"):  # left empty: kept as they are
        if _blank_none(getattr(form, name).data):
            data[name] = getattr(form, name).data.strip()
    return _act(
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
        _restriction_or_404(ctx, restriction_id)
    page = {
        "back": url_for("casework.restriction", restriction_id=restriction_id),
        "caption": f"Restriction {restriction_id}",
        "button": button,
    }
    if not form.validate_on_submit():
        return form_page(form, title, 400 if request.method == "POST" else 200, **page)
    return _act(
        form, title, page, lambda ctx: action(ctx, restriction_id, {"reasons": form.reasons.data}), done, restriction_id
    )


def _act(
    form, title: str, page: dict, call, done: str, restriction_id: int | None, aliases: dict | None = None, then=None
):
    """Call the service in one unit of work; on success flash and go to the restriction (or `then`, a URL), else
    show the refusal."""
    try:
        with unit_of_work() as ctx:
            call(ctx)
    except ServiceError as exc:
        if exc.status == 404:
            abort(404)
        show_refusal(form, exc, aliases)
        return form_page(form, title, exc.status, **page)
    log.info("%s via web restriction=%s", title.lower(), restriction_id)
    flash(done)
    return redirect(then or url_for("casework.restriction", restriction_id=restriction_id))


# -- appeals and reviews ----------------------------------------------------------------------------------


@bp.route("/restrictions/<int:restriction_id>/appeal", methods=["GET", "POST"])
@login_required(*CASEWORKERS)
def appeal_new(restriction_id: int):
    """Record an appeal the customer sent: grounds, statement, when it arrived; the window is the service's."""
    form = AppealForm()
    with unit_of_work() as ctx:
        _restriction_or_404(ctx, restriction_id)
        form.heard_by.choices = _senior_choices(ctx)
    page = {
        "back": url_for("casework.restriction", restriction_id=restriction_id),
        "caption": f"Restriction {restriction_id}",
    }
    if not form.validate_on_submit():
        return form_page(form, "Record an appeal", 400 if request.method == "POST" else 200, **page)
    data = _appeal_data(form, restriction=restriction_id)
    return _act(
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
        form.heard_by.choices = _senior_choices(ctx)
    # R35: a warning is appealed only for factual inaccuracy, so that is the one ground offered (the service
    # refuses any other with the rule's id, for callers of the API).
    form.grounds.choices = _choices([Grounds.FACTUAL_INACCURACY.value])
    page = {"back": back, "caption": f"Warning {warning_id}"}
    if not form.validate_on_submit():
        return form_page(form, "Record an appeal", 400 if request.method == "POST" else 200, **page)
    data = _appeal_data(form, warning=warning_id)
    return _act(
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
        "received_on": _blank_none(form.received_on.data),
        "late_reason": _blank_none(form.late_reason.data),
        "heard_by": _blank_none(form.heard_by.data),
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
        if _blank_none(form.review_due.data):
            terms["review_due"] = form.review_due.data.strip()
    data = {"outcome": form.outcome.data, "reasons": form.reasons.data, "terms": terms or None}
    return _act(
        form,
        "Decide the appeal",
        page,
        lambda ctx: ap.decide(ctx, appeal_id, data),
        f"Appeal {appeal_id} decided: {form.outcome.data}. The outcome letter is waiting to be sent.",
        restriction_id,
        {"terms": "allowed_channels", "terms.review_due": "review_due"},
        then=None if restriction_id else customer_page,
    )


@bp.route("/restrictions/<int:restriction_id>/review", methods=["GET", "POST"])
@login_required(*SENIORS)
def review_hold(restriction_id: int):
    """A senior officer holds the review: continue, continue with new terms, or lift."""
    form = ReviewForm()
    with unit_of_work() as ctx:
        _restriction_or_404(ctx, restriction_id)
    page = {
        "back": url_for("casework.restriction", restriction_id=restriction_id),
        "caption": f"Restriction {restriction_id}",
    }
    windows = _check_windows(form) if form.validate_on_submit() else None
    if windows is None:
        return form_page(form, "Hold the review", 400 if request.method == "POST" else 200, **page)
    terms = {}
    if form.outcome.data == "amend":
        if form.allowed_channels.data:
            terms["allowed_channels"] = list(form.allowed_channels.data)
        if windows:
            terms["time_windows"] = windows
    data = {
        "outcome": form.outcome.data,
        "reasons": form.reasons.data,
        "terms": terms or None,
        "next_review_due": _blank_none(form.next_review_due.data),
    }
    return _act(
        form,
        "Hold the review",
        page,
        lambda ctx: rv.hold(ctx, restriction_id, data),
        f"Review of restriction {restriction_id} recorded: {form.outcome.data}.",
        restriction_id,
        {"terms": "allowed_channels", "terms.allowed_channels": "allowed_channels", "terms.time_windows": "windows"},
    )


# -- navigation -------------------------------------------------------------------------------------------


@bp.app_context_processor
def _navigation() -> dict:
    """Customers in the service navigation for those who may search the register (layout.html adds it)."""
    actor = current_actor() if not has_bearer() else None
    items = []
    if actor is not None and actor.role in READERS:
        items.append(
            {
                "text": "Customers",
                "href": url_for("casework.customers"),
                "active": (request.endpoint or "").startswith("casework."),
            }
        )
    return {"casework_navigation": items}
