"""Dates that must be true, contact time that must be real, and the Social Work enquiry (issue 8)."""

import datetime as dt

import pytest
import time_machine
from sqlalchemy import func, select

from plugin.config import ConfigError, load_settings
from plugin.models import Appeal, AuditEntry, Letter, Restriction
from plugin.policy.restrictions import weekly_open_minutes
from plugin.services import Refused
from plugin.services import appeals as ap
from plugin.services import incidents as inc
from plugin.services import letters as lt
from plugin.services import restrictions as rs
from plugin.services import reviews as rv
from plugin.services.errors import Conflict, InvalidInput
from plugin.worker.sweeps import run_sweeps
from tests.helpers import email_of


def _letter_id(cast, **link):
    ((column, value),) = link.items()
    with cast.sessions() as s:
        return s.scalar(select(Letter.id).where(getattr(Letter, column) == value).order_by(Letter.id.desc()))


def _unchanged(cast):
    with cast.sessions() as s:
        return (
            s.scalar(select(func.count()).select_from(AuditEntry)),
            s.scalar(select(func.count()).select_from(Restriction)),
            list(s.execute(select(Letter.id, Letter.state, Letter.sent_on).order_by(Letter.id))),
        )


# -- letters: not sent before the decision, nor in the future (R32, R41) --------------------------------


def test_a_letter_is_not_recorded_as_sent_before_its_decision(steps, cast):
    """R32: a senior decision is confirmed in writing, so the letter follows the decision; R41: the appeal
    clock runs from deemed receipt, which a wrong sending date would move."""
    restriction_id = steps.active()
    letter_id = _letter_id(cast, restriction_id=restriction_id)
    before = _unchanged(cast)
    with pytest.raises(Refused) as refused, cast.act("officer") as ctx:
        lt.mark_sent(ctx, letter_id, {"method": "post_first_class", "sent_on": "2026-03-01"})
    assert refused.value.code == "sent_before_decision" and list(refused.value.errors) == ["sent_on"]
    assert "2026-03-02" in refused.value.message
    assert _unchanged(cast) == before, "a refusal changes nothing"


def test_a_letter_is_not_recorded_as_sent_in_the_future(steps, cast):
    """R41: deemed receipt is counted from the day the letter actually went."""
    restriction_id = steps.active()
    letter_id = _letter_id(cast, restriction_id=restriction_id)
    before = _unchanged(cast)
    with pytest.raises(Refused) as refused, cast.act("officer") as ctx:
        lt.mark_sent(ctx, letter_id, {"method": "email", "sent_on": "2026-03-03"})
    assert refused.value.code == "sent_in_future" and list(refused.value.errors) == ["sent_on"]
    assert _unchanged(cast) == before


def test_a_backdated_warning_letter_may_go_on_the_day_of_the_warning(steps, cast):
    """R4: the warning is in writing; its letter's decision date is the day the warning was issued."""
    incident = steps.incident(days_ago=5)
    from plugin.services import incidents as inc

    with cast.act("officer") as ctx:
        warning = inc.issue_warning(
            ctx,
            {
                "customer": "C1",
                "incidents": [incident],
                "issued_on": "2026-02-26",
                "behaviour": "Shouting and swearing on the phone",
                "why_unacceptable": "Staff must work free of abuse",
                "change_requested": "Keep calls civil",
                "consequences": "Your contact may be restricted",
            },
        )
    letter_id = _letter_id(cast, warning_id=warning.id)
    with pytest.raises(Refused), cast.act("officer") as ctx:
        lt.mark_sent(ctx, letter_id, {"method": "hand", "sent_on": "2026-02-25"})
    with cast.act("officer") as ctx:
        assert lt.mark_sent(ctx, letter_id, {"method": "hand", "sent_on": "2026-02-26"}).state == "sent"


# -- review dates: not in the past, not after the end (R42, R44) -----------------------------------------


def test_a_review_date_in_the_past_is_refused_when_it_is_set(steps, cast):
    """Article 6121 / R42: every restriction is reviewed; a review date already past is no review."""
    steps.warning()
    before = _unchanged(cast)
    with pytest.raises(Refused) as refused:
        steps.propose(review_due="2026-03-01")
    assert refused.value.code == "review_in_past" and list(refused.value.errors) == ["review_due"]
    assert _unchanged(cast) == before
    restriction_id = steps.propose(review_due="2026-03-02")
    with pytest.raises(Refused, match="in the past"), cast.act("officer") as ctx:
        rs.amend(ctx, restriction_id, {"reasons": "Bring the review forward", "review_due": "2026-02-27"})


