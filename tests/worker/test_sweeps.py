"""The policy's clock: each sweep acts on time, exactly once, whatever restarts or catch-up happen."""

import datetime as dt

import time_machine
from sqlalchemy import func, select

from plugin.models import Appeal, ClockNotice, FormalWarning, Letter, OutboxAction, Restriction
from plugin.services import incidents as inc
from plugin.services import restrictions as rs
from plugin.services import reviews as rv
from plugin.worker.sweeps import run_sweeps
from tests.helpers import active_restriction, email_of, webhook_path

UTC = dt.timezone.utc


def _at(day: dt.date, hour: int = 12):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=UTC), tick=False)


def _notices(sessions, kind):
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(ClockNotice).where(ClockNotice.kind == kind))


def _state(sessions, restriction_id):
    with sessions() as s:
        return s.get(Restriction, restriction_id).state


def _restriction_on(cast, day: dt.date, **terms) -> int:
    with _at(day):
        return active_restriction(cast, **terms)


def test_review_reminders_at_30_and_7_days_each_once(cast, sessions, settings):
    """R47 / design: remind before the review is due (default 30 and 7 days)."""
    rid = _restriction_on(cast, dt.date(2026, 1, 12), review_due="2026-07-13")
    for day in (dt.date(2026, 6, 12), dt.date(2026, 6, 13), dt.date(2026, 6, 20)):
        run_sweeps(sessions, settings, today=day)
    assert _notices(sessions, "review_reminder") == 1
    run_sweeps(sessions, settings, today=dt.date(2026, 7, 6))
    run_sweeps(sessions, settings, today=dt.date(2026, 7, 6))
    assert _notices(sessions, "review_reminder") == 2
    assert _state(sessions, rid) == "active"


def test_a_worker_down_for_weeks_sends_only_the_nearest_reminder(cast, sessions, settings):
    _restriction_on(cast, dt.date(2026, 1, 12), review_due="2026-07-13")
    report = run_sweeps(sessions, settings, today=dt.date(2026, 7, 9))
    assert report.counts.get("review_reminder") == 1
    assert run_sweeps(sessions, settings, today=dt.date(2026, 7, 10)).counts.get("review_reminder") is None


def test_overdue_reviews_escalate_daily_until_held(cast, sessions, settings):
    """R47: a restriction unreviewed for three years must be impossible to miss."""
    rid = _restriction_on(cast, dt.date(2026, 1, 12), review_due="2026-07-13")
    for day in (dt.date(2026, 7, 14), dt.date(2026, 7, 14), dt.date(2026, 7, 15)):
        run_sweeps(sessions, settings, today=day)
    assert _notices(sessions, "review_overdue") == 2
    with _at(dt.date(2026, 7, 16)), cast.act("senior") as ctx:
        rv.hold(ctx, rid, {"outcome": "continue", "reasons": "Behaviour has not changed; continue"})
    run_sweeps(sessions, settings, today=dt.date(2026, 7, 17))
    assert _notices(sessions, "review_overdue") == 2


def test_end_date_lapses_the_restriction_removes_flags_and_queues_a_letter(
    cast, sessions, settings, client, connection_id
):
    """R44 sunset: a restriction lapses at its end date unless renewed with reasons."""
    from tests.webhooks.conftest import fixture_body

    rid = _restriction_on(cast, dt.date(2026, 1, 12), ends_on="2026-04-30")
    from tests.helpers import last_outcome

    assert (
        client.post(
            webhook_path(settings, connection_id), json=fixture_body("django-helpdesk-ticket-created")
        ).status_code
        == 200
        and last_outcome(sessions) == "flag"
    )
    run_sweeps(sessions, settings, today=dt.date(2026, 4, 29))
    assert _state(sessions, rid) == "active"
    run_sweeps(sessions, settings, today=dt.date(2026, 4, 30))
    run_sweeps(sessions, settings, today=dt.date(2026, 5, 1))
    assert _state(sessions, rid) == "lapsed"
    with sessions() as s:
        removals = [
            a.kind for a in s.scalars(select(OutboxAction).where(OutboxAction.idempotency_key.like("lapsed:%")))
        ]
        lifting = s.scalar(
            select(func.count()).select_from(Letter).where(Letter.kind == "lifting", Letter.restriction_id == rid)
        )
    assert sorted(removals) == ["clear_flag", "remove_tags"]
    assert lifting == 1


