"""The contact decision, branch by branch (issue 3 item 4), each row citing what it enforces."""

import datetime as dt
import itertools

import pytest

from plugin.policy.decision import DEFAULT_SCREEN, Contact, Outcome, Terms, decide

UTC = dt.timezone.utc
TUESDAY_11 = dt.datetime(2026, 3, 3, 11, 0, tzinfo=UTC)  # 11:00 GMT = 11:00 in London
SPOC, DEPUTY, OTHER = 10, 11, 99
HOUSING, SCHOOLS = 1, 2

BASE = Terms(
    id=7, spoc_kind="officer", spoc_officer_id=SPOC, deputy_officer_id=DEPUTY, allowed_channels=("email", "letter")
)


def terms(**changes) -> Terms:
    return Terms(**{**BASE.__dict__, **changes})


def contact(**changes) -> Contact:
    return Contact(**{"at": TUESDAY_11, "channel": "email", **changes})


WINDOW = {"days": ["tue"], "start": "10:00", "end": "12:00"}

CASES = [
    # id, restrictions, contact, outcome, phrase in the reason; the comment says what it enforces
    ("not-restricted", [], contact(), Outcome.ALLOW, "not restricted"),  # R20: no blanket approach
    (
        "scoped-elsewhere",
        [terms(scope_service_id=SCHOOLS)],
        contact(service_id=HOUSING),
        Outcome.ALLOW,
        "scoped to another service",
    ),  # R20: service scope
    ("scoped-here", [terms(scope_service_id=HOUSING)], contact(service_id=HOUSING), Outcome.FLAG, "within"),
    ("scope-unknown-service", [terms(scope_service_id=HOUSING)], contact(), Outcome.FLAG, "within"),
    ("to-spoc", [BASE], contact(assigned_officer_id=SPOC), Outcome.FLAG, "within the arrangement"),  # R13
    ("to-deputy", [BASE], contact(assigned_officer_id=DEPUTY), Outcome.FLAG, "within"),  # idea 7: continuity
    ("unassigned", [BASE], contact(), Outcome.FLAG, "within"),
    (
        "to-another-officer",
        [BASE],
        contact(assigned_officer_id=OTHER),
        Outcome.DISREGARD,
        "not the customer's sole point of contact",
    ),  # article 6119 last sentence
    ("to-unknown-agent", [BASE], contact(assigned_officer_id=-1), Outcome.DISREGARD, "sole point of contact"),
    (
        "representative-writes",
        [terms(external_email="advocate@care.example")],
        contact(sender_email="Advocate@care.example", assigned_officer_id=OTHER),
        Outcome.FLAG,
        "within",
    ),  # R59
    ("channel-closed", [BASE], contact(channel="telephone"), Outcome.DISREGARD, "channel telephone is not open"),  # R11
    ("channel-unknown", [BASE], contact(channel=None), Outcome.FLAG, "within"),
    ("inside-window", [terms(time_windows=(WINDOW,))], contact(), Outcome.FLAG, "within"),  # R15
    (
        "outside-window",
        [terms(time_windows=(WINDOW,))],
        contact(at=TUESDAY_11.replace(hour=13)),
        Outcome.DISREGARD,
        "outside the permitted times",
    ),
    (
        "window-for-other-channel",
        [terms(time_windows=({**WINDOW, "channels": ["telephone"]},))],
        contact(at=TUESDAY_11.replace(hour=15)),
        Outcome.FLAG,
        "within",
    ),
    (
        "excluded-premises",
        [terms(premises={"excluded": ["Bridgeton office"]}, allowed_channels=("in_person",))],
        contact(channel="in_person", premises="bridgeton office"),
        Outcome.DISREGARD,
        "premises",
    ),  # R17
    (
        "excluded-subject",
        [terms(subjects={"excluded": ["parking"]})],
        contact(subject="Parking fine again"),
        Outcome.DISREGARD,
        "subject parking is excluded",
    ),  # R18
    (
        "allowed-subject",
        [terms(subjects={"allowed": ["repairs"]})],
        contact(text="About my repairs"),
        Outcome.FLAG,
        "within",
    ),
    (
        "other-subject",
        [terms(subjects={"allowed": ["repairs"]})],
        contact(text="About my council tax"),
        Outcome.DISREGARD,
        "not one the restriction allows",
    ),
    (
        "inbox-arrangement-other-inbox",
        [
            terms(
                spoc_kind="shared_inbox",
                spoc_officer_id=None,
                deputy_officer_id=None,
                spoc_inbox="housing@council.example",
            )
        ],
        contact(addressed_inbox="ceo@council.example"),
        Outcome.DISREGARD,
        "sent to ceo@council.example",
    ),  # R13
    (
        "inbox-arrangement-right-inbox",
        [
            terms(
                spoc_kind="shared_inbox",
                spoc_officer_id=None,
                deputy_officer_id=None,
                spoc_inbox="housing@council.example",
            )
        ],
        contact(addressed_inbox="Housing@council.example"),
        Outcome.FLAG,
        "within",
    ),
    (
        "threat-escalates",
        [BASE],
        contact(assigned_officer_id=OTHER, text="I will attack you"),
        Outcome.ESCALATE,
        "threat",
    ),  # R24: still read
    (
        "self-harm-escalates",
        [BASE],
        contact(channel="telephone", text="I want to end my life"),
        Outcome.ESCALATE,
        "self_harm",
    ),
    (
        "child-escalates",
        [BASE],
        contact(assigned_officer_id=OTHER, text="My child is at risk, children at risk"),
        Outcome.ESCALATE,
        "child_at_risk",
    ),
    (
        "homeless-escalates",
        [BASE],
        contact(assigned_officer_id=OTHER, text="We were evicted today"),
        Outcome.ESCALATE,
        "homelessness",
    ),
    (
        "complaint-about-spoc",
        [BASE],
        contact(assigned_officer_id=OTHER, text="A complaint about the officer"),
        Outcome.ESCALATE,
        "spoc_complaint",
    ),
    (
        "going-to-hurt-myself-escalates",
        [BASE],
        contact(assigned_officer_id=OTHER, text="I am going to hurt myself"),
        Outcome.ESCALATE,
        "self_harm",
    ),  # issue 8 item 12
    (
        "self-harming-escalates",
        [BASE],
        contact(assigned_officer_id=OTHER, text="I have been self-harming"),
        Outcome.ESCALATE,
        "self_harm",
    ),
    (
        "subject-alone-escalates",
        [BASE],
        contact(assigned_officer_id=OTHER, subject="Going to END IT ALL", text="Please pass this on."),
        Outcome.ESCALATE,
        "self_harm",
    ),
    (
        "subject-alone-information-request",
        [BASE],
        contact(assigned_officer_id=OTHER, subject="FOI: bin rounds"),
        Outcome.STATUTORY,
        "never disregarded",
    ),
    # Issue 20: the screen runs inside the arrangement too; a threat or self-harm to the SPOC is escalated (R24).
    ("within-with-threat-words-escalates", [BASE], contact(text="I will attack you"), Outcome.ESCALATE, "within"),
    ("within-self-harm-escalates", [BASE], contact(text="I want to die"), Outcome.ESCALATE, "self_harm"),
    (
        "within-tablets-escalates",
        [BASE],
        contact(text="I can't go on any more, I've taken all my tablets"),
        Outcome.ESCALATE,
        "self_harm",
    ),
    ("within-plain-is-flag", [BASE], contact(text="When is my repair booked?"), Outcome.FLAG, "within"),
    (
        "foi-outside",
        [BASE],
        contact(assigned_officer_id=OTHER, text="This is a Freedom of Information request"),
        Outcome.STATUTORY,
        "never disregarded",
    ),  # R28
    ("sar-within", [BASE], contact(subject="Subject access request"), Outcome.STATUTORY, "information-rights"),
    (
        "eir",
        [BASE],
        contact(text="Environmental information about the site"),
        Outcome.STATUTORY,
        "(environmental information)",
    ),
    ("foi-unrestricted", [], contact(text="Freedom of information request"), Outcome.ALLOW, "not restricted"),
    (
        "word-boundary",
        [BASE],
        contact(assigned_officer_id=OTHER, text="My skills are good"),
        Outcome.DISREGARD,
        "sole point of contact",
    ),
]