def test_a_review_date_after_the_end_date_is_refused(steps, cast):
    """R44: a restriction is reviewed before it lapses at its end date, not after."""
    steps.warning()
    with pytest.raises(Refused) as refused:
        steps.propose(review_due="2026-08-01", ends_on="2026-06-01")
    assert refused.value.code == "review_after_end" and "2026-06-01" in refused.value.message
    restriction_id = steps.active()
    with pytest.raises(Refused) as amended, cast.act("senior") as ctx:
        rs.amend(ctx, restriction_id, {"reasons": "End the restriction sooner", "ends_on": "2026-05-01"})
    assert list(amended.value.errors) == ["ends_on"], "the date the officer gave is named"
    with cast.sessions() as s:
        assert s.get(Restriction, restriction_id).ends_on is None, "nothing changed"


def test_without_a_review_date_a_short_restriction_is_reviewed_by_its_end(steps, cast):
    """R42-R44: the default review (6 months) falls on the end date when the restriction ends sooner."""
    restriction_id = steps.ready(ends_on="2026-06-01")
    assert steps.activate(restriction_id).review_due == dt.date(2026, 6, 1)


def test_the_next_review_is_neither_past_nor_after_the_end(steps, cast):
    """R42: a review sets the next one; R44: not after the restriction ends."""
    restriction_id = steps.active(ends_on="2026-12-31")
    with pytest.raises(Refused) as past, cast.act("senior") as ctx:
        rv.hold(
            ctx,
            restriction_id,
            {
                "outcome": "continue",
                "reasons": "Behaviour unchanged since March",
                "held_on": "2026-02-20",
                "next_review_due": "2026-02-28",
            },
        )
    assert past.value.code == "review_in_past" and list(past.value.errors) == ["next_review_due"]
    with pytest.raises(Refused) as late, cast.act("senior") as ctx:
        rv.hold(
            ctx,
            restriction_id,
            {"outcome": "continue", "reasons": "Behaviour unchanged since March", "next_review_due": "2027-03-01"},
        )
    assert late.value.code == "review_after_end"
    with (
        time_machine.travel(dt.datetime(2026, 9, 1, 10, tzinfo=dt.timezone.utc), tick=False),
        cast.act("senior") as ctx,
    ):
        review = rv.hold(ctx, restriction_id, {"outcome": "continue", "reasons": "Behaviour unchanged since March"})
    assert review.next_review_due == dt.date(2026, 12, 31), "6 months would pass the end: reviewed by the end"


def test_an_appeal_varying_the_review_date_is_held_to_the_same_rules(steps, cast):
    """R37: a varied outcome is a new arrangement; R42: its review date is not in the past."""
    restriction_id = steps.active()
    with cast.act("officer") as ctx:
        lt.mark_sent(ctx, _letter_id(cast, restriction_id=restriction_id), {"method": "email"})
    with cast.act("officer") as ctx:
        appeal = ap.lodge(
            ctx,
            {
                "restriction": restriction_id,
                "grounds": "disproportionate",
                "statement": "Too long",
                "heard_by": email_of("senior2"),
            },
        )
    with pytest.raises(Refused, match="in the past"), cast.act("senior2") as ctx:
        ap.decide(
            ctx,
            appeal.id,
            {"outcome": "varied", "reasons": "Review it sooner than planned", "terms": {"review_due": "2026-02-01"}},
        )


def test_an_imported_restriction_may_already_be_overdue(steps, cast):
    """R47: a legacy restriction whose review has passed is imported as overdue, not refused."""
    with cast.act("senior") as ctx:
        r = rs.import_active(
            ctx,
            {
                "customer": "C1",
                "path": "after_warning",
                "starts_on": "2025-06-02",
                "review_due": "2025-12-02",
                "why_necessary": "Abuse continued after the warning",
                "spoc_officer": email_of("officer"),
                "allowed_channels": ["email"],
            },
            {"social_work_known": "unknown", "adjustments_needed": False, "other_services": "none"},
        )
    assert r.state == "active" and r.review_due == dt.date(2025, 12, 2)


# -- contact time: a token window is not an open channel (R12, R15) -------------------------------------


