"""What the policy says about one contact: allow, flag, disregard and triage, escalate, or statutory route.

A pure function of (contact, the customer's restrictions in force, the screen, the clock).
Article 6119: "Where any restriction provides the customer with a sole point of contact, and the
customer continues to attempt to contact multiple officers, the additional contact which falls
outside of the restriction will be disregarded." Disregarded still means read (R24): the screen
escalates safeguarding and new information instead, and information requests are never
disregarded (R28). Every contact from a restricted customer is screened, within the arrangement
too: a risk is escalated wherever it is written.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from .screen import DEFAULT_SCREEN, Screen, screen_for  # noqa: F401 - re-exported
from .vocabulary import SpocKind

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LONDON = ZoneInfo("Europe/London")  # the policy's clock, unless the caller names another zone


class Outcome(str, enum.Enum):
    """The five outcomes; every one carries a reason."""

    ALLOW = "allow"
    FLAG = "flag"
    DISREGARD = "disregard"
    ESCALATE = "escalate"
    STATUTORY = "statutory"


@dataclass(frozen=True)
class Contact:
    """One inbound contact as the adapter saw it."""

    at: dt.datetime
    channel: str | None = None
    assigned_officer_id: int | None = None  # addressed or assigned to this officer
    addressed_inbox: str | None = None  # sent to this mailbox
    sender_email: str | None = None  # who actually wrote (a representative?)
    service_id: int | None = None
    premises: str | None = None
    subject: str = ""
    text: str = ""


@dataclass(frozen=True)
class Terms:
    """A restriction in force, as plain data."""

    id: int
    spoc_kind: str | None
    spoc_officer_id: int | None = None
    deputy_officer_id: int | None = None
    spoc_inbox: str | None = None
    external_email: str | None = None
    allowed_channels: tuple[str, ...] = ()
    time_windows: tuple[dict, ...] = ()
    premises: dict = field(default_factory=dict)
    subjects: dict = field(default_factory=dict)
    scope_service_id: int | None = None


@dataclass(frozen=True)
class Decision:
    """The outcome, why, which restriction, and what the screen found."""

    outcome: Outcome
    reason: str
    restriction_id: int | None = None
    screen_hits: tuple[str, ...] = ()
    within_arrangement: bool = False  # the contact itself kept to the arrangement (an escalation may still say so)
    requests: tuple[str, ...] = ()  # a statutory contact's kinds: subject_access, foi, eir


def decide(
    contact: Contact, restrictions: list[Terms], screen: Screen = DEFAULT_SCREEN, zone: ZoneInfo = LONDON
) -> Decision:
    """The policy's answer for this contact."""
    applicable = [t for t in restrictions if _in_scope(t, contact)]
    if not applicable:
        if restrictions:
            return Decision(Outcome.ALLOW, "restriction is scoped to another service")
        return Decision(Outcome.ALLOW, "not restricted")
    terms = applicable[0]
    # Subject and body are screened apart, both always: a subject alone can carry the risk.
    if screen.is_information_request(contact.subject, contact.text):
        hits = tuple(screen.hits(contact.subject, contact.text))
        kinds = screen.information_requests(contact.subject, contact.text) or ("foi",)
        also = f"; the screen also found {', '.join(hits)}: read it for risk now" if hits else ""
        return Decision(
            Outcome.STATUTORY,
            f"information request ({', '.join(REQUEST_WORDS[k] for k in kinds)}): never disregarded; "
            f"routed to the information-rights team{also}",
            terms.id,
            hits,
            requests=kinds,
        )
    breach = _outside_arrangement(terms, contact, zone)
    hits = tuple(screen.hits(contact.subject, contact.text))
    if breach is None:
        if hits:  # within the arrangement too, a risk is acted on now, not only flagged (R24)
            return Decision(
                Outcome.ESCALATE,
                f"within the arrangement; escalated: the screen found {', '.join(hits)}",
                terms.id,
                hits,
                within_arrangement=True,
            )
        return Decision(
            Outcome.FLAG, "restricted customer contacting within the arrangement", terms.id, within_arrangement=True
        )
    if hits:
        return Decision(
            Outcome.ESCALATE,
            f"{breach}; escalated, not disregarded: the screen found {', '.join(hits)}",
            terms.id,
            hits,
        )
    return Decision(Outcome.DISREGARD, breach, terms.id)


REQUEST_WORDS = {
    "subject_access": "subject access",
    "foi": "freedom of information",
    "eir": "environmental information",
}


def _in_scope(terms: Terms, contact: Contact) -> bool:
    """Council-wide, or the contact is for the restricted service (or its service is unknown)."""
    return terms.scope_service_id is None or contact.service_id in (None, terms.scope_service_id)


def _outside_arrangement(terms: Terms, contact: Contact, zone: ZoneInfo) -> str | None:
    """Why the contact falls outside the arrangement, or None when it is within it."""
    for check in (_check_sender, _check_channel, _check_time, _check_premises, _check_subject, _check_addressee):
        verdict = check(terms, contact, zone)
        if verdict is not None:
            return verdict or None
    return None


def _check_sender(terms: Terms, contact: Contact, zone) -> str | None:
    """Contact from the named representative or worker is never outside the arrangement (R59): '' = within."""
    if terms.external_email and contact.sender_email and contact.sender_email.lower() == terms.external_email.lower():
        return ""
    return None


def _check_channel(terms: Terms, contact: Contact, zone) -> str | None:
    if contact.channel and terms.allowed_channels and contact.channel not in terms.allowed_channels:
        return f"channel {contact.channel} is not open to this customer (open: {', '.join(terms.allowed_channels)})"
    return None


def _check_time(terms: Terms, contact: Contact, zone: ZoneInfo) -> str | None:
    windows = [w for w in terms.time_windows if not w.get("channels") or contact.channel in w["channels"]]
    if not windows:
        return None
    local = contact.at.astimezone(zone)
    day, clock = DAYS[local.weekday()], local.strftime("%H:%M")
    if any(day in w["days"] and w["start"] <= clock < w["end"] for w in windows):
        return None
    return f"outside the permitted times ({local:%a %H:%M} local)"


def _check_premises(terms: Terms, contact: Contact, zone) -> str | None:
    excluded = [p.lower() for p in terms.premises.get("excluded", [])]
    if contact.premises and contact.premises.lower() in excluded:
        return f"premises {contact.premises} are excluded by the restriction"
    return None


def _check_subject(terms: Terms, contact: Contact, zone) -> str | None:
    text = f"{contact.subject}\n{contact.text}".lower()
    excluded = [s for s in terms.subjects.get("excluded", []) if s.lower() in text]
    if excluded:
        return f"subject {excluded[0]} is excluded by the restriction"
    allowed = terms.subjects.get("allowed", [])
    if allowed and not any(s.lower() in text for s in allowed):
        return f"subject is not one the restriction allows ({', '.join(allowed)})"
    return None


def _check_addressee(terms: Terms, contact: Contact, zone) -> str | None:
    """Addressed or assigned to an officer (or mailbox) other than the sole point of contact."""
    officer = contact.assigned_officer_id
    if officer is not None and officer not in (terms.spoc_officer_id, terms.deputy_officer_id):
        return "addressed to an officer who is not the customer's sole point of contact"
    inbox = (contact.addressed_inbox or "").lower()
    if inbox and terms.spoc_kind == SpocKind.SHARED_INBOX.value and inbox != (terms.spoc_inbox or "").lower():
        return f"sent to {inbox}, not the customer's sole point of contact"
    return None
