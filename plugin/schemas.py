"""Input schemas: what officers and admins may type, validated before any rule runs.

`unknown=RAISE`: a misspelt field is an error, not silently ignored. Officers are named by
e-mail, customers by reference, services by slug.
"""

from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from .identity import KINDS
from .policy.appeals import Grounds, Outcome
from .policy.calendar import DELIVERY_METHODS
from .policy.vocabulary import (
    Adjustment,
    Channel,
    IncidentCategory,
    Path,
    Role,
    SpocKind,
    Tristate,
    values,
)
from .postal_address import LINE_LIMIT, POSTCODE_LIMIT, PostcodeError, normalise_postcode

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
REVIEW_OUTCOMES = ["continue", "amend", "lift"]


class StrictSchema(Schema):
    """Base for everything a person types: unknown fields are refused."""

    class Meta:
        unknown = RAISE


def one_of(enum_cls):
    return validate.OneOf(values(enum_cls))


class ServiceInput(StrictSchema):
    slug = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,63}$"))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    parent = fields.String(load_default=None, allow_none=True)
    is_organisation = fields.Boolean(load_default=False)


class HelpdeskIdInput(StrictSchema):
    connection = fields.String(load_default="")
    agent_id = fields.String(required=True, validate=validate.Length(1, 128))


