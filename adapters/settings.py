"""Settings every helpdesk connection shares; each adapter's Settings schema extends this one."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate


class HelpdeskSettings(Schema):
    """The names the service layer reads (ticket_actions.plan, the pipeline, the clock) are the same everywhere."""

    class Meta:
        unknown = RAISE

    info_rights_queue = fields.Integer(load_default=None, allow_none=True,
                                       metadata={"description": "Group (queue) id of the information-rights team"})
    rate_limit_per_minute = fields.Integer(load_default=200, validate=validate.Range(10, 10000),
                                           metadata={"description": "The helpdesk's API limit for this account"})
    service = fields.String(load_default=None, allow_none=True,
                            metadata={"description": "Service slug this helpdesk serves (scoped restrictions)"})
    tags = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict,
                       metadata={"description": "Tag names: restricted, disregarded, escalated, information_request"})
