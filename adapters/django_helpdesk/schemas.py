"""django-helpdesk connection settings and secrets, and the webhook body's shape."""
from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from ..settings import HelpdeskSettings


class Settings(HelpdeskSettings):
    """What an admin sets for a django-helpdesk connection."""

    base_url = fields.Url(required=True, require_tld=False,
                          metadata={"description": "API root, e.g. https://helpdesk.example/helpdesk/api/"})
    restriction_field = fields.String(load_default="contact_restriction",
                                      metadata={"description": "Staff-only custom field showing the arrangement"})
    tags_field = fields.String(load_default="contactguard_tags",
                               metadata={"description": "Staff-only custom field holding contactguard's tags"})
    review_queue = fields.Integer(load_default=None, allow_none=True,
                                  metadata={"description": "Queue id where review reminders become tickets"})
    task_submitter = fields.Email(load_default=None, allow_none=True,
                                  metadata={"description": "Submitter e-mail on review-task tickets"})


class Secrets(Schema):
    """Credentials: an API user with staff rights, and an optional shared-secret header."""

    class Meta:
        unknown = RAISE

    username = fields.String(required=True, metadata={"secret": True})
    password = fields.String(required=True, metadata={"secret": True})
    shared_secret = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=16),
                                  metadata={"secret": True})
    shared_secret_previous = fields.String(load_default=None, allow_none=True, metadata={"secret": True})


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
