"""What needs someone's attention: the data behind `contactguard due` and the web dashboard.

`what_is_due` is the policy's to-do list (reviews, interim actions, appeals, appeal windows, letters,
helpdesk actions given up on). `dashboard` adds the restrictions in force and the recent contacts that
were escalated or disregarded, and scopes all of it by role (R50): an agent sees only the arrangements
in force, never reasons, appeals or contacts; officers and above see the whole list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from ..models import Appeal, Connection, Customer, Letter, OutboxAction, Restriction, WebhookEvent
from ..policy.decision import Outcome
from ..policy.lifecycle import IN_FORCE_VALUES
from ..policy.vocabulary import Role
from . import appeals as ap
from . import letters as lt
from . import outbox as outbox_service
from . import restrictions as rs
from . import reviews as rv
from .audit import record_read
from .context import Context
from .customer_view import arrangement, view_level

DEAD_ACTIONS_SHOWN = 5
RECENT_CONTACT_DAYS = 30
RECENT_CONTACTS_SHOWN = 50
TRIAGE_OUTCOMES = (Outcome.ESCALATE.value, Outcome.DISREGARD.value)


@dataclass
class Due:
    """Everything due on `today`: the rows themselves, for the CLI and the pages to word as they need."""

    today: dt.date
    within: int
    reviews: list[Restriction] = field(default_factory=list)
    interims: list[Restriction] = field(default_factory=list)
    appeals: list[Appeal] = field(default_factory=list)
    appeal_windows: list[Letter] = field(default_factory=list)
    letters: list[Letter] = field(default_factory=list)
    dead_count: int = 0
    dead: list[dict] = field(default_factory=list)


def what_is_due(ctx: Context, within: int = 30) -> Due:
    """Reviews due within `within` days (overdue too), interims to confirm, appeals, windows, letters, dead actions."""
    today = ctx.today()
    dead_count, dead = dead_actions(ctx)
    return Due(
        today=today,
        within=within,
        reviews=rv.due(ctx, today, within),
        interims=rs.list_restrictions(ctx, "interim"),
        appeals=ap.open_appeals(ctx),
        appeal_windows=lt.open_appeal_windows(ctx, today),
        letters=lt.unsent(ctx),
        dead_count=dead_count,
        dead=dead,
    )


def helpdesk_outages(ctx: Context) -> list[dict]:
    """Helpdesks not answering: "Housing helpdesk, since 10:02 (UK time), 37 actions waiting"."""
    zone = ctx.settings.zone
    return [
        {
            "connection": o.name,
            "since": o.since.astimezone(zone).strftime("%H:%M"),
            "since_day": o.since.astimezone(zone).date().isoformat(),
            "waiting": o.waiting,
            "probe_seconds": int(ctx.settings.OUTBOX_PROBE_SECONDS),
        }
        for o in outbox_service.outages(ctx.session)
    ]


def dead_actions(ctx: Context, limit: int = DEAD_ACTIONS_SHOWN) -> tuple[int, list[dict]]:
    """Helpdesk actions given up on after every retry: a person must act on them (the count, and the first few)."""
    dead = OutboxAction.state == "dead"
    count = ctx.session.scalar(select(func.count()).select_from(OutboxAction).where(dead)) or 0
    rows = ctx.session.execute(
        select(OutboxAction, Connection.name, Connection.adapter)
        .join(Connection, Connection.id == OutboxAction.connection_id)
        .where(dead)
        .order_by(OutboxAction.id)
        .limit(limit)
    )
    return count, [
        {
            "id": a.id,
            "connection": name,
            "adapter": adapter,
            "ticket": a.ticket_id,
            "kind": a.kind,
            "attempts": a.attempts,
            "last_error": a.last_error,
        }
        for a, name, adapter in rows
    ]


def in_force(ctx: Context) -> list[Restriction]:
    """Every restriction in force (active, under appeal or interim), by customer reference."""
    query = (
        select(Restriction)
        .join(Customer, Customer.id == Restriction.customer_id)
        .where(Restriction.state.in_(IN_FORCE_VALUES))
        .order_by(Customer.reference, Restriction.id)
    )
    return list(ctx.session.scalars(query))


def recent_contacts(ctx: Context, days: int = RECENT_CONTACT_DAYS) -> list[WebhookEvent]:
    """Contacts escalated or disregarded in the last `days` days, newest first: someone must read each one."""
    since = ctx.now() - dt.timedelta(days=days)
    query = (
        select(WebhookEvent)
        .where(WebhookEvent.outcome.in_(TRIAGE_OUTCOMES), WebhookEvent.received_at >= since)
        .order_by(WebhookEvent.received_at.desc(), WebhookEvent.id.desc())
        .limit(RECENT_CONTACTS_SHOWN)
    )
    return list(ctx.session.scalars(query))


def dashboard(ctx: Context) -> dict:
    """The signed-in officer's dashboard as plain data, scoped to their role (agents: arrangements only)."""
    rows = in_force(ctx)
    record_read(ctx, "dashboard", "restrictions", [r.id for r in rows], [r.customer_id for r in rows])
    data: dict[str, Any] = {
        "view": view_level(ctx.actor.role),
        "role": ctx.actor.role.value if ctx.actor.role else "",
        "today": ctx.today().isoformat(),
        "in_force": [_in_force_row(r, view_level(ctx.actor.role)) for r in rows],
        "outages": helpdesk_outages(ctx),  # everyone: flags and notes may be missing from new tickets meanwhile
    }
    if data["view"] == "agent" or ctx.actor.role not in (Role.OFFICER, Role.SENIOR, Role.ADMIN):
        data["view"] = "agent"
        return data
    due = what_is_due(ctx)
    today = due.today
    data.update(
        {
            "reviews": [
                {
                    **_ref(r),
                    "review_due": r.review_due.isoformat() if r.review_due else None,
                    "overdue": bool(r.review_due and r.review_due < today),
                }
                for r in due.reviews
            ],
            "interims": [
                {**_ref(r), "confirm_by": r.confirm_by.isoformat() if r.confirm_by else None} for r in due.interims
            ],
            "appeals": [_appeal_row(a, today) for a in due.appeals],
            "letters": [{"id": x.id, "kind": x.kind, "customer": x.customer.reference} for x in due.letters],
            "contacts": [_contact_row(ctx, e) for e in recent_contacts(ctx)],
            "dead_actions": {"count": due.dead_count, "first": due.dead},
        }
    )
    return data