@pytest.mark.parametrize(
    "windows, channel, minutes",
    [
        ([], "email", 7 * 24 * 60),
        ([{"days": ["mon"], "start": "10:00", "end": "10:05"}], "telephone", 5),
        ([{"days": ["mon", "wed"], "start": "10:00", "end": "11:00"}], "telephone", 120),
        (
            [{"days": ["mon"], "start": "10:00", "end": "11:00"}, {"days": ["mon"], "start": "10:30", "end": "11:30"}],
            "telephone",
            90,
        ),
        ([{"days": ["mon"], "start": "10:00", "end": "10:05", "channels": ["telephone"]}], "email", 7 * 24 * 60),
    ],
)
def test_weekly_open_minutes(windows, channel, minutes):
    """R15: windows limit when contact is allowed; overlapping windows count once; a channel no window covers
    is open all week."""
    assert weekly_open_minutes(windows, channel) == minutes


def test_a_token_window_does_not_keep_a_channel_open(steps, sessions):
    """R12: 'at least one form of contact' stays open, which five minutes a week on the only open channel
    does not do (R15)."""
    restriction_id = steps.ready(
        allowed_channels=["telephone"], time_windows=[{"days": ["mon"], "start": "10:00", "end": "10:05"}]
    )
    with pytest.raises(Refused) as refused:
        steps.activate(restriction_id)
    assert refused.value.code == "too_little_contact_time" and "time_windows" in refused.value.errors
    with sessions() as s:
        assert s.get(Restriction, restriction_id).state == "proposed"


def test_a_short_window_on_one_channel_is_fine_when_another_stays_open(steps):
    """R12: one channel open is enough; the short telephone window limits only the telephone."""
    restriction_id = steps.ready(
        allowed_channels=["telephone", "letter"],
        time_windows=[{"days": ["mon"], "start": "10:00", "end": "10:05", "channels": ["telephone"]}],
    )
    assert steps.activate(restriction_id).state == "active"


def test_the_minimum_weekly_time_is_a_setting(cast, steps):
    """R12/R15 made configurable: CONTACTGUARD_MIN_WEEKLY_CONTACT_MINUTES (default 60; 0 = no minimum)."""
    assert load_settings(environ={}).MIN_WEEKLY_CONTACT_MINUTES == 60
    with pytest.raises(ConfigError, match="CONTACTGUARD_MIN_WEEKLY_CONTACT_MINUTES"):
        load_settings(environ={"CONTACTGUARD_MIN_WEEKLY_CONTACT_MINUTES": "-5"})
    cast.settings = cast.settings.replace(MIN_WEEKLY_CONTACT_MINUTES=5)
    restriction_id = steps.ready(
        allowed_channels=["telephone"], time_windows=[{"days": ["mon"], "start": "10:00", "end": "10:05"}]
    )
    assert steps.activate(restriction_id).state == "active"


def test_amending_a_restriction_in_force_to_a_token_window_is_refused(steps, cast):
    """R12: the rule holds for the life of the restriction, not only at activation."""
    restriction_id = steps.active(allowed_channels=["telephone"])
    with pytest.raises(Refused, match="minutes a week"), cast.act("senior") as ctx:
        rs.amend(
            ctx,
            restriction_id,
            {"reasons": "Calls on Monday only", "time_windows": [{"days": ["mon"], "start": "09:00", "end": "09:10"}]},
        )


# -- Social Work Services: 'unknown' needs the enquiry recorded (R9) --------------------------------------


def test_unknown_social_work_needs_who_was_asked_and_when(steps, sessions):
    """Article 6119: 'we will always try to ascertain if that customer is known to Social Work Services' (R9):
    'unknown' is an answer only once the attempt (who was asked, and when) is on record."""
    steps.warning()
    restriction_id = steps.propose()
    steps.checks(restriction_id, social_work_known="unknown")
    with pytest.raises(Refused) as refused:
        steps.activate(restriction_id)
    assert refused.value.code == "social_work_enquiry_required"
    assert "checks.social_work_enquiry" in refused.value.errors
    steps.checks(
        restriction_id,
        social_work_known="unknown",
        social_work_enquiry_to="Social Work duty team",
        social_work_enquired_on="2026-02-27",
    )
    assert steps.activate(restriction_id).state == "active"
    with sessions() as s:
        details = s.scalar(
            select(AuditEntry.details)
            .where(AuditEntry.action == "restriction.checks_recorded")
            .order_by(AuditEntry.id.desc())
        )
    assert details["social_work_enquired_on"] == "2026-02-27"


