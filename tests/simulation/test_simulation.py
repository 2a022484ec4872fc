"""`make simulate`'s engine on a short run: three weeks of a small council on the test database.

The run goes through the real webhook receiver, worker, sweeps and clock (time_machine moves it), with the
recording helpdesk as the generic adapter's callback target (benchmarks/simulation, docs/simulation.md).
Its invariants must hold; and a register broken behind contactguard's back (a flag emptied by hand at the
helpdesk) must be reported, so the invariants are seen to fail when the tickets do not say what the register
says.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from benchmarks.simulation import Options, Simulation
from plugin.models import Restriction, WebhookEvent
from plugin.policy.lifecycle import IN_FORCE_VALUES


def short(**changes) -> Options:
    """Three weeks from 23 March 2026 (the clocks go forward on the 29th), a few hundred customers."""
    return Options(**{"days": 21, "customers": 300, "seed": 7, "start": dt.date(2026, 3, 23), "out": None, **changes})


def test_a_short_run_keeps_every_invariant(settings, sessions):
    """Three weeks with restrictions on several paths, contacts within and outside their arrangements, a clock
    change and the Scottish Good Friday: every invariant checked something, and none was violated."""
    result = Simulation(settings, sessions, short()).run()

    assert result.figures["simulated_days"] == 21
    assert result.figures["contacts"] > 50
    assert result.figures["restrictions"] >= 3
    assert all(result.checked[name] > 0 for name in ("flags_match_register", "actions_applied_once"))
    assert result.checked["restrictions_in_force_complete"] > 0
    assert result.violations == {name: [] for name in result.checked}, "\n".join(
        line for found in result.violations.values() for line in found[:5]
    )
    assert result.refusals == []


def test_a_flag_removed_at_the_helpdesk_behind_contactguards_back_is_a_violation(settings, sessions):
    """On day 15 an agent empties the flag field of a ticket of a restricted customer by hand: that evening's
    check reports the ticket (by its id only) as showing no arrangement although the register has one."""
    tampered: list[str] = []

    def empty_a_flag(sim: Simulation, day: dt.date) -> None:
        if tampered or day < dt.date(2026, 4, 6):
            return
        with sim.sessions() as session:
            written = set(
                session.scalars(
                    select(WebhookEvent.ticket_id)
                    .join(Restriction, Restriction.id == WebhookEvent.restriction_id)
                    .where(Restriction.state.in_(IN_FORCE_VALUES))
                )
            )
        ticket = next(t for t in sim.helpdesk.open_tickets() if t.flag and t.id in written)
        sim.helpdesk.tamper_clear_flag(ticket.id)
        tampered.append(ticket.id)

    result = Simulation(settings, sessions, short(days=15), hooks=[empty_a_flag]).run()

    assert tampered, "the run had a flagged ticket of a restricted customer to tamper with"
    found = [
        line
        for line in result.violations["flags_match_register"]
        if f"ticket={tampered[0]} " in line and line.endswith("detail=flag_missing")
    ]
    assert len(found) == 1 and "day=2026-04-06" in found[0]
    assert not result.ok
