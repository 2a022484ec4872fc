"""The safeguarding screen: words that mean a contact must be read by a person now (R24, R28).

A disregarded contact is still read (R24): before anything is filed without reply, its subject and
body are screened for threats, self-harm, a child at risk, homelessness, emergencies and complaints
about the sole point of contact; a hit escalates instead of disregarding. The screen also finds
information requests (FOI, EIR, subject access), which are never disregarded (R28).

The screen leans towards escalating: a false positive costs an officer a minute, a miss can cost a
life. So patterns match word forms and allow words in between, text is normalised hard before
matching, and a council's own patterns (the setting, see docs/safeguarding-screen.md) only ever
add to the defaults, never remove them.

Pattern language (one phrase per entry, matched against normalised text, whole words only):

    word        that word exactly                      "eviction"
    word*       any word starting with it              "suicid*"  -> suicide, suicidal
    word+       the word's inflections                 "harm+"    -> harm, harms, harmed, harming
                (not other words sharing the stem:     "harm+" does not match harmless or harmful)
    a|b|c       any one of the alternatives            "child|children|kids"
    ...         up to GAP (4) other words              "hurt+ ... myself" -> "hurt myself",
                                                                  "hurting really badly myself"
    a-b         words in sequence (so an alternative   "no heating|hot-water" -> "no hot water"
                can be several words)
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from .information_requests import FOI, KINDS, NAMED, PATTERNS, correct_typos

GAP = 4  # words allowed where a pattern says "..."
CATEGORY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
INFORMATION_REQUEST = "information_request"


class ScreenConfigError(ValueError):
    """A configured pattern or category cannot be used; the message names it."""


# -- normalisation ---------------------------------------------------------------------------------

_APOSTROPHES = re.compile("['\u2018\u2019\u201b\u02bc\u0060\u00b4\u2032]")
_NON_WORD = re.compile(r"[\W_]+")
# "my self" -> "myself": people write reflexives apart; patterns need only the joined form.
_REFLEXIVE = re.compile(r"\b(my|your|him|her|it|our|them|one) (self|selves)\b")


def normalise(text: str | None) -> str:
    """Lower case, accents, quotes, hyphens, punctuation and spacing folded: "Self\u2011Harm!!" -> "self harm".

    Apostrophes are dropped ("I'm" -> "im", "can\u2019t" -> "cant"); every other non-letter, non-digit
    character (hyphens, dashes, punctuation, emoji, line breaks) separates words; invisible
    characters (zero-width spaces, soft hyphens) are removed so they cannot split a word.
    """
    if not text:
        return ""
    return _joined(_NON_WORD.sub(" ", _folded(str(text))).strip())


def _folded(text: str) -> str:
    """Case, accents, invisible characters and apostrophes folded; punctuation left in place."""
    if not text.isascii():  # ASCII has no accents or invisible characters: skip the costly part
        text = unicodedata.normalize("NFKD", text)
        invisible = {c for c in set(text) if unicodedata.category(c) in ("Mn", "Cf")}
        if invisible:
            text = text.translate(dict.fromkeys(map(ord, invisible)))
    return _APOSTROPHES.sub("", text.casefold())


def _joined(words: str) -> str:
    """Reflexives written apart joined ("my self" -> "myself")."""
    return _REFLEXIVE.sub(r"\1\2", words) if "sel" in words else words


# -- patterns --------------------------------------------------------------------------------------

_IRREGULAR = {
    "beat": ("beaten",),
    "break": ("broke", "broken"),
    "burn": ("burnt",),
    "cut": ("cutting",),
    "die": ("died", "dying"),
    "do": ("did", "done"),
    "fight": ("fought",),
    "get": ("got", "gotten"),
    "give": ("gave", "given"),
    "go": ("went", "gone"),
    "hang": ("hung", "hanged"),
    "hit": ("hitting",),
    "leave": ("left",),
    "lose": ("lost", "losing"),
    "shoot": ("shot",),
    "sleep": ("slept",),
    "take": ("took", "taken", "taking"),
    "throw": ("threw", "thrown"),
    "run": ("ran", "running"),
}
_VOWELS = set("aeiou")


def inflections(word: str) -> tuple[str, ...]:
    """The forms `word+` matches: -s, -es, -ed, -d, -ing, e-dropping, y->ies/ied, doubled consonants.

    Over-generating is harmless (a non-word never appears); what matters is that derived words
    with another meaning (harmless, killer) are not produced.
    """
    forms = {word, word + "s", word + "es", word + "ed", word + "d", word + "ing"}
    if word.endswith("e"):
        forms.add(word[:-1] + "ing")
    if word.endswith("ie"):
        forms.add(word[:-2] + "ying")
    if len(word) > 2 and word.endswith("y") and word[-2] not in _VOWELS:
        forms |= {word[:-1] + "ies", word[:-1] + "ied"}
    short_vowel = len(word) >= 3 and word[-2] in _VOWELS and word[-3] not in _VOWELS
    if short_vowel and word[-1] not in _VOWELS | set("wxy"):
        forms |= {word + word[-1] + "ed", word + word[-1] + "ing"}
    forms.update(_IRREGULAR.get(word, ()))
    return tuple(sorted(forms))


_STEM = "\0"  # ends a phrase whose last word is a `word*` stem


@functools.lru_cache(maxsize=16384)
def _parts(raw: str) -> tuple[str, tuple[str, ...]]:
    """One alternative as (its marker, "*", "+" or "", and its normalised words)."""
    marker = raw[-1] if raw[-1:] in ("*", "+") else ""
    words = tuple(normalise(raw[:-1] if marker else raw).split())
    if not words:
        raise ScreenConfigError(f"{raw!r} has no letters or digits")
    return marker, words


def _checked(pattern: str) -> list[tuple[tuple[str, tuple[str, ...]], ...] | None]:
    """The pattern's groups, each alternative parsed (None for a gap); a ScreenConfigError names the pattern."""
    try:
        return [None if group is None else tuple(_parts(a) for a in group) for group in _groups(pattern)]
    except ScreenConfigError as error:
        if str(error).startswith("pattern "):
            raise
        raise ScreenConfigError(f"pattern {pattern!r}: {error}") from None


