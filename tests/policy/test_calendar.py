"""Working days and deemed receipt (R40, R41): the same helper everywhere deadlines are computed."""

import datetime as dt

import pytest

from plugin.policy.calendar import WorkingCalendar, add_months

SCT, ENG = WorkingCalendar("SCT"), WorkingCalendar("ENG")
D = dt.date


@pytest.mark.parametrize(
    "start, count, expected",
    [
        (D(2026, 3, 2), 0, D(2026, 3, 2)),
        (D(2026, 3, 2), 5, D(2026, 3, 9)),  # Monday + 5 = next Monday
        (D(2026, 3, 6), 1, D(2026, 3, 9)),  # Friday + 1 = Monday
        (D(2026, 12, 23), 5, D(2027, 1, 5)),  # Christmas, Boxing Day observed, 1 Jan, 2 Jan observed on 4 Jan
        (D(2026, 11, 23), 10, D(2026, 12, 8)),  # St Andrew's Day, 30 Nov, in Scotland
        (D(2026, 7, 31), 1, D(2026, 8, 4)),  # Scottish summer bank holiday, first Monday of August
    ],
)
def test_working_days_in_scotland(start, count, expected):
    assert SCT.add_working_days(start, count) == expected


@pytest.mark.parametrize(
    "start, count, expected",
    [
        (D(2026, 11, 23), 10, D(2026, 12, 7)),  # no St Andrew's Day in England
        (D(2026, 8, 28), 1, D(2026, 9, 1)),  # English summer bank holiday, last Monday of August
        (
            D(2026, 12, 31),
            1,
            D(2027, 1, 4),
        ),  # 2 January is not a holiday in England, but 1 Jan is and the 2nd is a Saturday
    ],
)
def test_working_days_in_england(start, count, expected):
    assert ENG.add_working_days(start, count) == expected


def test_working_days_between_counts_after_the_start():
    assert SCT.working_days_between(D(2026, 3, 2), D(2026, 3, 9)) == 5
    assert SCT.working_days_between(D(2026, 3, 9), D(2026, 3, 2)) == 0


@pytest.mark.parametrize(
    "sent, method, deemed",
    [
        (D(2026, 3, 2), "post_first_class", D(2026, 3, 4)),
        (D(2026, 3, 6), "post_first_class", D(2026, 3, 10)),
        (D(2026, 3, 2), "post_second_class", D(2026, 3, 6)),
        (D(2026, 3, 7), "email", D(2026, 3, 9)),  # sent on a Saturday: received Monday
        (D(2026, 3, 2), "hand", D(2026, 3, 2)),
    ],
)
def test_deemed_receipt(sent, method, deemed):
    """R41: the clock starts at receipt, not sending; record the delivery method and the rule."""
    assert SCT.deemed_receipt(sent, method) == deemed


def test_unknown_delivery_method_and_negative_counts_are_refused():
    with pytest.raises(ValueError, match="pigeon"):
        SCT.deemed_receipt(D(2026, 3, 2), "pigeon")
    with pytest.raises(ValueError):
        SCT.add_working_days(D(2026, 3, 2), -1)


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
        (D(2027, 8, 31), 6, D(2028, 2, 29)),
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2026, 3, 2), 6, D(2026, 9, 2)),
        (D(2026, 11, 15), 3, D(2027, 2, 15)),
    ],
)
def test_add_months_clamps_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_holiday_names_are_available_for_messages():
    assert "Andrew" in SCT.holiday_name(D(2026, 11, 30))
    assert ENG.holiday_name(D(2026, 11, 30)) is None
