"""panel_for: what the panel beside a ticket says, for each kind of customer, and what it never says."""

from dataclasses import asdict

from sidebar_support import SECRET_WORDS, record_decision, restrict
from sqlalchemy import select

from plugin.models import AuditEntry, Restriction
from plugin.services import restrictions as rs
from plugin.services.sidebar import panel_for


def test_restricted_customer_shows_the_arrangement(cast, connection):
    restrict(cast)
    with cast.act() as ctx:
        panel = panel_for(ctx, connection, emails=["Jane.Customer@Example.com"])
    assert panel.restricted and panel.customer_reference == "C1"
    assert panel.sole_point_of_contact == "Olly Officer <officer@council.example>"
    assert panel.deputy == "Dee Deputy <deputy@council.example>"
    assert panel.channels == ("email", "letter")
    assert panel.time_windows == "Mondays and Wednesdays, 10am to 12 noon"
    assert panel.arrangement_lines == ("Premises excluded: Civic Centre",)
    assert panel.review_due is not None


def test_found_by_phone_in_any_format(cast, connection):
    restrict(cast)
    with cast.act() as ctx:
        assert panel_for(ctx, connection, phones=["+44 7700 900123"]).restricted


def test_unknown_and_unrestricted_customers(cast, connection, other_customer):
    with cast.act() as ctx:
        assert panel_for(ctx, connection, emails=["nobody@example.com"]).state == "unknown"
        assert panel_for(ctx, connection, emails=["not an address"]).state == "unknown"
        plain = panel_for(ctx, connection, emails=["sam.other@example.com"])
    assert plain.state == "not_restricted" and plain.customer_reference == "C2"


def test_lapsed_restriction_is_shown_as_ended(cast, connection):
    rid = restrict(cast)
    with cast.act("senior") as ctx:
        rs.lapse(ctx, ctx.session.get(Restriction, rid), "end date reached")
    with cast.act() as ctx:
        panel = panel_for(ctx, connection, emails=["jane.customer@example.com"])
    assert panel.state == "ended" and panel.ended.startswith("lapsed on ")
    assert panel.sole_point_of_contact is None


def test_external_contact_keeps_its_neutral_label(cast, connection):
    restrict(
        cast,
        spoc_officer=None,
        spoc_kind="external_worker",
        spoc_external_name="Kim Worker",
        spoc_external_role="community psychiatric nurse",
        spoc_external_email="kim@nhs.example",
        consent_basis="Customer agreed in writing",
        checks={"social_work_known": "yes", "mental_health_client": True},
    )
    with cast.act() as ctx:
        panel = panel_for(ctx, connection, emails=["jane.customer@example.com"])
    assert panel.sole_point_of_contact == "Kim Worker (external contact: kim@nhs.example)"
    assert "psychiatric" not in str(asdict(panel))


def test_this_tickets_outcome(cast, connection, sessions):
    restrict(cast)
    record_decision(sessions, connection, "41", "flag")
    record_decision(sessions, connection, "42", "escalate", routed=True)
    with cast.act() as ctx:
        escalated = panel_for(ctx, connection, emails=["jane.customer@example.com"], ticket_id=42)
        flagged = panel_for(ctx, connection, emails=["jane.customer@example.com"], ticket_id="41")
        fresh = panel_for(ctx, connection, emails=["jane.customer@example.com"], ticket_id="43")
    assert (
        escalated.ticket.words.startswith("Escalated: the safeguarding screen found words") and escalated.ticket.routed
    )
    assert flagged.ticket.outcome == "flag" and not flagged.ticket.routed
    assert fresh.ticket is None


def test_no_reasons_incidents_or_checks_in_the_panel(cast, connection, sessions):
    restrict(cast)
    record_decision(sessions, connection, "42", "disregard")
    with cast.act() as ctx:
        text = str(asdict(panel_for(ctx, connection, emails=["jane.customer@example.com"], ticket_id="42")))
    for word in SECRET_WORDS:
        assert word not in text


def test_each_panel_is_an_audited_read_of_ids_only(cast, connection):
    rid = restrict(cast)
    with cast.act() as ctx:
        panel_for(ctx, connection, emails=["jane.customer@example.com"])
    with cast.act() as ctx:
        entry = ctx.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.details["view"] == "sidebar.viewed" and entry.details["ids"] == [rid]
    assert "jane" not in str(entry.details)


def test_a_session_is_enough(cast, connection, sessions):
    restrict(cast)
    with sessions() as s, s.begin():
        assert panel_for(s, connection, emails=["jane.customer@example.com"]).restricted
