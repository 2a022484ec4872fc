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
from dataclasses import dataclass
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
from .audit import record_read
from .context import Actor, Context
from .terms import RestrictionTerms, terms_of

VIEW = "sidebar.viewed"

# What contactguard did with a ticket, in the words an agent reads.
OUTCOME_WORDS = {
    "allow": "Allowed: nothing to do",
    "flag": "Flagged: the customer is restricted",
    "disregard": "Disregarded: outside the arrangement",
    "escalate": "Escalated to the sole point of contact",
    "statutory": "Information request: handle under the information rights process",
    "pending": "Being checked",
}


@dataclass(frozen=True)
class TicketOutcome:
    """contactguard's latest decision on this ticket, and whether it assigned the ticket to the contact."""

    outcome: str
    words: str
    routed: bool


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
    ended: str | None = None  # e.g. "lapsed on 2026-11-01"
    ticket: TicketOutcome | None = None
    link: str | None = None  # into contactguard, for officers who may see more

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
        return Panel(state="unknown", ticket=ticket)
    customer_id, reference = found
    restrictions = _restrictions(ctx, customer_id)
    in_force = [r for r in restrictions if r.state in IN_FORCE_VALUES]
    record_read(ctx, VIEW, "restrictions", [r.id for r in in_force], customer_ids=[customer_id])
    link = _link(ctx, reference)
    if in_force:
        return _restricted(in_force[0], reference, ticket, link)
    endings = [(r.ended_at, r) for r in restrictions if r.ended_at is not None]
    if endings:
        ended_at, ended = max(endings, key=lambda pair: pair[0])
        return Panel(
            state="ended",
            customer_reference=reference,
            ticket=ticket,
            link=link,
            ended=f"{ended.state} on {ended_at.date().isoformat()}",
        )
    return Panel(state="not_restricted", customer_reference=reference, ticket=ticket, link=link)


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
                OutboxAction.kind == ActionKind.ASSIGN.value,
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
