"""What the API answers, as schemas: they document the replies and let nothing undeclared out.

Requests use the input schemas people already type through the CLI (plugin/schemas.py); these are the
replies, built from the same plain dictionaries the CLI prints with `--json`.
"""

from __future__ import annotations

import datetime as dt

from marshmallow import Schema, fields


class When(fields.Field):
    """A date or time as ISO 8601 text (the services give date objects or text already formatted)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        return value


def text(**kw):
    return fields.String(allow_none=True, **kw)


def number(**kw):
    return fields.Integer(allow_none=True, **kw)


def when(**kw):
    return When(allow_none=True, **kw)


def objects(**kw):
    return fields.List(fields.Dict(), **kw)


# -- people -------------------------------------------------------------------------------


class HelpdeskIdOut(Schema):
    connection = text()
    agent_id = text()


class OfficerOut(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    role = fields.String()
    active = fields.Boolean()
    service = text()
    deputy = text()
    helpdesk_ids = fields.List(fields.Nested(HelpdeskIdOut))


class AbsenceOut(Schema):
    id = fields.Integer()
    officer = fields.String()
    starts_on = when()
    ends_on = when()
    note = text()


class RemovedOut(Schema):
    id = fields.Integer()
    removed = fields.Boolean()


class IdentityOut(Schema):
    kind = fields.String()
    value = fields.String()
    connection = text()


class PostalAddressOut(Schema):
    line_1 = fields.String()
    line_2 = text()
    town = fields.String()
    county = text()
    postcode = fields.String()


class CustomerOut(Schema):
    id = fields.Integer()
    reference = fields.String()
    name = fields.String()
    identities = fields.List(fields.Nested(IdentityOut))
    address = fields.Nested(
        PostalAddressOut,
        allow_none=True,
        metadata={"description": "Where letters are posted; shown to officers, senior officers and admins only"},
    )


class CustomerViewOut(CustomerOut):
    """The file as the caller's role may see it (plugin/services/customer_view.py)."""

    view = fields.String(metadata={"description": "agent, officer or full: how much the role may see"})
    restrictions = objects()
    incidents = objects()
    warnings = objects()
    all_restrictions = objects()
    checks = objects()
    appeals = objects()
    reviews = objects()
    letters = objects()


# -- the workflow ---------------------------------------------------------------------------


class IncidentOut(Schema):
    id = fields.Integer()
    customer_id = fields.Integer()
    experienced_by = fields.String()
    occurred_at = when()
    channel = fields.String()
    category = fields.String()
    description = text()
    violence_at_work_ref = text()
    immediate_action = text()


class WarningOut(Schema):
    id = fields.Integer()
    customer_id = fields.Integer()
    issued_on = when()
    state = fields.String()
    issued_by = text()
    followup_until = when()
    incidents = fields.List(fields.Integer())


class LetterOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    customer_id = fields.Integer()
    customer = text()
    restriction = number()
    warning = number()
    appeal = number()
    state = fields.String()
    method = text()
    sent_on = when()
    deemed_receipt = when()
    decided_on = when()
    appeal_deadline = when()
    appeal_working_days = number()


class AppealOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    customer = text()
    restriction = number()
    warning = number()
    received_on = when()
    grounds = fields.String()
    state = fields.String()
    outcome = text()
    heard_by_id = number()
    decision_due = when()
    decided_on = when()
    late = fields.Boolean()
    late_reason = text()
    window_closes_on = when()


class ContactOut(Schema):
    kind = text()
    officer = text()
    deputy = text()
    inbox = text()
    external = text()


class RestrictionOut(Schema):
    id = fields.Integer()
    restriction = fields.Integer()
    customer = fields.String()
    state = fields.String()
    path = fields.String()
    sole_point_of_contact = fields.Nested(ContactOut)
    allowed_channels = fields.List(fields.String())
    time_windows = objects()
    premises = fields.Dict()
    subjects = fields.Dict()
    scope = fields.String()
    starts_on = when()
    review_due = when()
    ends_on = when()
    confirm_by = when()
    activated_at = when()
    ended_at = when()
    letter = fields.Nested(LetterOut, allow_none=True)
    deemed_receipt = when()
    appeal_deadline = when()
    appeal_window_open = fields.Boolean()
    appeals = fields.List(fields.Nested(AppealOut))


class ChecksOut(Schema):
    restriction = fields.Integer()
    social_work_known = text()
    social_work_enquiry_to = text()
    social_work_enquired_on = when()
    mental_health_client = fields.Boolean(allow_none=True)
    adjustments_needed = fields.Boolean(allow_none=True)
    adjustments = fields.List(fields.String())
    other_services = text()


class ReviewOut(Schema):
    id = fields.Integer()
    restriction = fields.Integer()
    held_on = when()
    outcome = fields.String()
    next_review_due = when()


# -- administration ---------------------------------------------------------------------------


WEBHOOK_URL = (
    "the URL to paste into the helpdesk (its token is the credential; `id` is not); null when it was set before "
    "contactguard stopped storing webhook URLs: it keeps working, and rotate-url makes one that is shown"
)


class ConnectionOut(Schema):
    id = fields.String()
    adapter = fields.String()
    name = fields.String()
    active = fields.Boolean()
    settings = fields.Dict()
    secrets = fields.Dict(metadata={"description": "secret names; every value masked"})
    webhook_url = fields.String(allow_none=True, metadata={"description": WEBHOOK_URL})


class ConnectionStateOut(Schema):
    id = fields.String()
    active = fields.Boolean()
    webhook_url = fields.String(allow_none=True, metadata={"description": WEBHOOK_URL})


class EventOut(Schema):
    id = fields.Integer()
    received_at = when()
    connection = fields.String()
    ticket = text()
    event_type = text()
    outcome = text()
    reason = text()
    screen_hits = fields.Raw(allow_none=True)
    customer = text()


class ActionOut(Schema):
    id = fields.Integer()
    connection = fields.String()
    kind = fields.String()
    ticket = text()
    attempts = fields.Integer()
    next_attempt_at = when()
    created_at = when()
    last_error = text()


class RequeuedOut(Schema):
    requeued = fields.Integer()


class AuditEntryOut(Schema):
    id = fields.Integer()
    at = when()
    actor = fields.String()
    actor_officer_id = number()
    action = fields.String()
    entity_type = fields.String()
    entity_id = number()
    customer_id = number()
    details = fields.Dict()


class ProblemOut(Schema):
    entry_id = number()
    kind = fields.String()
    message = fields.String()


class VerificationOut(Schema):
    ok = fields.Boolean()
    entries = fields.Integer()
    head = fields.String(metadata={"description": "COUNT:HASH, to record away from this server"})
    first_bad_entry = number()
    problems = fields.List(fields.Nested(ProblemOut))


class DueOut(Schema):
    """The dashboard (plugin/services/dashboard.py): agents get only the arrangements in force."""

    view = fields.String()
    today = when()
    in_force = objects()
    reviews = objects()
    interims = objects()
    appeals = objects()
    letters = objects()
    contacts = objects()
    dead_actions = fields.Dict()


class ErrorEnvelope(Schema):
    """Every error: a stable code, the HTTP status, a message for people, errors keyed by field."""

    code = fields.String(metadata={"example": "invalid_input"})
    status = fields.Integer(metadata={"example": 422})
    message = fields.String()
    errors = fields.Dict()
