"""The newest webhook decisions (plugin/services/events.py): no content, no reason text."""

from __future__ import annotations

from flask import render_template

from ...policy.vocabulary import Role
from ...services import events
from ..auth import login_required, unit_of_work
from .base import bp, connection_names

DECISIONS_SHOWN = 100


@bp.get("/admin/decisions")
@login_required(Role.ADMIN)
def decisions():
    """The newest webhook decisions: when, which helpdesk and ticket, and the outcome (no content, no reason text)."""
    with unit_of_work() as ctx:
        names = connection_names(ctx)
        rows = [
            {
                "received_at": e["received_at"],  # ISO, UTC: the page shows it in UK time
                "connection": names.get(e["connection"], "-"),
                "ticket": e["ticket"] or "-",
                "event_type": e["event_type"],
                "outcome": e["outcome"],
                "customer": e["customer"] or "-",
            }
            for e in events.recent(ctx, limit=DECISIONS_SHOWN)
        ]
    return render_template("admin/decisions.html", title="Webhook decisions", rows=rows, shown=DECISIONS_SHOWN)
