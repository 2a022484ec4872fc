"""Zammad connection settings and secrets."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from ..settings import HelpdeskSettings


class Settings(HelpdeskSettings):
    base_url = fields.Url(
        required=True, require_tld=False, metadata={"description": "e.g. https://zammad.council.example/"}
    )
    restriction_field = fields.String(
        load_default=None, allow_none=True, metadata={"description": "Ticket object attribute showing the arrangement"}
    )
    review_queue = fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "Group id where review reminders become tasks"}
    )
    task_customer_email = fields.Email(
        load_default=None, allow_none=True, metadata={"description": "Customer on review-task tickets"}
    )
    rate_limit_per_minute = fields.Integer(load_default=600, validate=validate.Range(10, 10000))


class Secrets(Schema):
    class Meta:
        unknown = RAISE

    api_token = fields.String(required=True, metadata={"secret": True})
    signature_token = fields.String(required=True, metadata={"secret": True})
    signature_token_previous = fields.String(load_default=None, allow_none=True, metadata={"secret": True})
