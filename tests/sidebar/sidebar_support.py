"""Customers in each state an agent may meet beside a ticket, and the decisions taken on their tickets."""

import datetime as dt

from plugin.models import OutboxAction, WebhookEvent
from plugin.services import incidents as inc
from plugin.services import restrictions as rs

# Words that are on the file but must never reach a panel (need to know, R50).
SECRET_WORDS = ("Zanzibarish", "Quillfeather", "Marmalisk", "psychiatric", "Thundergrove")


def restrict(cast, customer: str = "C1", checks: dict | None = None, **terms) -> int:
    """A restriction in force whose reasons, incident and checks carry SECRET_WORDS; returns its id."""
    with cast.act("officer") as ctx:
        incident = inc.record_incident(
            ctx,
            {
                "customer": customer,
                "experienced_by": "officer@council.example",
                "occurred_at": (ctx.now() - dt.timedelta(days=1)).isoformat(),
                "channel": "telephone",
                "category": "verbal_abuse",
                "description": "Zanzibarish threats made on the phone",
            },
        )
        warning = inc.issue_warning(
            ctx,
            {
                "customer": customer,
                "incidents": [incident.id],
                "behaviour": "Marmalisk shouting",
                "why_unacceptable": "Staff must work free of abuse",
                "change_requested": "Keep calls civil",
                "consequences": "Your contact may be restricted",
            },
        )
        data = {
            "customer": customer,
            "path": "after_warning",
            "warning": warning.id,
            "why_necessary": "Quillfeather abuse continued after the warning",
            "spoc_officer": "officer@council.example",
            "allowed_channels": ["email", "letter"],
            "time_windows": [{"days": ["mon", "wed"], "start": "10:00", "end": "12:00"}],
            "premises": {"excluded": ["Civic Centre"]},
            "review_due": (ctx.today() + dt.timedelta(days=90)).isoformat(),
            **terms,
        }
        restriction = rs.propose(ctx, data)
        rs.record_checks(
            ctx,
            restriction.id,
            {
                "social_work_known": "no",
                "adjustments_needed": False,
                "other_services": "Thundergrove outreach service",
                **(checks or {}),
            },
        )
    with cast.act("senior") as ctx:
        rs.activate(ctx, restriction.id)
    return restriction.id


def record_decision(sessions, connection, ticket: str, outcome: str, routed: bool = False) -> None:
    """A decision contactguard took on a ticket, as the worker records it."""
    with sessions() as s, s.begin():
        event = WebhookEvent(
            connection_id=connection.id,
            delivery_key=f"d-{ticket}-{outcome}",
            event_type="ticket.created",
            ticket_id=ticket,
            customer_id=None,
            outcome=outcome,
            reason="Zanzibarish reason text the agent never sees",
            screen_hits=[],
        )
        s.add(event)
        s.flush()
        if routed:
            s.add(
                OutboxAction(
                    connection_id=connection.id,
                    event_id=event.id,
                    ticket_id=ticket,
                    kind="assign",
                    payload={"kind": "assign", "agent_id": "7"},
                    idempotency_key=f"k-{ticket}",
                )
            )
