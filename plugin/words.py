"""Dates, times and contact windows as people read them on pages, panels and ticket notes (GOV.UK style).

"7 June 2027", "7 June 2027 at 2:05pm" in UK time (the council's zone, TIMEZONE), "Mondays and Wednesdays,
10am to 12 noon". The database keeps ISO dates, UTC times and day codes; only what a person reads changes.
Letters have their own wording (plugin/letters/wording.py): a letter quotes times as the policy's letters do.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def listing(items) -> str:
    """e-mail, letter and telephone."""
    items = [str(i) for i in items]
    return "".join(items) if len(items) <= 1 else f"{', '.join(items[:-1])} and {items[-1]}"


# The policy's channel codes as a person reads them, on pages, panels, notes and letters alike.
CHANNELS = {
    "email": "e-mail",
    "telephone": "telephone",
    "letter": "letter",
    "in_person": "in person",
    "web_form": "the online contact form",
    "chat": "web chat",
    "sms": "text message (SMS)",
    "social_media": "social media",
}


def channel(code: str) -> str:
    """A channel code as words ("web_form": "the online contact form"; unknown codes as they are, with spaces)."""
    return CHANNELS.get(code, code.replace("_", " "))


DAY_ORDER = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}


def _as_date(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def date_words(value) -> str:
    """A date (or an ISO date string) as GOV.UK writes it: 7 June 2027; empty for none."""
    day = _as_date(value)
    return "" if day is None else f"{day.day} {day:%B %Y}"


def _as_moment(value) -> dt.datetime | None:
    if value is None or value == "":
        return None
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.timezone.utc)  # stored times are UTC


def clock_words(value) -> str:
    """A time of day as GOV.UK writes it: 10am, 2:05pm, 12 noon, midnight."""
    hour, minute = (value.hour, value.minute) if isinstance(value, dt.time) else map(int, str(value).split(":")[:2])
    if minute == 0 and hour in (0, 24):
        return "midnight"
    if minute == 0 and hour == 12:
        return "12 noon"
    suffix = "am" if hour % 24 < 12 else "pm"
    shown = hour % 12 or 12
    return f"{shown}{suffix}" if minute == 0 else f"{shown}:{minute:02d}{suffix}"


def time_words(value, zone: ZoneInfo) -> str:
    """A moment (aware, or an ISO string; naive means UTC) in the council's zone: 7 June 2027 at 2:05pm."""
    moment = _as_moment(value)
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    return f"{date_words(local.date())} at {clock_words(local.time())}"


def days_words(days) -> str:
    """Day codes as words: "Mondays and Wednesdays", "Monday to Friday", "every day"."""
    wanted = sorted({d for d in days if d in DAY_NAMES}, key=DAY_ORDER.index)
    if len(wanted) == len(DAY_ORDER):
        return "every day"
    positions = [DAY_ORDER.index(d) for d in wanted]
    if len(wanted) >= 3 and positions == list(range(positions[0], positions[-1] + 1)):
        return f"{DAY_NAMES[wanted[0]]} to {DAY_NAMES[wanted[-1]]}"
    return listing(f"{DAY_NAMES[d]}s" for d in wanted)


def window_words(window: dict) -> str:
    """One contact window: "Mondays and Wednesdays, 10am to 12 noon" (", by telephone" when it is for a channel)."""
    days = days_words(window.get("days") or ())
    text = f"{days[:1].upper()}{days[1:]}, {clock_words(window['start'])} to {clock_words(window['end'])}"
    channels = window.get("channels") or []
    return f"{text}, by {listing(channel(c) for c in channels)}" if channels else text


def windows_words(windows) -> str:
    """Every window, separated by semicolons; empty when contact is not limited to times."""
    return "; ".join(window_words(w) for w in windows or ())


def channels_words(codes) -> str:
    """Channel codes as words: "e-mail, letter and the online contact form"."""
    return listing(channel(c) for c in codes or ())
