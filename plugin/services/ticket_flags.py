"""Keep the flags on a customer's tickets true when a restriction changes.

When a restriction ends (lifted, withdrawn, quashed on appeal, lifted at review, lapsed), its
flag and tags come off every ticket contactguard put them on; when its terms change (amended,
varied on appeal, amended at review), the arrangement on those tickets is rewritten. If the
customer still has another restriction in force, its arrangement is shown instead.
"""

from __future__ import annotations

from sqlalchemy import select

from ..models import Connection, Restriction, WebhookEvent
from ..policy.lifecycle import IN_FORCE_VALUES
from . import outbox
from .context import Context
from .outbox import Action
from .ticket_actions import flag_action, unflag_actions

# Outcomes after which contactguard wrote to the ticket.
WROTE_TO_TICKET = ("flag", "disregard", "escalate", "statutory")


def flagged_tickets(ctx: Context, customer_id: int) -> list[tuple[Connection, str]]:
    """Every (active connection, ticket) contactguard flagged for this customer."""
    rows = ctx.session.execute(
        select(WebhookEvent.connection_id, WebhookEvent.ticket_id)
        .where(
            WebhookEvent.customer_id == customer_id,
            WebhookEvent.outcome.in_(WROTE_TO_TICKET),
            WebhookEvent.ticket_id.is_not(None),
        )
        .distinct()
        .order_by(WebhookEvent.connection_id, WebhookEvent.ticket_id)
    )
    connections = {c.id: c for c in ctx.session.scalars(select(Connection).where(Connection.active.is_(True)))}
    return [(connections[cid], ticket) for cid, ticket in rows if cid in connections and ticket is not None]


def restriction_ended(ctx: Context, r: Restriction) -> int:
    """Take this restriction's flags off (or show the customer's other restriction in force); actions queued."""
    still = _other_in_force(ctx, r)
    actions: list[Action] | None = [flag_action(still)] if still is not None else None
    return _queue(ctx, r, r.state, "tickets.flags_removed", actions)


def terms_changed(ctx: Context, r: Restriction) -> int:
    """Rewrite the arrangement on the customer's flagged tickets after the terms changed."""
    if r.state not in IN_FORCE_VALUES:
        return 0
    return _queue(ctx, r, "amended", "tickets.flags_rewritten", [flag_action(r)])


def _other_in_force(ctx: Context, r: Restriction) -> Restriction | None:
    query = (
        select(Restriction)
        .where(
            Restriction.customer_id == r.customer_id,
            Restriction.id != r.id,
            Restriction.state.in_(IN_FORCE_VALUES),
        )
        .order_by(Restriction.id)
        .limit(1)
    )
    return ctx.session.scalar(query)


def _queue(ctx: Context, r: Restriction, why: str, audit_action: str, actions: list[Action] | None) -> int:
    """One set of actions per flagged ticket, under an origin unique to this change."""
    ctx.session.flush()
    origin = f"{why}:{r.id}:{ctx.now().strftime('%Y%m%dT%H%M%S%f')}"
    count = 0
    for connection, ticket_id in flagged_tickets(ctx, r.customer_id):
        planned = actions if actions is not None else unflag_actions(connection.settings)
        count += outbox.write(ctx, connection, planned, origin=origin, ticket_id=ticket_id)
    if count:
        ctx.audit(audit_action, r, customer_id=r.customer_id, actions=count)
    return count