def test_hold_until_reviewed_setting_keeps_it_in_force(cast, sessions, settings):
    rid = _restriction_on(cast, dt.date(2026, 1, 12), ends_on="2026-04-30")
    run_sweeps(sessions, settings.replace(EXPIRY_MODE="hold_until_reviewed"), today=dt.date(2026, 5, 1))
    assert _state(sessions, rid) == "active"
    assert _notices(sessions, "expiry_held") == 1


def test_unconfirmed_interim_action_lapses_after_its_working_days(cast, sessions, settings):
    """R1: an immediate action lapses unless a senior officer confirms it (5 working days, Scottish holidays)."""
    with _at(dt.date(2026, 12, 23)), cast.act("agent") as ctx:
        incident = inc.record_incident(
            ctx,
            {
                "customer": "C1",
                "experienced_by": email_of("agent"),
                "occurred_at": "2026-12-23T09:00:00+00:00",
                "channel": "in_person",
                "category": "threat",
                "description": "Threatened staff at the counter",
            },
        )
        interim = rs.record_interim(
            ctx,
            {"incident": incident.id, "note": "Asked to leave the building", "allowed_channels": ["email", "letter"]},
        )
    # Working days: 24, 29, 30, 31 Dec, 5 Jan. Not: 25 Dec, 28 Dec (Boxing Day observed), 1 Jan,
    # 4 Jan (Scotland's 2 January holiday, observed), or the weekends.
    assert interim.confirm_by == dt.date(2027, 1, 5)
    run_sweeps(sessions, settings, today=dt.date(2027, 1, 5))
    assert _state(sessions, interim.id) == "interim"
    run_sweeps(sessions, settings, today=dt.date(2027, 1, 6))
    assert _state(sessions, interim.id) == "lapsed"


def test_late_appeal_decision_is_alerted_daily(cast, sessions, settings):
    from plugin.services import appeals as ap

    rid = _restriction_on(cast, dt.date(2026, 1, 12))
    with _at(dt.date(2026, 1, 14)), cast.act("officer") as ctx:
        appeal = ap.lodge(
            ctx,
            {"restriction": rid, "grounds": "disproportionate", "statement": "Unfair", "heard_by": email_of("senior2")},
        )
    due = appeal.decision_due
    run_sweeps(sessions, settings, today=due)
    assert _notices(sessions, "appeal_late") == 0
    run_sweeps(sessions, settings, today=due + dt.timedelta(days=1))
    run_sweeps(sessions, settings, today=due + dt.timedelta(days=2))
    assert _notices(sessions, "appeal_late") == 2
    with sessions() as s:
        assert s.get(Appeal, appeal.id).state == "lodged"


def test_warning_with_no_further_incident_counts_as_effective(cast, sessions, settings):
    """R10: about half of warnings work; the follow-up window measures it (default 3 months)."""
    _restriction_on(cast, dt.date(2026, 1, 12))  # a warning issued on 2026-01-12, its incident the day before
    run_sweeps(sessions, settings, today=dt.date(2026, 4, 12))
    with sessions() as s:
        assert s.scalars(select(FormalWarning)).one().effective is None, "window still open on 12 April"
    run_sweeps(sessions, settings, today=dt.date(2026, 4, 13))
    with sessions() as s:
        warning = s.scalars(select(FormalWarning)).one()
    assert warning.effective is True


def test_sweeps_use_the_councils_local_date_across_a_clock_change(cast, sessions, settings):
    """Design decision 7: stored in UTC, days counted in Europe/London (23:30 UTC in summer is tomorrow)."""
    rid = _restriction_on(cast, dt.date(2026, 1, 12), review_due="2026-06-30")
    with time_machine.travel(dt.datetime(2026, 6, 30, 23, 30, tzinfo=UTC), tick=False):
        run_sweeps(sessions, settings)
    assert _notices(sessions, "review_overdue") == 1, "00:30 BST on 1 July: the review is overdue"
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 30, tzinfo=UTC), tick=False):
        run_sweeps(sessions, settings)
    assert _notices(sessions, "review_overdue") == 2
    assert _state(sessions, rid) == "active"


def test_an_unused_appeal_window_is_recorded_as_closed_once(cast, sessions, settings):
    """R36: 10 working days from deemed receipt; after that the file shows the decision stands."""
    from plugin.services import letters as lt

    rid = _restriction_on(cast, dt.date(2026, 3, 2))
    with sessions() as s:
        letter_id = s.scalar(select(Letter.id).where(Letter.restriction_id == rid))
    with _at(dt.date(2026, 3, 2)), cast.act("officer") as ctx:
        lt.mark_sent(ctx, letter_id, {"method": "post_first_class", "sent_on": "2026-03-02"})
    run_sweeps(sessions, settings, today=dt.date(2026, 3, 18))  # deemed 4 Mar + 10 working days = 18 Mar
    assert _notices(sessions, "appeal_window_closed") == 0
    run_sweeps(sessions, settings, today=dt.date(2026, 3, 19))
    run_sweeps(sessions, settings, today=dt.date(2026, 3, 20))
    assert _notices(sessions, "appeal_window_closed") == 1


