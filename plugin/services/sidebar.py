"""The panel beside a ticket: what an agent needs at a glance about the customer, and nothing more.

Restricted or not, the arrangement (who the customer deals with and their deputy, the open channels and
times, premises and subjects), the review date, what contactguard did with THIS ticket, and whether a
restriction has lapsed or ended. Need to know (R50; Clift v Slough): never reasons, incidents, health,
social-work or appeal details; the arrangement is put into words by terms.terms_of, exactly as the ticket's
flag and notes put it, so an external contact keeps its neutral label.

It stays fast on a large register: one indexed query finds the customer by identity (the normal forms of
plugin/identity.py, as the webhook pipeline matches), one reads their restrictions, one this ticket's latest
decision. Each panel shown is an audited read (`sidebar.viewed`, identifiers only).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from adapters.base import ActionKind

from .. import identity as idn
from ..config import Settings
from ..models import Connection, Customer, Identity, OutboxAction, Restriction, WebhookEvent
from ..policy.lifecycle import IN_FORCE_VALUES
from ..secretbox import _key_from_settings
from ..words import date_words
from .audit import record_read
from .context import Actor, Context
from .terms import RestrictionTerms, terms_of

VIEW = "sidebar.viewed"

# What contactguard did with a ticket, in the words an agent reads.
OUTCOME_WORDS = {
    "allow": "Allowed",
    "flag": "Flagged: the customer is restricted, and this contact is within the arrangement",
    "disregard": "Disregarded: this contact is outside the arrangement",
    "escalate": "Escalated: the safeguarding screen found words that may mean a risk",
    "statutory": "Information request (freedom of information, environmental information or subject access)",
    "pending": "Being checked",
}
# And what the agent does next: (when contactguard moved the ticket on, when it did not). {spoc} names the sole point
# of contact ("the sole point of contact, Olly Officer"), or says "the sole point of contact" when none is known here.
ADVICE = {
    "allow": ("Deal with it as usual.", "Deal with it as usual."),
    "flag": (
        "It has been assigned to {spoc}: leave it to them. Reply only within the arrangement.",
        "Only {spoc} deals with this customer: if the ticket is with you, pass it to them.",
    ),
    "disregard": (
        "Do not reply to it. It has gone to {spoc}, who reads it for new information and safeguarding concerns.",
        "Do not reply to it. Pass it to {spoc}, who must read it for new information and safeguarding concerns.",
    ),
    "escalate": (
        "Read it now and act on any risk under the safeguarding procedure. It has gone to {spoc}.",
        "Read it now and act on any risk under the safeguarding procedure, and tell {spoc}.",
    ),
    "statutory": (
        "It has been moved to the information-rights team, who answer it within the legal time limit. It is never "
        "disregarded.",
        "Pass it to the information-rights team now: it is never disregarded, and the law sets a time limit.",
    ),
    "pending": (
        "Wait a moment and reload the panel before you reply.",
        "Wait a moment and reload the panel before you reply.",
    ),
}
ROUTING = {"statutory": ActionKind.MOVE_QUEUE.value}  # how contactguard moves a ticket on; ASSIGN for the rest


@dataclass(frozen=True)
class TicketOutcome:
    """contactguard's latest decision on this ticket, whether it moved the ticket on, and what the agent does next."""

    outcome: str
    words: str
    routed: bool
    advice: str = ""


@dataclass(frozen=True)
class Panel:
    """What the panel shows. `state` is restricted | not_restricted | ended | unknown (no identity matched)."""

    state: str
    customer_reference: str | None = None
    sole_point_of_contact: str | None = None
    deputy: str | None = None
    channels: tuple[str, ...] = ()
    time_windows: str | None = None
    arrangement_lines: tuple[str, ...] = ()
    scope: str | None = None
    review_due: dt.date | None = None
    ends_on: dt.date | None = None
    ended: str | None = None  # e.g. "lapsed on 1 November 2026"
    ticket: TicketOutcome | None = None
    link: str | None = None  # into contactguard, for officers who may see more
    contact_name: str | None = None  # the sole point of contact as the advice names them

    @property
    def restricted(self) -> bool:
        return self.state == "restricted"


