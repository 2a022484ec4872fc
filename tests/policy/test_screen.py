"""The safeguarding screen (issue 8 item 12): what must be caught is caught however it is written, in the
subject or the body; ordinary council business is not. When in doubt the screen escalates (R24)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugin.policy.decision import Contact, Outcome, Terms, decide
from plugin.policy.screen import (
    DEFAULT_PATTERNS,
    DEFAULT_SCREEN,
    Screen,
    ScreenConfigError,
    compile_pattern,
    inflections,
    normalise,
    screen_for,
)

# -- the corpus: every phrasing here must be caught, under its category ---------------------------

MUST_CATCH = {
    "threat": [
        "I will kill you",
        "I'm going to kill the officer",
        "I'll kill every last one of you",
        "he threatened to stab me",
        "I know where you live",
        "you will regret this",
        "watch your back",
        "I will burn down the office",
        "I'll burn the whole place down",
        "I am going to hurt you",
        "someone is going to get hurt",
        "I have a knife",
        "I will bring a weapon",
        "there will be violence",
        "I'm going to attack your staff",
        "I will smash your face in",
        "I'll beat you up",
        "I will shoot the lot of you",
        "I'll set your office on fire",
        "I'll put petrol through your letterbox",
        "you deserve to die",
        "I am threatening you",
        "this is a threat",
        "I'll come after you",
        "you'll pay for this",
        "I will hurt your staff",
        "I will harm the officer",
        "I'm going to murder him",
        "I'll get revenge",
        "I will throw acid",
        "I will bomb the council offices",
        "I'm coming for you",
        "I'll sort you out",
        "I will hit your officers",
        "I could strangle that man",
        "I'll punch him",
        "I have a gun",
        "I will be violent",
        "killing you would be easy",
        "I'll make you pay",
    ],
    "self_harm": [
        "I am going to hurt myself",
        "I'm self-harming again",
        "I self harm",
        "I want to kill myself",
        "I will end it all",
        "I'm going to end my life",
        "I will take my own life",
        "I've taken an overdose",
        "I am suicidal",
        "thinking about suicide",
        "I hurt my self last night",
        "I've been cutting myself",
        "I will hang myself",
        "I'm going to jump off the bridge",
        "I want to die",
        "I wish I was dead",
        "everyone would be better off without me",
        "I would be better off dead",
        "there is no reason to live",
        "life is not worth living",
        "there's no point in living anymore",
        "I can't go on like this",
        "I cannot cope any more",
        "I don't want to be alive",
        "I don't want to wake up",
        "I won't be here much longer",
        "I'm going to do something stupid",
        "I have given up on life",
        "I'm going to finish myself off",
        "I'll end everything tonight",
        "I'm harming myself",
        "ending it all tonight",
        "I tried to take my life",
        "I took an OD",
        "writing a suicide note",
        "I want to end my miserable life",
        "I keep hurting myself",
        "I feel like killing myself",
        "I'm going to kill my self",
        "selfharm",
        "self-harmed",
    ],
    "child_at_risk": [
        "my child is at risk",
        "the children are in danger",
        "my kids are not safe",
        "my son is being abused",
        "the baby is being neglected",
        "my daughter is missing",
        "he hit my son",
        "my children are scared of him",
        "the kids are terrified",
        "I think the neighbour's children are being neglected",
        "a child is being hurt next door",
        "someone is grooming my daughter",
        "my daughter is being bullied",
        "my son is being exploited",
        "my child isn't safe at home",
        "the boy next door is being beaten",
        "children at risk",
        "this is a child protection matter",
        "it is a safeguarding issue",
        "I have safeguarding concerns",
        "the toddler is locked in",
        "the kids are starving",
        "he is abusing the children",
        "she neglects her kids",
        "he hurt my baby",
        "the infant is in danger",
        "my grandchild is unsafe",
        "social workers are taking my children",
        "my baby is ill",
        "our son is scared",
        "my kids are hungry",
        "the girls are frightened",
        "my children are being harmed",
        "the teenager is missing",
        "the wean is in danger",
    ],
    "homelessness": [
        "I am homeless",
        "we have been evicted",
        "facing eviction",
        "I'm sleeping rough",
        "I have nowhere to live",
        "we have nowhere else to go",
        "no fixed abode",
        "my landlord kicked us out",
        "I've been thrown out",
        "I'm sofa surfing",
        "I'm sleeping in my car",
        "we are living on the streets",
        "I got a notice to quit",
        "section 21 notice",
        "the house is being repossessed",
        "possession order granted",
        "I'm in temporary accommodation",
        "no roof over my head",
        "I'm going to lose my home",
        "I lost my flat",
        "my partner threw me out",
        "we will be out on the street",
        "homelessness application",
        "I have no home",
        "nowhere to sleep tonight",
        "the bailiffs are evicting us tomorrow",
        "they are evicting me",
        "I am being made homeless",
        "sleeping in a tent",
        "rough sleeping",
        "my parents have turfed me out",
        "I have no where to stay",
        "I'm going to be evicted",
        "they will put us out on the street",
        "I'll be homeless next week",
    ],
    "spoc_complaint": [
        "I want to make a complaint about my contact officer",
        "complaint against the officer",
        "I am complaining about Olly, my caseworker",
        "I wish to complain about the person handling my case",
        "my point of contact is useless",
        "the sole point of contact never replies",
        "I want a different officer",
        "please change my caseworker",
        "replace my contact officer",
        "your officer was rude to me",
        "the officer lied to me",
        "the officer is harassing me",
        "your officer is bullying me",
        "I am being victimised",
        "complaint about the SPOC",
        "I want another caseworker",
        "I'm complaining about how the officer treats me",
        "formal complaint about the named officer",
        "I want a new point of contact",
        "the officer is racist",
        "the officer is discriminating against me",
        "stop harassing me",
        "I complain about you",
        "this is a complaint about my worker",
        "I want to complain about your staff",
        "your officer is incompetent",
        "the single point of contact arrangement is unfair",
        "my case worker is useless",
    ],
    "emergency": [
        "there is a gas leak",
        "I can smell gas",
        "the flat is flooding",
        "water is flooding through the ceiling",
        "we have no heating",
        "no hot water for a week",
        "the house is on fire",
        "there's a fire in the stairwell",
        "the ceiling has collapsed",
        "the ceiling is coming down",
        "sewage is coming up through the floor",
        "a pipe has burst",
        "exposed wires in the hallway",
        "the socket is sparking",
        "I've called an ambulance",
        "carbon monoxide alarm going off",
        "this is an emergency",
        "URGENT please help",
        "it's life threatening",
        "the building is dangerous",
        "the balcony is unsafe",
        "my father was injured on the stairs",
        "I'm trapped in the lift",
        "no electricity since Monday",
        "we are locked out",
        "I need help asap",
        "the police are here",
        "the smoke is everywhere",
        "there is no power",
        "a dangerous structure",
    ],
}
CORPUS = [(category, phrase) for category, phrases in MUST_CATCH.items() for phrase in phrases]

ORDINARY = [
    "the bin was not collected",
    "killer whale documentary at the library",
    "harmless",
    "the fireworks display was harmless fun",
    "please send me a parking permit",
    "my council tax bill is wrong",
    "when is the recycling collected",
    "I would like to book a bulky waste collection",
    "can I pay my rent by direct debit",
    "what are the library opening hours",
    "my garden waste subscription",
    "planning application for an extension",
    "the pothole on Main Road",
    "my housing benefit claim",
    "the noise from the pub next door",
    "please fix the dripping tap",
    "the school term dates",
    "how do I register a birth",
    "I'd like to renew my library books",
    "the swimming pool timetable",
    "the grass verge needs cutting",
    "a skilled worker visa letter",
    "the killer sudoku book is overdue",
    "weed killer on the allotments",
    "I live at 4 Elm Street",
    "the park benches need painting",
    "dog fouling on the path",
    "my blue badge renewal",
    "the leisure centre membership",
    "thank you for your help",
    "the new bins are great",
    "attached is my tenancy agreement",
    "the hedge is overgrown",
    "graffiti on the bus shelter",
    "the council meeting minutes",
    "the electoral register",
    "the allotment waiting list",
    "my parking fine appeal",
    "roadworks on the high street",
    "the community centre hall hire",
    "a missed recycling collection",
    "fly tipping in the lane",
    "my rent statement",
    "the housing repairs appointment",
    "the kitchen cupboard door is loose",
    "the street cleaning schedule",
    "I love the new library",
    "the museum exhibition on whales",
    "a skilful performance at the theatre",
    "the overdue library fine",
    "a copy of my marriage certificate",
    "the cemetery opening hours",
    "please update my address",
    "a burial plot enquiry",
    "I want to apply for a dropped kerb",
    "my neighbour's hedge blocks the light",
    "the harmony choir concert",
    "an unharmed tree survey",
    "the skills centre timetable",
]

TUESDAY_11 = dt.datetime(2026, 3, 3, 11, 0, tzinfo=dt.UTC)
TERMS = Terms(id=7, spoc_kind="officer", spoc_officer_id=10, deputy_officer_id=11, allowed_channels=("email",))
OTHER_OFFICER = 99

# -- ways people write ----------------------------------------------------------------------------

SEPARATORS = [" ", "  ", "\n", "\t", " - ", "-", ", ", " \u2014 ", "_", " \u00a0"]


@st.composite
def written(draw, phrase: str) -> str:
    """`phrase` as someone might type it: casing, spacing, punctuation, quotes, invisible characters."""
    words = phrase.split(" ")
    seps = [draw(st.sampled_from(SEPARATORS)) for _ in words[1:]]
    text = words[0] + "".join(s + w for s, w in zip(seps, words[1:], strict=True))
    case = draw(st.sampled_from(["as-is", "upper", "lower", "title", "random"]))
    if case == "upper":
        text = text.upper()
    elif case == "lower":
        text = text.lower()
    elif case == "title":
        text = text.title()
    elif case == "random":
        flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
        text = "".join(c.upper() if f else c.lower() for c, f in zip(text, flips, strict=True))
    text = text.replace("'", draw(st.sampled_from(["'", "\u2019", "\u2018", "\u02bc", ""])))
    if draw(st.booleans()):
        index = draw(st.integers(0, len(text)))
        if text[index - 1 : index].isalpha() and text[index : index + 1].isalpha():
            text = text[:index] + draw(st.sampled_from(["\u200b", "\u00ad"])) + text[index:]
    opening, closing = draw(st.sampled_from([("", ""), ("\u201c", "\u201d"), ('"', '"'), ("(", ")"), ("*", "*")]))
    ending = draw(st.sampled_from(["", ".", "!", "!!!", "?", "...", "\u2026", " :(", "!!1"]))
    return f"{opening}{text}{ending}{closing}"


@st.composite
def placed(draw, phrase: str) -> tuple[str, str]:
    """(subject, body) with `phrase` written somewhere among ordinary text."""
    said = draw(written(phrase))
    before = draw(st.lists(st.sampled_from(ORDINARY), max_size=2))
    after = draw(st.lists(st.sampled_from(ORDINARY), max_size=2))
    joiner = draw(st.sampled_from([". ", ".\n", "\n\n", "; ", " \u2013 "]))
    passage = joiner.join([*before, said, *after])
    filler = draw(st.sampled_from(["", "Re: my account", "Housing enquiry", *ORDINARY[:5]]))
    return (passage, filler) if draw(st.booleans()) else (filler, passage)


PROPERTY = settings(max_examples=400, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_the_corpus_is_large_and_covers_every_category():
    assert len(CORPUS) >= 200
    assert set(MUST_CATCH) == set(DEFAULT_SCREEN.categories)
    assert all(len(phrases) >= 25 for phrases in MUST_CATCH.values())


@pytest.mark.parametrize("category, phrase", CORPUS, ids=[f"{c}:{p[:40]}" for c, p in CORPUS])
def test_each_phrasing_is_caught_as_written(category, phrase):
    assert category in DEFAULT_SCREEN.hits(phrase), DEFAULT_SCREEN.explain(phrase)


@PROPERTY
@given(data=st.data())
def test_every_phrasing_is_caught_however_written_and_wherever_placed(data):
    category, phrase = data.draw(st.sampled_from(CORPUS))
    subject, body = data.draw(placed(phrase))
    assert category in DEFAULT_SCREEN.hits(subject, body), (subject, body, DEFAULT_SCREEN.explain(subject, body))


@PROPERTY
@given(data=st.data())
def test_a_disregarded_contact_carrying_any_phrasing_escalates(data):
    """R24 end to end in the decision: outside the arrangement, subject or body, the screen escalates."""
    category, phrase = data.draw(st.sampled_from(CORPUS))
    subject, body = data.draw(placed(phrase))
    contact = Contact(at=TUESDAY_11, channel="email", assigned_officer_id=OTHER_OFFICER, subject=subject, text=body)
    decision = decide(contact, [TERMS])
    assert decision.outcome == Outcome.ESCALATE, (subject, body, decision.reason)
    assert category in decision.screen_hits


@pytest.mark.parametrize("phrase", ORDINARY)
def test_ordinary_council_business_is_not_screened(phrase):
    assert DEFAULT_SCREEN.hits(phrase) == [], DEFAULT_SCREEN.explain(phrase)
    assert not DEFAULT_SCREEN.is_information_request(phrase)


@PROPERTY
@given(data=st.data())
def test_ordinary_business_however_written_is_disregarded_not_escalated(data):
    phrases = data.draw(st.lists(st.sampled_from(ORDINARY), min_size=1, max_size=3))
    joiner = data.draw(st.sampled_from([". ", "\n", "; "]))
    subject = data.draw(written(data.draw(st.sampled_from(ORDINARY))))
    body = joiner.join(data.draw(written(p)) for p in phrases)
    assert DEFAULT_SCREEN.hits(subject, body) == [], DEFAULT_SCREEN.explain(subject, body)
    contact = Contact(at=TUESDAY_11, channel="email", assigned_officer_id=OTHER_OFFICER, subject=subject, text=body)
    assert decide(contact, [TERMS]).outcome == Outcome.DISREGARD


# -- the subject is screened on every outcome path -------------------------------------------------


@pytest.mark.parametrize(
    "subject, outcome, category",
    [
        ("I am going to hurt myself", Outcome.ESCALATE, "self_harm"),
        ("Self-harming again", Outcome.ESCALATE, "self_harm"),
        ("GAS LEAK in the close", Outcome.ESCALATE, "emergency"),
        ("FOI request - I will kill myself", Outcome.STATUTORY, "self_harm"),
    ],
)
def test_the_subject_alone_is_screened(subject, outcome, category):
    contact = Contact(
        at=TUESDAY_11, channel="email", assigned_officer_id=OTHER_OFFICER, subject=subject, text="See subject."
    )
    decision = decide(contact, [TERMS])
    assert decision.outcome == outcome
    assert category in decision.screen_hits


def test_an_information_request_that_also_carries_risk_says_so():
    """R28 routes it to information rights; the reason and hits still say what the screen found."""
    decision = decide(Contact(at=TUESDAY_11, text="Subject access request. I can't go on."), [TERMS])
    assert decision.outcome == Outcome.STATUTORY
    assert decision.screen_hits == ("self_harm",)
    assert "the screen also found self_harm" in decision.reason


def test_subject_and_body_are_screened_apart():
    """A gap never spans from the subject into the body."""
    assert DEFAULT_SCREEN.hits("I will end", "it all the same, the bin was late") == []
    assert DEFAULT_SCREEN.hits("hurt", "myself") == []
    assert DEFAULT_SCREEN.hits("the bin was late", "hurt myself") == ["self_harm"]


# -- normalisation and the pattern language ------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("  Self\u2011Harm!!  ", "self harm"),
        ("I\u2019m   going\tto\nhurt   my-self", "im going to hurt myself"),
        ("\u201cKILL\u201d", "kill"),
        ("k\u200bill", "kill"),
        ("sel\u00adf harm", "self harm"),
        ("Caf\u00e9 na\u00efve", "cafe naive"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise(raw, expected):
    assert normalise(raw) == expected


def test_inflections_cover_word_forms_but_not_other_words():
    assert {"harm", "harms", "harmed", "harming"} <= set(inflections("harm"))
    assert {"stab", "stabbed", "stabbing"} <= set(inflections("stab"))
    assert {"die", "died", "dying"} <= set(inflections("die"))
    assert {"threaten", "threatened", "threatening"} <= set(inflections("threaten"))
    assert not {"harmless", "harmful"} & set(inflections("harm"))
    assert "killer" not in inflections("kill")


@pytest.mark.parametrize(
    "pattern, text, matches",
    [
        ("hurt+ ... myself", "hurt myself", True),
        ("hurt+ ... myself", "hurting really quite badly myself", True),
        ("hurt+ ... myself", "hurt one two three four five myself", False),
        ("suicid*", "suicidal", True),
        ("kill+", "killer", False),
        ("no heating|hot-water", "no hot water", True),
        ("no heating|hot-water", "no water", False),
        ("gas leak", "gasleak", False),
    ],
)
def test_pattern_language(pattern, text, matches):
    assert bool(compile_pattern(pattern).search(normalise(text))) is matches


@pytest.mark.parametrize("pattern", ["", "   ", "... kill", "kill ...", "kill ... ... you", "a||b", "!!!"])
def test_bad_patterns_are_refused_with_their_name(pattern):
    with pytest.raises(ScreenConfigError):
        Screen.from_dict({"threat": [pattern]})


# -- a council extends the screen -----------------------------------------------------------------


def test_a_council_adds_patterns_and_categories_from_a_dict():
    screen = Screen.from_dict(
        {
            "threat": ["torch+ ... house"],
            "adult_at_risk": ["vulnerable adult*"],
            "information_request": ["access to records"],
        }
    )
    assert screen.hits("I'll torch your house") == ["threat"]
    assert screen.hits("a vulnerable adult next door") == ["adult_at_risk"]
    assert screen.categories[-1] == "adult_at_risk"
    assert screen.is_information_request("access to records please")
    assert screen.hits("I will kill you") == ["threat"], "the defaults stay"


def test_the_setting_can_only_add_never_remove():
    screen = Screen.from_dict({"threat": [], "self_harm": []})
    assert screen.patterns["threat"] == DEFAULT_PATTERNS["threat"]
    assert screen.hits("I want to end my life") == ["self_harm"]


@pytest.mark.parametrize("bad", [{"Threat!": ["x"]}, {"threat": "kill"}, {"threat": 3}])
def test_a_malformed_setting_is_refused(bad):
    with pytest.raises(ScreenConfigError):
        Screen.from_dict(bad)


def test_screen_for_reuses_the_compiled_screen():
    assert screen_for(None) is DEFAULT_SCREEN and screen_for({}) is DEFAULT_SCREEN
    assert screen_for({"threat": ["torch+"]}) is screen_for({"threat": ["torch+"]})


def test_the_decision_uses_the_screen_it_is_given():
    contact = Contact(at=TUESDAY_11, assigned_officer_id=OTHER_OFFICER, text="I'll torch the place")
    assert decide(contact, [TERMS]).outcome == Outcome.DISREGARD
    decision = decide(contact, [TERMS], screen=Screen.from_dict({"threat": ["torch+ ... place"]}))
    assert decision.outcome == Outcome.ESCALATE and decision.screen_hits == ("threat",)


def test_only_the_patterns_whose_rarest_words_a_text_holds_are_tried_and_the_answer_is_the_same():
    """Issue 24: the screen tries a pattern only if the text holds a word or stem of its last group. Over the whole
    corpus and the ordinary contacts, what it finds is what trying every pattern on every text finds."""
    from plugin.policy.screen import INFORMATION_REQUEST, _matches, _variants

    screen = Screen.from_dict()
    for text in [phrase for _category, phrase in CORPUS] + list(ORDINARY):
        for mend, categories in ((False, screen.categories), (True, (INFORMATION_REQUEST,))):
            variants = _variants([text], mend=mend)
            every = [c for c in categories if any(_matches(e, t) for e in screen.patterns[c] for t in variants)]
            found = screen.hits(text) if not mend else [INFORMATION_REQUEST] * screen.is_information_request(text)
            assert found == every, text
