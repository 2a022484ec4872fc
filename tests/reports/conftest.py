"""A year and a bit of the register, built through the services day by day, for the report tests.

Today is 15 December 2026. What happened (customers are named so that any leak is easy to spot):

- 2025-11-03  F restricted at once after a threat (serious_threat); its review, due 2026-05-03, is never held.
- 2026-03-10  A and B warned and restricted the same day (after_warning); C and D only warned.
- 2026-03-16  A appeals; 2026-03-25 the appeal is upheld.
- 2026-06     three contacts disregarded (one at 00:30 BST on 1 June, still 31 May in UTC), one escalated,
              five allowed; 2026-12-01 one more disregarded.
- 2026-07-01  H warned and restricted; 2026-10-01 lifted.
- 2026-09-10  A's review held on its due date; 2026-10-05 B's, due 2026-09-10, held late.
- 2026-11-02  G restricted without a warning; 2026-11-05 G appeals (not yet decided).
- 2026-11-20  E warned (still in its 3-month follow-up).
- 2026-12-14  an immediate action (interim) for I.
"""

import datetime as dt

import pytest
import time_machine
from sqlalchemy import select

from plugin.models import Letter, WebhookEvent
from plugin.services import appeals as ap
from plugin.services import incidents as inc
from plugin.services import letters as lt
from plugin.services import register as reg
from plugin.services import restrictions as rs
from plugin.services import reviews as rv
from tests.helpers import active_restriction, email_of
from tests.webhooks.conftest import connection_id  # noqa: F401

UTC = dt.timezone.utc
TODAY = dt.datetime(2026, 12, 15, 12, tzinfo=UTC)
CUSTOMERS = {key: (f"QZREF-{key}{n}", f"Zebedee{key} Quillfeather") for n, key in enumerate("ABCDEFGHI", start=101)}
DESCRIPTION = "Shouted and swore at the officer"


def at(day: dt.date, hour: int = 12):
    """Travel to noon UTC on `day` (frozen)."""
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=UTC), tick=False)


def ref(key: str) -> str:
    return CUSTOMERS[key][0]


@pytest.fixture
def today():
    with time_machine.travel(TODAY, tick=False):
        yield TODAY.date()


@pytest.fixture
def history(cast, sessions, connection_id):  # noqa: F811 - the fixture imported above
    """Build the register described in this module's docstring; returns the restriction ids by customer."""
    ids = {}
    with at(dt.date(2025, 11, 3)):
        for reference, name in CUSTOMERS.values():
            with cast.act("officer") as ctx:
                reg.add_customer(
                    ctx,
                    {
                        "reference": reference,
                        "name": name,
                        "identities": [{"kind": "email", "value": f"{reference.lower()}@example.com"}],
                    },
                )
        ids["F"] = _restrict(cast, "F", "serious_threat", category="threat")
    with at(dt.date(2026, 3, 10)):
        ids["A"], ids["B"] = active_restriction(cast, ref("A")), active_restriction(cast, ref("B"))
        _warn(cast, "C"), _warn(cast, "D")
        _send_letter(cast, ids["A"])
    appeal_a = _lodge(cast, ids["A"], dt.date(2026, 3, 16))
    with at(dt.date(2026, 3, 25)), cast.act("senior2") as ctx:
        ap.decide(ctx, appeal_a, {"outcome": "upheld", "reasons": "The restriction is proportionate"})
    _contacts(cast, connection_id)
    with at(dt.date(2026, 7, 1)):
        ids["H"] = active_restriction(cast, ref("H"))
    _review(cast, ids["A"], dt.date(2026, 9, 10))
    with at(dt.date(2026, 10, 1)), cast.act("senior") as ctx:
        rs.lift(ctx, ids["H"], {"reasons": "Behaviour has changed for the better"})
    _review(cast, ids["B"], dt.date(2026, 10, 5))
    with at(dt.date(2026, 11, 2)):
        ids["G"] = _restrict(
            cast, "G", "without_warning", path_justification="Forty calls a day for three weeks to every officer"
        )
        _send_letter(cast, ids["G"])
    _lodge(cast, ids["G"], dt.date(2026, 11, 5))
    with at(dt.date(2026, 11, 20)):
        _warn(cast, "E")
    with at(dt.date(2026, 12, 14)):
        incident = _incident(cast, "I", "threat")
        with cast.act("agent") as ctx:
            ids["I"] = rs.record_interim(
                ctx, {"incident": incident, "note": "Call ended; e-mail only for now", "allowed_channels": ["email"]}
            ).id
    return ids


