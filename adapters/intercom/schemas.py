"""Intercom connection settings and secrets."""

from __future__ import annotations

from marshmallow import fields, validate

from ..settings import HelpdeskSecrets, HelpdeskSettings, optional, previous_secret, rate_limit, secret


class Settings(HelpdeskSettings):
    region = fields.String(
        load_default="us",
        validate=validate.OneOf(["us", "eu", "au"]),
        metadata={"description": "Workspace region: us, eu or au"},
    )
    admin_id = fields.String(required=True, metadata={"description": "Admin id that writes notes and tags"})
    restriction_attribute = optional(fields.String, "Conversation attribute showing the arrangement")
    cleared_value = fields.String(
        load_default="",
        validate=validate.Length(max=255),
        metadata={
            "description": "Written when contactguard clears the attribute (Intercom allows no null there); "
            "a list attribute needs one of its options"
        },
    )
    info_rights_queue = optional(fields.String, "Group (team) id of the information-rights team")
    rate_limit_per_minute = rate_limit(1000, 10000)


class Secrets(HelpdeskSecrets):
    access_token = secret()
    client_secret = secret()
    client_secret_previous = previous_secret()
