"""Through the webhook: the deputy covers an away sole point of contact (issue 8 item 13), the subject is
screened (item 12), and an external worker's role never reaches the ticket (item 17)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from plugin.config import settings_of
from plugin.models import OutboxAction, WebhookEvent
from plugin.services import incidents as inc
from plugin.services import register as reg
from plugin.services import restrictions as rs
from tests.helpers import active_restriction, email_of, last_outcome, webhook_path
from tests.webhooks.conftest import fixture_body

CONTACT_DAY = dt.date(2025, 1, 8)  # the fixtures' follow-up and new ticket are dated 8 January 2025
OFFICER, DEPUTY, OTHER = "7", "8", "9"


def _post(client, connection_id, body):
    response = client.post(webhook_path(settings_of(client.application), connection_id), json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"outcome": last_outcome(client.application.extensions["contactguard.sessions"])}


def _actions(sessions) -> dict:
    with sessions() as s:
        return {a.kind: a.payload for a in s.scalars(select(OutboxAction).order_by(OutboxAction.id))}


@pytest.fixture
def deputy_agent(cast, connection_id):
    with cast.act() as ctx:
        reg.update_officer(ctx, email_of("deputy"), {"helpdesk_ids": [{"connection": "", "agent_id": DEPUTY}]})
    return connection_id


def away(cast, who="officer", starts=CONTACT_DAY - dt.timedelta(days=2), ends=CONTACT_DAY + dt.timedelta(days=2)):
    with cast.act() as ctx:
        return reg.add_absence(
            ctx, email_of(who), {"starts_on": starts.isoformat(), "ends_on": ends.isoformat(), "note": "annual leave"}
        ).id


def test_spoc_on_leave_new_ticket_goes_to_the_deputy(client, cast, deputy_agent, sessions):
    active_restriction(cast)
    away(cast)
    result = _post(client, deputy_agent, fixture_body("django-helpdesk-ticket-created"))
    assert result["outcome"] == "flag"
    actions = _actions(sessions)
    assert actions["assign"]["agent_id"] == DEPUTY
    note = actions["add_note"]["text"]
    assert "Olly Officer, is away on 2025-01-08" in note
    assert "Dee Deputy <deputy@council.example>" in note and "assigned to the deputy instead" in note
    assert "annual leave" not in json.dumps(actions), "the absence note is for administrators only"
    assert note.rstrip().splitlines()[-1].startswith("[contactguard] ref"), "the marker stays last"
    # Issue 20: during the absence the field names who covers (agents and triggers read the field, not the note).
    assert actions["set_flag"]["value"].startswith(
        "RESTRICTED: contact via Dee Deputy <deputy@council.example> (covering for Olly Officer, who is away)"
    )


def test_leave_on_other_days_changes_nothing(client, cast, deputy_agent, sessions):
    active_restriction(cast)
    away(cast, starts=CONTACT_DAY + dt.timedelta(days=1), ends=CONTACT_DAY + dt.timedelta(days=9))
    away(cast, starts=CONTACT_DAY - dt.timedelta(days=9), ends=CONTACT_DAY - dt.timedelta(days=1))
    _post(client, deputy_agent, fixture_body("django-helpdesk-ticket-created"))
    actions = _actions(sessions)
    assert actions["assign"]["agent_id"] == OFFICER
    assert "away" not in actions["add_note"]["text"]


def test_leave_counts_on_its_first_and_last_day(client, cast, deputy_agent, sessions):
    active_restriction(cast)
    away(cast, starts=CONTACT_DAY, ends=CONTACT_DAY)
    _post(client, deputy_agent, fixture_body("django-helpdesk-ticket-created"))
    assert _actions(sessions)["assign"]["agent_id"] == DEPUTY


def test_inactive_spoc_disregarded_contact_goes_to_the_deputy(client, cast, deputy_agent, sessions):
    """Article 6119 disregard, read by the deputy because the SPOC has left (inactive)."""
    active_restriction(cast)
    with cast.act() as ctx:
        reg.update_officer(ctx, email_of("officer"), {"active": False})
    result = _post(client, deputy_agent, fixture_body("django-helpdesk-followup", assigned_to=int(OTHER)))
    assert result["outcome"] == "disregard"
    actions = _actions(sessions)
    assert actions["assign"]["agent_id"] == DEPUTY
    assert "is away on 2025-01-08" in actions["add_note"]["text"]


def test_escalation_from_the_subject_alone_goes_to_the_deputy(client, cast, deputy_agent, sessions):
    """Item 12 through the webhook: the ticket's subject carries the risk, the body is ordinary."""
    active_restriction(cast)
    away(cast)
    body = fixture_body("django-helpdesk-followup", assigned_to=int(OTHER), title="I am going to hurt myself")
    assert _post(client, deputy_agent, body)["outcome"] == "escalate"
    with sessions() as s:
        assert s.scalar(select(WebhookEvent.screen_hits)) == ["self_harm"]
    actions = _actions(sessions)
    assert actions["assign"]["agent_id"] == DEPUTY
    assert "self_harm" in actions["add_note"]["text"]


