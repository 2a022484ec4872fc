"""Retention (UK GDPR 5(1)(e)): a file is anonymised a set time after its restriction ended; allowed contacts go."""

import datetime as dt
import json

import time_machine
from sqlalchemy import func, select

from plugin.cli import cli
from plugin.config import settings_of
from plugin.models import (
    AuditEntry,
    ClockNotice,
    Customer,
    FormalWarning,
    Identity,
    Incident,
    Letter,
    PreRestrictionCheck,
    Restriction,
    WebhookEvent,
)
from plugin.services import audit as audit_service
from plugin.services import incidents as inc
from plugin.services import register as reg
from plugin.services import restrictions as rs
from plugin.services import retention as rt
from plugin.worker.sweeps import run_sweeps
from tests.helpers import active_restriction, email_of, last_outcome, webhook_path
from tests.webhooks.conftest import fixture_body

UTC = dt.timezone.utc
STARTED, LIFTED = dt.date(2026, 1, 12), dt.date(2026, 6, 1)
MONTHS = 12
LAST_KEPT, FIRST_GONE = dt.date(2027, 6, 1), dt.date(2027, 6, 2)  # LIFTED + 12 months, and the day after


def _at(day: dt.date, hour: int = 12):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=UTC), tick=False)


def _post(client, connection_id, ticket: int, email: str = "rita@example.com"):
    body = fixture_body("django-helpdesk-ticket-created", id=ticket, submitter_email=email)
    response = client.post(webhook_path(settings_of(client.application), connection_id), json=body)
    assert response.status_code == 200, response.get_data(as_text=True)


def _settings(settings, **changes):
    return settings.replace(RETENTION_AFTER_END_MONTHS=MONTHS, **changes)


def _add_customer(cast, reference: str, name: str, email: str, day: dt.date = STARTED - dt.timedelta(days=1)):
    """A customer on the register since `day` (the cast's own C1 is added today, whatever today is)."""
    phone = f"07700 900{400 + int(reference[1:]):03d}"
    with _at(day), cast.act() as ctx:
        reg.add_customer(
            ctx,
            {
                "reference": reference,
                "name": name,
                "identities": [{"kind": "email", "value": email}, {"kind": "phone", "value": phone}],
            },
        )


def _lifted_file(cast, client, connection_id) -> int:
    """R1: incident, warning, restriction in force from STARTED (one flagged contact), lifted on LIFTED."""
    _add_customer(cast, "R1", "Rita Retained", "rita@example.com")
    with _at(STARTED):
        rid = active_restriction(cast, customer="R1")
    with _at(STARTED + dt.timedelta(days=1)):
        _post(client, connection_id, 44)
    assert last_outcome(sessions_of(cast)) == "flag"
    with _at(LIFTED), cast.act("senior") as ctx:
        rs.lift(ctx, rid, {"reasons": "Behaviour has improved since the spring"})
    return rid


def sessions_of(cast):
    return cast.sessions


def _customer(sessions, reference="R1"):
    with sessions() as s:
        found = s.scalar(select(Customer).where(Customer.reference == reference))
        return None if found is None else (found.id, found.name, len(found.identities))


def _count(sessions, model, *where):
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_nothing_changes_before_the_period_ends(cast, sessions, settings, client, connection_id):
    _lifted_file(cast, client, connection_id)
    run_sweeps(sessions, _settings(settings), today=LAST_KEPT)
    customer_id, name, identities = _customer(sessions)
    assert (name, identities) == ("Rita Retained", 2)
    with sessions() as s:
        assert s.scalar(select(Incident.description)) == "Shouted and swore at the officer"
        assert s.scalar(select(WebhookEvent.ticket_id).where(WebhookEvent.customer_id == customer_id)) == "44"
    assert _count(sessions, ClockNotice, ClockNotice.kind == "anonymise") == 0
    assert _count(sessions, AuditEntry, AuditEntry.action == "customer.anonymised") == 0


def test_after_the_period_the_customer_is_anonymised_once_and_no_longer_matched(
    cast, sessions, settings, client, connection_id
):
    rid = _lifted_file(cast, client, connection_id)
    with sessions() as s:
        customer_id = s.scalar(select(Customer.id).where(Customer.reference == "R1"))
    report = run_sweeps(sessions, _settings(settings), today=FIRST_GONE)
    run_sweeps(sessions, _settings(settings), today=FIRST_GONE + dt.timedelta(days=1))
    assert report.counts.get("anonymise") == 1

    with sessions() as s:
        customer = s.get(Customer, customer_id)
        assert (customer.name, customer.reference) == (rt.ANONYMISED_NAME, f"anon-{customer_id}")
        assert s.scalar(select(func.count()).select_from(Identity).where(Identity.customer_id == customer_id)) == 0
        assert customer.identities == []
        incident = s.scalar(select(Incident))
        assert incident.description == rt.REDACTED
        assert (incident.category, incident.channel) == ("verbal_abuse", "telephone"), "the shape stays"
        warning = s.scalar(select(FormalWarning))
        assert {warning.behaviour, warning.why_unacceptable, warning.change_requested, warning.consequences} == {
            rt.REDACTED
        }
        assert warning.issued_on == STARTED
        restriction = s.get(Restriction, rid)
        assert (restriction.state, restriction.path) == ("lifted", "after_warning")
        assert restriction.why_necessary == restriction.end_reason == rt.REDACTED
        assert restriction.allowed_channels == ["email", "letter", "web_form"]
        checks = s.scalar(select(PreRestrictionCheck))
        assert (checks.social_work_known, checks.other_services) == ("no", rt.REDACTED)
        assert {json.dumps(x.facts) for x in s.scalars(select(Letter))} == {'{"redacted": true}'}
        event = s.scalar(select(WebhookEvent).where(WebhookEvent.customer_id == customer_id))
        assert (event.outcome, event.ticket_id, event.reason) == ("flag", None, rt.REDACTED)
        (entry,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "customer.anonymised"))
        assert entry.customer_id == customer_id and entry.actor == "system:clock"
        assert "Rita" not in json.dumps(entry.details) and entry.details["redacted"]["identities"] == 2
    assert _count(sessions, ClockNotice, ClockNotice.kind == "anonymise") == 1

    with _at(FIRST_GONE + dt.timedelta(days=2)):
        _post(client, connection_id, 45)
    with sessions() as s:
        newest = s.scalar(select(WebhookEvent).order_by(WebhookEvent.id.desc()).limit(1))
        assert (newest.ticket_id, newest.outcome, newest.customer_id) == ("45", "allow", None)

    engine = sessions.kw["bind"]
    with engine.connect() as conn:
        # (the generous tolerance: this test travels in time, so entries are dated out of order)
        assert audit_service.verify(conn, tolerance=dt.timedelta(days=3650)).ok, "the trail still verifies"


