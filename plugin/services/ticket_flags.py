"""Keep the flags on a customer's tickets true when a restriction changes.

When a restriction ends (lifted, withdrawn, quashed on appeal, lifted at review, lapsed), its
flag and tags come off every ticket contactguard put them on; when its terms change (amended,
varied on appeal, amended at review), the arrangement on those tickets is rewritten. If the
customer still has another restriction in force, its arrangement is shown instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial

from sqlalchemy import or_, select

from .. import notes
from ..models import Connection, Officer, Restriction, WebhookEvent
from ..policy.lifecycle import IN_FORCE_VALUES
from . import outbox
from .context import Context
from .cover import cover_on
from .lookup import helpdesk_agent_for
from .outbox import Action
from .terms import terms_of
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
    if still is not None:
        return _queue(ctx, r, r.state, "tickets.flags_removed", lambda connection: [flag_action(still)])
    return _queue(ctx, r, r.state, "tickets.flags_removed", lambda connection: unflag_actions(connection.settings))


def terms_changed(ctx: Context, r: Restriction, previous_spoc_id: int | None = None) -> int:
    """Rewrite the arrangement on the customer's flagged tickets after the terms changed.

    When the sole point of contact changed (`previous_spoc_id` was the SPOC), a ticket still open with the old
    officer is reassigned to the new one (the client checks who holds it when it applies the action), and every
    flagged ticket gets a note saying who the customer's contact now is."""
    if r.state not in IN_FORCE_VALUES:
        return 0
    if previous_spoc_id is None or previous_spoc_id == r.spoc_officer_id:
        flag = _flag_today(ctx, r)
        return _queue(ctx, r, "amended", "tickets.flags_rewritten", lambda connection: [flag])
    previous = ctx.session.get(Officer, previous_spoc_id)
    return _queue(ctx, r, "spoc_changed", "tickets.spoc_changed", partial(_handover, ctx, r, previous))


def cover_changed(ctx: Context, officer_id: int, day: dt.date) -> int:
    """This officer's absence began, ended or was cancelled: on the tickets of the customers they are the sole point
    of contact or the deputy for (named, or as the officer's standing deputy), the flag names who is the contact
    today (the officer, who covers while they are away, or that nobody can)."""
    covers_for = select(Officer.id).where(Officer.deputy_id == officer_id)
    query = select(Restriction).where(
        or_(
            Restriction.spoc_officer_id == officer_id,
            Restriction.deputy_officer_id == officer_id,
            Restriction.spoc_officer_id.in_(covers_for),
        ),
        Restriction.state.in_(IN_FORCE_VALUES),
    )
    count = 0
    for r in ctx.session.scalars(query.order_by(Restriction.id)):
        away, cover = cover_on(ctx, r, day)
        flag = flag_action(r, away, cover)
        count += _queue(ctx, r, "cover", "tickets.flags_rewritten", partial(_same_for_every, [flag]))
    return count


def _flag_today(ctx: Context, r: Restriction) -> Action:
    """The arrangement's flag as it reads today: while the sole point of contact is away, it names who covers (a
    restriction activated or amended during an absence included; the simulated year found these naming the
    absent officer)."""
    away, cover = cover_on(ctx, r, ctx.today())
    return flag_action(r, away, cover)


def _same_for_every(actions: list[Action], connection: Connection) -> list[Action]:
    return actions


def _handover(ctx: Context, r: Restriction, previous: Officer | None, connection: Connection) -> list[Action]:
    """The new arrangement, the ticket moved from the old SPOC to the new one where both are known, and a note."""
    old_agent = helpdesk_agent_for(ctx, connection.id, previous.id if previous else None)
    new_agent = helpdesk_agent_for(ctx, connection.id, r.spoc_officer_id)
    reassign = old_agent is not None and new_agent is not None and old_agent != new_agent
    terms = terms_of(r)
    note = notes.render(
        "spoc_changed",
        day=ctx.today(),
        new=terms.contact,
        old=f"{previous.name} <{previous.email}>" if previous else "an officer no longer on the register",
        old_name=previous.name if previous else "the previous officer",
        new_name=r.spoc_officer.name if r.spoc_officer else terms.contact,
        reassigned=reassign,
    )
    actions: list[Action] = [_flag_today(ctx, r)]
    if reassign and new_agent is not None:
        actions.append(outbox.Assign(new_agent, only_from=old_agent))
    return [*actions, outbox.AddNote(note)]


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


def _queue(
    ctx: Context, r: Restriction, why: str, audit_action: str, actions_for: Callable[[Connection], list[Action]]
) -> int:
    """One set of actions per flagged ticket, under an origin unique to this change."""
    ctx.session.flush()
    origin = f"{why}:{r.id}:{ctx.now().strftime('%Y%m%dT%H%M%S%f')}"
    count = 0
    for connection, ticket_id in flagged_tickets(ctx, r.customer_id):
        count += outbox.write(ctx, connection, actions_for(connection), origin=origin, ticket_id=ticket_id)
    if count:
        ctx.audit(audit_action, r, customer_id=r.customer_id, actions=count)
    return count
