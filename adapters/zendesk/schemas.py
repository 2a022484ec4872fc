"""Zendesk connection settings and secrets."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates, validates_schema

from ..settings import HelpdeskSettings

# The ticket sidebar app's signed URLs: Zendesk signs each JWT with the app's RSA key (RS256) and the app's public key
# is what verifies it (https://developer.zendesk.com/documentation/apps/build-an-app/building-a-server-side-app/
# part-5-secure-the-app/): public, so a setting rather than a secret.
SIDEBAR_APP_FIELDS = ("sidebar_public_key", "sidebar_installation_id")


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
    escalation_priority = fields.String(
        load_default="urgent",
        validate=validate.OneOf(["low", "normal", "high", "urgent"]),
        metadata={"description": "Priority a safeguarding concern raises a ticket to"},
    )
    rate_limit_per_minute = fields.Integer(
        load_default=200,
        validate=validate.Range(10, 2500),
        metadata={"description": "The plan's API limit (Team 200 ... 2500)"},
    )
    sidebar_public_key = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "The sidebar app's public key (PEM, GET /api/v2/apps/{app_id}/public_key.pem)"},
    )
    sidebar_installation_id = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1),
        metadata={"description": "The sidebar app's installation id (the signed token's audience)"},
    )

    @validates("sidebar_public_key")
    def _an_rsa_public_key(self, value, **kwargs):
        if value is None:
            return
        try:
            key = load_pem_public_key(value.encode())
        except ValueError:
            raise ValidationError("not a PEM public key (-----BEGIN PUBLIC KEY----- ...)") from None
        if not isinstance(key, RSAPublicKey):
            raise ValidationError("not an RSA public key: Zendesk signs its apps' tokens with RS256")

    @validates_schema
    def _key_and_installation_together(self, data, **kwargs):
        given = [name for name in SIDEBAR_APP_FIELDS if data.get(name) is not None]
        if len(given) == 1:
            missing = next(name for name in SIDEBAR_APP_FIELDS if name not in given)
            raise ValidationError({missing: [f"needed with {given[0]}: the app's key and installation go together"]})


class Secrets(Schema):
    class Meta:
        unknown = RAISE

    api_token = fields.String(required=True, metadata={"secret": True})
    signing_secret = fields.String(required=True, metadata={"secret": True})
    signing_secret_previous = fields.String(load_default=None, allow_none=True, metadata={"secret": True})
