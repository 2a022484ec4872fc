"""Settings every helpdesk connection shares; each adapter's Settings schema extends this one."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from . import outbound


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
    rate_limit_per_minute = fields.Integer(
        load_default=200,
        validate=validate.Range(10, 10000),
        metadata={"description": "The helpdesk's API limit for this account"},
    )
    service = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "Service slug this helpdesk serves (scoped restrictions)"},
    )
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
