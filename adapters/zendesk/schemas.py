"""Zendesk connection settings and secrets."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from ..settings import HelpdeskSettings


class Settings(HelpdeskSettings):
    subdomain = fields.String(
        required=True,
        validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]*$"),
        metadata={"description": "The account's subdomain: <subdomain>.zendesk.com"},
    )
    agent_email = fields.Email(required=True, metadata={"description": "E-mail of the agent whose API token is used"})
    restriction_field_id = fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "Ticket field id showing the arrangement"}
    )
    review_queue = fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "Group id where review reminders become tasks"}
    )
    rate_limit_per_minute = fields.Integer(
        load_default=200,
        validate=validate.Range(10, 2500),
        metadata={"description": "The plan's API limit (Team 200 ... 2500)"},
    )


class Secrets(Schema):
    class Meta:
        unknown = RAISE

    api_token = fields.String(required=True, metadata={"secret": True})
    signing_secret = fields.String(required=True, metadata={"secret": True})
    signing_secret_previous = fields.String(load_default=None, allow_none=True, metadata={"secret": True})
