"""Reviews (R42-R45), lifting and amending, the register's people, and the append-only audit trail (R46a)."""

import datetime as dt

import pytest
import time_machine
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from plugin.models import AuditEntry, Letter, Restriction
from plugin.services import Conflict, Forbidden, InvalidInput, Refused
from plugin.services import register as reg
from plugin.services import restrictions as rs
from plugin.services import reviews as rv


def _hold(cast, restriction_id, who="senior", **data):
    with cast.act(who) as ctx:
        return rv.hold(ctx, restriction_id, {"reasons": "Behaviour unchanged since the last review", **data})


def test_continue_sets_the_next_review_and_writes_to_the_customer(steps, cast):
    """Article 6121: reviewed twice a year, outcome continue, amend or lift; R45: the outcome in writing."""
    restriction_id = steps.active()
    review = _hold(cast, restriction_id, outcome="continue")
    assert review.next_review_due == dt.date(2026, 9, 2)
    with cast.sessions() as s:
        assert s.get(Restriction, restriction_id).review_due == dt.date(2026, 9, 2)
        assert s.scalar(select(func.count()).select_from(Letter).where(Letter.kind == "review_outcome")) == 1


def test_only_seniors_review_and_reasons_are_required(steps, cast):
    restriction_id = steps.active()
    with pytest.raises(Refused):
        _hold(cast, restriction_id, who="officer", outcome="continue")
    with pytest.raises(InvalidInput) as bad, cast.act("senior") as ctx:
        rv.hold(ctx, restriction_id, {"outcome": "continue", "reasons": "ok"})
    assert "reasons" in bad.value.errors


def test_lift_at_review_ends_it_and_queues_a_lifting_letter(steps, cast):
    """R44: if lifted, the person is told."""
    restriction_id = steps.active()
    _hold(cast, restriction_id, outcome="lift")
    with cast.sessions() as s:
        assert s.get(Restriction, restriction_id).state == "lifted"
        assert (
            s.scalar(select(Letter.kind).where(Letter.restriction_id == restriction_id, Letter.kind == "lifting"))
            == "lifting"
        )
    with pytest.raises(Refused, match="only an active restriction"):
        _hold(cast, restriction_id, outcome="continue")


def test_amend_at_review_rechecks_the_terms(steps, cast):
    restriction_id = steps.active()
    with pytest.raises(Refused):
        _hold(cast, restriction_id, outcome="amend", terms={"allowed_channels": []})
    _hold(cast, restriction_id, outcome="amend", terms={"allowed_channels": ["letter"]})
    with cast.sessions() as s:
        assert s.get(Restriction, restriction_id).allowed_channels == ["letter"]


def test_next_review_must_be_after_this_one(steps, cast):
    restriction_id = steps.active()
    with pytest.raises(InvalidInput):
        _hold(cast, restriction_id, outcome="continue", next_review_due="2026-03-01")


def test_overdue_lists_exactly_the_restrictions_past_their_review(steps, cast, today):
    """R47: a restriction unreviewed for three years must show up."""
    with time_machine.travel(dt.datetime(2025, 9, 1, 10, tzinfo=dt.timezone.utc), tick=False):
        overdue = steps.active(review_due="2026-03-01")
    with time_machine.travel(dt.datetime(2025, 9, 2, 10, tzinfo=dt.timezone.utc), tick=False):
        steps.active(review_due="2026-03-02")
    with cast.act("senior") as ctx:
        assert [r.id for r in rv.overdue(ctx, today)] == [overdue]
        assert len(rv.due(ctx, today, within_days=30)) == 2


def test_lift_and_amend_in_force_need_a_senior(steps, cast):
    restriction_id = steps.active()
    with pytest.raises(Refused), cast.act("officer") as ctx:
        rs.amend(ctx, restriction_id, {"reasons": "Add telephone on Tuesdays", "allowed_channels": ["telephone"]})
    with pytest.raises(Refused), cast.act("officer") as ctx:
        rs.lift(ctx, restriction_id, {"reasons": "Behaviour has improved a lot"})
    with cast.act("senior") as ctx:
        rs.lift(ctx, restriction_id, {"reasons": "Behaviour has improved a lot"})
    with pytest.raises(Refused, match="lifted"), cast.act("senior") as ctx:
        rs.activate(ctx, restriction_id)


def test_every_change_is_audited_with_who(steps, cast):
    """R46a: auditable and challengeable decisions."""
    restriction_id = steps.active()
    with cast.sessions() as s:
        actions = list(
            s.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.entity_type == "restrictions", AuditEntry.entity_id == restriction_id
                )
            )
        )
        actors = set(
            s.scalars(
                select(AuditEntry.actor_officer_id).where(
                    AuditEntry.entity_id == restriction_id, AuditEntry.entity_type == "restrictions"
                )
            )
        )
    assert actions == ["restriction.proposed", "restriction.checks_recorded", "restriction.activate"]
    assert actors == {cast.ids["officer"][0], cast.ids["senior"][0]}


@pytest.mark.parametrize("statement", ["UPDATE audit_entries SET action = 'x'", "DELETE FROM audit_entries"])
def test_the_audit_trail_is_append_only_in_the_database(statement, steps, cast):
    steps.active()
    with pytest.raises(DBAPIError, match="append-only"), cast.sessions() as s, s.begin():
        s.execute(text(statement))


def test_admin_manages_officers_but_staff_do_not(cast):
    with pytest.raises(Forbidden), cast.act("senior") as ctx:
        reg.add_officer(ctx, {"email": "new@council.example", "name": "New", "role": "agent"})
    with cast.act("admin") as ctx:
        reg.add_officer(ctx, {"email": "new@council.example", "name": "New", "role": "agent"})
    with pytest.raises(Conflict), cast.act("admin") as ctx:
        reg.add_officer(ctx, {"email": "NEW@council.example", "name": "New", "role": "agent"})
    with pytest.raises(InvalidInput), cast.act("admin") as ctx:
        reg.update_officer(ctx, "new@council.example", {"deputy": "new@council.example"})


def test_an_identity_belongs_to_one_customer(cast):
    """Identity resolution: the same address cannot silently identify two people (idea 9)."""
    with pytest.raises(Conflict, match="C1"), cast.act("officer") as ctx:
        reg.add_customer(
            ctx, {"name": "Namesake", "identities": [{"kind": "email", "value": "JANE.customer@example.com"}]}
        )
    with cast.act("officer") as ctx:
        customer = reg.add_customer(ctx, {"name": "Other", "identities": [{"kind": "phone", "value": "07700900124"}]})
    assert customer.reference.startswith("C0")
    with cast.act("officer") as ctx:
        found = reg.find_customers(ctx, "07700900124".replace("0", "+44", 1))
    assert [c.reference for c in found] == [customer.reference]