class OfficerInput(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    email = fields.Email(required=True)
    role = fields.String(required=True, validate=one_of(Role))
    service = fields.String(load_default=None, allow_none=True)
    deputy = fields.Email(load_default=None, allow_none=True)
    active = fields.Boolean(load_default=True)
    helpdesk_ids = fields.List(fields.Nested(HelpdeskIdInput), load_default=list)


class OfficerUpdate(StrictSchema):
    name = fields.String(validate=validate.Length(1, 200))
    role = fields.String(validate=one_of(Role))
    service = fields.String(allow_none=True)
    deputy = fields.Email(allow_none=True)
    active = fields.Boolean()
    helpdesk_ids = fields.List(fields.Nested(HelpdeskIdInput))


class IdentityInput(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    value = fields.String(required=True, validate=validate.Length(1, 320))
    connection = fields.String(load_default="")


class Postcode(fields.String):
    """A UK postcode, stored as Royal Mail writes it: "eh11yz" is loaded as "EH1 1YZ" (plugin/postal_address.py)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > POSTCODE_LIMIT:
            raise ValidationError(f"a postcode has at most 8 characters, like EH1 1YZ; this has {len(text)}")
        try:
            return normalise_postcode(text)
        except PostcodeError as exc:
            raise ValidationError(str(exc)) from None


def _address_line(required: bool = False):
    if required:
        return fields.String(required=True, validate=validate.Length(1, LINE_LIMIT))
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=LINE_LIMIT))


class PostalAddressInput(StrictSchema):
    """A UK postal address for letters: line 1, the post town and the postcode are needed; line 2 and county not."""

    line_1 = _address_line(required=True)
    line_2 = _address_line()
    town = _address_line(required=True)
    county = _address_line()
    postcode = Postcode(required=True, metadata={"description": "UK postcode; kept upper case with one space"})

    @post_load
    def _trimmed(self, data, **_):
        trimmed = {key: (value.strip() or None) if isinstance(value, str) else value for key, value in data.items()}
        for key in ("line_1", "town"):
            if trimmed[key] is None:
                raise ValidationError("enter this part of the address", key)
        return trimmed


class CustomerInput(StrictSchema):
    reference = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 64))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    identities = fields.List(fields.Nested(IdentityInput), load_default=list)
    address = fields.Nested(
        PostalAddressInput,
        load_default=None,
        allow_none=True,
        metadata={"description": "Where letters are posted; without one, no letter may be recorded as posted"},
    )


class IncidentInput(StrictSchema):
    customer = fields.String(required=True)
    experienced_by = fields.Email(required=True)
    occurred_at = fields.AwareDateTime(required=True, default_timezone=None)
    channel = fields.String(required=True, validate=one_of(Channel))
    category = fields.String(required=True, validate=one_of(IncidentCategory))
    description = fields.String(required=True, validate=validate.Length(10, 20000))
    violence_at_work_ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 64))
    immediate_action = fields.String(load_default=None, allow_none=True)
    service = fields.String(load_default=None, allow_none=True)


class WarningInput(StrictSchema):
    customer = fields.String(required=True)
    incidents = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1))
    issued_on = fields.Date(load_default=None)
    behaviour = fields.String(required=True, validate=validate.Length(10, 20000))
    why_unacceptable = fields.String(required=True, validate=validate.Length(10, 20000))
    change_requested = fields.String(required=True, validate=validate.Length(10, 20000))
    consequences = fields.String(required=True, validate=validate.Length(10, 20000))
    policy_enclosed = fields.Boolean(load_default=True)


class TimeWindowInput(StrictSchema):
    days = fields.List(fields.String(validate=validate.OneOf(DAYS)), required=True, validate=validate.Length(min=1))
    start = fields.String(required=True, validate=validate.Regexp(HHMM, error="use HH:MM"))
    end = fields.String(required=True, validate=validate.Regexp(HHMM, error="use HH:MM"))
    channels = fields.List(fields.String(validate=one_of(Channel)), load_default=list)

    @validates_schema
    def _end_after_start(self, data, **_):
        if data["end"] <= data["start"]:
            raise ValidationError("end must be after start", "end")


class PremisesInput(StrictSchema):
    excluded = fields.List(fields.String(validate=validate.Length(1, 200)), load_default=list)
    appointment_only = fields.Boolean(load_default=False)


class SubjectsInput(StrictSchema):
    allowed = fields.List(fields.String(validate=validate.Length(1, 200)), load_default=list)
    excluded = fields.List(fields.String(validate=validate.Length(1, 200)), load_default=list)


class TermsInput(StrictSchema):
    """The arrangement: who, how, when, where, what, scope, dates. Partial for amendments."""

    spoc_kind = fields.String(validate=one_of(SpocKind), allow_none=True)
    spoc_officer = fields.Email(allow_none=True)
    deputy_officer = fields.Email(allow_none=True)
    spoc_inbox = fields.Email(allow_none=True)
    spoc_external_name = fields.String(allow_none=True, validate=validate.Length(1, 200))
    spoc_external_role = fields.String(allow_none=True, validate=validate.Length(1, 64))
    spoc_external_email = fields.Email(allow_none=True)
    spoc_external_phone = fields.String(allow_none=True)
    consent_basis = fields.String(allow_none=True)
    allowed_channels = fields.List(fields.String(validate=one_of(Channel)))
    time_windows = fields.List(fields.Nested(TimeWindowInput))
    premises = fields.Nested(PremisesInput)
    subjects = fields.Nested(SubjectsInput)
    scope = fields.String(allow_none=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    review_due = fields.Date(allow_none=True)


class ProposalInput(TermsInput):
    customer = fields.String(required=True)
    path = fields.String(
        required=True,
        validate=validate.OneOf([Path.AFTER_WARNING.value, Path.WITHOUT_WARNING.value, Path.SERIOUS_THREAT.value]),
    )
    path_justification = fields.String(load_default=None, allow_none=True)
    why_necessary = fields.String(load_default=None, allow_none=True)
    warning = fields.Integer(load_default=None, allow_none=True)
    incidents = fields.List(fields.Integer(), load_default=list)


class InterimInput(TermsInput):
    incident = fields.Integer(required=True)
    note = fields.String(required=True, validate=validate.Length(5, 5000))


class ConfirmInterimInput(TermsInput):
    path = fields.String(
        required=True,
        validate=validate.OneOf([Path.AFTER_WARNING.value, Path.WITHOUT_WARNING.value, Path.SERIOUS_THREAT.value]),
    )
    path_justification = fields.String(load_default=None, allow_none=True)
    why_necessary = fields.String(load_default=None, allow_none=True)
    warning = fields.Integer(load_default=None, allow_none=True)


class ChecksInput(StrictSchema):
    social_work_known = fields.String(required=True, validate=one_of(Tristate))
    social_work_checked_on = fields.Date(load_default=None)
    mental_health_client = fields.Boolean(load_default=False)
    adjustments_needed = fields.Boolean(required=True)
    adjustments = fields.List(fields.String(validate=one_of(Adjustment)), load_default=list)
    adjustments_notes = fields.String(load_default=None, allow_none=True)
    other_services = fields.String(required=True, validate=validate.Length(1, 2000))


class AmendInput(TermsInput):
    reasons = fields.String(required=True, validate=validate.Length(10, 5000))


class EndInput(StrictSchema):
    reasons = fields.String(required=True, validate=validate.Length(10, 5000))


class AppealInput(StrictSchema):
    restriction = fields.Integer(load_default=None, allow_none=True)
    warning = fields.Integer(load_default=None, allow_none=True)
    received_on = fields.Date(load_default=None)
    grounds = fields.String(required=True, validate=validate.OneOf(values(Grounds)))
    statement = fields.String(required=True, validate=validate.Length(1, 20000))
    late_reason = fields.String(load_default=None, allow_none=True)
    heard_by = fields.Email(load_default=None, allow_none=True)

    @validates_schema
    def _exactly_one_subject(self, data, **_):
        if (data.get("restriction") is None) == (data.get("warning") is None):
            raise ValidationError("name exactly one of restriction or warning", "restriction")


class AppealDecisionInput(StrictSchema):
    outcome = fields.String(required=True, validate=validate.OneOf(values(Outcome)))
    reasons = fields.String(required=True, validate=validate.Length(10, 5000))
    decided_on = fields.Date(load_default=None)
    terms = fields.Nested(TermsInput, load_default=None, allow_none=True)


class ReviewInput(StrictSchema):
    outcome = fields.String(required=True, validate=validate.OneOf(REVIEW_OUTCOMES))
    reasons = fields.String(required=True, validate=validate.Length(10, 5000))
    held_on = fields.Date(load_default=None)
    next_review_due = fields.Date(load_default=None, allow_none=True)
    terms = fields.Nested(TermsInput, load_default=None, allow_none=True)


class LetterSentInput(StrictSchema):
    method = fields.String(required=True, validate=validate.OneOf(DELIVERY_METHODS))
    sent_on = fields.Date(load_default=None)
