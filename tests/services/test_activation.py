"""Activation: only a senior officer brings a considered restriction into force, once every rule is met."""

import pytest
from sqlalchemy import func, select

from plugin.models import AuditEntry, Letter, Restriction
from plugin.services import Forbidden, InvalidInput, Refused
from plugin.services import restrictions as rs
from tests.helpers import email_of


def _snapshot(sessions, restriction_id):
    with sessions() as s:
        return (
            s.get(Restriction, restriction_id).state,
            s.scalar(select(func.count()).select_from(AuditEntry)),
            s.scalar(select(func.count()).select_from(Letter).where(Letter.kind == "restriction")),
        )


def _refused(steps, sessions, restriction_id, who="senior"):
    before = _snapshot(sessions, restriction_id)
    with pytest.raises(Refused) as refused:
        steps.activate(restriction_id, who)
    assert _snapshot(sessions, restriction_id) == before, "a refusal changes nothing"
    return refused.value


@pytest.mark.parametrize("who", ["officer", "agent", "admin"])
def test_only_a_senior_officer_activates(who, steps, sessions):
    """Article 6119: 'decisions to restrict contact ... are only taken after careful consideration of the
    situation by a senior member of staff' (R2)."""
    restriction_id = steps.ready()
    refusal = _refused(steps, sessions, restriction_id, who)
    assert refusal.code == "senior_required" and "only a senior officer" in refusal.message


def test_senior_activation_sets_review_date_queues_the_letter_and_audits(steps, sessions, today):
    """Article 6119: 'the customer will be written to with details of the restricted contact arrangements'
    (R30); every restriction has a review date, default 6 months (R42)."""
    restriction_id = steps.ready()
    r = steps.activate(restriction_id)
    assert r.state == "active" and r.review_due.isoformat() == "2026-09-02"
    _state, _audits, letters = _snapshot(sessions, restriction_id)
    assert letters == 1
    with sessions() as s:
        assert (
            s.scalar(select(AuditEntry.actor).where(AuditEntry.action == "restriction.activate"))
            == f"officer:{steps.cast.ids['senior'][0]}"
        )


def test_review_months_setting_changes_the_default(cast, steps, today):
    """R43: review periods differ between councils (3, 6, 12 months): configurable."""
    cast.settings = cast.settings.replace(REVIEW_MONTHS=3)
    restriction_id = steps.ready()
    assert steps.activate(restriction_id).review_due.isoformat() == "2026-06-02"


def test_warning_comes_first(steps, sessions):
    """Article 6119: 'Customers will be issued with a warning letter ... If this is not done, then they will
    be told that a contact restriction can be put in place' (R4)."""
    restriction_id = steps.propose()
    steps.checks(restriction_id)
    assert _refused(steps, sessions, restriction_id).code == "warning_required"


def test_a_warning_quashed_on_appeal_no_longer_counts(steps, sessions):
    """R35: a warning can be appealed for factual inaccuracy; quashed, it cannot ground a restriction."""
    from plugin.services import appeals as ap

    warning_id = steps.warning()
    with steps.cast.act("officer") as ctx:
        appeal = ap.lodge(
            ctx,
            {
                "warning": warning_id,
                "grounds": "factual_inaccuracy",
                "statement": "It was not me on the phone",
                "heard_by": email_of("senior2"),
            },
        )
    with steps.cast.act("senior2") as ctx:
        ap.decide(ctx, appeal.id, {"outcome": "quashed", "reasons": "The call log shows another caller"})
    restriction_id = steps.propose()
    steps.checks(restriction_id)
    assert _refused(steps, sessions, restriction_id).code == "warning_required"


def test_without_warning_needs_a_justification(steps, sessions):
    """Article 6119: 'where a customer's behaviour has been deemed particularly vexatious or unreasonable, the
    council reserves the right to impose some form of restricted contact without issuing a formal warning' (R5)."""
    restriction_id = steps.propose(path="without_warning")
    steps.checks(restriction_id)
    assert _refused(steps, sessions, restriction_id).code == "justification_required"
    ok = steps.propose(
        path="without_warning", path_justification="Forty calls a day for three weeks to every officer in the service"
    )
    steps.checks(ok)
    assert steps.activate(ok).state == "active"


def test_serious_threat_restricts_at_once(steps, sessions):
    """Article 6119: 'If a serious threat of violence is made, then a warning letter is not necessary and the
    customer can be issued with a restricted contact letter immediately' (R61)."""
    abuse = steps.incident("verbal_abuse")
    restriction_id = steps.propose(path="serious_threat", incidents=[abuse])
    steps.checks(restriction_id)
    assert _refused(steps, sessions, restriction_id).code == "threat_incident_required"
    threat = steps.incident("threat")
    # impose still needs the checks, which are per restriction
    with steps.cast.act("senior") as ctx, pytest.raises(Refused):
        rs.impose(
            ctx,
            {
                "customer": "C1",
                "path": "serious_threat",
                "incidents": [threat],
                "why_necessary": "Threatened to stab the officer at the counter",
                "spoc_officer": email_of("officer"),
                "allowed_channels": ["letter"],
            },
        )
    imposed = steps.propose(
        path="serious_threat", incidents=[threat], why_necessary="Threatened to stab the officer at the counter"
    )
    steps.checks(imposed)
    assert steps.activate(imposed).state == "active"


