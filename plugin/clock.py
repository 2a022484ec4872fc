"""The one place contactguard reads the time: aware UTC, shown in the council's zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def utcnow() -> dt.datetime:
    """Now, as an aware UTC datetime."""
    return dt.datetime.now(dt.timezone.utc)


def local_today(zone: ZoneInfo) -> dt.date:
    """Today's date where the council is (`settings.zone`: a day starts at local midnight, not UTC's)."""
    return utcnow().astimezone(zone).date()