def test_deputy_away_too_stays_with_the_spoc_and_asks_for_cover(client, cast, deputy_agent, sessions):
    active_restriction(cast)
    away(cast)
    away(cast, "deputy")
    _post(client, deputy_agent, fixture_body("django-helpdesk-ticket-created"))
    actions = _actions(sessions)
    assert actions["assign"]["agent_id"] == OFFICER
    assert "no deputy is available: ask a senior officer to arrange cover" in actions["add_note"]["text"]


def test_standing_deputy_covers_when_the_restriction_names_none(client, cast, deputy_agent, sessions):
    """The SPOC officer's own deputy, set after the restriction, covers; their replies on the ticket are within
    the arrangement, not disregarded."""
    with cast.act() as ctx:
        reg.update_officer(ctx, email_of("officer"), {"deputy": None})
    active_restriction(cast)
    with cast.act() as ctx:
        reg.update_officer(ctx, email_of("officer"), {"deputy": email_of("deputy")})
    away(cast)
    _post(client, deputy_agent, fixture_body("django-helpdesk-ticket-created"))
    assert _actions(sessions)["assign"]["agent_id"] == DEPUTY
    result = _post(client, deputy_agent, fixture_body("django-helpdesk-followup", assigned_to=int(DEPUTY)))
    assert result["outcome"] == "flag"


def test_a_ticket_already_with_the_deputy_is_not_reassigned(client, cast, deputy_agent, sessions):
    active_restriction(cast)
    away(cast)
    assert (
        _post(client, deputy_agent, fixture_body("django-helpdesk-followup", assigned_to=int(DEPUTY)))["outcome"]
        == "flag"
    )
    actions = _actions(sessions)
    assert "assign" not in actions
    assert "their deputy, Dee Deputy <deputy@council.example>, covers." in actions["add_note"]["text"]


def test_removing_the_absence_restores_routing_to_the_spoc(client, cast, deputy_agent, sessions):
    active_restriction(cast)
    absence_id = away(cast)
    with cast.act() as ctx:
        reg.remove_absence(ctx, absence_id)
    _post(client, deputy_agent, fixture_body("django-helpdesk-ticket-created"))
    assert _actions(sessions)["assign"]["agent_id"] == OFFICER


def test_external_worker_role_never_reaches_the_ticket(client, cast, connection_id, sessions):
    """Item 17 end to end: a social-work SPOC; flag, note and every other action carry no role."""
    with cast.act("officer") as ctx:
        incident = inc.record_incident(
            ctx,
            {
                "customer": "C1",
                "experienced_by": email_of("officer"),
                "channel": "telephone",
                "occurred_at": (ctx.now() - dt.timedelta(days=1)).isoformat(),
                "category": "verbal_abuse",
                "description": "Shouted and swore at the officer",
            },
        )
        warning = inc.issue_warning(
            ctx,
            {
                "customer": "C1",
                "incidents": [incident.id],
                "behaviour": "Shouting and swearing on the phone",
                "why_unacceptable": "Staff must work free of abuse",
                "change_requested": "Keep calls civil",
                "consequences": "Your contact may be restricted",
            },
        )
        restriction = rs.propose(
            ctx,
            {
                "customer": "C1",
                "path": "after_warning",
                "warning": warning.id,
                "why_necessary": "Abuse continued after the formal warning",
                "spoc_officer": None,
                "spoc_kind": "external_worker",
                "spoc_external_name": "Sam Brown",
                "spoc_external_role": "Community Mental Health Team Leader",
                "spoc_external_email": "sam.brown@partner.example",
                "consent_basis": "Customer agreed in writing",
                "allowed_channels": ["email", "web_form"],
            },
        )
        rs.record_checks(
            ctx,
            restriction.id,
            {
                "social_work_known": "yes",
                "mental_health_client": True,
                "adjustments_needed": False,
                "other_services": "none",
            },
        )
    with cast.act("senior") as ctx:
        rs.activate(ctx, restriction.id)
    for body in (
        fixture_body("django-helpdesk-ticket-created"),
        fixture_body("django-helpdesk-followup", assigned_to=int(OTHER)),
    ):
        _post(client, connection_id, body)
    with sessions() as s:
        written = json.dumps([a.payload for a in s.scalars(select(OutboxAction))]).lower()
    assert "sam brown (external contact: sam.brown@partner.example)" in written
    for word in ("mental", "health", "community", "team leader", "social", "care"):
        assert word not in written, word


