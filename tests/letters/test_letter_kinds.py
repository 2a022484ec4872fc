"""Each kind of letter, built by the services for a realistic case and read back as the customer reads it."""

from __future__ import annotations

import pytest

from plugin.models import Letter, Restriction
from plugin.services import appeals as ap
from plugin.services import incidents as inc
from plugin.services import letters as lt
from plugin.services import restrictions as rs
from plugin.services import reviews as rv
from tests.helpers import active_restriction, email_of
from tests.letters.conftest import html_text, letter_ids, read, render

EVERY_LETTER_CARRIES = (
    "Glenburn City Council",
    "City Chambers",
    "1 George Square",
    "Glenburn G1 1AA",
    "Dear Jane Customer",
    "Scottish Public Services Ombudsman (SPSO)",
    "www.spso.org.uk",
    "A copy of the policy is enclosed",
)


def _carries_the_common_parts(text: str, signed_by: str) -> None:
    """The common parts, and the signature of the officer who decided (name, then role as the records hold it)."""
    for part in EVERY_LETTER_CARRIES:
        assert part in text, part
    assert "Yours sincerely," in text and f"{signed_by} Glenburn City Council" in text
    assert "Morag Signatory" not in text  # the LETTER_SIGNATORY setting signs only when no officer decided


def _send(cast, letter_id: int, sent_on: str = "2026-03-02", method: str = "post_first_class"):
    with cast.act("officer") as ctx:
        return lt.mark_sent(ctx, letter_id, {"method": method, "sent_on": sent_on})


def _restriction(council, **terms) -> int:
    return active_restriction(council, **terms)


def test_a_warning_letter_says_what_happened_why_what_to_change_and_how_to_appeal(council):
    """R4, R4a (Describe, Explain, Suggest, Consequences), R35 (factual inaccuracy only, 10 working days)."""
    _restriction(council)
    (warning_letter,) = letter_ids(council, "warning")
    text = read(council, warning_letter)
    _carries_the_common_parts(text, "Olly Officer Officer")
    assert "A warning about your contact with us" in text
    assert "1 March 2026: verbal abuse" in text
    assert "Shouting and swearing on the phone" in text
    assert "Staff must work free of abuse" in text
    assert "Keep calls civil and courteous" in text
    assert "Your contact may be restricted" in text
    assert "on grounds of factual inaccuracy only" in text
    assert "within 10 working days of receiving this letter" in text

    _send(council, warning_letter)  # first class on Monday 2 March: deemed received Wednesday 4 March
    sent = read(council, warning_letter)
    assert "Your appeal must reach us by Wednesday 18 March 2026" in sent
    assert "(4 March 2026)" in sent
    assert "within 10 working days of receiving this letter" not in sent


def test_a_restriction_letter_states_reason_arrangement_duration_review_appeal_and_ombudsman(council):
    """R30: the reason, the arrangements, how long, the review date, the appeal and the ombudsman."""
    restriction_id = _restriction(
        council,
        time_windows=[{"days": ["mon", "wed"], "start": "10:00", "end": "12:00", "channels": ["email"]}],
        premises={"excluded": ["Housing counter"], "appointment_only": True},
        scope="housing",
    )
    (letter_id,) = letter_ids(council, "restriction", restriction_id=restriction_id)
    unsent = read(council, letter_id)
    assert "within 10 working days of receiving this letter" in unsent

    _send(council, letter_id)
    text = read(council, letter_id)
    _carries_the_common_parts(text, "Sam Senior Senior officer")
    assert "A restriction on your contact with us" in text
    assert "1 March 2026: verbal abuse" in text
    assert "We wrote to you on 2 March 2026 to warn you" in text
    assert "Abuse continued after the formal warning" in text
    assert "Your sole point of contact is Olly Officer" in text
    assert "E-mail: officer@council.example." in text
    assert "If Olly Officer is away, Dee Deputy will deal with your contact instead" in text
    assert "You may contact us only by: e-mail, letter and the online contact form." in text
    assert "Monday and Wednesday, 10:00 to 12:00 (e-mail)" in text
    assert "You must not visit: Housing counter." in text
    assert "only by appointment" in text
    assert "This applies to your contact with Housing." in text
    assert "These arrangements apply from 2 March 2026 until we lift them." in text
    assert "We will review them by 2 September 2026" in text
    assert "Your appeal must reach us by Wednesday 18 March 2026" in text
    assert "not involved in the decision" in text