def test_each_sweep_pass_leaves_a_heartbeat_for_the_no_sweep_alert(sessions, settings):
    """/metrics' contactguard_sweep_last_run_timestamp_seconds (and its 'no sweep for 30 minutes' alert)
    reads this row."""
    from plugin.models import WorkerHeartbeat

    with time_machine.travel(dt.datetime(2026, 7, 6, 9, 0, tzinfo=dt.timezone.utc), tick=False):
        run_sweeps(sessions, settings, today=dt.date(2026, 7, 6))
    with time_machine.travel(dt.datetime(2026, 7, 6, 9, 5, tzinfo=dt.timezone.utc), tick=False):
        run_sweeps(sessions, settings, today=dt.date(2026, 7, 6))
    with sessions() as s:
        beats = s.scalars(select(WorkerHeartbeat)).all()
    assert [(b.name, b.at.replace(tzinfo=None)) for b in beats] == [("sweeps", dt.datetime(2026, 7, 6, 9, 5))]


def test_no_overdue_escalation_while_an_appeal_is_heard_and_again_once_it_is_decided(cast, sessions, settings):
    """Issue 13 item 4: the review is refused while an appeal is heard (it waits for the appeal's decision), so
    the clock must not escalate it daily as overdue then; once the appeal is decided it is overdue again."""
    from plugin.models import Letter
    from plugin.services import appeals as ap
    from plugin.services import letters as lt

    rid = _restriction_on(cast, dt.date(2026, 1, 12), review_due="2026-02-16")
    with _at(dt.date(2026, 1, 12)), cast.act("officer") as ctx:
        letter = ctx.session.scalar(select(Letter.id).where(Letter.restriction_id == rid))
        lt.mark_sent(ctx, letter, {"method": "email"})
    with _at(dt.date(2026, 1, 14)), cast.act("officer") as ctx:
        appeal = ap.lodge(
            ctx,
            {"restriction": rid, "grounds": "disproportionate", "statement": "Unfair", "heard_by": email_of("senior2")},
        )
    assert _state(sessions, rid) == "under_appeal"
    for day in (dt.date(2026, 2, 17), dt.date(2026, 2, 18)):
        run_sweeps(sessions, settings, today=day)
    assert _notices(sessions, "review_overdue") == 0
    with _at(dt.date(2026, 2, 18)), cast.act() as ctx:
        assert [r.id for r in rv.overdue(ctx, dt.date(2026, 2, 18))] == [rid], "still listed, for people to see"
    with _at(dt.date(2026, 2, 19)), cast.act("senior2") as ctx:
        ap.decide(ctx, appeal.id, {"outcome": "upheld", "reasons": "The restriction was proportionate"})
    assert _state(sessions, rid) == "active"
    run_sweeps(sessions, settings, today=dt.date(2026, 2, 20))
    assert _notices(sessions, "review_overdue") == 1


def test_a_review_reminder_is_one_task_in_each_helpdesk_taking_them_assigned_to_the_reviewer(
    cast, sessions, settings, connection_id
):
    """R47: the reminder becomes a task in the helpdesk's review queue, once, for the senior officer who put the
    restriction in force (their helpdesk user), naming the customer's reference (the sweep reads the helpdesks,
    reviewers and customers once for all its reminders)."""
    from plugin.models import Connection
    from plugin.services import register as reg

    with cast.act() as ctx:
        reg.update_officer(ctx, email_of("senior"), {"helpdesk_ids": [{"connection": "", "agent_id": "5"}]})
        connection = ctx.session.get(Connection, connection_id)
        connection.settings = {**connection.settings, "review_queue": 4}
    rid = _restriction_on(cast, dt.date(2026, 1, 12), review_due="2026-07-13")
    for _ in range(2):
        run_sweeps(sessions, settings, today=dt.date(2026, 6, 13))
    with sessions() as s:
        tasks = [a.payload for a in s.scalars(select(OutboxAction).where(OutboxAction.kind == "create_task"))]
    assert len(tasks) == 1
    assert tasks[0]["title"] == f"contactguard: Review due in 30 days or fewer: restriction {rid}"
    assert (tasks[0]["queue"], tasks[0]["agent_id"]) == (4, "5")
    assert "C1" in tasks[0]["text"]
