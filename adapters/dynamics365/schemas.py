"""Microsoft Dynamics 365 Customer Service (Dataverse) connection settings and secrets."""

from __future__ import annotations

from urllib.parse import urlsplit

from marshmallow import ValidationError, fields, validate, validates

from ..settings import HelpdeskSecrets, HelpdeskSettings, optional, previous_secret, rate_limit, secret

GUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# A column's logical name: the publisher's prefix, an underscore, lower-case letters and digits (cg_restriction).
LOGICAL_NAME = r"^[a-z][a-z0-9]*_[a-z0-9_]+$"


def _guid(description: str) -> fields.Field:
    return optional(fields.String, description, validate=validate.Regexp(GUID, error="not a GUID"))


def _column(description: str) -> fields.Field:
    return optional(
        fields.String, description, validate=validate.Regexp(LOGICAL_NAME, error="not a custom column's logical name")
    )


class Settings(HelpdeskSettings):
    """Where the environment is, which app signs in, how Dataverse authenticates its webhooks, the columns."""

    # The one URL contactguard calls (the base declares two names by inference, hence the ignore).
    OUTBOUND_URLS = ("environment_url",)  # type: ignore[assignment]

    environment_url = fields.String(
        required=True,
        metadata={"description": "The environment, e.g. https://council.crm11.dynamics.com (Web API and token scope)"},
    )
    tenant_id = fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$", error="not a tenant id or domain"),
        metadata={"description": "Directory (tenant) id of the Entra ID app registration"},
    )
    client_id = fields.String(
        required=True,
        validate=validate.Regexp(GUID, error="not a GUID"),
        metadata={"description": "Application (client) id of the Entra ID app registration"},
    )
    webhook_auth = fields.String(
        load_default="header",
        validate=validate.OneOf(["header", "webhook_key"]),
        metadata={"description": "How the webhook authenticates: header (HttpHeader) or webhook_key (?code=)"},
    )
    auth_header = fields.String(
        load_default="Authorization",
        validate=validate.Regexp(r"^[A-Za-z0-9-]{1,64}$", error="not a header name"),
        metadata={"description": "The HttpHeader key registered with the webhook"},
    )
    unassigned_owners = fields.List(
        fields.String(validate=validate.Regexp(GUID, error="not a GUID")),
        load_default=list,
        metadata={
            "description": "Owners (user or team ids) that mean nobody holds a case yet, e.g. the team that "
            "email-to-case or routing gives new cases"
        },
    )
    restriction_column = _column("Text column on Case showing the arrangement, e.g. cg_contactrestriction")
    tags_column = _column("Text column on Case holding contactguard's tags, e.g. cg_contactguardtags")
    info_rights_queue = _guid("Queue id of the information-rights team")
    review_queue = _guid("Queue id where review reminders (tasks) are added")
    escalation_priority = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1),
        metadata={"description": "Case priority a safeguarding concern raises a case to (prioritycode: 1 High)"},
    )
    rate_limit_per_minute = rate_limit(600, 1200, "Calls a minute (service protection: 6,000 per 5 minutes a user)")

    @validates("environment_url")
    def _an_environment_root(self, value: str, **kwargs) -> None:
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname or parts.path not in ("", "/") or parts.query:
            raise ValidationError("give the environment's https root, e.g. https://council.crm11.dynamics.com")


class Secrets(HelpdeskSecrets):
    """The app registration's client secret, and the key the webhook sends (HttpHeader value or code)."""

    client_secret = secret()
    webhook_key = secret(validate=validate.Length(min=16))
    webhook_key_previous = previous_secret()