@pytest.mark.parametrize(
    "jurisdiction, name, web",
    [
        ("SCT", "Scottish Public Services Ombudsman (SPSO)", "www.spso.org.uk"),
        ("ENG", "Local Government and Social Care Ombudsman (LGSCO)", "www.lgo.org.uk"),
        ("WLS", "Public Services Ombudsman for Wales (PSOW)", "www.ombudsman.wales"),
        ("NIR", "Northern Ireland Public Services Ombudsman (NIPSO)", "www.nipso.org.uk"),
    ],
)
def test_the_ombudsman_named_is_the_jurisdictions(council, jurisdiction, name, web):
    """R30, R39: signposting to the ombudsman for the council's nation."""
    council.settings = council.settings.replace(JURISDICTION=jurisdiction)
    restriction_id = _restriction(council)
    (letter_id,) = letter_ids(council, "restriction", restriction_id=restriction_id)
    text = html_text(render(council, letter_id, "html"))
    assert name in text and web in text
    others = {"SCT": "SPSO", "ENG": "LGSCO", "WLS": "PSOW", "NIR": "NIPSO"}
    assert not any(f"({short})" in text for key, short in others.items() if key != jurisdiction)


def test_an_interim_action_letter_says_what_is_limited_and_when_a_senior_officer_decides(council):
    """R1, R32: recording an immediate action queues its letter: what is limited, and the senior officer's date."""
    with council.act("agent") as ctx:
        incident = inc.record_incident(
            ctx,
            {
                "customer": "C1",
                "experienced_by": email_of("agent"),
                "channel": "in_person",
                "occurred_at": ctx.now().isoformat(),
                "category": "threat",
                "description": "Threatened the agent",
            },
        )
        interim = rs.record_interim(
            ctx, {"incident": incident.id, "note": "Asked to leave; e-mail only for now", "allowed_channels": ["email"]}
        )
    (letter_id,) = letter_ids(council, "interim_confirmation", restriction_id=interim.id)
    text = read(council, letter_id)
    _carries_the_common_parts(text, "Ann Agent Customer service agent")
    assert "Action taken after an incident" in text
    assert "2 March 2026: a threat" in text
    assert "You may contact us only by: e-mail." in text
    assert "will decide by 9 March 2026" in text
    assert "How to appeal" not in text


def test_a_review_outcome_letter_gives_the_reasons_the_arrangement_and_the_next_review(council):
    """R44, R45: the customer is told why it continues, its nature and duration, and the next review date."""
    restriction_id = _restriction(council)
    with council.act("senior") as ctx:
        rv.hold(
            ctx,
            restriction_id,
            {"outcome": "continue", "next_review_due": "2026-06-01", "reasons": "Abusive calls continued in February"},
        )
    (letter_id,) = letter_ids(council, "review_outcome", restriction_id=restriction_id)
    text = read(council, letter_id)
    _carries_the_common_parts(text, "Sam Senior Senior officer")
    assert "We reviewed the restriction on your contact on 2 March 2026" in text
    assert "The restriction will continue." in text
    assert "Abusive calls continued in February" in text
    assert "Your sole point of contact is Olly Officer" in text
    assert "We will review them by 1 June 2026" in text


