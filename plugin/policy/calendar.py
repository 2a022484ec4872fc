"""Working days and deemed receipt: the policy's clock (R40, R41).

Deadlines such as "10 working days of receipt" (Glasgow article 6120) are counted in
working days of the council's jurisdiction, using that jurisdiction's bank holidays from
the `holidays` package, from the date a letter is deemed received.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays

from .restrictions import Problem

# Days after sending on which a letter is deemed received, counted in working days.
# First class post: second working day after posting (Interpretation Act 1978 s.7 practice);
# e-mail and hand delivery: the same working day.
DEFAULT_DEEMED_RECEIPT = {
    "post_first_class": 2,
    "post_second_class": 4,
    "recorded_delivery": 2,
    "email": 0,
    "hand": 0,
    "in_person": 0,
}
DELIVERY_METHODS = tuple(DEFAULT_DEEMED_RECEIPT)


@lru_cache(maxsize=8)
def _bank_holidays(jurisdiction: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv=jurisdiction, years=year)


@dataclass(frozen=True)
class WorkingCalendar:
    """Monday to Friday, less the jurisdiction's bank holidays (default Scotland)."""

    jurisdiction: str = "SCT"

    def is_working_day(self, day: dt.date) -> bool:
        """True on a weekday that is not a bank holiday in this jurisdiction."""
        return day.weekday() < 5 and day not in _bank_holidays(self.jurisdiction, day.year)

    def holiday_name(self, day: dt.date) -> str | None:
        """The bank holiday's name on that day, if any."""
        return _bank_holidays(self.jurisdiction, day.year).get(day)

    def on_or_after(self, day: dt.date) -> dt.date:
        """The first working day on or after `day`."""
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """The date `count` working days after `start` (start itself is day 0)."""
        if count < 0:
            raise ValueError("count must not be negative")
        day = start
        remaining = count
        while remaining:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 if end <= start)."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def deemed_receipt(self, sent_on: dt.date, method: str, rules: dict | None = None) -> dt.date:
        """The date a letter sent on `sent_on` by `method` is deemed received."""
        rules = rules or DEFAULT_DEEMED_RECEIPT
        if method not in rules:
            raise ValueError(f"unknown delivery method {method!r}; expected one of {', '.join(rules)}")
        return self.add_working_days(self.on_or_after(sent_on), rules[method])


def sending_problems(sent_on: dt.date, *, decided_on: dt.date | None, today: dt.date) -> list[Problem]:
    """A letter goes after the decision it reports and not later than today (R32, R41).

    The appeal clock runs from the letter's deemed receipt, so a wrong sending date moves the
    customer's deadline: a date before the decision, or one still to come, is refused.
    """
    problems = []
    if sent_on > today:
        problems.append(
            Problem(
                "sent_on",
                "sent_in_future",
                f"the letter cannot be recorded as sent on {sent_on.isoformat()}, which is after "
                f"today ({today.isoformat()}): record it once it has gone",
                "R41",
            )
        )
    if decided_on is not None and sent_on < decided_on:
        problems.append(
            Problem(
                "sent_on",
                "sent_before_decision",
                f"the letter cannot have been sent on {sent_on.isoformat()}, before the decision "
                f"it reports was made on {decided_on.isoformat()}",
                "R32",
            )
        )
    return problems


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the month's last day (31 Aug + 6 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")
