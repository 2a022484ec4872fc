"""Appeals (Glasgow article 6120; R35-R38): windows, grounds and who may hear them."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from .calendar import WorkingCalendar
from .lifecycle import APPEALABLE
from .restrictions import Problem
from .vocabulary import Role


def restriction_appeal_open(
    state: str, deemed_receipt: dt.date | None, deadline: dt.date | None, today: dt.date, appeals_lodged: list[dt.date]
) -> bool:
    """May the customer still appeal this restriction (R36, R41)? Its letter was deemed received, the window
    has not closed, the restriction stands appealable, and no appeal was lodged since that letter."""
    if deemed_receipt is None or deadline is None or deadline < today:
        return False
    if state not in {s.value for s in APPEALABLE}:
        return False
    return not any(received_on >= deemed_receipt for received_on in appeals_lodged)


class Grounds(str, enum.Enum):
    """Why the customer appeals (R37); a warning may be appealed only for factual inaccuracy (R35)."""

    FACTUAL_INACCURACY = "factual_inaccuracy"
    NOT_UNACCEPTABLE = "not_unacceptable"
    DISPROPORTIONATE = "disproportionate"
    PERSONAL_CIRCUMSTANCES = "personal_circumstances"
    OTHER = "other"


class Outcome(str, enum.Enum):
    """What the hearing officer decides."""

    UPHELD = "upheld"  # the decision stands
    VARIED = "varied"  # a different course agreed: terms amended
    QUASHED = "quashed"  # the restriction is lifted / the warning withdrawn


@dataclass(frozen=True)
class AppealWindow:
    """The lodging window, counted in working days from deemed receipt of the letter."""

    deemed_receipt: dt.date | None
    working_days: int

    def closes_on(self, calendar: WorkingCalendar) -> dt.date | None:
        """Last day to lodge; None while no letter has been deemed received (the clock has not started)."""
        if self.deemed_receipt is None:
            return None
        return calendar.add_working_days(self.deemed_receipt, self.working_days)

    def is_late(self, received_on: dt.date, calendar: WorkingCalendar) -> bool:
        """True when an appeal received on `received_on` arrived after the window closed."""
        closes = self.closes_on(calendar)
        return closes is not None and received_on > closes


def lodging_problems(
    *,
    kind: str,
    grounds: Grounds,
    received_on: dt.date,
    window: AppealWindow,
    calendar: WorkingCalendar,
    late_reason: str | None,
    today: dt.date | None = None,
) -> list[Problem]:
    """Refuse a warning appeal on other grounds, a late appeal without an exceptional reason, and an appeal dated
    after `today` (the council's date): a date not yet come is a typing slip, and would move every deadline."""
    problems = []
    if today is not None and received_on > today:
        problems.append(
            Problem(
                "received_on",
                "in_the_future",
                f"the appeal cannot have been received after today ({today.isoformat()}); check the date",
                "R36",
            )
        )
    if kind == "warning" and Grounds(grounds) != Grounds.FACTUAL_INACCURACY:
        problems.append(
            Problem(
                "grounds", "warning_grounds", "a warning can be appealed only on grounds of factual inaccuracy", "R35"
            )
        )
    closes = window.closes_on(calendar)
    if window.is_late(received_on, calendar) and not (late_reason and late_reason.strip()):
        problems.append(
            Problem(
                "received_on",
                "appeal_out_of_time",
                f"the appeal window closed on {closes} ({window.working_days} working "
                f"days after deemed receipt on {window.deemed_receipt}); a late appeal "
                "is accepted only with a recorded exceptional reason",
                "R36",
            )
        )
    return problems


def hearing_problems(
    *, hearer_id: int, hearer_role: Role, involved_ids: set[int], hearer_active: bool = True
) -> list[Problem]:
    """The appeal is heard by a senior officer in post, not involved in the original decision (R36)."""
    problems = []
    if not hearer_active:
        problems.append(
            Problem(
                "heard_by",
                "hearer_inactive",
                "the hearing officer is no longer active; choose a senior officer in post",
                "R36",
            )
        )
    if Role(hearer_role) != Role.SENIOR:
        problems.append(Problem("heard_by", "senior_required", "an appeal is heard by a senior officer", "R36"))
    if hearer_id in involved_ids:
        problems.append(
            Problem(
                "heard_by",
                "hearer_involved",
                "the hearing officer was involved in the original decision; choose a senior officer who was not",
                "R36",
            )
        )
    return problems


def decision_due(lodged_on: dt.date, working_days: int, calendar: WorkingCalendar) -> dt.date:
    """The written outcome is due this many working days after the appeal was lodged (R36)."""
    return calendar.add_working_days(lodged_on, working_days)