def test_an_appeal_outcome_letter_gives_the_decision_its_reasons_and_what_stays_in_force(council):
    """R36, R37, R39: the written outcome from an uninvolved senior officer; the ombudsman is the next step."""
    restriction_id = _restriction(council)
    (letter_id,) = letter_ids(council, "restriction", restriction_id=restriction_id)
    _send(council, letter_id)
    with council.act("officer") as ctx:
        appeal = ap.lodge(
            ctx, {"restriction": restriction_id, "grounds": "disproportionate", "statement": "This is unfair"}
        )
    with council.act("senior2") as ctx:
        ap.decide(ctx, appeal.id, {"outcome": "upheld", "reasons": "The calls were abusive on three occasions"})
    (outcome_letter,) = letter_ids(council, "appeal_outcome", appeal_id=appeal.id)
    text = read(council, outcome_letter)
    _carries_the_common_parts(text, "Pat Senior Senior officer")
    assert "The outcome of your appeal" in text
    assert "We received your appeal against the restriction on your contact on 2 March 2026" in text
    assert "Your appeal has not succeeded: the restriction stays in place." in text
    assert "The calls were abusive on three occasions" in text
    assert "Your sole point of contact is Olly Officer" in text
    assert "We will review them by 2 September 2026" in text
    assert "This completes our appeal process." in text


def test_a_lifting_letter_says_the_restriction_has_ended_and_contact_is_as_usual(council):
    """R44: if lifted, the customer is told; the internal reasons stay inside contactguard."""
    restriction_id = _restriction(council)
    with council.act("senior") as ctx:
        rs.lift(ctx, restriction_id, {"reasons": "Internal: the housing case has closed"})
    (letter_id,) = letter_ids(council, "lifting", restriction_id=restriction_id)
    text = read(council, letter_id)
    _carries_the_common_parts(text, "Sam Senior Senior officer")
    assert "The restriction on your contact has ended" in text
    assert "We have decided to lift the restriction on your contact with us, in place since 2 March 2026" in text
    assert "You may now contact us in the usual way." in text
    assert "housing case has closed" not in text
    assert "How to appeal" not in text


def test_an_amendment_letter_gives_the_new_arrangement_and_a_fresh_appeal_right(council):
    """R36: changed terms in force are told in writing, and may be appealed."""
    restriction_id = _restriction(council)
    with council.act("senior") as ctx:
        rs.amend(
            ctx,
            restriction_id,
            {"reasons": "Telephone contact added as an adjustment", "allowed_channels": ["letter", "telephone"]},
        )
    (letter_id,) = letter_ids(council, "amendment", restriction_id=restriction_id)
    text = read(council, letter_id)
    _carries_the_common_parts(text, "Sam Senior Senior officer")
    assert "A change to the restriction on your contact with us" in text
    assert "You may contact us only by: letter and telephone." in text
    assert "within 10 working days of receiving this letter" in text


def test_a_warning_appeal_quashed_says_the_warning_is_withdrawn(council):
    """R35: a warning appealed for factual inaccuracy; the outcome letter has no arrangement to state."""
    active_restriction(council)
    (warning_letter,) = letter_ids(council, "warning")
    _send(council, warning_letter)
    with council.sessions() as s:
        warning_id = s.get(Letter, warning_letter).warning_id
    with council.act("officer") as ctx:
        appeal = ap.lodge(
            ctx,
            {"warning": warning_id, "grounds": "factual_inaccuracy", "statement": "I was not at the office that day"},
        )
    with council.act("senior2") as ctx:
        ap.decide(ctx, appeal.id, {"outcome": "quashed", "reasons": "The call log shows another caller"})
    (letter_id,) = letter_ids(council, "appeal_outcome", appeal_id=appeal.id)
    text = read(council, letter_id)
    _carries_the_common_parts(text, "Pat Senior Senior officer")
    assert "We received your appeal against the warning we gave you on 2 March 2026" in text
    assert "Your appeal has succeeded: the warning has been withdrawn." in text
    assert "The call log shows another caller" in text
    assert "sole point of contact" not in text


def test_a_restriction_that_reached_its_end_date_is_told_it_has_ended(council):
    """R44 (sunset): the clock ends a restriction at its end date, and the customer is told."""
    restriction_id = _restriction(council, ends_on="2026-04-30")
    with council.act() as ctx:
        rs.lapse(ctx, ctx.session.get(Restriction, restriction_id), "end date reached")
    (letter_id,) = letter_ids(council, "lifting", restriction_id=restriction_id)
    text = read(council, letter_id, who="admin")
    assert (
        "The restriction on your contact with us, in place since 2 March 2026, came to an end on 2 March 2026."
    ) in text
