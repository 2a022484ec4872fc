"""Request Tracker connection settings and secrets, and the body contactguard's scrip posts (scrip/webhook.pl)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from plugin.policy.vocabulary import Channel, values

from ..settings import HelpdeskSecrets, HelpdeskSettings, optional, previous_secret, rate_limit, secret

# Where a ticket or a reply came from, read off the transaction (events.source): RT marks each message with the
# interface it came through (X-RT-Interface), and the scrip says whether its author is privileged (staff).
SOURCES = ("email", "self_service", "staff")
# email: RT's mail gateway; self_service: a customer (unprivileged user) on RT's web pages; staff: a privileged
# user on the web pages, REST or the command line, recording a contact that came some other way (not judged).
DEFAULT_CHANNEL_MAP = {"email": "email", "self_service": "web_form", "staff": None}
# RT 5's default lifecycle: the statuses in which a ticket is no longer worked on.
DEFAULT_INACTIVE_STATUSES = ("resolved", "rejected", "deleted")


def _check_channel_map(value: dict) -> None:
    """Keys are sources, values the product's channels (or null: not judged on channel)."""
    wrong = sorted(k for k in value if k not in SOURCES)
    if wrong:
        raise ValidationError(f"unknown source {', '.join(wrong)}; use {', '.join(SOURCES)}")
    bad = sorted(str(v) for v in value.values() if v is not None and v not in values(Channel))
    if bad:
        raise ValidationError(f"unknown channel {', '.join(bad)}; use {', '.join(values(Channel))} or null")


class Settings(HelpdeskSettings):
    """What an admin sets for a Request Tracker connection."""

    base_url = fields.Url(
        required=True,
        require_tld=False,
        metadata={"description": "RT's web address (WebBaseURL and WebPath), e.g. https://rt.council.example/"},
    )
    rt_user = fields.String(
        load_default="contactguard",
        validate=validate.Length(min=1, max=200),
        metadata={"description": "RT user name the API token belongs to; events by this user are contactguard's own"},
    )
    # RT's REST2 takes a queue by name or by id.
    info_rights_queue = optional(fields.String, "Queue (name or id) of the information-rights team")
    review_queue = optional(fields.String, "Queue (name or id) where review reminders become tickets")
    restriction_field = fields.String(
        load_default="Contact restriction",
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Single-value ticket custom field showing the arrangement"},
    )
    tags_field = fields.String(
        load_default="contactguard tags",
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Multiple-value ticket custom field holding contactguard's tags"},
    )
    escalation_priority = fields.Integer(
        load_default=100,
        validate=validate.Range(min=0, max=255),
        metadata={"description": "Priority a safeguarding concern raises a ticket to (RT 5: 100 shows as High)"},
    )
    inactive_statuses = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        load_default=lambda: list(DEFAULT_INACTIVE_STATUSES),
        validate=validate.Length(min=1),
        metadata={"description": "Statuses of a ticket no longer worked on (default: resolved, rejected, deleted)"},
    )
    channel_map = fields.Dict(
        keys=fields.String(),
        values=fields.String(allow_none=True),
        load_default=dict,
        validate=_check_channel_map,
        metadata={
            "description": "Channel per source (email, self_service, staff) over the "
            "defaults email, web_form and null (not judged)"
        },
    )
    rate_limit_per_minute = rate_limit(600, 10000)


class Secrets(HelpdeskSecrets):
    """An RT auth token for contactguard's RT user, and the secret the scrip sends."""

    api_token = secret()
    shared_secret = secret(validate=validate.Length(min=16))
    shared_secret_previous = previous_secret()


class Ticket(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    subject = fields.String(allow_none=True, load_default="")
    status = fields.String(allow_none=True, load_default=None)
    queue = fields.String(allow_none=True, load_default=None)
    owner = fields.String(allow_none=True, load_default=None)
    requestors = fields.List(fields.String(), load_default=list)


class Transaction(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    type = fields.String(required=True)
    created = fields.String(allow_none=True, load_default=None)
    interface = fields.String(allow_none=True, load_default=None)
    content = fields.String(allow_none=True, load_default="")


class Actor(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(allow_none=True, load_default=None)
    email = fields.String(allow_none=True, load_default=None)
    privileged = fields.Boolean(load_default=False)


class Body(Schema):
    """Version 1 of the scrip's body."""

    class Meta:
        unknown = EXCLUDE

    version = fields.Integer(required=True, validate=validate.Equal(1))
    event = fields.String(required=True)
    ticket = fields.Nested(Ticket, required=True)
    transaction = fields.Nested(Transaction, required=True)
    actor = fields.Nested(Actor, required=True)
