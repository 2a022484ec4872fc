"""Intercom connection settings and secrets."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from ..settings import HelpdeskSettings


class Settings(HelpdeskSettings):
    region = fields.String(
        load_default="us",
        validate=validate.OneOf(["us", "eu", "au"]),
        metadata={"description": "Workspace region: us, eu or au"},
    )
    admin_id = fields.String(required=True, metadata={"description": "Admin id that writes notes and tags"})
    restriction_attribute = fields.String(
        load_default=None, allow_none=True, metadata={"description": "Conversation attribute showing the arrangement"}
    )
    info_rights_queue = fields.String(
        load_default=None, allow_none=True, metadata={"description": "Group (team) id of the information-rights team"}
    )
    rate_limit_per_minute = fields.Integer(load_default=1000, validate=validate.Range(10, 10000))


class Secrets(Schema):
    class Meta:
        unknown = RAISE

    access_token = fields.String(required=True, metadata={"secret": True})
    client_secret = fields.String(required=True, metadata={"secret": True})
    client_secret_previous = fields.String(load_default=None, allow_none=True, metadata={"secret": True})