def test_the_enquiry_date_is_not_in_the_future(steps):
    """R9: the enquiry has been made before it is recorded."""
    restriction_id = steps.propose()
    with pytest.raises(Refused) as refused:
        steps.checks(
            restriction_id,
            social_work_known="unknown",
            social_work_enquiry_to="Duty team",
            social_work_enquired_on="2026-03-03",
        )
    assert "social_work_enquired_on" in refused.value.errors


def test_propose_and_impose_take_the_checks(steps, cast):
    """R61: after a serious threat a senior officer restricts at once; the R9 checks are recorded in the same
    unit of work, and a refusal records nothing."""
    threat = steps.incident("threat", days_ago=0)
    data = {
        "customer": "C1",
        "path": "serious_threat",
        "incidents": [threat],
        "why_necessary": "Threatened to stab the officer at the counter",
        "spoc_officer": email_of("officer"),
        "allowed_channels": ["letter"],
    }
    before = _unchanged(cast)
    with pytest.raises(Refused), cast.act("senior") as ctx:
        rs.impose(ctx, data, {"social_work_known": "unknown", "adjustments_needed": False, "other_services": "none"})
    assert _unchanged(cast) == before
    with cast.act("senior") as ctx:
        r = rs.impose(ctx, data, {"social_work_known": "no", "adjustments_needed": False, "other_services": "none"})
        assert r.state == "active" and r.checks.social_work_known == "no"


# -- late appeals are marked late (R38) -------------------------------------------------------------------


def _sent(steps, cast, sent_on="2026-03-02"):
    restriction_id = steps.active()
    with cast.act("officer") as ctx:
        lt.mark_sent(
            ctx, _letter_id(cast, restriction_id=restriction_id), {"method": "post_first_class", "sent_on": sent_on}
        )
    return restriction_id


def test_a_late_appeal_is_stored_and_audited_as_late(steps, cast):
    """R38: late appeals accepted only in exceptional circumstances; R46a: which were late is auditable."""
    restriction_id = _sent(steps, cast)
    with (
        time_machine.travel(dt.datetime(2026, 3, 20, 10, tzinfo=dt.timezone.utc), tick=False),
        cast.act("officer") as ctx,
    ):
        appeal = ap.lodge(
            ctx,
            {
                "restriction": restriction_id,
                "grounds": "disproportionate",
                "statement": "Unfair",
                "late_reason": "In hospital for the whole window",
            },
        )
    with cast.sessions() as s:
        stored = s.get(Appeal, appeal.id)
        assert (stored.late, stored.window_closes_on) == (True, dt.date(2026, 3, 18))
        details = s.scalar(select(AuditEntry.details).where(AuditEntry.action == "appeal.lodged"))
    assert details["late"] is True and details["window_closes_on"] == "2026-03-18"


def test_an_appeal_in_time_is_not_late_whatever_is_typed(steps, cast):
    """R36: within 10 working days of receipt is in time, even if a 'late reason' was filled in."""
    restriction_id = _sent(steps, cast)
    with (
        time_machine.travel(dt.datetime(2026, 3, 19, 10, tzinfo=dt.timezone.utc), tick=False),
        cast.act("officer") as ctx,
    ):
        appeal = ap.lodge(
            ctx,
            {
                "restriction": restriction_id,
                "grounds": "disproportionate",
                "statement": "Unfair",
                "received_on": "2026-03-18",
                "late_reason": "n/a",
            },
        )
    assert appeal.late is False and appeal.window_closes_on == dt.date(2026, 3, 18)


# -- dates mean what a council means (issue 20) ------------------------------------------------------------


def test_an_appeal_cannot_be_received_on_a_day_not_yet_come(steps, cast):
    """Issue 20: `appeals lodge --received-on` two weeks ahead was accepted; it would move every deadline (R36)."""
    restriction_id = _sent(steps, cast)
    with pytest.raises(Refused) as refused, cast.act("officer") as ctx:
        ap.lodge(
            ctx,
            {
                "restriction": restriction_id,
                "grounds": "disproportionate",
                "statement": "Unfair",
                "received_on": "2026-03-16",
            },
        )
    assert refused.value.errors["received_on"] and "after today (2026-03-02)" in refused.value.message
    with cast.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Appeal)) == 0


