"""Help Scout connection settings and secrets."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from ..settings import HelpdeskSettings


class Settings(HelpdeskSettings):
    restriction_field_id = fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "Custom field id showing the arrangement"}
    )
    info_rights_queue = fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "Mailbox id of the information-rights team"}
    )
    rate_limit_per_minute = fields.Integer(load_default=200, validate=validate.Range(10, 2000))


class Secrets(Schema):
    class Meta:
        unknown = RAISE

    app_id = fields.String(required=True, metadata={"secret": True})
    app_secret = fields.String(required=True, metadata={"secret": True})
    webhook_secret = fields.String(required=True, validate=validate.Length(max=40), metadata={"secret": True})
    webhook_secret_previous = fields.String(load_default=None, allow_none=True, metadata={"secret": True})