def _ref(r: Restriction) -> dict:
    return {"restriction": r.id, "customer": r.customer.reference, "customer_name": r.customer.name}


def _in_force_row(r: Restriction, view: str) -> dict:
    """An arrangement in force: who, how, when; no reasons (R50). Officers also see whether it is interim or under
    appeal; an agent sees the arrangement only."""
    row = {**_ref(r), **arrangement(r)}
    return row if view == "agent" else {**row, "state": r.state}


def _appeal_row(a: Appeal, today: dt.date) -> dict:
    return {
        "id": a.id,
        "kind": a.kind,
        "subject": a.restriction_id or a.warning_id,
        "customer": a.customer.reference,
        "decision_due": a.decision_due.isoformat(),
        "late_decision": a.decision_due < today,
        "lodged_late": bool(a.late),
    }


def _contact_row(ctx: Context, e: WebhookEvent) -> dict:
    """A contact to triage: when, what was decided, which ticket; never the message or the screen's hits."""
    customer = ctx.session.get(Customer, e.customer_id) if e.customer_id else None
    return {
        "id": e.id,
        "received_at": e.received_at.isoformat(timespec="minutes"),
        "outcome": e.outcome,
        "ticket": e.ticket_id,
        "connection": e.connection_id,
        "restriction": e.restriction_id,
        "customer": customer.reference if customer else None,
    }
