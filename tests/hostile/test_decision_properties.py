"""The pure decision under random contacts, terms and times across the clock changes (issue 9, "prove")."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from plugin.policy.decision import Decision, Outcome, decide
from tests.hostile.decision_cases import INFO_REQUESTS, random_contact, random_terms, within

FAST = settings(max_examples=400, deadline=None, derandomize=True, database=None)
RANDOMS = st.randoms(use_true_random=False)


@FAST
@given(r=RANDOMS)
def test_every_decision_has_an_outcome_and_a_reason(r):
    terms = [random_terms(r, i) for i in range(r.randrange(0, 4))]
    decision = decide(random_contact(r), terms)
    assert isinstance(decision, Decision) and isinstance(decision.outcome, Outcome)
    assert decision.reason.strip()
    assert decision.restriction_id in {t.id for t in terms} | {None}
    if not terms:
        assert decision.outcome is Outcome.ALLOW


@FAST
@given(r=RANDOMS)
def test_a_contact_within_the_arrangement_is_never_disregarded(r):
    terms, contact = within(r, random_terms(r, 1), random_contact(r))
    decision = decide(contact, [terms])
    assert decision.outcome in (Outcome.FLAG, Outcome.STATUTORY), (decision, terms, contact)
    assert decision.reason.strip()


@FAST
@given(r=RANDOMS, request=st.sampled_from(INFO_REQUESTS), in_subject=st.booleans())
def test_an_information_request_is_never_disregarded(r, request, in_subject):
    terms = [random_terms(r, i) for i in range(1, r.randrange(2, 4))]
    contact = random_contact(r)
    contact = contact.__class__(
        **{**contact.__dict__, "service_id": None, "subject" if in_subject else "text": request}
    )
    decision = decide(contact, terms)
    assert decision.outcome is Outcome.STATUTORY, (decision, contact)
    assert "never disregarded" in decision.reason