def panel_for(
    ctx_or_session, connection: Connection, *, emails=(), phones=(), helpdesk_user_id=None, ticket_id=None
) -> Panel:
    """The panel for the customer these identities belong to, on this connection's ticket."""
    ctx = _context(ctx_or_session)
    ticket = ticket_outcome(ctx, connection, ticket_id)
    found = _customer(ctx, _wanted(connection.id, emails, phones, helpdesk_user_id))
    if found is None:
        return Panel(state="unknown", ticket=with_advice(ticket, None))
    customer_id, reference = found
    restrictions = _restrictions(ctx, customer_id)
    in_force = [r for r in restrictions if r.state in IN_FORCE_VALUES]
    record_read(ctx, VIEW, "restrictions", [r.id for r in in_force], customer_ids=[customer_id])
    link = _link(ctx, reference)
    if in_force:
        restricted = _restricted(in_force[0], reference, ticket, link)
        return replace(restricted, ticket=with_advice(ticket, restricted.contact_name))
    endings = [(r.ended_at, r) for r in restrictions if r.ended_at is not None]
    if endings:
        ended_at, ended = max(endings, key=lambda pair: pair[0])
        return Panel(
            state="ended",
            customer_reference=reference,
            ticket=with_advice(ticket, None),
            link=link,
            ended=f"{ended.state} on {date_words(ended_at.astimezone(ctx.settings.zone))}",
        )
    return Panel(state="not_restricted", customer_reference=reference, ticket=with_advice(ticket, None), link=link)


def with_advice(ticket: TicketOutcome | None, contact_name: str | None) -> TicketOutcome | None:
    """The ticket's outcome with what the agent does next, naming the sole point of contact when one is known."""
    if ticket is None:
        return None
    spoc = f"the sole point of contact, {contact_name}" if contact_name else "the sole point of contact"
    moved, not_moved = ADVICE.get(ticket.outcome, ("", ""))
    return replace(ticket, advice=(moved if ticket.routed else not_moved).format(spoc=spoc))


def _context(ctx_or_session) -> Context:
    if isinstance(ctx_or_session, Session):
        return Context(ctx_or_session, Actor.system("sidebar"), Settings())  # the defaults: no PUBLIC_URL, no link
    return ctx_or_session


def _wanted(connection_id: str, emails, phones, helpdesk_user_id) -> list[tuple[str, str, str]]:
    """Normal forms to look for; values that cannot be identities are skipped, as the pipeline does."""
    wanted = []
    for kind, raws in (("email", emails), ("phone", phones)):
        for raw in raws:
            try:
                wanted.append((kind, idn.normalise(kind, raw), ""))
            except idn.IdentityError:
                continue
    if helpdesk_user_id:
        wanted.append(("helpdesk_user", str(helpdesk_user_id).strip(), connection_id))
    return wanted


