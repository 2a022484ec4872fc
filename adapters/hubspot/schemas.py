"""HubSpot connection settings and secrets."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from ..settings import HelpdeskSettings


class Settings(HelpdeskSettings):
    webhook_url = fields.Url(
        load_default=None,
        allow_none=True,
        require_tld=False,
        metadata={"description": "The target URL exactly as registered in HubSpot (signed)"},
    )
    restriction_property = fields.String(
        load_default="contact_restriction", metadata={"description": "Ticket property showing the arrangement"}
    )
    tags_property = fields.String(
        load_default="contactguard_tags", metadata={"description": "Multi-select ticket property holding the tags"}
    )
    note_association_type_id = fields.Integer(
        load_default=228, metadata={"description": "Note-to-ticket association type id"}
    )
    info_rights_queue = fields.String(
        load_default=None, allow_none=True, metadata={"description": "Owner id of the information-rights team"}
    )
    rate_limit_per_minute = fields.Integer(load_default=600, validate=validate.Range(10, 6000))


class Secrets(Schema):
    class Meta:
        unknown = RAISE

    access_token = fields.String(required=True, metadata={"secret": True})
    client_secret = fields.String(required=True, metadata={"secret": True})
    client_secret_previous = fields.String(load_default=None, allow_none=True, metadata={"secret": True})
