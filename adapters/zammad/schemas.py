"""Zammad connection settings and secrets."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate


class Settings(Schema):
    class Meta:
        unknown = RAISE

    base_url = fields.Url(required=True, require_tld=False, metadata={"description": "e.g. https://zammad.council.example/"})
    restriction_field = fields.String(load_default=None, allow_none=True,
                                      metadata={"description": "Ticket object attribute showing the arrangement"})
    info_rights_queue = fields.Integer(load_default=None, allow_none=True,
                                    metadata={"description": "Group (team) id of the information-rights team"})
    review_queue = fields.Integer(load_default=None, allow_none=True,
                                 metadata={"description": "Group id where review reminders become tasks"})
    task_customer_email = fields.Email(load_default=None, allow_none=True,
                                       metadata={"description": "Customer on review-task tickets"})
    rate_limit_per_minute = fields.Integer(load_default=600, validate=validate.Range(10, 10000))
    service = fields.String(load_default=None, allow_none=True)
    tags = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)


class Secrets(Schema):
    class Meta:
        unknown = RAISE

    api_token = fields.String(required=True, metadata={"secret": True})
    signature_token = fields.String(required=True, metadata={"secret": True})
    signature_token_previous = fields.String(load_default=None, allow_none=True, metadata={"secret": True})
