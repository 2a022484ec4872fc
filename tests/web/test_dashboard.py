"""The dashboard: what needs attention, as each role may see it (plugin/services/dashboard.py and the page)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select

from plugin.clock import utcnow
from plugin.models import AuditEntry, Connection, OutboxAction, WebhookEvent
from plugin.services import dashboard
from plugin.services import incidents as inc
from plugin.services import restrictions as rs
from plugin.words import date_words
from tests.helpers import active_restriction
from tests.web.test_auth_support import email_of, give_account, page_text, sign_in


def _review_in(cast, days: int) -> int:
    with cast.act() as ctx:
        due = ctx.today() + dt.timedelta(days=days)
    return active_restriction(cast, review_due=due.isoformat())


def _interim(cast) -> int:
    with cast.act("agent") as ctx:
        incident = inc.record_incident(
            ctx,
            {
                "customer": "C1",
                "experienced_by": email_of("agent"),
                "occurred_at": ctx.now().isoformat(),
                "channel": "in_person",
                "category": "threat",
                "description": "Threatened the officer at the counter",
            },
        )
        return rs.record_interim(
            ctx, {"incident": incident.id, "note": "Asked to leave; e-mail only for now", "allowed_channels": ["email"]}
        ).id


def _helpdesk_history(sessions) -> None:
    """A connection with two dead-lettered actions, and contacts of each kind, recent and old."""
    now = dt.datetime.now(dt.timezone.utc)
    with sessions() as s, s.begin():
        s.add(Connection(id="conn1", adapter="generic", name="Housing helpdesk", secrets_encrypted=b"x"))
        s.flush()
        for n in (1, 2):
            s.add(
                OutboxAction(
                    connection_id="conn1",
                    ticket_id=f"T{n}",
                    kind="add_note",
                    state="dead",
                    attempts=8,
                    idempotency_key=f"k{n}",
                    last_error="HTTP 500 from the helpdesk",
                )
            )
        for n, (outcome, age) in enumerate([("escalate", 1), ("disregard", 3), ("allow", 1), ("disregard", 31)]):
            s.add(
                WebhookEvent(
                    connection_id="conn1",
                    delivery_key=f"d{n}",
                    event_type="ticket.created",
                    ticket_id=f"T10{n}",
                    received_at=now - dt.timedelta(days=age),
                    customer_id=1,
                    outcome=outcome,
                    reason="outside the arrangement",
                )
            )


def test_a_senior_officer_sees_everything_that_needs_attention(cast, client, sessions):
    restriction = _review_in(cast, 10)
    interim = _interim(cast)
    _helpdesk_history(sessions)
    give_account(cast, "senior")
    sign_in(client, "senior")
    page = page_text(client.get("/"))
    assert "Reviews due within 30 days 1" in page
    assert "Interim actions to confirm 1" in page and "Helpdesk actions dead-lettered 2" in page
    assert "Contacts escalated or disregarded (30 days) 2" in page
    with cast.act() as ctx:
        review_day = date_words(ctx.today() + dt.timedelta(days=10))
    assert (
        f"Reviews due and overdue Restriction Customer Review due {restriction} C1 Jane Customer {review_day}" in page
    )
    assert f"Restriction {interim} (C1 Jane Customer): a senior officer must confirm it by" in page
    assert "Letter 1: warning (C1) Letter 2: restriction (C1)" in page
    assert "Escalated C1 T100" in page and "Disregarded C1 T101" in page
    assert "T102" not in page and "T103" not in page  # allowed, and older than 30 days
    assert "Action 1 (add_note) on ticket T1 via Housing helpdesk, after 8 attempts" in page


def test_an_overdue_review_is_tagged_overdue(cast, client):
    _review_in(cast, 5)
    give_account(cast, "senior")
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=8)
    with time_machine.travel(later, tick=False):
        sign_in(client, "senior")
        page = page_text(client.get("/"))
        assert "Reviews overdue 1" in page
        assert "Overdue" in page.split("Reviews due and overdue")[1].split("Appeals awaiting decision")[0]


def test_an_agent_gets_the_arrangements_only_and_the_read_is_audited(cast, sessions):
    active_restriction(cast)
    _helpdesk_history(sessions)
    with cast.act("agent") as ctx:
        data = dashboard.dashboard(ctx)
    # An agent also learns of a helpdesk outage (its flags may be missing from new tickets), nothing else.
    assert set(data) == {"view", "role", "today", "in_force", "outages"} and data["outages"] == []
    assert data["view"] == "agent"
    [row] = data["in_force"]
    assert row["customer"] == "C1" and row["sole_point_of_contact"]["officer"] == email_of("officer")
    assert "why_necessary" not in row and "path" not in row
    with sessions() as s:
        read = s.scalars(select(AuditEntry).where(AuditEntry.action == "register.read")).all()[-1]
    assert read.details["view"] == "dashboard" and read.actor == f"officer:{cast.ids['agent'][0]}"


def test_an_empty_register_says_so(cast, client):
    give_account(cast, "officer")
    sign_in(client, "officer")
    page = page_text(client.get("/"))
    assert "No restrictions are in force." in page
    assert "No reviews are due within 30 days." in page
    assert "Every helpdesk action went through." in page


def test_a_helpdesk_outage_is_on_everyones_dashboard_in_words_they_can_act_on(cast, app, sessions):
    """Issue 21 item 7: "Housing helpdesk unreachable since 10:02, 37 actions waiting", to everyone signed in; an
    admin retries or discards dead letters in the pages (no command on the server)."""
    import datetime as dt

    from plugin.models import Connection, OutboxAction
    from plugin.services import connections as conns
    from tests.web.test_casework import signed_in, text_of

    with cast.act() as ctx:
        connection = conns.add(
            ctx,
            "generic",
            "Housing helpdesk",
            {"mapping": {"ticket_id": "/id"}},
            {"signing_secret": "s" * 32},
            test=False,
        )
    since = dt.datetime(2026, 12, 7, 10, 2, tzinfo=dt.timezone.utc)  # 10:02 in London in December
    with sessions() as s, s.begin():
        row = s.get(Connection, connection.id)
        row.unreachable_since, row.probe_at, row.unreachable_error = since, since, "POST ...: ConnectionError"
        for n in range(37):
            s.add(OutboxAction(connection_id=connection.id, ticket_id=str(n), kind="set_flag", idempotency_key=f"k{n}"))
    # The day is named unless the outage began today (UK time): this test ran on 7 December 2026 and every day after.
    today = utcnow().astimezone(ZoneInfo("Europe/London")).date()
    day = "" if today == dt.date(2026, 12, 7) else " on 7 December 2026"
    for who in ("agent", "officer", "admin"):
        client = signed_in(cast, app.test_client(), who)
        text = text_of(client.get("/"))
        assert f"Housing helpdesk unreachable since 10:02{day} (UK time), 37 actions waiting." in text, who
        assert "sends everything, in order, as soon as it answers" in text, who
