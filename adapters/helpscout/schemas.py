"""Help Scout connection settings and secrets."""

from __future__ import annotations

from marshmallow import fields, validate

from ..settings import HelpdeskSecrets, HelpdeskSettings, optional, previous_secret, rate_limit, secret


class Settings(HelpdeskSettings):
    restriction_field_id = optional(fields.Integer, "Custom field id showing the arrangement")
    info_rights_queue = optional(fields.Integer, "Mailbox id of the information-rights team")
    rate_limit_per_minute = rate_limit(200, 2000)


class Secrets(HelpdeskSecrets):
    app_id = secret()
    app_secret = secret()
    webhook_secret = secret(validate=validate.Length(max=40))
    webhook_secret_previous = previous_secret()
