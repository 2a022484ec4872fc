"""Generic JSON connection: JSON pointers into the body, an HMAC-SHA256 header, a callback URL."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ..settings import HelpdeskSecrets, HelpdeskSettings, previous_secret, secret

# The product's channel vocabulary (plugin.policy.vocabulary.Channel; a test keeps the two equal).
CHANNELS = ("email", "telephone", "letter", "in_person", "web_form", "chat", "sms", "social_media")
ALIASES = {
    "e_mail": "email",
    "mail": "email",
    "phone": "telephone",
    "tel": "telephone",
    "voice": "telephone",
    "call": "telephone",
    "phone_call": "telephone",
    "post": "letter",
    "postal": "letter",
    "face_to_face": "in_person",
    "visit": "in_person",
    "walk_in": "in_person",
    "counter": "in_person",
    "web": "web_form",
    "webform": "web_form",
    "form": "web_form",
    "online_form": "web_form",
    "live_chat": "chat",
    "livechat": "chat",
    "messenger": "chat",
    "text": "sms",
    "text_message": "sms",
    "social": "social_media",
    "facebook": "social_media",
    "twitter": "social_media",
}


def normalise_channel(name) -> str | None:
    """Our channel code for a name or an alias ('phone', 'E-mail', 'web form'), or None when unknown."""
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    key = ALIASES.get(key, key)
    return key if key in CHANNELS else None


class ChannelName(fields.String):
    """A channel name, stored as our code; an unknown name is refused with the names we know."""

    def _deserialize(self, value, attr, data, **kwargs):
        code = normalise_channel(super()._deserialize(value, attr, data, **kwargs))
        if code is None:
            raise ValidationError(f"unknown channel {value!r}; use one of: {', '.join(CHANNELS)} (or an alias)")
        return code


class Mapping(Schema):
    """JSON pointers (RFC 6901) to each field in the helpdesk's body."""

    class Meta:
        unknown = RAISE

    ticket_id = fields.String(required=True, metadata={"description": "e.g. /ticket/id"})
    requester_email = fields.String(load_default=None, allow_none=True)
    requester_phone = fields.String(load_default=None, allow_none=True)
    requester_id = fields.String(load_default=None, allow_none=True)
    addressee = fields.String(load_default=None, allow_none=True, metadata={"description": "assigned agent id"})
    channel = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "the channel's name; see `channels` for the helpdesk's own"},
    )
    event_type = fields.String(load_default=None, allow_none=True)
    delivery_id = fields.String(load_default=None, allow_none=True)
    subject = fields.String(load_default=None, allow_none=True)
    text = fields.String(load_default=None, allow_none=True)
    occurred_at = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "when the customer made contact: ISO 8601 or Unix time"},
    )


class Settings(HelpdeskSettings):
    mapping = fields.Nested(Mapping, required=True)
    signature_header = fields.String(load_default="X-Signature-SHA256")
    callback_url = fields.Url(
        load_default=None,
        allow_none=True,
        require_tld=False,
        metadata={"description": "Where contactguard POSTs actions (signed the same way)"},
    )
    actions_together = fields.Boolean(
        load_default=False,
        metadata={
            "description": "POST a ticket's consecutive actions as one list ({ticket_id, actions: [...]}) rather "
            "than one action a POST: fewer calls, for a receiver that takes the list"
        },
    )
    event_types = fields.Dict(
        keys=fields.String(),
        values=fields.String(validate=validate.OneOf(["ticket.created", "ticket.customer_reply"])),
        load_default=dict,
        metadata={"description": "The helpdesk's event names mapped to ours"},
    )
    channels = fields.Dict(
        keys=fields.String(),
        values=ChannelName(),
        load_default=dict,
        metadata={
            "description": "The helpdesk's channel names mapped to ours (email, telephone, "
            "letter, in_person, web_form, chat, sms, social_media)"
        },
    )


class Secrets(HelpdeskSecrets):
    signing_secret = secret(validate=validate.Length(min=16))
    signing_secret_previous = previous_secret()
