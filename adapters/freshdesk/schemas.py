"""Freshdesk connection settings and secrets."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from ..settings import HelpdeskSettings


class Settings(HelpdeskSettings):
    domain = fields.String(
        required=True,
        validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]*$"),
        metadata={"description": "The account: <domain>.freshdesk.com (v2 API needs this host)"},
    )
    restriction_field = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "Custom ticket field (cf_...) showing the arrangement"},
    )
    review_queue = fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "Group id where review reminders become tasks"}
    )
    task_requester_email = fields.Email(
        load_default=None, allow_none=True, metadata={"description": "Requester on review-task tickets"}
    )
    rate_limit_per_minute = fields.Integer(load_default=200, validate=validate.Range(10, 1000))


class Secrets(Schema):
    class Meta:
        unknown = RAISE

    api_key = fields.String(required=True, metadata={"secret": True})
    webhook_username = fields.String(load_default=None, allow_none=True, metadata={"secret": True})
    webhook_password = fields.String(load_default=None, allow_none=True, metadata={"secret": True})
    webhook_password_previous = fields.String(load_default=None, allow_none=True, metadata={"secret": True})
