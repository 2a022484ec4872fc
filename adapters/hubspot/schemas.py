"""HubSpot connection settings and secrets."""

from __future__ import annotations

from marshmallow import fields

from ..settings import HelpdeskSecrets, HelpdeskSettings, optional, previous_secret, rate_limit, secret


class Settings(HelpdeskSettings):
    webhook_url = optional(fields.Url, "The target URL exactly as registered in HubSpot (signed)", require_tld=False)
    restriction_property = fields.String(
        load_default="contact_restriction", metadata={"description": "Ticket property showing the arrangement"}
    )
    tags_property = fields.String(
        load_default="contactguard_tags", metadata={"description": "Multi-select ticket property holding the tags"}
    )
    note_association_type_id = fields.Integer(
        load_default=228, metadata={"description": "Note-to-ticket association type id"}
    )
    info_rights_queue = optional(fields.String, "Owner id of the information-rights team")
    escalation_priority = fields.String(
        load_default="HIGH", metadata={"description": "hs_ticket_priority a safeguarding concern raises a ticket to"}
    )
    rate_limit_per_minute = rate_limit(600, 6000)


class Secrets(HelpdeskSecrets):
    access_token = secret()
    client_secret = secret()
    client_secret_previous = previous_secret()