def _incident(cast, key: str, category: str = "verbal_abuse") -> int:
    with cast.act("officer") as ctx:
        return inc.record_incident(
            ctx,
            {
                "customer": ref(key),
                "experienced_by": email_of("officer"),
                "channel": "telephone",
                "occurred_at": (ctx.now() - dt.timedelta(hours=2)).isoformat(),
                "category": category,
                "description": DESCRIPTION,
            },
        ).id


def _warn(cast, key: str) -> int:
    incident = _incident(cast, key)
    with cast.act("officer") as ctx:
        return inc.issue_warning(
            ctx,
            {
                "customer": ref(key),
                "incidents": [incident],
                "behaviour": "Shouting and swearing on the phone",
                "why_unacceptable": "Staff must work free of abuse",
                "change_requested": "Keep calls civil",
                "consequences": "Your contact may be restricted",
            },
        ).id


def _restrict(cast, key: str, path: str, category: str = "verbal_abuse", **data) -> int:
    incident = _incident(cast, key, category)
    with cast.act("senior") as ctx:
        r = rs.propose(
            ctx,
            {
                "customer": ref(key),
                "path": path,
                "incidents": [incident],
                "why_necessary": "Threats and abuse towards staff",
                "spoc_officer": email_of("officer"),
                "allowed_channels": ["letter", "email"],
                **data,
            },
            checks={"social_work_known": "no", "adjustments_needed": False, "other_services": "none"},
        )
        rs.activate(ctx, r.id)
        return r.id


def _send_letter(cast, restriction_id: int) -> None:
    with cast.act("officer") as ctx:
        letter = ctx.session.scalar(select(Letter.id).where(Letter.restriction_id == restriction_id))
        lt.mark_sent(ctx, letter, {"method": "email", "sent_on": ctx.today().isoformat()})


def _lodge(cast, restriction_id: int, day: dt.date) -> int:
    with at(day), cast.act("officer") as ctx:
        return ap.lodge(
            ctx,
            {
                "restriction": restriction_id,
                "grounds": "disproportionate",
                "statement": "This is unfair",
                "heard_by": email_of("senior2"),
            },
        ).id


def _review(cast, restriction_id: int, day: dt.date) -> None:
    with at(day), cast.act("senior") as ctx:
        rv.hold(ctx, restriction_id, {"outcome": "continue", "reasons": "Behaviour unchanged; keep it"})


def _contacts(cast, connection_id: str) -> None:  # noqa: F811
    """Decided helpdesk contacts, as the webhook pipeline records them."""
    moments = [
        (dt.datetime(2026, 5, 31, 23, 30, tzinfo=UTC), "disregard"),  # 00:30 on 1 June in London
        (dt.datetime(2026, 6, 10, 9, tzinfo=UTC), "disregard"),
        (dt.datetime(2026, 6, 11, 9, tzinfo=UTC), "disregard"),
        (dt.datetime(2026, 6, 12, 9, tzinfo=UTC), "escalate"),
        (dt.datetime(2026, 12, 1, 9, tzinfo=UTC), "disregard"),
    ]
    moments += [(dt.datetime(2026, 6, 1 + n, 9, tzinfo=UTC), "allow") for n in range(5)]
    with at(dt.date(2026, 6, 1)), cast.act() as ctx:
        for n, (received_at, outcome) in enumerate(moments):
            ctx.session.add(
                WebhookEvent(
                    connection_id=connection_id,
                    delivery_key=f"d{n}",
                    event_type="ticket.created",
                    ticket_id=str(500 + n),
                    received_at=received_at,
                    outcome=outcome,
                    reason=f"{outcome}: contact outside the arrangement",
                )
            )
