"""Generic JSON connection: JSON pointers into the body, an HMAC-SHA256 header, a callback URL."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from ..settings import HelpdeskSettings


class Mapping(Schema):
    """JSON pointers (RFC 6901) to each field in the helpdesk's body."""

    class Meta:
        unknown = RAISE

    ticket_id = fields.String(required=True, metadata={"description": "e.g. /ticket/id"})
    requester_email = fields.String(load_default=None, allow_none=True)
    requester_phone = fields.String(load_default=None, allow_none=True)
    requester_id = fields.String(load_default=None, allow_none=True)
    addressee = fields.String(load_default=None, allow_none=True, metadata={"description": "assigned agent id"})
    channel = fields.String(load_default=None, allow_none=True)
    event_type = fields.String(load_default=None, allow_none=True)
    delivery_id = fields.String(load_default=None, allow_none=True)
    subject = fields.String(load_default=None, allow_none=True)
    text = fields.String(load_default=None, allow_none=True)


class Settings(HelpdeskSettings):

    mapping = fields.Nested(Mapping, required=True)
    signature_header = fields.String(load_default="X-Signature-SHA256")
    callback_url = fields.Url(load_default=None, allow_none=True, require_tld=False,
                              metadata={"description": "Where contactguard POSTs actions (signed the same way)"})
    event_types = fields.Dict(keys=fields.String(), values=fields.String(validate=validate.OneOf(
        ["ticket.created", "ticket.customer_reply"])), load_default=dict,
        metadata={"description": "The helpdesk's event names mapped to ours"})


class Secrets(Schema):
    class Meta:
        unknown = RAISE

    signing_secret = fields.String(required=True, validate=validate.Length(min=16), metadata={"secret": True})
    signing_secret_previous = fields.String(load_default=None, allow_none=True, metadata={"secret": True})
