"""The figures each report gives for the history in conftest.py (today is 15 December 2026)."""

import datetime as dt

from plugin.services import reports
from tests.reports.conftest import TODAY


def _run(cast, report_id, start=None, end=None, who="senior"):
    with cast.act(who) as ctx:
        return reports.run(ctx, report_id, start, end)


def _row(report, label):
    return next(row[1:] for row in report.rows if row[0] == label)


def test_warnings_issued_and_how_many_a_restriction_followed(history, cast, today):
    """R10: 'in around half of all cases, a warning letter has the desired effect'."""
    report = _run(cast, "warnings")
    assert [c.key for c in report.columns] == [
        "month",
        "issued",
        "followed_by_restriction",
        "no_restriction",
        "in_follow_up",
        "withdrawn",
    ]
    assert _row(report, "2026-03") == [4, 2, 2, 0, 0], "A and B restricted; C and D not, and their follow-up is over"
    assert _row(report, "2026-07") == [1, 1, 0, 0, 0]
    assert _row(report, "2026-11") == [1, 0, 0, 1, 0], "E is still inside the 3-month follow-up"
    march = _run(cast, "warnings", dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert [row[0] for row in march.rows] == ["2026-03"]
    assert ("Share followed by a restriction (follow-up over)", "50%") in march.summary
    assert ("Share with no restriction (policy expects about half)", "50%") in march.summary


def test_the_default_range_is_the_last_twelve_calendar_months(history, cast, today):
    report = _run(cast, "contacts")
    assert (report.start, report.end) == (dt.date(2026, 1, 1), TODAY.date())
    assert [row[0] for row in report.rows] == [f"2026-{m:02d}" for m in range(1, 13)]


def test_restrictions_in_force_by_type_and_age_today(history, cast, today):
    """H was lifted in October, so it is not in force; F has run for more than a year."""
    by_type = _run(cast, "restrictions-by-type")
    assert by_type.rows == [["after_warning", 2], ["without_warning", 1], ["serious_threat", 1], ["interim", 1]]
    by_age = _run(cast, "restrictions-by-age")
    assert by_age.rows == [["under 3 months", 2], ["3 to 6 months", 0], ["6 to 12 months", 2], ["over 12 months", 1]]
    assert ("In force on", "2026-12-15") in by_age.summary


def test_restrictions_in_force_as_at_the_end_of_an_earlier_range(history, cast, today):
    """On 30 September H was in force (lifted on 1 October); G and the interim action came later."""
    end = dt.date(2026, 9, 30)
    by_type = _run(cast, "restrictions-by-type", dt.date(2026, 1, 1), end)
    assert by_type.rows == [["after_warning", 3], ["without_warning", 0], ["serious_threat", 1], ["interim", 0]]
    by_age = _run(cast, "restrictions-by-age", dt.date(2026, 1, 1), end)
    assert by_age.rows == [["under 3 months", 1], ["3 to 6 months", 0], ["6 to 12 months", 3], ["over 12 months", 0]]


def test_reviews_on_time_and_late_per_month(history, cast, today):
    """R42, R47: A's review held on its due date, B's nearly a month late; F's never held (overdue)."""
    report = _run(cast, "reviews")
    assert _row(report, "2026-09") == [1, 0] and _row(report, "2026-10") == [0, 1]
    assert report.total("on_time") + report.total("late") == 2
    assert ("Held on time", "50%") in report.summary and ("Reviews overdue today", "1") in report.summary


def test_appeals_lodged_and_their_outcomes(history, cast, today):
    report = _run(cast, "appeals")
    assert [c.key for c in report.columns] == ["month", "lodged", "upheld", "varied", "quashed", "undecided"]
    assert _row(report, "2026-03") == [1, 1, 0, 0, 0]
    assert _row(report, "2026-11") == [1, 0, 0, 0, 1], "G's appeal is still being heard"
    assert ("Upheld (of those decided)", "100%") in report.summary


def test_disregarded_and_escalated_contacts_by_local_month(history, cast, today):
    """00:30 on 1 June in London is 31 May in UTC: it counts in June. Allowed contacts are not counted."""
    report = _run(cast, "contacts")
    assert _row(report, "2026-05") == [0, 0]
    assert _row(report, "2026-06") == [3, 1]
    assert _row(report, "2026-12") == [1, 0]
    assert report.summary == [("Contacts disregarded", "4"), ("Contacts escalated", "1")]
