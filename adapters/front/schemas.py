"""Front connection settings and secrets."""

from __future__ import annotations

from marshmallow import fields, validate

from ..settings import HelpdeskSecrets, HelpdeskSettings, optional, previous_secret, rate_limit, secret


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
    info_rights_queue = optional(fields.String, "Teammate (tea_...) for information requests")
    rate_limit_per_minute = rate_limit(100, 600)


class Secrets(HelpdeskSecrets):
    api_token = secret()
    signing_secret = secret(metadata={"description": "API secret (rule) or signing key (app)"})
    signing_secret_previous = previous_secret()
    plugin_auth_secret = secret(
        required=False, metadata={"description": "The sidebar plugin's auth secret (its auth_secret query parameter)"}
    )
