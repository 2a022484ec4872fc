"""Settings every helpdesk connection shares; each adapter's Settings schema extends this one."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from . import outbound


def optional(field_class: type[fields.Field], description: str | None = None, **options) -> fields.Field:
    """A setting that may be left out or null (None): the shape most connection settings share."""
    metadata = {"description": description} if description else {}
    return field_class(load_default=None, allow_none=True, metadata=metadata, **options)


def secret(required: bool = True, **options) -> fields.String:
    """A credential: stored encrypted and shown masked (`metadata.secret`)."""
    if not required:
        options.setdefault("load_default", None)
        options.setdefault("allow_none", True)
    return fields.String(required=required, metadata={"secret": True, **options.pop("metadata", {})}, **options)


def previous_secret() -> fields.String:
    """The old value of a rotated secret, accepted alongside the new one until removed."""
    return secret(required=False)


def rate_limit(default: int, most: int, description: str | None = None) -> fields.Integer:
    """The helpdesk's API limit for this account, in calls a minute."""
    metadata = {"description": description} if description else {}
    return fields.Integer(load_default=default, validate=validate.Range(10, most), metadata=metadata)


class HelpdeskSecrets(Schema):
    """Base of every adapter's Secrets: an unknown secret name is refused, never stored."""

    class Meta:
        unknown = RAISE


class HelpdeskSettings(Schema):
    """The names the service layer reads (ticket_actions.plan, the pipeline, the clock) are the same everywhere."""

    class Meta:
        unknown = RAISE

    # URL settings contactguard sends requests to: refused on internal addresses (adapters/outbound.py).
    OUTBOUND_URLS = ("base_url", "callback_url")

    # A number here; some helpdesks name the team with text instead (their schemas override it).
    info_rights_queue: fields.Field = fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "Group (queue) id of the information-rights team"}
    )
    rate_limit_per_minute = rate_limit(200, 10000, "The helpdesk's API limit for this account")
    service = optional(fields.String, "Service slug this helpdesk serves (scoped restrictions)")
    tags = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        load_default=dict,
        metadata={"description": "Tag names: restricted, disregarded, escalated, information_request"},
    )
    allow_private_network = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Allow a helpdesk on a loopback, link-local or private address (an admin's decision; "
            "otherwise such URLs are refused)"
        },
    )

    @validates_schema
    def _public_urls_only(self, data, **kwargs):
        """A URL on an internal address is refused at set-up, field by field, unless allowed."""
        errors = {}
        for name in self.OUTBOUND_URLS:
            url = data.get(name)
            if not url:
                continue
            try:
                outbound.check_url(url, data)
            except outbound.PrivateAddressRefused as exc:
                errors[name] = [
                    (
                        f"{exc}: contactguard does not call internal addresses unless an admin allows it "
                        "(allow_private_network: true, or CONTACTGUARD_ALLOW_PRIVATE_HELPDESK_URLS)"
                    )
                ]
        if errors:
            raise ValidationError(errors)
