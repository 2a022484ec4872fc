"""Immediate frontline actions, and appeals against restrictions and warnings."""

import datetime as dt

import pytest
import time_machine
from sqlalchemy import select

from plugin.models import Appeal, FormalWarning, Letter, Restriction
from plugin.services import Conflict, Refused
from plugin.services import appeals as ap
from plugin.services import letters as lt
from plugin.services import restrictions as rs
from tests.helpers import email_of

CONFIRM = {
    "path": "after_warning",
    "why_necessary": "Abuse continued after the warning",
    "spoc_officer": "officer@council.example",
    "allowed_channels": ["email"],
}


def _interim(steps, who="agent"):
    incident = steps.incident("threat", who=who, days_ago=0)
    with steps.cast.act(who) as ctx:
        return rs.record_interim(
            ctx, {"incident": incident, "note": "Call ended and e-mail only for now", "allowed_channels": ["email"]}
        )


@pytest.mark.parametrize("who", ["agent", "officer", "senior"])
def test_any_member_of_staff_can_record_an_immediate_action(who, steps):
    """Article 6119: 'Staff that directly experience aggressive or abusive behaviour from a customer have the
    authority to deal immediately with that behaviour' (R1)."""
    interim = _interim(steps, who)
    assert interim.state == "interim" and interim.path == "interim"
    assert interim.confirm_by == dt.date(2026, 3, 9), "5 working days from the incident on Monday 2 March"


def test_interim_needs_senior_confirmation_with_every_activation_rule(steps, cast):
    """Article 6119: 'With the exception of such immediate decisions ... decisions to restrict contact ... are
    only taken after careful consideration ... by a senior member of staff' (R1, R2)."""
    interim = _interim(steps)
    with pytest.raises(Refused), cast.act("officer") as ctx:
        rs.confirm_interim(ctx, interim.id, CONFIRM)
    with pytest.raises(Refused) as refused, cast.act("senior") as ctx:
        rs.confirm_interim(ctx, interim.id, CONFIRM)
    assert "checks.social_work_known" in refused.value.errors
    steps.warning()
    steps.checks(interim.id)
    with cast.act("senior") as ctx:
        confirmed = rs.confirm_interim(ctx, interim.id, CONFIRM)
    assert confirmed.state == "active" and confirmed.path == "after_warning"


def test_confirming_after_the_window_is_refused(steps, cast):
    """R1: an unconfirmed immediate action lapses (INTERIM_CONFIRM_WORKING_DAYS, default 5)."""
    interim = _interim(steps)
    steps.warning()
    steps.checks(interim.id)
    with (
        time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.timezone.utc), tick=False),
        pytest.raises(Refused) as late,
        cast.act("senior") as ctx,
    ):
        rs.confirm_interim(ctx, interim.id, CONFIRM)
    assert late.value.code == "confirmation_too_late"
    with cast.sessions() as s:
        assert s.get(Restriction, interim.id).state == "interim"


def test_interim_window_is_configurable(steps, cast):
    cast.settings = cast.settings.replace(INTERIM_CONFIRM_WORKING_DAYS=2)
    assert _interim(steps).confirm_by == dt.date(2026, 3, 4)


def _sent_restriction(steps, sent_on="2026-03-02", method="post_first_class"):
    restriction_id = steps.active()
    with steps.cast.sessions() as s:
        letter_id = s.scalar(select(Letter.id).where(Letter.restriction_id == restriction_id))
    with steps.cast.act("officer") as ctx:
        letter = lt.mark_sent(ctx, letter_id, {"method": method, "sent_on": sent_on})
    return restriction_id, letter


def _lodge(cast, who="officer", **data):
    with cast.act(who) as ctx:
        return ap.lodge(ctx, {"grounds": "disproportionate", "statement": "This is unfair", **data})


def test_appeal_window_runs_from_deemed_receipt_in_working_days(steps, cast):
    """Glasgow article 6120: appeal 'within 10 working days of receipt' (R36, R41)."""
    restriction_id, letter = _sent_restriction(steps)
    assert letter.deemed_receipt == dt.date(2026, 3, 4), "first class: the second working day after posting"
    with time_machine.travel(dt.datetime(2026, 3, 20, 10, tzinfo=dt.timezone.utc), tick=False):  # typed in later
        with pytest.raises(Refused) as late:
            _lodge(cast, restriction=restriction_id, received_on="2026-03-19")
        assert late.value.code == "appeal_out_of_time" and "2026-03-18" in late.value.message
        appeal = _lodge(cast, restriction=restriction_id, received_on="2026-03-18")
    assert appeal.decision_due == dt.date(2026, 4, 1), "decided within 10 working days"
    with cast.sessions() as s:
        assert s.get(Restriction, restriction_id).state == "under_appeal"


def test_late_appeal_needs_an_exceptional_reason(steps, cast):
    """R38: late appeals accepted only in exceptional circumstances (Aberdeen)."""
    restriction_id, _ = _sent_restriction(steps)
    with time_machine.travel(dt.datetime(2026, 4, 1, 10, tzinfo=dt.timezone.utc), tick=False):
        appeal = _lodge(
            cast, restriction=restriction_id, received_on="2026-04-01", late_reason="In hospital for the whole window"
        )
    assert appeal.late_reason