@pytest.mark.parametrize("restrictions, who, outcome, phrase", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_decision_table(restrictions, who, outcome, phrase):
    decision = decide(who, restrictions)
    assert decision.outcome == outcome, decision.reason
    assert phrase in decision.reason
    if outcome != Outcome.ALLOW:
        assert decision.restriction_id == 7


@pytest.mark.parametrize(
    "at, expected",
    [
        (dt.datetime(2026, 3, 31, 9, 30, tzinfo=UTC), Outcome.FLAG),  # 10:30 BST, Tuesday after the change
        (dt.datetime(2026, 3, 31, 11, 30, tzinfo=UTC), Outcome.DISREGARD),  # 12:30 BST
        (dt.datetime(2026, 10, 27, 11, 30, tzinfo=UTC), Outcome.FLAG),  # 11:30 GMT, Tuesday after the change back
    ],
)
def test_time_windows_are_judged_in_london_time_across_clock_changes(at, expected):
    """Design decision 7: stored in UTC, judged in Europe/London."""
    assert decide(contact(at=at), [terms(time_windows=(WINDOW,))]).outcome == expected


def test_every_combination_has_an_outcome_and_a_reason():
    """Exhaustive over a grid: the decision never fails and always explains itself."""
    grid = itertools.product(
        [None, SPOC, OTHER],
        ["email", "telephone", None],
        ["", "attack", "subject access"],
        [(), (WINDOW,)],
        [None, HOUSING],
    )
    for officer, channel, text, windows, scope in grid:
        decision = decide(
            contact(assigned_officer_id=officer, channel=channel, text=text),
            [terms(time_windows=windows, scope_service_id=scope)],
        )
        assert decision.outcome in Outcome and decision.reason


def test_the_screen_lists_every_category_found():
    assert DEFAULT_SCREEN.hits("I am homeless and want to end my life") == ["self_harm", "homelessness"]