def test_a_restriction_in_force_an_open_appeal_or_a_recent_incident_keeps_the_file(
    cast, sessions, settings, client, connection_id
):
    _lifted_file(cast, client, connection_id)
    _add_customer(cast, "R2", "Still Restricted", "still@example.com")
    with _at(STARTED):
        active_restriction(cast, customer="R2")
    with _at(dt.date(2026, 9, 1)), cast.act("officer") as ctx:  # after R1's lifting: the period runs from here
        inc.record_incident(
            ctx,
            {
                "customer": "R1",
                "experienced_by": email_of("officer"),
                "occurred_at": "2026-09-01T09:00:00+00:00",
                "channel": "letter",
                "category": "written_abuse",
                "description": "Abusive letter after lifting",
            },
        )
    run_sweeps(sessions, _settings(settings), today=FIRST_GONE)
    assert _customer(sessions, "R1")[1:] == ("Rita Retained", 2)
    assert _customer(sessions, "R2")[1:] == ("Still Restricted", 2)
    run_sweeps(sessions, _settings(settings), today=dt.date(2027, 9, 2))
    assert _customer(sessions, "R1") is None, "a year after the later incident it goes"
    assert _customer(sessions, "R2")[1:] == ("Still Restricted", 2), "never while a restriction is in force"


def test_allowed_events_go_after_their_days_and_restricted_ones_stay(cast, sessions, settings, client, connection_id):
    _add_customer(cast, "R1", "Rita Retained", "rita@example.com")
    with _at(STARTED):
        active_restriction(cast, customer="R1")
    _add_customer(cast, "R2", "Not Restricted", "r2@example.com")
    day = dt.date(2026, 2, 2)
    with _at(day):
        _post(client, connection_id, 44)  # R1: restricted, flagged
        _post(client, connection_id, 45, email="r2@example.com")  # R2: on the register, not restricted
        _post(client, connection_id, 46, email="someone.else@example.com")  # nobody we know
    with sessions() as s:
        assert sorted(s.scalars(select(WebhookEvent.outcome))) == ["allow", "allow", "flag"]
    run_sweeps(sessions, settings, today=day + dt.timedelta(days=30))
    assert _count(sessions, WebhookEvent) == 3, "30 days: not yet"
    report = run_sweeps(sessions, settings, today=day + dt.timedelta(days=31))
    assert report.counts.get("events_purged") == 2
    with sessions() as s:
        assert [tuple(row) for row in s.execute(select(WebhookEvent.ticket_id, WebhookEvent.outcome))] == [
            ("44", "flag")
        ]
        (entry,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "webhook_events.purged"))
        assert entry.details["count"] == 2
    assert _customer(sessions, "R2")[1:] == ("Not Restricted", 2), "the customers themselves stay"
    assert run_sweeps(sessions, settings, today=day + dt.timedelta(days=32)).counts.get("events_purged") is None


def test_the_cli_dry_run_prints_what_would_go_and_changes_nothing(
    cast, sessions, settings, client, connection_id, runner, monkeypatch
):
    _lifted_file(cast, client, connection_id)
    monkeypatch.setenv("CONTACTGUARD_RETENTION_AFTER_END_MONTHS", str(MONTHS))
    with _at(FIRST_GONE):
        dry = runner.invoke(cli, ["retention", "run", "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert "would anonymise R1" in dry.output and "last activity 2026-06-01" in dry.output
        assert _customer(sessions)[1:] == ("Rita Retained", 2)
        refused = runner.invoke(cli, ["--as", email_of("officer"), "retention", "run"])
        assert refused.exit_code == 4 and "needs an admin" in refused.output
        done = runner.invoke(cli, ["--json", "--as", email_of("admin"), "retention", "run"])
        assert done.exit_code == 0, done.output
        assert [c["reference"] for c in json.loads(done.output)["customers"]] == ["R1"]
        again = runner.invoke(cli, ["retention", "run"])
        assert "none due" in again.output
    assert _customer(sessions) is None
    with sessions() as s:
        (entry,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "customer.anonymised"))
        assert entry.actor_officer_id == cast.ids["admin"][0]