def test_bank_holidays_of_the_jurisdiction_extend_the_window(steps, cast):
    """R40: the ICO miscounted by omitting a Scottish bank holiday; St Andrew's Day is one in Scotland only."""
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.timezone.utc), tick=False):
        restriction_id, _letter = _sent_restriction(steps, sent_on="2026-11-23", method="email")
    # 30 Nov 2026 (St Andrew's Day) is a bank holiday in Scotland: day 10 moves from 7 Dec to 8 Dec.
    with time_machine.travel(dt.datetime(2026, 12, 8, 10, tzinfo=dt.timezone.utc), tick=False):
        _lodge(cast, restriction=restriction_id, received_on="2026-12-08")


def test_in_england_the_same_window_closes_a_day_earlier(steps, cast):
    cast.settings = cast.settings.replace(JURISDICTION="ENG")
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.timezone.utc), tick=False):
        restriction_id, _ = _sent_restriction(steps, sent_on="2026-11-23", method="email")
    with pytest.raises(Refused, match="2026-12-07"):
        _lodge(cast, restriction=restriction_id, received_on="2026-12-08")


@pytest.mark.parametrize(
    "hearer, code", [("deputy", "senior_required"), ("senior", "hearer_involved"), ("officer", "refused")]
)
def test_appeal_heard_by_a_senior_officer_not_involved(hearer, code, steps, cast):
    """Article 6120: heard 'by a senior member of staff not involved in the original decision' (R36).
    The deputy is not senior; the senior activated it; the officer proposed it and is not senior either."""
    restriction_id, _ = _sent_restriction(steps)
    with pytest.raises(Refused) as refused:
        _lodge(cast, restriction=restriction_id, heard_by=email_of(hearer))
    assert refused.value.code == code
    with cast.sessions() as s:
        assert s.get(Restriction, restriction_id).state == "active", "nothing changed"


@pytest.mark.parametrize("outcome, state", [("upheld", "active"), ("quashed", "lifted")])
def test_appeal_outcomes_move_the_restriction(outcome, state, steps, cast):
    """R37: the reviewer may uphold or quash; the customer gets the outcome in writing (R30)."""
    restriction_id, _ = _sent_restriction(steps)
    appeal = _lodge(cast, restriction=restriction_id, heard_by=email_of("senior2"))
    with pytest.raises(Refused), cast.act("senior") as ctx:
        ap.decide(ctx, appeal.id, {"outcome": outcome, "reasons": "Considered all the evidence"})
    with cast.act("senior2") as ctx:
        ap.decide(ctx, appeal.id, {"outcome": outcome, "reasons": "Considered all the evidence"})
    with cast.sessions() as s:
        assert s.get(Restriction, restriction_id).state == state
        assert s.scalar(select(Letter.id).where(Letter.kind == "appeal_outcome")) is not None
    with pytest.raises(Conflict), cast.act("senior2") as ctx:
        ap.decide(ctx, appeal.id, {"outcome": outcome, "reasons": "Considered all the evidence"})


def test_varied_outcome_amends_terms_and_still_checks_them(steps, cast):
    """R37: 'a different course agreed'; the terms still keep a channel open (R12)."""
    restriction_id, _ = _sent_restriction(steps)
    appeal = _lodge(cast, restriction=restriction_id, heard_by=email_of("senior2"))
    with pytest.raises(Refused), cast.act("senior2") as ctx:
        ap.decide(
            ctx,
            appeal.id,
            {"outcome": "varied", "reasons": "Allow telephone instead", "terms": {"allowed_channels": []}},
        )
    with cast.act("senior2") as ctx:
        ap.decide(
            ctx,
            appeal.id,
            {
                "outcome": "varied",
                "reasons": "Allow telephone on Tuesdays",
                "terms": {"allowed_channels": ["telephone", "email"]},
            },
        )
    with cast.sessions() as s:
        r = s.get(Restriction, restriction_id)
        assert (r.state, r.allowed_channels) == ("active", ["telephone", "email"])


def test_a_warning_is_appealed_only_for_factual_inaccuracy(steps, cast):
    """Article 6120: a warning letter may be appealed 'only on grounds of factual inaccuracy' (R35)."""
    warning_id = steps.warning()
    with pytest.raises(Refused) as refused:
        _lodge(cast, warning=warning_id, grounds="disproportionate")
    assert refused.value.code == "warning_grounds"
    appeal = _lodge(cast, warning=warning_id, grounds="factual_inaccuracy", heard_by=email_of("senior"))
    with cast.act("senior") as ctx:
        ap.decide(ctx, appeal.id, {"outcome": "quashed", "reasons": "The date of the call was wrong"})
    with cast.sessions() as s:
        assert s.get(FormalWarning, warning_id).state == "withdrawn"
        assert s.get(Appeal, appeal.id).outcome == "quashed"


def test_one_open_appeal_at_a_time(steps, cast):
    restriction_id, _ = _sent_restriction(steps)
    _lodge(cast, restriction=restriction_id)
    with pytest.raises((Conflict, Refused)) as second:
        _lodge(cast, restriction=restriction_id)
    assert "already" in second.value.message or second.value.code == "illegal_transition"
