"""Requests for information however they are worded (issue 20 item 1; R28).

A subject access request needs no particular words (UK GDPR Article 15; the ICO's guidance on the right
of access), and any written request for information a Scottish public authority holds is a request under
FOISA (or the EIRs for environmental information). A restricted customer's request is never disregarded:
the screen must recognise it in plain words, with typos, in the subject or the body, and say its kind.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from plugin.policy.decision import Contact, Outcome, Terms, decide
from plugin.policy.information_requests import KINDS, NOT_TYPOS, correct_typos, correct_word
from plugin.policy.screen import (
    DEFAULT_PATTERNS,
    DEFAULT_SCREEN,
    INFORMATION_REQUEST,
    Screen,
    compile_pattern,
    inflections,
    normalise,
)
from tests.policy.information_request_corpus import (
    BURIED,
    EIR,
    EIR_REQUESTS,
    FOI,
    FOI_REQUESTS,
    ISSUE_20,
    MIXED,
    NEGATIVES,
    NOT_REQUESTS,
    POSITIVES,
    SUBJECT_ACCESS,
    SUBJECT_ACCESS_REQUESTS,
    SUBJECT_LINE_ONLY,
    UNSEEN_NOT_REQUESTS,
)
from tests.policy.test_screen import MUST_CATCH, written

TUESDAY_11 = dt.datetime(2026, 3, 3, 11, 0, tzinfo=dt.UTC)
TERMS = Terms(id=7, spoc_kind="officer", spoc_officer_id=10, deputy_officer_id=11, allowed_channels=("email",))
OTHER_OFFICER = 99
PROPERTY = settings(max_examples=300, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outside_the_arrangement(subject: str, body: str) -> Contact:
    """A restricted customer writing to an officer who is not their sole point of contact."""
    return Contact(at=TUESDAY_11, channel="email", assigned_officer_id=OTHER_OFFICER, subject=subject, text=body)


# -- the corpus -------------------------------------------------------------------------------------


def test_the_corpus_is_large_and_covers_every_kind_and_placement():
    assert len(POSITIVES) >= 300
    assert len(NOT_REQUESTS) + len(UNSEEN_NOT_REQUESTS) >= 150
    assert min(len(SUBJECT_ACCESS_REQUESTS), len(FOI_REQUESTS), len(EIR_REQUESTS)) >= 50
    assert len(SUBJECT_LINE_ONLY) >= 20 and len(BURIED) >= 20
    assert {kind for _, _, kind in POSITIVES} >= set(KINDS)


@pytest.mark.parametrize("phrase", ISSUE_20)
def test_the_four_phrasings_found_disregarded_are_subject_access_requests(phrase):
    """Issue 20: each of these, from a restricted customer to another officer, was disregarded."""
    assert DEFAULT_SCREEN.information_requests(phrase) == (SUBJECT_ACCESS,)
    decision = decide(outside_the_arrangement("", phrase), [TERMS])
    assert decision.outcome == Outcome.STATUTORY, decision.reason
    assert "information-rights team" in decision.reason


@pytest.mark.parametrize(
    "subject, body, kind", POSITIVES, ids=[f"{kind}:{(subject or body)[:50]}" for subject, body, kind in POSITIVES]
)
def test_every_request_is_recognised_with_its_kind(subject, body, kind):
    kinds = DEFAULT_SCREEN.information_requests(subject, body)
    assert kinds, DEFAULT_SCREEN.explain(subject, body)
    if kind is not None:
        assert kinds == (kind,), DEFAULT_SCREEN.explain(subject, body)
    assert DEFAULT_SCREEN.is_information_request(subject, body)


@pytest.mark.parametrize("text, kinds", [m for m in MIXED if m[1]], ids=[m[0][:50] for m in MIXED if m[1]])
def test_a_text_asking_for_several_kinds_names_each(text, kinds):
    assert DEFAULT_SCREEN.information_requests(text) == kinds


@pytest.mark.parametrize("subject, body, kind", SUBJECT_LINE_ONLY, ids=[s for s, _, _ in SUBJECT_LINE_ONLY])
def test_a_request_in_the_subject_line_alone_is_never_disregarded(subject, body, kind):
    decision = decide(outside_the_arrangement(subject, body), [TERMS])
    assert decision.outcome == Outcome.STATUTORY, decision.reason


@pytest.mark.parametrize(
    "text",
    [
        "freedom of information",
        "FOI",
        "FOISA",
        "environmental information",
        "EIR request",
        "subject access",
        "DSAR",
        "SAR",
        "SAR request",
        "right of access",
        "Article 15",
    ],
)
def test_the_names_recognised_before_still_are(text):
    assert DEFAULT_SCREEN.is_information_request(text)


# -- precision ----------------------------------------------------------------------------------
# Measured when this was written: 4 of the 550 ordinary contacts in the corpus are routed to the
# information-rights team (specificity 99.3%), each asking for "a copy" of a document of their own (a
# council tax bill, a marriage certificate, an invoice, a rent card), which is in law their personal data.
# Over this corpus that is a precision of 484 / 488 = 99.2%; on phrasings written after the patterns and
# not yet seen by them, 2 of 115 ordinary contacts were routed. The floors are those figures: a change that
# routes more ordinary contacts must move them, and say why.
ROUTED_FLOOR = 4
PRECISION_FLOOR = 0.99


def test_ordinary_contacts_are_rarely_routed_and_precision_holds():
    routed = [text for text in NEGATIVES if DEFAULT_SCREEN.is_information_request(text)]
    recognised = sum(DEFAULT_SCREEN.is_information_request(subject, body) for subject, body, _ in POSITIVES)
    assert len(routed) <= ROUTED_FLOOR, routed
    assert recognised / (recognised + len(routed)) >= PRECISION_FLOOR
    assert recognised == len(POSITIVES)


# Ordinary contacts without safeguarding words (those escalate: tests/policy/test_screen.py).
PLAIN_ORDINARY = [t for t in NOT_REQUESTS if not DEFAULT_SCREEN.hits(t)][:60]


@pytest.mark.parametrize("text", PLAIN_ORDINARY, ids=[t[:50] for t in PLAIN_ORDINARY])
def test_ordinary_business_outside_the_arrangement_is_still_disregarded(text):
    """Recall is not bought by routing everything: repairs, rent and the rest are disregarded as before."""
    assert decide(outside_the_arrangement("", text), [TERMS]).outcome == Outcome.DISREGARD


# -- typos --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typo, word",
    [
        ("persnal", "personal"),
        ("infomation", "information"),
        ("acess", "access"),
        ("subjcet", "subject"),
        ("reqeust", "request"),
        ("recods", "records"),
        ("personnal", "personal"),
        ("coppy", "copy"),
        ("polution", "pollution"),
        ("enviromental", "environmental"),
        ("correspondance", "correspondence"),
        ("freedon", "freedom"),
    ],
)
def test_misspelt_request_words_are_mended(typo, word):
    assert correct_word(typo) == word


@pytest.mark.parametrize("text", ["persnal data", "infomation you hold", "subject acess", "Plese send my recods"])
def test_the_misspellings_in_the_issue_are_recognised(text):
    assert DEFAULT_SCREEN.is_information_request(text)


@pytest.mark.parametrize("word", sorted(NOT_TYPOS) + ["date", "fine", "into", "life", "form", "from"])
def test_real_words_near_request_words_keep_their_meaning(word):
    """ "police" is not "policy", "contact" not "contract", "lease" not "please"; short words are never mended."""
    assert correct_word(word) == word


def test_mending_leaves_a_text_without_typos_as_it_was():
    text = normalise("Please send me a copy of my personal data")
    assert correct_typos(text) is text


# -- the kinds and a council's own phrasings ---------------------------------------------------


def test_the_kinds_come_in_a_fixed_order():
    text = "Under FOISA please send me all information you hold about me. And the air quality data for my street."
    assert DEFAULT_SCREEN.information_requests(text) == (SUBJECT_ACCESS, FOI, EIR)
    assert DEFAULT_SCREEN.information_requests("the bin was not collected") == ()


def test_a_general_request_for_ones_own_file_is_a_subject_access_request():
    """Within one sentence the specific kind is reported, unless FOI is named."""
    assert DEFAULT_SCREEN.information_requests("Please provide a copy of the file you hold on me") == (SUBJECT_ACCESS,)
    assert DEFAULT_SCREEN.information_requests("FOI: please provide the file you hold on me") == (SUBJECT_ACCESS, FOI)


def test_a_councils_own_phrasings_only_add_and_are_reported_as_foi():
    screen = Screen.from_dict({"information_request": ["access to records", "casebook extract"]})
    assert screen.information_requests("I want access to records") == (FOI,)
    assert screen.information_requests("a casebook extract for the hall") == (FOI,)
    assert screen.information_requests("a casebook extract of the data you hold about me") == (SUBJECT_ACCESS,)
    assert all(screen.information_requests(phrase) == (SUBJECT_ACCESS,) for phrase in ISSUE_20)
    assert not DEFAULT_SCREEN.is_information_request("a casebook extract for the hall")


def test_the_setting_cannot_remove_a_default_phrasing():
    screen = Screen.from_dict({"information_request": []})
    assert screen.patterns[INFORMATION_REQUEST] == DEFAULT_PATTERNS[INFORMATION_REQUEST]


def test_a_request_is_asked_within_one_sentence():
    """Words from two sentences of ordinary business do not make a request."""
    assert not DEFAULT_SCREEN.is_information_request("I would like a bulky uplift. The tree survey man was polite.")
    assert DEFAULT_SCREEN.is_information_request("I would like the tree survey for the park")


# -- properties ---------------------------------------------------------------------------------

BODY_POSITIVES = [(body, kind) for subject, body, kind in POSITIVES if not subject]
ORDINARY_SENTENCES = [t for t in NOT_REQUESTS + UNSEEN_NOT_REQUESTS if not DEFAULT_SCREEN.is_information_request(t)]
SENTENCE_ENDS = [". ", ".\n", "\n\n", "! ", "? ", ".  "]


@st.composite
def placed(draw, text: str, joiners: list[str]) -> tuple[str, str]:
    """(subject, body) with `text` written somehow, among ordinary sentences, in the subject or the body."""
    said = draw(written(text))
    before = draw(st.lists(st.sampled_from(ORDINARY_SENTENCES), max_size=3))
    after = draw(st.lists(st.sampled_from(ORDINARY_SENTENCES), max_size=3))
    joiner = draw(st.sampled_from(joiners))
    passage = joiner.join([s.rstrip(".!?") for s in before] + [said] + after)
    filler = draw(st.sampled_from(["", "Re: my account", "Housing enquiry", *ORDINARY_SENTENCES[:10]]))
    return (passage, filler) if draw(st.booleans()) else (filler, passage)


ANY_JOINER = [*SENTENCE_ENDS, "\n", " \u2013 ", "; ", ", and ", " "]


@PROPERTY
@given(data=st.data())
def test_a_request_is_recognised_however_written_and_wherever_placed(data):
    """Case, punctuation, quotes, line breaks, invisible characters, surrounding text, subject or body."""
    text, _ = data.draw(st.sampled_from(BODY_POSITIVES))
    subject, body = data.draw(placed(text, ANY_JOINER))
    assert DEFAULT_SCREEN.information_requests(subject, body), (subject, body)


@PROPERTY
@given(data=st.data())
def test_a_request_keeps_its_kind_among_other_sentences(data):
    """Kinds are decided sentence by sentence: other sentences around a request do not change its kind."""
    text, kind = data.draw(st.sampled_from([(t, k) for t, k in BODY_POSITIVES if k]))
    subject, body = data.draw(placed(text, SENTENCE_ENDS))
    assume("1" not in subject + body)  # "!!1. " ends no sentence: a full stop after a digit is not one
    assert kind in DEFAULT_SCREEN.information_requests(subject, body), (subject, body)


@PROPERTY
@given(data=st.data())
def test_a_restricted_customers_request_is_never_disregarded(data):
    """R28 end to end: outside the arrangement, wherever the request sits, it goes to information rights."""
    text, _ = data.draw(st.sampled_from(BODY_POSITIVES))
    subject, body = data.draw(placed(text, ANY_JOINER))
    decision = decide(outside_the_arrangement(subject, body), [TERMS])
    assert decision.outcome == Outcome.STATUTORY, (subject, body, decision.reason)


SINGLE_SENTENCES = [
    t
    for t in [*(body for body, _ in BODY_POSITIVES), *ORDINARY_SENTENCES]
    if not any(mark in t.rstrip(".!?") for mark in ".!?;")
]


@PROPERTY
@given(data=st.data())
def test_how_a_sentence_is_typed_never_changes_the_answer(data):
    """Written any way, a sentence gets the same kinds, in the subject or the body."""
    text = data.draw(st.sampled_from(SINGLE_SENTENCES))
    typed = data.draw(written(text))
    expected = DEFAULT_SCREEN.information_requests(text)
    assert DEFAULT_SCREEN.information_requests(typed) == expected, typed
    assert DEFAULT_SCREEN.information_requests(typed, "") == DEFAULT_SCREEN.information_requests("", typed)


@PROPERTY
@given(data=st.data())
def test_separate_sentences_of_ordinary_business_never_make_a_request(data):
    sentences = data.draw(st.lists(st.sampled_from(ORDINARY_SENTENCES), min_size=2, max_size=6))
    joiners = data.draw(st.lists(st.sampled_from(SENTENCE_ENDS), min_size=len(sentences), max_size=len(sentences)))
    text = "".join(s.rstrip(".!?") + j for s, j in zip(sentences, joiners, strict=True))
    assert not DEFAULT_SCREEN.is_information_request(text), DEFAULT_SCREEN.explain(text)


def _request_words() -> tuple[set[str], tuple[str, ...]]:
    """Every word the default information-request patterns name, and their `word*` stems."""
    words: set[str] = set()
    stems: list[str] = []
    for pattern in DEFAULT_PATTERNS[INFORMATION_REQUEST]:
        for token in pattern.split():
            for alternative in token.split("|") if token != "..." else ():
                marker = alternative[-1] if alternative[-1] in "+*" else ""
                parts = normalise(alternative[:-1] if marker else alternative).split()
                words.update(parts[:-1])
                if marker == "*":
                    stems.append(parts[-1])
                else:
                    words.update(inflections(parts[-1]) if marker == "+" else parts[-1:])
    return words, tuple(stems)


REQUEST_WORDS, REQUEST_STEMS = _request_words()
# The words of ordinary contacts that no information-request pattern names ("boiler", "rent", "bin"...).
ORDINARY_WORDS = sorted(
    word
    for word in {w for text in NOT_REQUESTS + UNSEEN_NOT_REQUESTS for w in normalise(text).split()} - REQUEST_WORDS
    if not word.startswith(REQUEST_STEMS)
)


def test_the_ordinary_vocabulary_is_large():
    assert len(ORDINARY_WORDS) >= 300


@PROPERTY
@given(data=st.data())
def test_a_text_made_only_of_ordinary_words_is_never_a_request(data):
    """However they are strung together, typed or misspelt words of ordinary contacts ask for nothing held."""
    words = data.draw(st.lists(st.sampled_from(ORDINARY_WORDS), min_size=1, max_size=60))
    text = data.draw(written(" ".join(words)))
    assert not DEFAULT_SCREEN.is_information_request(text), (text, DEFAULT_SCREEN.explain(text))


# -- the fast matching finds what the expressions find -------------------------------------------

PHRASES = [*SINGLE_SENTENCES, *(p for ps in MUST_CATCH.values() for p in ps)]


@PROPERTY
@given(data=st.data())
def test_the_screen_finds_exactly_what_each_patterns_expression_finds(data):
    """The screen skips patterns whose words are absent and tries the rest only where their first words
    stand (docs/safeguarding-screen.md); that must never lose or invent a match of compile_pattern's."""
    parts = data.draw(st.lists(st.sampled_from(PHRASES), min_size=1, max_size=4))
    text = " ".join(p.rstrip(".!?") for p in parts)
    assume(not any(mark in text for mark in ".!?;"))  # one sentence: the expression sees what the screen sees
    normalised = normalise(text)
    assume(correct_typos(normalised) == normalised)
    found = DEFAULT_SCREEN.explain(text)
    for category, entries in DEFAULT_SCREEN.patterns.items():
        expected = [e for e in entries if compile_pattern(e).search(normalised)]
        assert found.get(category, []) == expected, (category, text)
