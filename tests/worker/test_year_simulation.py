"""A year of simulated operation: every review held or escalated on time, every lapse removes its flags,
nothing done twice, and `contactguard reviews --overdue` shows exactly what is overdue (issue 5)."""

import datetime as dt
import json

import time_machine
from sqlalchemy import select

from adapters.base import InboundEvent
from plugin.cli import cli
from plugin.models import ClockNotice, Connection, OutboxAction, Restriction
from plugin.policy.calendar import add_months
from plugin.services import register as reg
from plugin.services import reviews as rv
from plugin.services.pipeline import ingest
from plugin.worker.sweeps import run_sweeps
from tests.helpers import active_restriction

UTC = dt.timezone.utc
START = dt.date(2026, 1, 5)
CUSTOMERS = 120


def _at(day):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 12, tzinfo=UTC), tick=False)


def _setup(cast, connection_id):
    plan = {}
    for n in range(CUSTOMERS):
        ref = f"Y{n:04d}"
        with cast.act("officer") as ctx:
            reg.add_customer(
                ctx,
                {
                    "reference": ref,
                    "name": f"Customer {n}",
                    "identities": [{"kind": "email", "value": f"y{n}@example.com"}],
                },
            )
        review_due = START + dt.timedelta(days=20 + (n * 7) % 330)
        ends_on = START + dt.timedelta(days=60 + (n * 11) % 300) if n % 4 == 0 else None
        if ends_on:
            review_due = min(review_due, ends_on)  # a review date after the end date is refused
        terms = {"review_due": review_due.isoformat()}
        if ends_on:
            terms["ends_on"] = ends_on.isoformat()
        with _at(START):
            rid = active_restriction(cast, customer=ref, **terms)
        plan[rid] = {"n": n, "review_due": review_due, "ends_on": ends_on, "flagged": n % 3 == 0}
        if n % 3 == 0:
            with _at(START), cast.act() as ctx:
                connection = ctx.session.get(Connection, connection_id)
                ingest(
                    ctx,
                    connection,
                    InboundEvent(
                        delivery_key=f"t{n}",
                        event_type="ticket.created",
                        ticket_id=str(1000 + n),
                        emails=(f"y{n}@example.com",),
                    ),
                )
    return plan


def test_a_year_of_operation(cast, sessions, settings, connection_id, runner):
    plan = _setup(cast, connection_id)
    held = {}
    day = START
    end = add_months(START, 12)
    while day <= end:
        run_sweeps(sessions, settings, today=day)
        for rid, p in plan.items():
            if p["n"] % 2 == 0 and p["review_due"] == day and not (p["ends_on"] and p["ends_on"] <= day):
                with _at(day), cast.act("senior") as ctx:
                    if ctx.session.get(Restriction, rid).state == "active":
                        next_due = day + dt.timedelta(days=400)
                        if p["ends_on"]:
                            next_due = min(next_due, p["ends_on"])
                        rv.hold(
                            ctx,
                            rid,
                            {
                                "outcome": "continue",
                                "reasons": "Reviewed: behaviour unchanged",
                                "next_review_due": next_due.isoformat(),
                            },
                        )
                        held[rid] = day
        day += dt.timedelta(days=1)

    with sessions() as s:
        notices = s.execute(select(ClockNotice.kind, ClockNotice.subject_id, ClockNotice.key)).all()
        states = {r.id: (r.state, r.review_due) for r in s.scalars(select(Restriction))}
        lapse_actions = s.execute(
            select(OutboxAction.ticket_id, OutboxAction.kind).where(OutboxAction.idempotency_key.like("lapsed:%"))
        ).all()
    by = {}
    for kind, subject, key in notices:
        by.setdefault((kind, subject), []).append(key)

    for rid, p in plan.items():
        lapsed_on = p["ends_on"] if p["ends_on"] and p["ends_on"] <= end else None
        if lapsed_on:
            assert states[rid][0] == "lapsed", f"restriction {rid} should have lapsed on {lapsed_on}"
        reviewed_before_lapse = rid in held
        if p["review_due"] < (lapsed_on or end) and not reviewed_before_lapse:
            first = p["review_due"] + dt.timedelta(days=1)
            assert first.isoformat() in by.get(("review_overdue", rid), []), f"{rid} not escalated on {first}"
            last = (lapsed_on - dt.timedelta(days=1)) if lapsed_on else end
            assert len(by[("review_overdue", rid)]) == (last - p["review_due"]).days, "escalated once a day"
        if reviewed_before_lapse:
            assert ("review_overdue", rid) not in by, "held on time: never escalated"
            assert held[rid] == p["review_due"]
        if p["review_due"] - START > dt.timedelta(days=30) and (not lapsed_on or lapsed_on > p["review_due"]):
            first_review = [
                k for k in by.get(("review_reminder", rid), []) if k.startswith(p["review_due"].isoformat())
            ]
            assert len(first_review) == 2, f"{rid}: one reminder at 30 and one at 7 days"

    flagged_lapsed = {
        str(1000 + p["n"]) for rid, p in plan.items() if p["flagged"] and p["ends_on"] and p["ends_on"] <= end
    }
    assert flagged_lapsed, "the simulation must include flagged tickets whose restriction lapsed"
    assert sorted(lapse_actions) == sorted((t, k) for t in flagged_lapsed for k in ("clear_flag", "remove_tags"))
    assert len(notices) == len(set(notices)), "no act recorded twice"

    with _at(end):
        result = runner.invoke(cli, ["--json", "reviews", "--overdue"])
    listed = {r["id"] for r in json.loads(result.output)}
    expected = {rid for rid, (state, due) in states.items() if state in ("active", "under_appeal") and due < end}
    assert listed == expected and expected