def _customer(ctx: Context, wanted) -> tuple[int, str] | None:
    """One indexed query (ix_identities_lookup): the first matching identity's customer and reference."""
    if not wanted:
        return None
    clauses = [(Identity.kind == k) & (Identity.value == v) & (Identity.connection_id == c) for k, v, c in wanted]
    row = ctx.session.execute(
        select(Identity.customer_id, Customer.reference)
        .join(Customer, Customer.id == Identity.customer_id)
        .where(or_(*clauses))
        .order_by(Identity.id)
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def _restrictions(ctx: Context, customer_id: int) -> list[Restriction]:
    """One query on the indexed customer id: every restriction, with the officers the panel names."""
    query = (
        select(Restriction)
        .where(Restriction.customer_id == customer_id)
        .order_by(Restriction.id)
        .options(
            joinedload(Restriction.spoc_officer),
            joinedload(Restriction.deputy_officer),
            joinedload(Restriction.scope_service),
        )
    )
    return list(ctx.session.scalars(query))


def _restricted(r: Restriction, reference: str, ticket: TicketOutcome | None, link: str | None) -> Panel:
    terms = terms_of(r)
    return Panel(
        state="restricted",
        customer_reference=reference,
        sole_point_of_contact=terms.contact,
        deputy=terms.deputy,
        channels=terms.channels,
        time_windows=terms.windows_text or None,
        arrangement_lines=_arrangement_lines(terms),
        scope=terms.scope_name or "Council-wide",
        review_due=terms.review_due,
        ends_on=terms.ends_on,
        ticket=ticket,
        link=link,
        contact_name=r.spoc_officer.name if r.spoc_officer is not None else terms.contact,
    )


def _arrangement_lines(terms: RestrictionTerms) -> tuple[str, ...]:
    """Premises and subjects, e.g. 'Premises excluded: Civic Centre'."""
    lines = []
    for title, limits in (("Premises", terms.premises), ("Subjects", terms.subjects)):
        for which in sorted(limits):
            values = limits[which] or []
            if values:
                lines.append(f"{title} {which}: {', '.join(values)}")
    return tuple(lines)


def ticket_outcome(ctx: Context, connection: Connection, ticket_id) -> TicketOutcome | None:
    """contactguard's latest decision on this ticket of this connection (None: none recorded)."""
    if ticket_id in (None, ""):
        return None
    ticket = str(ticket_id)
    outcome = ctx.session.scalar(
        select(WebhookEvent.outcome)
        .where(WebhookEvent.connection_id == connection.id, WebhookEvent.ticket_id == ticket)
        .order_by(WebhookEvent.id.desc())
        .limit(1)
    )
    if outcome is None:
        return None
    routed = (
        ctx.session.scalar(
            select(OutboxAction.id)
            .where(
                OutboxAction.connection_id == connection.id,
                OutboxAction.ticket_id == ticket,
                OutboxAction.kind == ROUTING.get(outcome, ActionKind.ASSIGN.value),
            )
            .limit(1)
        )
        is not None
    )
    return TicketOutcome(outcome=outcome, words=OUTCOME_WORDS.get(outcome, outcome), routed=routed)


def _link(ctx: Context, reference: str) -> str | None:
    base = ctx.settings.PUBLIC_URL
    return f"{base.rstrip('/')}/customers/{reference}" if base else None


# Signed links: the helpdesk (or its template) signs each panel URL with the connection's sidebar key.

MAX_LINK_LIFETIME = dt.timedelta(days=7)


class LinkRefused(Exception):
    """A panel link that must not be answered: `status` 401 (missing or expired) or 403 (bad signature)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def sidebar_key(settings: Settings, connection: Connection) -> bytes:
    """The connection's sidebar key: HKDF-SHA256 over the app's key material, bound to the connection's id and
    webhook token generation.

    Nothing new to store or lose; `connections rotate-url` (the next generation) revokes every link signed before.
    """
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"contactguard-sidebar-v2",
        info=f"sidebar-link:{connection.id}:{connection.token_generation}".encode(),
    )
    return hkdf.derive(_key_from_settings(settings))


def canonical_query(params) -> str:
    """Every parameter except sig, sorted by name then value, form-encoded: what the signature covers."""
    pairs = sorted((k, v) for k, v in params if k != "sig")
    return urlencode(pairs)


def sign(settings: Settings, connection: Connection, params) -> str:
    """The hex HMAC-SHA256 of the canonical query under the connection's sidebar key."""
    return hmac.new(sidebar_key(settings, connection), canonical_query(params).encode(), hashlib.sha256).hexdigest()


def check_link(settings: Settings, connection: Connection, params, now: dt.datetime) -> None:
    """Accept a signed panel link, or raise LinkRefused saying why (never which part of the signature)."""
    values = dict(params)
    if not values.get("sig") or not values.get("exp"):
        raise LinkRefused(401, "This link is not signed. Open the panel from the helpdesk.")
    try:
        expires = dt.datetime.fromtimestamp(int(values["exp"]), dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise LinkRefused(401, "This link's expiry time is not valid. Open the panel from the helpdesk.") from None
    if not hmac.compare_digest(sign(settings, connection, params), str(values["sig"]).lower()):
        raise LinkRefused(403, "This link's signature is not valid. Open the panel from the helpdesk.")
    if expires <= now:
        raise LinkRefused(401, "This link has expired. Reload the ticket to get a new one.")
    if expires > now + MAX_LINK_LIFETIME:
        raise LinkRefused(403, "This link lasts too long (at most 7 days). Sign it with a nearer expiry.")


def signed_link(
    settings: Settings, connection: Connection, base_url: str, *, ticket: str, email: str, expires: dt.datetime
) -> str:
    """A complete signed panel link (for the CLI's example and for tests)."""
    params = [("ticket", str(ticket)), ("email", email), ("exp", str(int(expires.timestamp())))]
    query = canonical_query(params)
    return f"{panel_path(base_url, connection)}?{query}&sig={sign(settings, connection, params)}"


def panel_path(base_url: str, connection: Connection) -> str:
    """The panel's address: the connection's public id, never its webhook token."""
    return f"{base_url.rstrip('/')}/sidebar/{connection.id}/panel"
