"""Recent webhook decisions, for an admin to see what happened to a ticket and why."""

from __future__ import annotations

from sqlalchemy import select

from ..models import Customer, WebhookEvent
from .context import Context

OUTCOMES = ("allow", "flag", "disregard", "escalate", "statutory", "ignored", "pending")


def recent(
    ctx: Context,
    connection_id: str | None = None,
    outcome: str | None = None,
    ticket: str | None = None,
    limit: int = 50,
    customer_id: int | None = None,
) -> list[dict]:
    """The newest events first: when, which ticket, the outcome, the reason, and the customer's reference.

    With `customer_id`, only the contacts matched to that customer (the helpdesk contacts on their page).
    """
    query = (
        select(WebhookEvent, Customer.reference)
        .outerjoin(Customer, Customer.id == WebhookEvent.customer_id)
        .order_by(WebhookEvent.id.desc())
        .limit(limit)
    )
    for column, value in (
        (WebhookEvent.connection_id, connection_id),
        (WebhookEvent.outcome, outcome),
        (WebhookEvent.ticket_id, ticket),
        (WebhookEvent.customer_id, customer_id),
    ):
        if value is not None:
            query = query.where(column == value)
    return [
        {
            "id": e.id,
            "received_at": e.received_at.isoformat(timespec="seconds"),
            "connection": e.connection_id,
            "ticket": e.ticket_id,
            "event_type": e.event_type,
            "outcome": e.outcome,
            "reason": e.reason,
            "screen_hits": e.screen_hits,
            "customer": reference,
        }
        for e, reference in ctx.session.execute(query)
    ]
