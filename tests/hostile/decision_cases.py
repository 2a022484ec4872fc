"""Random contacts and terms for the pure decision, shared by the property tests and `make fuzz`.

Times cluster around the Europe/London clock changes (the hour that does not exist in March, the hour that
happens twice in October) as well as anywhere from 1990 to 2100."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from plugin.policy.decision import DAYS, Contact, Terms
from plugin.policy.vocabulary import Channel, SpocKind

LONDON = ZoneInfo("Europe/London")
UTC = dt.timezone.utc
CHANNELS = [c.value for c in Channel] + ["fax", ""]
KINDS = [k.value for k in SpocKind]
CLOCK_CHANGES = [
    dt.datetime(y, 3, 31, 1, tzinfo=UTC) - dt.timedelta(days=(dt.date(y, 3, 31).weekday() + 1) % 7)
    for y in range(2024, 2031)
] + [
    dt.datetime(y, 10, 31, 1, tzinfo=UTC) - dt.timedelta(days=(dt.date(y, 10, 31).weekday() + 1) % 7)
    for y in range(2024, 2031)
]
WORDS = [
    "repair",
    "rent",
    "council tax",
    "housing",
    "bins",
    "hello",
    "please",
    "claim",
    "noise",
    "parking",
    "complaint",
    "benefit",
    "school",
    "the",
    "my",
    "help",
    "today",
    "\x00",
    "é",
    "☃",
    "<b>",
    "\n",
]
INFO_REQUESTS = [
    "This is a Freedom of Information request for the file.",
    "I make a subject access request.",
    "Please treat this as an FOI request",
    "Under Article 15 I ask for my data (a DSAR).",
]
OFFICERS = [1, 2, 3, 4, 5]
SERVICES = [None, 1, 2]


def random_time(r: random.Random) -> dt.datetime:
    if r.random() < 0.7:
        return r.choice(CLOCK_CHANGES) + dt.timedelta(minutes=r.randrange(-180, 181))
    return dt.datetime(1990, 1, 1, tzinfo=UTC) + dt.timedelta(seconds=r.randrange(0, 110 * 365 * 86400))


def _clock(r: random.Random) -> str:
    return f"{r.randrange(0, 24):02d}:{r.choice([0, 15, 30, 45, 59]):02d}"


def _text(r: random.Random, n: int = 8) -> str:
    return " ".join(r.choice(WORDS) for _ in range(r.randrange(0, n)))


def random_terms(r: random.Random, ident: int) -> Terms:
    windows = tuple(
        {
            "days": r.sample(DAYS, r.randrange(1, 8)),
            "start": _clock(r),
            "end": _clock(r),
            **({"channels": r.sample(CHANNELS, 2)} if r.random() < 0.3 else {}),
        }
        for _ in range(r.choice([0, 0, 1, 2]))
    )
    return Terms(
        id=ident,
        spoc_kind=r.choice(KINDS + [None]),
        spoc_officer_id=r.choice(OFFICERS + [None]),
        deputy_officer_id=r.choice(OFFICERS + [None]),
        spoc_inbox=r.choice([None, "housing@council.example"]),
        external_email=r.choice([None, "worker@care.example"]),
        allowed_channels=tuple(r.sample(CHANNELS, r.randrange(0, 4))),
        time_windows=windows,
        premises={"excluded": r.sample(["civic centre", "library", "depot"], r.randrange(0, 3))},
        subjects={
            k: r.sample(["rent", "repair", "noise", "parking"], r.randrange(0, 2))
            for k in ("allowed", "excluded")
            if r.random() < 0.4
        },
        scope_service_id=r.choice(SERVICES),
    )


def random_contact(r: random.Random) -> Contact:
    return Contact(
        at=random_time(r),
        channel=r.choice(CHANNELS + [None]),
        assigned_officer_id=r.choice(OFFICERS + [None, 99]),
        addressed_inbox=r.choice([None, "housing@council.example", "other@council.example"]),
        sender_email=r.choice([None, "jane@example.com", "worker@care.example", "WORKER@care.example"]),
        service_id=r.choice(SERVICES),
        premises=r.choice([None, "library", "town hall"]),
        subject=_text(r, 4),
        text=_text(r),
    )


def within(r: random.Random, terms: Terms, contact: Contact) -> tuple[Terms, Contact]:
    """The terms and contact adjusted so that the contact is within the arrangement on every count."""
    local = contact.at.astimezone(LONDON)
    clock = local.strftime("%H:%M")
    channel = r.choice(list(terms.allowed_channels) + [None]) if terms.allowed_channels else contact.channel
    end = (local + dt.timedelta(minutes=1)).strftime("%H:%M")
    window = {"days": [DAYS[local.weekday()]], "start": clock, "end": end if end > clock else "24:00"}
    terms = Terms(
        **{
            **terms.__dict__,
            "time_windows": (window,) if r.random() < 0.7 else (),
            "subjects": {"allowed": terms.subjects.get("allowed", [])},
            "premises": {"excluded": [p for p in terms.premises.get("excluded", []) if p != contact.premises]},
        }
    )
    allowed = terms.subjects["allowed"]
    inbox = terms.spoc_inbox if terms.spoc_kind == SpocKind.SHARED_INBOX.value else contact.addressed_inbox
    contact = Contact(
        **{
            **contact.__dict__,
            "channel": channel,
            "assigned_officer_id": r.choice([terms.spoc_officer_id, terms.deputy_officer_id, None]),
            "addressed_inbox": inbox if r.random() < 0.5 else None,
            "service_id": r.choice([None, terms.scope_service_id]),
            "text": contact.text + (f" about {allowed[0]}" if allowed else ""),
        }
    )
    return terms, contact
