"""Salesforce Service Cloud connection settings and secrets (docs/adapters/salesforce.md explains each)."""

from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate, validates_schema

from ..settings import HelpdeskSecrets, HelpdeskSettings, optional, rate_limit, secret

# Salesforce record ids: 15 characters (case-sensitive) or 18 (the same id with a 3-character suffix).
RECORD_ID = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
CUSTOM_FIELD = validate.Regexp(
    r"^[A-Za-z][A-Za-z0-9_]*__c$", error="a custom field's API name, ending in __c (e.g. Contact_Restriction__c)"
)
AUTH_FLOWS = ("client_credentials", "jwt_bearer")


def _id_setting(prefix: str, description: str) -> fields.Field:
    """An optional record id whose key prefix says what it is (005 a user, 00G a queue)."""
    pattern = rf"^{prefix}[a-zA-Z0-9]{{{15 - len(prefix)}}}(?:[a-zA-Z0-9]{{3}})?$"
    return optional(fields.String, description, validate=validate.Regexp(pattern, error=f"an id starting {prefix}"))


class Settings(HelpdeskSettings):
    """What an admin sets for a Salesforce org."""

    base_url = fields.Url(
        required=True,
        schemes={"https"},
        metadata={"description": "The org's My Domain URL (its instance URL), e.g. https://council.my.salesforce.com"},
    )
    organization_id = fields.String(
        required=True,
        validate=validate.Regexp(r"^00D[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?$", error="an organization id (00D...)"),
        metadata={"description": "Setup > Company Information > Salesforce.com Organization ID (15 or 18 characters)"},
    )
    api_version = fields.String(
        load_default="67.0",
        validate=validate.Regexp(r"^\d{2,3}\.0$", error="an API version such as 67.0"),
        metadata={"description": "REST API version (67.0 is Summer '26)"},
    )
    auth_flow = fields.String(
        load_default="client_credentials",
        validate=validate.OneOf(AUTH_FLOWS),
        metadata={"description": "client_credentials (consumer key and secret) or jwt_bearer (a certificate)"},
    )
    jwt_username = optional(fields.String, "The integration user's username (jwt_bearer only)")
    jwt_audience = fields.String(
        load_default="https://login.salesforce.com",
        validate=validate.OneOf(["https://login.salesforce.com", "https://test.salesforce.com"]),
        metadata={
            "description": "The JWT's audience: https://login.salesforce.com (production) or https://test.salesforce.com (sandbox)"
        },
    )
    restriction_field = fields.String(
        load_default="Contact_Restriction__c",
        validate=CUSTOM_FIELD,
        metadata={"description": "Case custom field (Text Area (Long)) showing the arrangement"},
    )
    tags_field = fields.String(
        load_default="Contact_Restriction_Tags__c",
        validate=CUSTOM_FIELD,
        metadata={"description": "Case custom field (Text, 255) holding contactguard's tags, separated by ;"},
    )
    escalation_priority = fields.String(
        load_default="High",
        validate=validate.Length(1, 40),
        metadata={"description": "Case Priority value a safeguarding concern raises a case to"},
    )
    info_rights_queue: fields.Field = _id_setting("00G", "Queue id (00G...) of the information-rights team")
    review_queue = _id_setting("005", "User id (005...) who is given review-reminder tasks")
    api_usage_ceiling = fields.Integer(
        load_default=100,
        validate=validate.Range(50, 100),
        metadata={
            "description": "Percent of the org's daily API allocation (Sforce-Limit-Info) at which contactguard "
            "pauses its calls, leaving the rest to the council's other integrations"
        },
    )
    rate_limit_per_minute = rate_limit(100, 1000, "Calls a minute contactguard allows itself")

    @validates_schema
    def _jwt_needs_a_username(self, data, **kwargs):
        """The JWT bearer flow names the user the token is for (the JWT's sub claim)."""
        if data.get("auth_flow") == "jwt_bearer" and not data.get("jwt_username"):
            raise ValidationError({"jwt_username": ["needed with auth_flow jwt_bearer (the JWT's sub claim)"]})


class Secrets(HelpdeskSecrets):
    client_id = secret(metadata={"description": "The External Client App's consumer key"})
    client_secret = secret(required=False, metadata={"description": "Its consumer secret (client_credentials)"})
    private_key = secret(
        required=False, metadata={"description": "PEM RSA private key whose certificate the app holds (jwt_bearer)"}
    )