def _phrases(marker: str, words: tuple[str, ...]) -> list[str]:
    """The normalised phrases one alternative stands for ("harm+" -> harm, harms, ...; "suicid*" -> suicid\\0)."""
    head = " ".join(words[:-1] + ("",))
    if marker == "*":
        return [head + words[-1] + _STEM]
    if marker == "+":
        return [head + form for form in inflections(words[-1])]
    return [head + words[-1]]


@functools.lru_cache(maxsize=4096)
def _group_regex(group: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    """One word group as a regular expression (groups recur across patterns: each is built once)."""
    return "(?:" + _trie(p for marker, words in group for p in _phrases(marker, words)) + ")"


def _trie(phrases: Iterable[str]) -> str:
    """One regular expression for many phrases, sharing their beginnings: "kill|kills|killed" -> "kill(?:s|ed)?".

    Python tries the branches of an alternation one by one; with a few hundred phrases in a group
    that cost most of the screen's time. Sharing prefixes makes each try follow one path.
    """
    root: dict = {}
    for phrase in phrases:
        node = root
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_regex(root)


def _trie_regex(node: dict) -> str:
    branches = [re.escape(c) + _trie_regex(child) for c, child in sorted(node.items()) if c not in ("", _STEM)]
    if _STEM in node:
        branches.append(r"\w*")
    if not branches:
        return ""
    if "" not in node:
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return "(?:" + "|".join(branches) + ")?"


def _groups(pattern: str) -> list[list[str] | None]:
    """The pattern's word groups, each a list of raw alternatives; None stands for a "..." gap."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise ScreenConfigError(f"pattern {pattern!r}: empty")
    groups: list[list[str] | None] = []
    for token in pattern.replace("\u2026", " ... ").split():
        if token == "...":
            if not groups or groups[-1] is None:
                raise ScreenConfigError(f"pattern {pattern!r}: '...' must sit between two words")
            groups.append(None)
            continue
        alternatives = token.split("|")
        if any(not a for a in alternatives):
            raise ScreenConfigError(f"pattern {pattern!r}: empty alternative in {token!r}")
        groups.append(alternatives)
    if groups[-1] is None:
        raise ScreenConfigError(f"pattern {pattern!r}: '...' must sit between two words")
    return groups


@functools.lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> re.Pattern:
    """The regular expression, over normalised text, for one pattern of the language above."""
    parts: list[str] = []
    gap = False
    for group in _checked(pattern):
        if group is None:
            gap = True
            continue
        body = _group_regex(group)
        if parts:
            # \w++ takes a whole word and never gives part of it back: a gap is whole words.
            parts.append(rf"(?: \w++){{0,{GAP}}} " if gap else " ")
        parts.append(body)
        gap = False
    return re.compile(r"(?<!\w)" + "".join(parts) + r"(?!\w)")


# -- matching fast ---------------------------------------------------------------------------------
# Searching a few hundred regular expressions through 2,000 characters, position by position, takes
# milliseconds. A pattern can only match a text that holds, for each of its word groups, the first
# word of one alternative (or a word starting with a `word*` stem): each pattern first checks that
# against the text's set of words, and then tries its expression only where one of its first words
# stands in the text, not at every character.


@dataclass(frozen=True)
class _Text:
    """One normalised text, word by word: where each word stands, and its words sorted (for `word*` stems)."""

    text: str
    sequence: tuple[str, ...]
    before: tuple[int, ...]
    at: Mapping[str, list[int]]  # word -> its places in `sequence`
    words: frozenset[str]
    ordered: tuple[str, ...]
    # Where each first group (by its text) can begin a match: patterns often open alike ("I want ...").
    starts: dict[str, list[int]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, text: str) -> _Text:
        sequence = tuple(text.split(" ")) if text else ()
        # The length of the words before each word (its offset, less the spaces between them).
        before = tuple(itertools.accumulate(map(len, sequence), initial=0))
        at: defaultdict[str, list[int]] = defaultdict(list)
        for index, word in enumerate(sequence):
            at[word].append(index)
        return cls(text, sequence, before, at, frozenset(at), tuple(sorted(at)))

    def __hash__(self) -> int:
        return hash(self.text)

    def with_stem(self, stem: str) -> list[str]:
        """The text's words that start with `stem`."""
        first = bisect.bisect_left(self.ordered, stem)
        last = first
        while last < len(self.ordered) and self.ordered[last].startswith(stem):
            last += 1
        return list(self.ordered[first:last])


@dataclass(frozen=True)
class _Needs:
    """Per word group of a pattern: the whole first words and the stems of which one must be present.

    `openings` maps each first word of the first group to the words that can follow it there
    ("the" -> {"number", "amount"} for "the number of|the amount of"), or to None where the word
    alone can begin a match.
    """

    groups: tuple[tuple[frozenset[str], tuple[str, ...]], ...]
    openings: Mapping[str, frozenset[str] | None]
    opening: str  # the first group as written

    def met_by(self, text: _Text) -> bool:
        present = text.words
        for words, stems in reversed(self.groups):  # the last word of a pattern is usually the rarest
            if words.isdisjoint(present) and not any(text.with_stem(s) for s in stems):
                return False
        return True

    def starts(self, text: _Text) -> list[int]:
        """Where in `text` a match can begin: where the first group's words (or its phrases) stand."""
        known = text.starts.get(self.opening)
        if known is None:
            known = text.starts[self.opening] = self._starts(text)
        return known

    def _starts(self, text: _Text) -> list[int]:
        found: set[int] = set()
        last = len(text.sequence) - 1
        for word in self.openings.keys() & text.words:
            following = self.openings[word]
            if following is None:
                found.update(text.at[word])
            else:
                found.update(i for i in text.at[word] if i < last and text.sequence[i + 1] in following)
        for stem in self.groups[0][1]:
            for word in text.with_stem(stem):
                found.update(text.at[word])
        return [text.before[i] + i for i in sorted(found)]


@functools.lru_cache(maxsize=4096)
def _needs(pattern: str) -> _Needs:
    """What a text must contain before `pattern` can match it."""
    groups = [g for g in _checked(pattern) if g is not None]
    return _Needs(tuple(_group_needs(g) for g in groups), _openings(groups[0]), pattern.split()[0])


@functools.lru_cache(maxsize=4096)
def _group_needs(group: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The first words of the group's alternatives, and its `word*` stems: one of them must be present."""
    words: set[str] = set()
    stems: list[str] = []
    for marker, (first, *rest) in group:
        if rest or not marker:
            words.add(first)
        elif marker == "*":
            stems.append(first)
        else:
            words.update(inflections(first))
    return frozenset(words), tuple(stems)


@functools.lru_cache(maxsize=4096)
def _openings(group: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, frozenset[str] | None]:
    """First word -> the words that may follow it in the group's phrases, or None if it may stand alone."""
    alone: set[str] = set()
    followed: dict[str, set[str]] = {}
    for marker, (first, *rest) in group:
        if marker == "*" and not rest:
            continue  # a stem: found through the stems, not here
        if marker == "+" and not rest:
            alone.update(inflections(first))
        elif not rest or (len(rest) == 1 and marker):
            alone.add(first)  # the second word is inflected or a stem: any word may follow
        else:
            followed.setdefault(first, set()).add(rest[0])
    return {**{w: frozenset(f) for w, f in followed.items()}, **dict.fromkeys(alone)}


def _found(pattern: str, text: _Text) -> Iterator[re.Match]:
    """The matches of `pattern` in `text`, tried only where they can begin."""
    needs = _needs(pattern)
    if not needs.met_by(text):
        return
    regex = compile_pattern(pattern)
    for start in needs.starts(text):
        match = regex.match(text.text, start)
        if match:
            yield match


def _matches(pattern: str, text: _Text) -> bool:
    needs = _needs(pattern)
    if not needs.met_by(text):
        return False
    match = compile_pattern(pattern).match
    return any(match(text.text, start) for start in needs.starts(text))


@dataclass(frozen=True)
class _Index:
    """Patterns by the words and stems of their last group (usually the rarest word): a text can match only
    the patterns one of whose last words (or stems) it holds, so only those are tried."""

    by_word: Mapping[str, tuple[int, ...]]
    by_stem: Mapping[str, tuple[int, ...]]

    def candidates(self, entries: tuple[str, ...], text: _Text) -> list[str]:
        """The entries worth trying on `text`, in their order: a superset of those `_Needs.met_by` lets through."""
        found: set[int] = set()
        for word in self.by_word.keys() & text.words:
            found.update(self.by_word[word])
        for stem, positions in self.by_stem.items():
            if text.with_stem(stem):
                found.update(positions)
        return [entries[i] for i in sorted(found)]


@functools.lru_cache(maxsize=64)
def _index(entries: tuple[str, ...]) -> _Index:
    by_word: defaultdict[str, list[int]] = defaultdict(list)
    by_stem: defaultdict[str, list[int]] = defaultdict(list)
    for position, entry in enumerate(entries):
        words, stems = _needs(entry).groups[-1]
        for word in words:
            by_word[word].append(position)
        for stem in stems:
            by_stem[stem].append(position)
    return _Index({w: tuple(p) for w, p in by_word.items()}, {s: tuple(p) for s, p in by_stem.items()})


def _any_match(entries: Iterable[str], texts: list[_Text]) -> bool:
    """Whether any of `entries` matches any of `texts` (only the entries whose rarest words a text holds)."""
    entries = tuple(entries)
    index = _index(entries)
    return any(_matches(e, t) for t in texts for e in index.candidates(entries, t))


def _prepared(text: str | None) -> _Text:
    """The normalised text."""
    return _forms(text)[0]


def _sentences(text: str | None) -> _Text:
    """The normalised text with its sentences kept apart by " | "."""
    return _forms(text)[1]


# A sentence ends at . ! ? or ; after two letters or digits and any closing quotes (not after a
# list's "1." or "e.g."; an ellipsis is "..." once folded), or at a blank line.
_SENTENCE_END = re.compile(r"[.!?;]+(?=\s|$)|\n[^\S\n]*\n")
# A letter (runic fehu) standing for a sentence end while the text is folded: punctuation does not
# survive that, a letter does.
_MARK = "\u16a0"
# Joins the sentences of a text: no pattern's word or gap can match across it.
_SENTENCE_JOIN = " | "


_CLOSERS = "\"\u201d)]*\u00bb"  # closing quotes and brackets may stand between a word and its full stop


def _mark_end(match: re.Match) -> str:
    text, at = match.string, match.start()
    while at > 0 and text[at - 1] in _CLOSERS:
        at -= 1
    return f" {_MARK} " if text[match.start()] == "\n" or (at >= 2 and text[at - 2 : at].isalnum()) else match.group()


# Small caches: the decision screens a contact's subject and body twice in a row, and no more.
@functools.lru_cache(maxsize=32)
def _forms(text: str | None) -> tuple[_Text, _Text]:
    """The text normalised, whole and sentence by sentence, in one pass (the decision screens both)."""
    folded = _folded(str(text)) if text else ""
    if _MARK in folded:  # the text has the mark's letter itself: fold it the long way
        return _Text.of(normalise(text)), _Text.of(_NON_WORD.sub(" ", folded).strip())
    words = _NON_WORD.sub(" ", _SENTENCE_END.sub(_mark_end, folded)).strip()
    if _MARK not in words:
        whole = _Text.of(_joined(words))
        return whole, whole
    plain = _joined(" ".join(w for w in words.split(" ") if w != _MARK))
    return _Text.of(plain), _Text.of(_joined(words).replace(_MARK, "|"))


@functools.lru_cache(maxsize=32)
def _mended(text: _Text) -> _Text | None:
    """The text with misspelt request words mended, or None when none were."""
    mended = correct_typos(text.text)
    return None if mended == text.text else _Text.of(mended)


# -- the default list ------------------------------------------------------------------------------

_OTHERS = (
    "you|u|ya|yous|yourself|yourselves|him|her|them|someone|somebody|anyone|anybody|everyone|everybody|"
    "people|staff|officer*|councillor*|worker*|manager*|neighbour*|family|wife|husband|partner"
)
_CHILD = (
    "child|children|childs|kid|kids|baby|babies|son|sons|daughter|daughters|grandchild|grandchildren|"
    "grandson|granddaughter|toddler|infant|teenager|boy|girl|boys|girls|youngster*|bairn|bairns|wean|weans"
)
_SPOC = (
    "officer|officers|contact|contact-officer|spoc|caseworker|case-worker|worker|handler|manager|person|"
    "him|her|them|you|staff|named"
)
_SPOC_ROLE = "officer|contact-officer|caseworker|case-worker|worker|spoc|point-of-contact|contact-person"

# Hyphenated words inside a pattern are words in sequence: "case-worker" matches "case worker" (and
# "case-worker"), so an alternative can be several words.
DEFAULT_PATTERNS: dict[str, tuple[str, ...]] = {
    "threat": (
        "kill+",
        "murder+",
        "stab+",
        "shoot+",
        "strangle+",
        "batter+",
        "punch+",
        "slash+",
        f"hurt+ ... {_OTHERS}",
        f"harm+ ... {_OTHERS}",
        f"hit+ ... {_OTHERS}",
        f"beat+ ... {_OTHERS}",
        "beat+ ... up",
        "smash+ ... face|head|heads|teeth|skull|place|windows|up",
        "attack+",
        "assault+",
        "bomb+",
        "weapon+",
        "knife|knives",
        "gun|guns|firearm*|shotgun*",
        "threat|threats|threaten+",
        "violence|violent",
        "revenge",
        "burn+ ... down",
        "set ... on-fire",
        "set fire",
        "petrol ... through|letterbox|door",
        "acid",
        "know where you ... live+",
        "watch your back",
        "you ... regret",
        "you ... be sorry",
        "make you|yous|them|him|her pay",
        "youll pay",
        "you will pay for",
        "you ... die+",
        "deserve+ to die",
        "come+ ... after|for you",
        "sort you out",
        "do you in",
        "get+ hurt+|harm+|kill+|stab+|shot",
    ),
    "self_harm": (
        "suicid*",
        "kill+ ... myself|me",
        "end+ ... my ... life",
        "end+ ... it all",
        "end+ everything",
        "take+ ... my ... life",
        "self-harm*",
        "selfharm*",
        "hurt+ ... myself",
        "harm+ ... myself",
        "cut+ ... myself",
        "hang+ ... myself",
        "kill+ ... self",
        "overdos*",
        "od",
        "jump+ ... off|from|in-front",
        "want+ ... to-die",
        "wish ... dead|die",
        "better off dead",
        "better off without me",
        "no reason ... to-live|living",
        "not worth living",
        "no point ... living|in-living|going-on|in-life|anymore|carrying-on",
        "cant|cannot|can-not ... go-on|cope|carry-on|take-it|take-any-more|take-anymore",
        "dont|do-not want ... to-live|be-alive|be-here|wake-up|exist|live",
        "give+ up on life",
        "be-here|be-around|last much-longer",
        "wont be here|around",
        "finish+ ... myself",
        "do something stupid",
    ),
    "child_at_risk": (
        f"{_CHILD} ... at-risk|in-danger|unsafe|danger|not-safe|isnt-safe",
        (
            f"{_CHILD} ... abus*|neglect*|bully|bullied|bullying|groom*|exploit*|missing|scared|frightened|afraid|"
            "terrified"
        ),
        f"{_CHILD} ... hurt+|harm+|beat+|hit+|attack+|assault+|starv*|locked",
        f"abus*|neglect*|hurt+|harm+|hit+|beat+|groom*|exploit*|attack+|assault+|batter+|punch+|kick+ ... {_CHILD}",
        "children at risk",
        "child protection",
        "safeguard*",
        "my|our child|childs|kid|kids|son|sons|daughter|daughters|baby|babys is|isnt|are|arent",
        "kids are not safe",
        "social work* ... take|took|taking|remove* ... child*|kids|baby|son|daughter",
    ),
    "homelessness": (
        "homeless*",
        "evict*",
        "sleep+ rough",
        "rough sleep*",
        "nowhere ... live|stay|sleep|go",
        "no where ... live|stay|sleep|go",
        "no fixed abode",
        "no home",
        "lose+|lost ... home|house|flat|tenancy",
        "kick+|turf+|chuck+ ... out",
        "thrown|threw ... me|us|them ... out",
        "thrown out",
        "throw+ me|us out",
        "put+ ... me|us ... on-the-street|out",
        "sofa surf*",
        "sofasurf*",
        "sleep+ ... car|tent|street|streets|park|van|doorway",
        "on the streets",
        "live+ ... on-the-street|streets",
        "notice to quit",
        "section 21",
        "repossess*",
        "possession order",
        "temporary accommodation",
        "roof over ... head",
        "out on the street",
    ),
    "spoc_complaint": (
        f"complain* ... about|against|regarding|over|of ... {_SPOC}",
        f"complain* ... {_SPOC}",
        "point of contact",
        "single point",
        "sole point",
        "spoc",
        "my contact officer",
        f"different|another|new {_SPOC_ROLE}",
        f"change+|replace* ... {_SPOC_ROLE}",
        (
            f"{_SPOC_ROLE} ... rude|abus*|harass*|bully*|bullied|lie+|lying|lied|racist|discriminat*|unfair|"
            "useless|incompetent"
        ),
        "harass* ... me",
        "bully|bullied|bullies|bullying ... me",
        "victimi*",
    ),
    "emergency": (
        "emergency|emergencies",
        "urgent*",
        "flood+",
        "gas leak*",
        "smell+ ... gas",
        "gas smell*",
        "carbon monoxide",
        "no heat*",
        "no heating|hot-water|electric*|power|water|gas",
        "on fire",
        "fire brigade|service|engine",
        "house fire",
        "fire in",
        "smoke",
        "burning",
        "collaps*",
        "ceiling ... fall*|fell|came-down|caved|coming-down",
        "sewage",
        "burst",
        "electric shock",
        "exposed|live|bare wires",
        "sparking",
        "ambulance",
        "999",
        "police",
        "life threatening",
        "danger*",
        "unsafe",
        "injur*",
        "trapped",
        "locked out",
        "asap",
    ),
    # Requests for information, however worded: plugin/policy/information_requests.py.
    INFORMATION_REQUEST: tuple(dict.fromkeys(p for kind in KINDS for p in PATTERNS[kind])),
}
# The kind each default information-request pattern finds. A council's own patterns find "foi": any
# written request for information held is one under FOISA (a subject access or EIR request found by
# a default pattern in the same sentence is reported as that).
_KIND_OF = {p: kind for kind in reversed(KINDS) for p in PATTERNS[kind]}
# Patterns that name the law or the request: their kind stands whatever else the sentence says.
_NAMED = frozenset(p for kind in KINDS for p in NAMED[kind])


# -- the screen -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Screen:
    """Patterns by category (safeguarding ones in order, plus information_request), compiled once."""

    patterns: Mapping[str, tuple[str, ...]]

    def __post_init__(self) -> None:
        for category, entries in self.patterns.items():
            if not CATEGORY_NAME.match(category):
                raise ScreenConfigError(f"category {category!r}: use lower-case letters, digits and _")
            for entry in entries:
                _needs(entry)  # parses and checks it; its expression is compiled when first needed

    @classmethod
    def from_dict(cls, extra: Mapping[str, Iterable[str]] | None = None) -> Screen:
        """The default screen plus a council's own patterns: {"threat": ["torch ... house"], "adult_at_risk": [...]}.

        Entries only add: a default pattern cannot be removed through configuration (a miss is
        worse than a false positive). A new category name creates a new category.
        """
        merged = {k: list(v) for k, v in DEFAULT_PATTERNS.items()}
        for category, entries in (extra or {}).items():
            if isinstance(entries, str) or not isinstance(entries, Iterable):
                raise ScreenConfigError(f"category {category!r}: give a list of patterns")
            merged.setdefault(str(category), [])
            merged[str(category)] += [e for e in entries if e not in merged[str(category)]]
        return cls({k: tuple(v) for k, v in merged.items()})

    @property
    def categories(self) -> tuple[str, ...]:
        """The safeguarding categories, in the order hits are reported."""
        return tuple(c for c in self.patterns if c != INFORMATION_REQUEST)

    def explain(self, *texts: str | None) -> dict[str, list[str]]:
        """Category -> the patterns that matched in any of `texts` (subject, body...)."""
        found: dict[str, list[str]] = {}
        for category, entries in self.patterns.items():
            variants = _variants(texts, mend=category == INFORMATION_REQUEST)
            matched = [e for e in entries if any(_matches(e, t) for t in variants)]
            if matched:
                found[category] = matched
        return found

    def hits(self, *texts: str | None) -> list[str]:
        """Safeguarding categories found in any of `texts`, in category order."""
        variants = _variants(texts, mend=False)
        return [c for c in self.categories if _any_match(self.patterns[c], variants)]

    def is_information_request(self, *texts: str | None) -> bool:
        """A request for information of any kind: subject access, FOI/FOISA or EIR (R28)."""
        variants = _variants(texts, mend=True)
        return _any_match(self.patterns.get(INFORMATION_REQUEST, ()), variants)

    def information_requests(self, *texts: str | None) -> tuple[str, ...]:
        """The kinds of request found in any of `texts`, from ("subject_access", "foi", "eir"), in that order.

        Within a sentence a subject access or EIR request outranks the general words of an FOI one
        ("please provide a copy of the file you hold on me" is subject access), unless FOI is named.
        """
        entries = self.patterns.get(INFORMATION_REQUEST, ())
        found: set[str] = set()
        for raw in texts:
            text = _sentences(raw)
            if not text.text:
                continue
            # The mended text, where there is one, carries every match of the text as written and more.
            mended = _mended(text)
            found |= (_kinds(entries, mended) if mended else set()) or _kinds(entries, text)
        return tuple(k for k in KINDS if k in found)


def _kinds(entries: Iterable[str], text: _Text) -> set[str]:
    """The kinds of request `entries` find in one text, sentence by sentence."""
    by_sentence: dict[int, set[tuple[str, bool]]] = {}
    for entry in entries:
        for match in _found(entry, text):
            sentence = text.text.count(_SENTENCE_JOIN, 0, match.start())
            by_sentence.setdefault(sentence, set()).add((_KIND_OF.get(entry, FOI), entry in _NAMED))
    kinds: set[str] = set()
    for hits in by_sentence.values():
        specific = any(kind != FOI for kind, _ in hits)
        kinds.update(kind for kind, named in hits if kind != FOI or named or not specific)
    return kinds


def _variants(texts: Iterable[str | None], mend: bool) -> list[_Text]:
    """Each text normalised (subject and body apart, so a gap never spans them) and, if asked, mended.

    Mended texts are also kept apart sentence by sentence: a request is asked in one sentence, and
    "I'd like a bulky uplift. The tree survey..." asks for no survey.
    """
    variants = []
    for raw in texts:
        text = _sentences(raw) if mend else _prepared(raw)
        if not text.text:
            continue
        variants.append(text)
        mended = _mended(text) if mend else None
        if mended is not None:
            variants.append(mended)
    return variants


DEFAULT_SCREEN = Screen.from_dict()


@functools.lru_cache(maxsize=32)
def _cached(key: str) -> Screen:
    return Screen.from_dict(json.loads(key))


def screen_for(extra: Mapping[str, Iterable[str]] | None) -> Screen:
    """The screen for a council's setting (compiled once per distinct setting)."""
    if not extra:
        return DEFAULT_SCREEN
    return _cached(json.dumps({str(k): list(v) for k, v in extra.items()}, sort_keys=True))