def test_a_review_decision_or_warning_cannot_be_dated_after_today(steps, cast):
    restriction_id = steps.active()
    with pytest.raises(InvalidInput) as refused, cast.act("senior") as ctx:
        rv.hold(
            ctx, restriction_id, {"outcome": "continue", "reasons": "Still needed for now", "held_on": "2026-03-09"}
        )
    assert refused.value.errors == {"held_on": ["in the future"]}
    with pytest.raises(InvalidInput) as refused, cast.act("officer") as ctx:
        inc.issue_warning(
            ctx,
            {
                "customer": "C1",
                "incidents": [steps.incident()],
                "behaviour": "Shouting and swearing on the phone",
                "why_unacceptable": "Staff must work free of abuse",
                "change_requested": "Keep calls civil",
                "consequences": "Your contact may be restricted",
                "issued_on": "2026-04-01",
            },
        )
    assert refused.value.errors == {"issued_on": ["in the future"]}


def test_a_restriction_ending_on_a_day_is_in_force_through_that_day(steps, cast, settings):
    """Issue 20: `--ends 2026-12-20` lapsed at 09:00 UTC on the 20th; it lasts through the 20th in the council's
    zone and lapses on the 21st, and its restriction letter, never sent, is marked as not to be sent."""
    restriction_id = steps.active(ends_on="2026-03-20", review_due="2026-03-20")
    run_sweeps(cast.sessions, settings, today=dt.date(2026, 3, 20))
    with cast.sessions() as s:
        assert s.get(Restriction, restriction_id).state == "active", "in force on its last day"
    with time_machine.travel(dt.datetime(2026, 3, 21, 0, 30, tzinfo=dt.timezone.utc), tick=False):
        run_sweeps(cast.sessions, settings, today=dt.date(2026, 3, 21))
    with cast.sessions() as s:
        assert s.get(Restriction, restriction_id).state == "lapsed"
        letters = {x.kind: x for x in s.scalars(select(Letter).where(Letter.restriction_id == restriction_id))}
    assert letters["restriction"].state == "not_sent"
    assert letters["restriction"].not_sent_reason == (
        "the restriction lapsed on 21 March 2026, before this letter was sent"
    )
    assert letters["lifting"].state == "queued", "the letter telling of the end still goes"
    with pytest.raises(Conflict, match="is not to be sent: the restriction lapsed"), cast.act("officer") as ctx:
        lt.mark_sent(ctx, letters["restriction"].id, {"method": "post_first_class"})


def test_open_appeal_windows_lists_letters_until_used_or_closed(steps, cast):
    """R36, R41: the deadline is shown while the customer may still appeal; an appeal lodged, or the window
    closing, takes the letter off the list."""
    restriction_id = _sent(steps, cast)
    with cast.act() as ctx:
        windows = lt.open_appeal_windows(ctx, dt.date(2026, 3, 18))
        assert [(x.restriction_id, lt.appeal_deadline(ctx, x)) for x in windows] == [
            (restriction_id, dt.date(2026, 3, 18))
        ]
        assert lt.open_appeal_windows(ctx, dt.date(2026, 3, 19)) == []
    with cast.act("officer") as ctx:
        ap.lodge(ctx, {"restriction": restriction_id, "grounds": "disproportionate", "statement": "Unfair"})
    with cast.act() as ctx:
        assert lt.open_appeal_windows(ctx, dt.date(2026, 3, 2)) == []


def test_a_new_sole_point_of_contact_brings_their_own_deputy(steps, cast):
    """Found by the simulated year (issue 20): amending only the sole point of contact kept the old officer's
    standing deputy as the restriction's deputy."""
    from plugin.services import register as reg

    with cast.act() as ctx:
        reg.update_officer(ctx, email_of("senior2"), {"deputy": email_of("senior")})
    restriction_id = steps.active()
    with cast.sessions() as s:
        assert s.get(Restriction, restriction_id).deputy_officer_id == cast.ids["deputy"][0]  # Olly's deputy
    with cast.act("senior") as ctx:
        rs.amend(ctx, restriction_id, {"spoc_officer": email_of("senior2"), "reasons": "Olly has moved team"})
    with cast.sessions() as s:
        assert s.get(Restriction, restriction_id).deputy_officer_id == cast.ids["senior"][0], "Pat's own deputy"
