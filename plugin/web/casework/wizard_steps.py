"""The restriction wizard's questions: the steps in order, the form each step asks, and the step where each
answer the service may refuse is given."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovCheckboxInput, GovRadioInput, GovSelect
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField
from wtforms.validators import InputRequired, Optional

from ...policy.vocabulary import Adjustment, Channel, SpocKind, Tristate, values
from .fields import (
    CHANNEL_LABELS,
    LONG,
    MEDIUM,
    SHORT,
    area_field,
    checkboxes_field,
    choices_for,
    date_field,
    submit_button,
    text_field,
    windows_field,
)

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


class PathStep(FlaskForm):
    path = RadioField(
        "Why is contact being restricted?",
        widget=GovRadioInput(),
        choices=choices_for(["after_warning", "without_warning", "serious_threat"], PATH_LABELS),
        validators=[InputRequired(message="Select why contact is being restricted")],
    )
    incidents = SelectMultipleField(
        "Which incidents does it rest on?", widget=GovCheckboxesInput(), validators=[Optional()]
    )
    submit = submit_button("Continue")


class WarningStep(FlaskForm):
    warning = RadioField(
        "Which warning did the customer receive?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the warning")],
    )
    submit = submit_button("Continue")


class SkipWarningStep(FlaskForm):
    path_justification = area_field(
        "Why is no warning given first?", limit=LONG, required="Record why no warning is given first"
    )
    submit = submit_button("Continue")


class ChecksStep(FlaskForm):
    social_work_known = RadioField(
        "Is the customer known to Social Work Services?",
        widget=GovRadioInput(),
        choices=choices_for(values(Tristate), {"yes": "Yes", "no": "No", "unknown": "We asked and could not tell"}),
        validators=[InputRequired(message="Select whether Social Work Services know the customer")],
    )
    social_work_enquiry_to = text_field(
        "Who at Social Work Services was asked", description="Needed if you could not tell"
    )
    social_work_enquired_on = date_field("When they were asked", named="The date they were asked")
    mental_health_client = BooleanField(
        "A mental-health client of Social Work Services", widget=GovCheckboxInput(), validators=[Optional()]
    )
    adjustments_needed = RadioField(
        "Are reasonable adjustments needed?",
        widget=GovRadioInput(),
        choices=choices_for(["yes", "no"]),
        validators=[InputRequired(message="Select whether adjustments are needed")],
    )
    adjustments = checkboxes_field("Which adjustments?", values(Adjustment))
    adjustments_notes = area_field("About the adjustments", limit=SHORT)
    other_services = text_field(
        "Other services involved",
        required="Enter the other services involved, or none",
        description="Write none if there are none",
    )
    submit = submit_button("Continue")


class ContactStep(FlaskForm):
    spoc_kind = RadioField(
        "Who is the customer's sole point of contact?",
        widget=GovRadioInput(),
        choices=choices_for(values(SpocKind), SPOC_LABELS),
        validators=[InputRequired(message="Select who the sole point of contact is")],
    )
    spoc_officer = SelectField("The officer", widget=GovSelect(), validators=[Optional()])
    deputy_officer = SelectField(
        "Their deputy",
        widget=GovSelect(),
        validators=[Optional()],
        description="Leave as it is for the officer's standing deputy",
    )
    spoc_inbox = text_field("Team inbox address", limit=320)
    spoc_external_name = text_field("Name of the worker or representative")
    spoc_external_role = text_field("Their role", limit=64)
    spoc_external_email = text_field("Their e-mail address", limit=320)
    spoc_external_phone = text_field("Their phone number", limit=40)
    consent_basis = text_field("The customer's consent or other lawful basis")
    submit = submit_button("Continue")


class ChannelsStep(FlaskForm):
    allowed_channels = checkboxes_field(
        "Which ways of contact stay open?",
        values(Channel),
        CHANNEL_LABELS,
        required="Select at least one way of contact that stays open",
    )
    windows = windows_field()
    excluded_premises = area_field("Premises the customer may not attend", limit=MEDIUM, description="One on each line")
    submit = submit_button("Continue")


class ReasonsStep(FlaskForm):
    why_necessary = area_field(
        "Why is the restriction necessary?", limit=LONG, required="Say why the restriction is necessary"
    )
    submit = submit_button("Continue")


class ReviewStep(FlaskForm):
    review_due = date_field(
        "When will the restriction be reviewed?",
        description="Leave empty for 6 months from the start.",
        named="The review date",
    )
    submit = submit_button("Continue")


class ProposeForm(FlaskForm):
    submit = submit_button("Propose restriction")


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