@pytest.mark.parametrize(
    "field, checks, code",
    [
        ("checks.social_work_known", None, "checks_incomplete"),
        ("why_necessary", {}, "why_necessary_required"),
    ],
)
def test_checks_and_necessity_are_required(field, checks, code, steps, sessions):
    """Article 6119: 'we will always try to ascertain if that customer is known to Social Work Services, and
    whether any reasonable adjustments are required' (R9); SPSO 201507810: a thin 'why necessary' (R6)."""
    steps.warning()
    restriction_id = steps.propose(
        why_necessary="short" if field == "why_necessary" else "Abuse continued after the warning"
    )
    if checks is not None:
        steps.checks(restriction_id, **checks)
    refusal = _refused(steps, sessions, restriction_id)
    assert field in refusal.errors and code in (refusal.code, "refused")


def test_checks_input_is_validated(steps):
    """R9: 'unknown' is an answer; anything else is not."""
    restriction_id = steps.propose()
    with pytest.raises(InvalidInput) as bad:
        steps.checks(restriction_id, social_work_known="maybe")
    assert "social_work_known" in bad.value.errors


def test_at_least_one_channel_stays_open(steps, sessions):
    """R12: a restriction must not block every form of contact."""
    restriction_id = steps.ready(allowed_channels=[])
    assert "allowed_channels" in _refused(steps, sessions, restriction_id).errors


def test_end_date_and_review_date_must_follow_the_start(steps, sessions):
    """R30, R42: dates that make sense."""
    restriction_id = steps.ready(starts_on="2026-04-01", review_due="2026-03-20", ends_on="2026-03-25")
    refusal = _refused(steps, sessions, restriction_id)
    assert {"review_due", "ends_on"} <= set(refusal.errors)


def test_adjustments_require_a_named_officer_not_a_shared_inbox(steps, sessions):
    """Article 6119: where adjustments are required, 'a named officer who shall be the sole point of contact'."""
    steps.warning()
    restriction_id = steps.propose(spoc_officer=None, spoc_kind="shared_inbox", spoc_inbox="housing@council.example")
    steps.checks(restriction_id, adjustments_needed=True, adjustments=["large_print"])
    assert _refused(steps, sessions, restriction_id).code == "named_officer_required"


def test_customer_who_cannot_read_or_write_keeps_telephone_to_the_named_officer(steps, sessions):
    """Article 6119: a customer 'unable to read or write ... may therefore be denied legitimate access to a
    service': a named officer as sole point of telephone contact."""
    steps.warning()
    restriction_id = steps.propose(allowed_channels=["letter"])
    steps.checks(restriction_id, adjustments_needed=True, adjustments=["cannot_read_or_write"])
    assert _refused(steps, sessions, restriction_id).code == "telephone_required"
    with steps.cast.act("officer") as ctx:
        rs.amend(
            ctx,
            restriction_id,
            {"reasons": "Telephone kept open to the named officer", "allowed_channels": ["telephone"]},
        )
    assert steps.activate(restriction_id).state == "active"


def test_adjustments_needed_must_say_which(steps, sessions):
    steps.warning()
    restriction_id = steps.propose()
    steps.checks(restriction_id, adjustments_needed=True, adjustments=[])
    assert "checks.adjustments" in _refused(steps, sessions, restriction_id).errors


EXTERNAL = {
    "spoc_officer": None,
    "spoc_kind": "external_worker",
    "spoc_external_name": "Sam Worker",
    "spoc_external_role": "social worker",
    "spoc_external_email": "sam.worker@care.example",
}


@pytest.mark.parametrize(
    "checks, consent, allowed",
    [
        ({"social_work_known": "yes", "mental_health_client": True}, "Customer agreed in writing 1 March", True),
        ({"social_work_known": "yes", "mental_health_client": True}, None, False),
        ({"social_work_known": "no", "mental_health_client": True}, "Customer agreed", False),
        ({"social_work_known": "yes", "mental_health_client": False}, "Customer agreed", False),
    ],
)
def test_social_or_care_worker_as_sole_point_of_contact(checks, consent, allowed, steps, sessions):
    """Article 6119: 'Where a customer has mental health issues, and is a client of Social Work Services, that
    customer's social or care worker may be an appropriate point of contact' (R14), with consent (R59)."""
    steps.warning()
    restriction_id = steps.propose(**EXTERNAL, consent_basis=consent)
    steps.checks(restriction_id, **checks)
    if allowed:
        assert steps.activate(restriction_id).state == "active"
    else:
        _refused(steps, sessions, restriction_id)


def test_every_problem_is_reported_at_once(steps, sessions):
    """A senior officer sees everything missing in one refusal, each with its rule."""
    restriction_id = steps.propose(allowed_channels=[], why_necessary=None)
    refusal = _refused(steps, sessions, restriction_id)
    assert {"path", "why_necessary", "checks.social_work_known", "allowed_channels"} <= set(refusal.errors)
    assert all("[R" in m or "[G" in m for messages in refusal.errors.values() for m in messages)


def test_proposing_needs_an_officer_and_an_officer_is_named_by_email(steps):
    with pytest.raises(Forbidden):
        steps.propose(who="agent")
    with pytest.raises(Exception) as unknown:
        steps.propose(spoc_officer="nobody@council.example")
    assert "nobody@council.example" in str(unknown.value)
