"""Front connection settings and secrets."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from ..settings import HelpdeskSettings


class Settings(HelpdeskSettings):
    webhook_kind = fields.String(
        load_default="rule",
        validate=validate.OneOf(["rule", "app"]),
        metadata={"description": "rule (a Front rule's webhook) or app (application webhook)"},
    )
    author_id = fields.String(required=True, metadata={"description": "Teammate id (tea_...) that writes comments"})
    tag_ids = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        load_default=dict,
        metadata={"description": "contactguard tag name -> Front tag id (tag_...)"},
    )
    info_rights_queue = fields.String(
        load_default=None, allow_none=True, metadata={"description": "Teammate (tea_...) for information requests"}
    )
    rate_limit_per_minute = fields.Integer(load_default=100, validate=validate.Range(10, 600))


class Secrets(Schema):
    class Meta:
        unknown = RAISE

    api_token = fields.String(required=True, metadata={"secret": True})
    signing_secret = fields.String(
        required=True, metadata={"secret": True, "description": "API secret (rule) or signing key (app)"}
    )
    signing_secret_previous = fields.String(load_default=None, allow_none=True, metadata={"secret": True})
