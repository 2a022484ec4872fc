"""django-helpdesk connection settings and secrets, and the webhook body's shape."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from plugin.policy.vocabulary import Channel, values

from ..settings import HelpdeskSecrets, HelpdeskSettings, optional, previous_secret, secret

# How django-helpdesk 2.6.1 records where a ticket or follow-up came from (see channel_source in adapter.py).
SOURCES = ("email", "public_form", "staff")
# email: an imported e-mail (message id); public_form: the public submit form; staff: the staff form or the API,
# a staff member recording a contact that came some other way, which contactguard cannot tell (None: not judged).
DEFAULT_CHANNEL_MAP = {"email": "email", "public_form": "web_form", "staff": None}


def _check_channel_map(value: dict) -> None:
    """Keys are django-helpdesk sources, values the product's channels (or null: not judged on channel)."""
    wrong = sorted(k for k in value if k not in SOURCES)
    if wrong:
        raise ValidationError(f"unknown source {', '.join(wrong)}; use {', '.join(SOURCES)}")
    bad = sorted(str(v) for v in value.values() if v is not None and v not in values(Channel))
    if bad:
        raise ValidationError(f"unknown channel {', '.join(bad)}; use {', '.join(values(Channel))} or null")


class Settings(HelpdeskSettings):
    """What an admin sets for a django-helpdesk connection."""

    base_url = fields.Url(
        required=True,
        require_tld=False,
        metadata={"description": "API root, e.g. https://helpdesk.example/helpdesk/api/"},
    )
    restriction_field = fields.String(
        load_default="contact_restriction", metadata={"description": "Staff-only custom field showing the arrangement"}
    )
    tags_field = fields.String(
        load_default="contactguard_tags",
        metadata={"description": "Staff-only custom field holding contactguard's tags"},
    )
    review_queue = optional(fields.Integer, "Queue id where review reminders become tickets")
    escalation_priority = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=5),
        metadata={"description": "Priority a safeguarding concern raises a ticket to (1 critical, 5 very low)"},
    )
    task_priority = fields.Integer(
        load_default=3,
        validate=validate.Range(min=1),
        metadata={"description": "Priority of review-task tickets (1 critical, 5 very low)"},
    )
    channel_map = fields.Dict(
        keys=fields.String(),
        values=fields.String(allow_none=True),
        load_default=dict,
        validate=_check_channel_map,
        metadata={
            "description": "Channel per source (email, public_form, staff) over the "
            "defaults email, web_form and null (not judged)"
        },
    )
    cleared_value = fields.String(
        load_default="-",
        validate=validate.Length(min=1, max=255),
        metadata={
            "description": "Written when contactguard clears a custom field (django-helpdesk refuses an empty value)"
        },
    )


class Secrets(HelpdeskSecrets):
    """Credentials: an API user with staff rights, and an optional shared-secret header."""

    username = secret()
    password = secret()
    shared_secret = secret(required=False, validate=validate.Length(min=16))
    shared_secret_previous = previous_secret()


class FollowUp(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(required=True)
    user = fields.Raw(allow_none=True, load_default=None)
    title = fields.String(allow_none=True, load_default="")
    comment = fields.String(allow_none=True, load_default="")
    public = fields.Boolean(load_default=True)
    date = fields.String(allow_none=True, load_default=None)
    message_id = fields.String(allow_none=True, load_default=None)


class Ticket(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(required=True)
    queue = fields.Raw(allow_none=True, load_default=None)
    title = fields.String(allow_none=True, load_default="")
    description = fields.String(allow_none=True, load_default="")
    submitter_email = fields.String(allow_none=True, load_default=None)
    assigned_to = fields.Raw(allow_none=True, load_default=None)
    followup_set = fields.List(fields.Nested(FollowUp), load_default=list)


class Body(Schema):
    class Meta:
        unknown = EXCLUDE

    ticket = fields.Nested(Ticket, required=True)
    queue_slug = fields.String(allow_none=True, load_default=None)
    followup_id = fields.Integer(allow_none=True, load_default=None)