def test_a_councils_own_screen_phrases_from_the_instance_file_escalate_a_contact(
    settings, cast, connection_id, sessions
):
    """docs/safeguarding-screen.md: [safeguarding_screen] in contactguard.toml adds to the default screen."""
    from pathlib import Path

    from plugin.app import create_app, dispose
    from tests.conftest import WorkerBesideClient

    instance = Path(settings.INSTANCE_PATH)
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "contactguard.toml").write_text('[safeguarding_screen]\nadult_at_risk = ["wander+ ... night"]\n')
    active_restriction(cast)
    body = fixture_body(
        "django-helpdesk-followup", assigned_to=int(OTHER), title="My gran keeps wandering off at night again"
    )
    app = create_app({"DATABASE_URL": settings.DATABASE_URL, "INSTANCE_PATH": str(instance), "TESTING": True})
    app.test_client_class = WorkerBesideClient  # the worker, which decides, reads the same instance file
    try:
        assert _post(app.test_client(), connection_id, body)["outcome"] == "escalate"
    finally:
        dispose(app)
    with sessions() as s:
        assert s.scalar(select(WebhookEvent.screen_hits)) == ["adult_at_risk"]


@pytest.mark.parametrize(("zone", "outcome"), [("Europe/London", "flag"), ("Pacific/Kiritimati", "disregard")])
def test_permitted_times_are_read_on_the_councils_clock(client, cast, connection_id, zone, outcome):
    """TIMEZONE is the policy's clock for permitted times too: the contact at 10:12 UTC on Wednesday 8 January
    is within Wednesdays 09:00-12:00 in London, and at 00:12 on Thursday at UTC+14, outside them."""
    app = client.application
    app.config["CONTACTGUARD"] = app.config["CONTACTGUARD"].replace(TIMEZONE=zone)
    active_restriction(cast, time_windows=[{"days": ["wed"], "start": "09:00", "end": "12:00"}])
    assert _post(client, connection_id, fixture_body("django-helpdesk-ticket-created"))["outcome"] == outcome


@pytest.mark.parametrize(("zone", "routed_to"), [("Europe/London", OFFICER), ("Pacific/Kiritimati", DEPUTY)])
def test_the_day_a_contact_falls_on_is_the_councils_day_in_its_time_zone(
    client, cast, deputy_agent, sessions, zone, routed_to
):
    """TIMEZONE: the contact at 10:12 UTC on 8 January is 00:12 on 9 January at UTC+14, when the SPOC is away."""
    app = client.application
    app.config["CONTACTGUARD"] = app.config["CONTACTGUARD"].replace(TIMEZONE=zone)
    active_restriction(cast)
    away(cast, starts=CONTACT_DAY + dt.timedelta(days=1), ends=CONTACT_DAY + dt.timedelta(days=1))
    _post(client, deputy_agent, fixture_body("django-helpdesk-ticket-created"))
    assert _actions(sessions)["assign"]["agent_id"] == routed_to


def _flags(sessions) -> list[str]:
    with sessions() as s:
        rows = s.scalars(select(OutboxAction).where(OutboxAction.kind == "set_flag").order_by(OutboxAction.id))
        return [a.payload["value"] for a in rows]


COVERING = "RESTRICTED: contact via Dee Deputy <deputy@council.example> (covering for Olly Officer, who is away)"


def test_an_absence_recorded_once_it_has_begun_rewrites_the_flags_at_once(client, cast, deputy_agent, sessions):
    """Issue 20 item 3, found by the simulated year: recorded on its first day, the absence waited for the next
    night's sweep, and the flagged tickets named the absent officer all that day."""
    restriction = active_restriction(cast)
    _post(client, deputy_agent, fixture_body("django-helpdesk-ticket-created"))
    assert not _flags(sessions)[-1].startswith(COVERING)
    with cast.act() as ctx:
        today = ctx.today()
        reg.add_absence(ctx, email_of("officer"), {"starts_on": today.isoformat(), "ends_on": today.isoformat()})
    assert _flags(sessions)[-1].startswith(COVERING), restriction
    with cast.act() as ctx:  # one starting tomorrow is the sweep's, on its day
        tomorrow = (ctx.today() + dt.timedelta(days=1)).isoformat()
        reg.add_absence(ctx, email_of("deputy"), {"starts_on": tomorrow, "ends_on": tomorrow})
    assert len(_flags(sessions)) == 2


def test_terms_amended_while_the_sole_point_of_contact_is_away_name_who_covers(client, cast, deputy_agent, sessions):
    """The simulated year: a restriction amended (or brought into force) during the absence named the absent
    officer on its tickets until the absence ended."""
    restriction = active_restriction(cast)
    _post(client, deputy_agent, fixture_body("django-helpdesk-ticket-created"))
    with cast.act() as ctx:
        today = ctx.today()
        reg.add_absence(ctx, email_of("officer"), {"starts_on": today.isoformat(), "ends_on": today.isoformat()})
    with cast.act("senior") as ctx:
        rs.amend(ctx, restriction, {"reasons": "Add telephone on Tuesdays", "allowed_channels": ["telephone"]})
    latest = _flags(sessions)[-1]
    assert latest.startswith(COVERING) and "telephone" in latest.lower(), latest
