"""Flags come off when a restriction ends, and follow its terms when they change (issue 8, item 3).

A flagged ticket keeps telling agents the customer is restricted until contactguard says otherwise:
every way a restriction ends (lifted, withdrawn while under appeal, quashed on appeal, lifted at
review, lapsed) must queue the removal, and every change of terms must rewrite the arrangement.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from plugin.models import Letter, OutboxAction
from plugin.services import appeals as ap
from plugin.services import letters as lt
from plugin.services import restrictions as rs
from plugin.services import reviews as rv
from tests.helpers import active_restriction, email_of, last_outcome, webhook_path
from tests.webhooks.conftest import fixture_body


@pytest.fixture
def flagged(cast, client, connection_id, sessions, settings):
    """A restriction in force, and ticket 44 flagged for it through the webhook."""
    rid = active_restriction(cast)
    reply = client.post(webhook_path(settings, connection_id), json=fixture_body("django-helpdesk-ticket-created"))
    assert reply.status_code == 200 and last_outcome(sessions) == "flag"
    return rid


def _later_actions(sessions) -> list[tuple[str, str, dict]]:
    """The actions queued by changes to the restriction (not by the webhook event)."""
    with sessions() as s:
        rows = s.scalars(
            select(OutboxAction)
            .where(OutboxAction.event_id.is_(None), OutboxAction.kind != "create_task")
            .order_by(OutboxAction.id)
        )
        return [(r.ticket_id, r.kind, r.payload) for r in rows]


def _send_restriction_letter(cast, rid):
    with cast.sessions() as s:
        letter_id = s.scalar(select(Letter.id).where(Letter.restriction_id == rid, Letter.kind == "restriction"))
    with cast.act("officer") as ctx:
        lt.mark_sent(ctx, letter_id, {"method": "email", "sent_on": ctx.today().isoformat()})


def _assert_unflagged(sessions):
    actions = _later_actions(sessions)
    assert [(t, k) for t, k, _ in actions] == [("44", "clear_flag"), ("44", "remove_tags")]
    # Every tag of ours comes off, the information-request one too (the simulation found it left behind, issue 20).
    assert set(actions[1][2]["tags"]) == {"cg-restricted", "cg-disregarded", "cg-escalated", "cg-information-request"}


def test_lifting_takes_the_flag_and_tags_off_the_customers_tickets(flagged, cast, sessions):
    with cast.act("senior") as ctx:
        rs.lift(ctx, flagged, {"reasons": "Behaviour has improved for six months"})
    _assert_unflagged(sessions)


def test_a_quashed_appeal_takes_the_flags_off(flagged, cast, sessions):
    """The customer's appeal succeeded: the restriction is lifted, so is its projection on tickets."""
    _send_restriction_letter(cast, flagged)
    with cast.act("officer") as ctx:
        appeal = ap.lodge(
            ctx,
            {
                "restriction": flagged,
                "grounds": "disproportionate",
                "statement": "Unfair",
                "heard_by": email_of("senior2"),
            },
        )
    with cast.act("senior2") as ctx:
        ap.decide(ctx, appeal.id, {"outcome": "quashed", "reasons": "The restriction was disproportionate"})
    _assert_unflagged(sessions)


def test_a_review_that_lifts_takes_the_flags_off(flagged, cast, sessions):
    with cast.act("senior") as ctx:
        rv.hold(ctx, flagged, {"outcome": "lift", "reasons": "No incidents since the restriction began"})
    _assert_unflagged(sessions)


def test_amending_rewrites_the_arrangement_on_the_tickets(flagged, cast, sessions):
    with cast.act("senior") as ctx:
        rs.amend(ctx, flagged, {"allowed_channels": ["letter", "telephone"], "reasons": "Telephone added"})
    actions = _later_actions(sessions)
    assert [(t, k) for t, k, _ in actions] == [("44", "set_flag")]
    assert "letter, telephone" in actions[0][2]["value"]


def test_a_varied_appeal_and_an_amending_review_rewrite_the_arrangement(flagged, cast, sessions):
    _send_restriction_letter(cast, flagged)
    with cast.act("officer") as ctx:
        appeal = ap.lodge(
            ctx,
            {
                "restriction": flagged,
                "grounds": "disproportionate",
                "statement": "Unfair",
                "heard_by": email_of("senior2"),
            },
        )
    with cast.act("senior2") as ctx:
        ap.decide(
            ctx,
            appeal.id,
            {
                "outcome": "varied",
                "reasons": "Telephone as well",
                "terms": {"allowed_channels": ["email", "telephone"]},
            },
        )
    with cast.act("senior") as ctx:
        rv.hold(
            ctx,
            flagged,
            {"outcome": "amend", "reasons": "Letters only from now", "terms": {"allowed_channels": ["letter"]}},
        )
    values = [p["value"] for _, k, p in _later_actions(sessions) if k == "set_flag"]
    assert len(values) == 2
    assert "channels email, telephone" in values[0] and "channels letter;" in values[1]


def test_when_another_restriction_stays_in_force_its_arrangement_replaces_the_flag(flagged, cast, sessions):
    other = active_restriction(cast, allowed_channels=["letter"], why_necessary="A second, council-wide need")
    with cast.act("senior") as ctx:
        rs.lift(ctx, flagged, {"reasons": "Behaviour has improved"})
    actions = _later_actions(sessions)
    # Activating the second wrote its arrangement on the ticket (restrictions.py _bring_into_force), lifting the
    # first leaves it there.
    assert [(t, k) for t, k, _ in actions] == [("44", "set_flag"), ("44", "set_flag")]
    assert all("channels letter;" in payload["value"] for _t, _k, payload in actions)
    assert other


def test_withdrawing_a_proposal_touches_no_ticket(flagged, cast, sessions):
    """A proposal was never in force: the customer's flags (from the restriction in force) stay."""
    with cast.act("officer") as ctx:
        proposal = rs.propose(
            ctx,
            {
                "customer": "C1",
                "path": "serious_threat",
                "why_necessary": "Threat",
                "spoc_officer": email_of("officer"),
                "allowed_channels": ["letter"],
            },
        )
        rs.withdraw(ctx, proposal.id, {"reasons": "Not taken forward"})
    assert _later_actions(sessions) == []


def test_a_lift_is_in_the_audit_trail_with_the_number_of_actions(flagged, cast, sessions):
    from plugin.models import AuditEntry

    with cast.act("senior") as ctx:
        rs.lift(ctx, flagged, {"reasons": "Behaviour has improved"})
    with sessions() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "tickets.flags_removed"))
    assert entry is not None and entry.details["actions"] == 2
