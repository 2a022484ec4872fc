"""Request bodies the CLI builds from its options, and the query strings of the list endpoints.

Everything else a person sends uses the input schemas of plugin/schemas.py directly. Query strings
refuse unknown parameters, as the input schemas refuse unknown fields.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from ...policy.lifecycle import State
from ...schemas import ProposalInput, StrictSchema
from ...services.events import OUTCOMES
from ...services.restrictions import RecordedChecksInput


class ProposalRequest(ProposalInput):
    """A proposal, optionally with its pre-restriction checks, and `activate` (senior officers: impose now)."""

    checks = fields.Nested(RecordedChecksInput, load_default=None, allow_none=True)
    activate = fields.Boolean(load_default=False)


class ConnectionRequest(StrictSchema):
    adapter = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    settings = fields.Dict(load_default=dict)
    secrets = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    test = fields.Boolean(
        load_default=True,
        metadata={"description": "call the helpdesk with the credentials before saving (admins may turn it off)"},
    )


class Query(Schema):
    class Meta:
        unknown = RAISE


class SearchQuery(Query):
    q = fields.String(
        required=True,
        validate=validate.Length(1, 200),
        metadata={"description": "part of a reference, name, e-mail or phone"},
    )


class StateQuery(Query):
    state = fields.String(load_default=None, validate=validate.OneOf([s.value for s in State]))


class AllQuery(Query):
    all = fields.Boolean(load_default=False)


class AbsenceQuery(AllQuery):
    officer = fields.Email(load_default=None)


class ReviewsQuery(Query):
    overdue = fields.Boolean(load_default=False)
    within = fields.Integer(load_default=30, validate=validate.Range(0, 3660))


class EventsQuery(Query):
    connection = fields.String(load_default=None)
    outcome = fields.String(load_default=None, validate=validate.OneOf(OUTCOMES))
    ticket = fields.String(load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 1000))


class PendingQuery(Query):
    connection = fields.String(load_default=None)
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))


class AuditQuery(Query):
    customer = fields.String(load_default=None, metadata={"description": "a customer's reference"})
    before = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1),
        metadata={"description": "entries older than this id (paging)"},
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))


class VerifyQuery(Query):
    expect_head = fields.String(load_default=None, metadata={"description": "COUNT:HASH recorded earlier"})
