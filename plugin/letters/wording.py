"""Plain-English words for the policy's codes, and dates as a letter writes them.

Codes (channels, incident categories, days) are stable identifiers in the database; a customer reads
these words instead. Kept in one table each so a council's own templates can use the same filters.
"""

from __future__ import annotations

import datetime as dt

from ..words import DAY_NAMES, channel, listing

CATEGORIES = {
    "verbal_abuse": "verbal abuse",
    "written_abuse": "abusive correspondence",
    "threat": "a threat",
    "physical_violence": "physical violence",
    "unreasonable_persistence": "unreasonably persistent contact",
    "vexatious": "vexatious contact",
}

# An officer's role as a letter's signature gives it (plugin/policy/vocabulary.py Role).
ROLE_TITLES = {
    "agent": "Customer service agent",
    "officer": "Officer",
    "senior": "Senior officer",
    "admin": "Administrator",
}


def category(code: str) -> str:
    """An incident category code as words."""
    return CATEGORIES.get(code, code.replace("_", " "))


def long_date(value: dt.date | None) -> str:
    """2 March 2026."""
    return "" if value is None else f"{value.day} {value:%B %Y}"


def day_and_date(value: dt.date | None) -> str:
    """Friday 13 March 2026: for deadlines, where the weekday helps."""
    return "" if value is None else f"{value:%A} {long_date(value)}"


def time_window(window: dict) -> str:
    """Monday and Wednesday, 10:00 to 12:00 (telephone)."""
    days = listing(DAY_NAMES.get(d, d) for d in window.get("days", []))
    text = f"{days}, {window.get('start')} to {window.get('end')}"
    channels = window.get("channels") or []
    return f"{text} ({listing(channel(c) for c in channels)})" if channels else text


_DETERMINERS = {"a", "an", "the", "my", "your", "his", "her", "their", "our"}


def role_phrase(role: str | None) -> str:
    """A role as an officer typed it, fit to follow a name in a sentence: "Mental health social worker" ->
    "your mental health social worker"; "CMHT nurse" -> "your CMHT nurse"; "the family's advocate" stays as written.

    Only a capitalised ordinary first word is lowered (an acronym or a name such as "NHS" or "McKenzie" keeps its
    capitals); a role that starts with its own determiner gets no "your"."""
    text = " ".join((role or "").split()).rstrip(".")
    if not text:
        return ""
    first, _, rest = text.partition(" ")
    if first.lower() in _DETERMINERS:
        return text
    if first[:1].isupper() and first[1:] == first[1:].lower():
        first = first[:1].lower() + first[1:]
    return f"your {first} {rest}".rstrip()


FILTERS = {
    "channel": channel,
    "category": category,
    "long_date": long_date,
    "day_and_date": day_and_date,
    "listing": listing,
    "time_window": time_window,
    "role_phrase": role_phrase,
}
