"""The panel in plain words, for helpdesks that draw it themselves from JSON (Intercom's Canvas Kit, HubSpot's card),
and what every helpdesk app's request shares: its connection, its context and the reading of a helpdesk's JSON.

The same words as the HTML panel (templates/sidebar/_panel_body.html: dates, times and channels in words), so an agent reads the same thing whichever
helpdesk they work in, and the same need-to-know limits: only what plugin/services/sidebar.py put in the Panel.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import current_app

from ...config import settings_of
from ...models import Connection
from ...services import sidebar as sb
from ...services.context import Actor, Context
from ...words import channels_words, date_words
from . import connection_or_404

log = logging.getLogger(__name__)

# What the state is called, and its tone: danger (restricted), neutral (ended) or fine.
STATUS = {
    "restricted": ("Restricted", "danger"),
    "ended": ("Restriction ended", "neutral"),
    "not_restricted": ("Not restricted", "fine"),
    "unknown": ("Not restricted", "fine"),
}
NO_DECISION = "contactguard has not decided anything on this ticket."
OFFICERS_LINK = "Open the customer in contactguard"


@dataclass(frozen=True)
class PanelWords:
    """The panel as a status, one sentence, the arrangement's rows, this ticket's outcome and what to do about it,
    and the officers' link. `dates` holds the date rows as ISO dates, for helpdesks that format dates themselves."""

    status: str
    tone: str
    summary: str
    rows: tuple[tuple[str, str], ...]
    ticket: str
    link: str | None
    dates: dict[str, str] = field(default_factory=dict)


def words_for(panel: sb.Panel) -> PanelWords:
    status, tone = STATUS[panel.state]
    return PanelWords(
        status=status,
        tone=tone,
        summary=_summary(panel),
        rows=_rows(panel) if panel.restricted else (),
        ticket=_ticket(panel),
        link=panel.link,
        dates=iso_dates(panel),
    )


def _summary(panel: sb.Panel) -> str:
    reference = panel.customer_reference
    if panel.state == "restricted":
        return f"Customer {reference}. Contact is restricted under the Unacceptable Actions policy."
    if panel.state == "ended":
        return f"Customer {reference}. The restriction has ended ({panel.ended}): deal with this customer as usual."
    if panel.state == "not_restricted":
        return f"Customer {reference} has no restriction in force: deal with them as usual."
    return "This customer is not on the register: deal with them as usual."


def _rows(panel: sb.Panel) -> tuple[tuple[str, str], ...]:
    """The arrangement, in the order of the HTML panel; empty values say so rather than vanish."""
    rows = [("Sole point of contact", panel.sole_point_of_contact or "not set")]
    if panel.deputy:
        rows.append(("Deputy", panel.deputy))
    rows.append(("Open channels", channels_words(panel.channels) or "none"))
    rows.append(("Times", panel.time_windows or "any time"))
    for line in panel.arrangement_lines:  # "Premises excluded: Civic Centre"
        label, _, value = line.partition(": ")
        rows.append((label, value))
    rows.append(("Applies to", panel.scope or "Council-wide"))
    rows.append(("Review date", date_words(panel.review_due) or "not set"))
    if panel.ends_on:
        rows.append(("Ends", date_words(panel.ends_on)))
    return tuple(rows)


def iso_dates(panel: sb.Panel) -> dict[str, str]:
    """The rows that are dates, as ISO dates, for a helpdesk that formats dates itself (HubSpot's DATE)."""
    dates = {"Review date": panel.review_due, "Ends": panel.ends_on} if panel.restricted else {}
    return {label: day.isoformat() for label, day in dates.items() if day is not None}


def _ticket(panel: sb.Panel) -> str:
    if panel.ticket is None:
        return NO_DECISION
    return f"{panel.ticket.words}. {panel.ticket.advice}".strip()


@contextmanager
def sidebar_request(connection_id: str, adapter: str) -> Iterator[tuple[Connection, Context]]:
    """One unit of work for an app's request: the connection with this id (404 unless this adapter's) and the
    context it acts in, the system named after the connection (identifiers only)."""
    settings = settings_of(current_app)
    with current_app.extensions["contactguard.sessions"]() as session, session.begin():
        connection = connection_or_404(session, connection_id, adapter=adapter)
        yield connection, Context(session, Actor.system(f"sidebar:{connection.id[:6]}"), settings)


def log_refusal(connection: Connection, status: int) -> None:
    log.info(
        "sidebar request refused connection=%s adapter=%s status=%s", connection.id[:6], connection.adapter, status
    )


def text_or_none(value) -> str | None:
    """A helpdesk's id or address as text; None for what is missing or not a scalar (lists, objects, booleans)."""
    if value is None or isinstance(value, (bool, dict, list)) or value == "":
        return None
    return str(value)


def texts(*values) -> list[str]:
    return [t for t in (text_or_none(v) for v in values) if t is not None]


def object_or_empty(value) -> dict:
    """A JSON object from a helpdesk's body, or {} when it sent something else there."""
    return value if isinstance(value, dict) else {}
