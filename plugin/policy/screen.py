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

import functools
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GAP = 4  # words allowed where a pattern says "..."
CATEGORY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
INFORMATION_REQUEST = "information_request"


class ScreenConfigError(ValueError):
    """A configured pattern or category cannot be used; the message names it."""


# -- normalisation ---------------------------------------------------------------------------------

_APOSTROPHES = dict.fromkeys(map(ord, "'\u2018\u2019\u201b\u02bc\u0060\u00b4\u2032"), None)
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
    folded = unicodedata.normalize("NFKD", str(text))
    folded = "".join(c for c in folded if unicodedata.category(c) not in ("Mn", "Cf"))
    folded = folded.casefold().translate(_APOSTROPHES)
    folded = _NON_WORD.sub(" ", folded).strip()
    return _REFLEXIVE.sub(r"\1\2", folded)


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


def _alternative(raw: str, pattern: str) -> str:
    marker = raw[-1] if raw[-1:] in ("*", "+") else ""
    words = normalise(raw[:-1] if marker else raw).split()
    if not words:
        raise ScreenConfigError(f"pattern {pattern!r}: {raw!r} has no letters or digits")
    head, last = [re.escape(w) for w in words[:-1]], words[-1]
    if marker == "*":
        tail = re.escape(last) + r"\w*"
    elif marker == "+":
        tail = "(?:" + "|".join(re.escape(f) for f in inflections(last)) + ")"
    else:
        tail = re.escape(last)
    return " ".join([*head, tail])


@functools.lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> re.Pattern:
    """The regular expression, over normalised text, for one pattern of the language above."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise ScreenConfigError(f"pattern {pattern!r}: empty")
    tokens = pattern.replace("\u2026", " ... ").split()
    parts: list[str] = []
    gap = False
    for token in tokens:
        if token == "...":
            if not parts or gap:
                raise ScreenConfigError(f"pattern {pattern!r}: '...' must sit between two words")
            gap = True
            continue
        alternatives = token.split("|")
        if any(not a for a in alternatives):
            raise ScreenConfigError(f"pattern {pattern!r}: empty alternative in {token!r}")
        body = "(?:" + "|".join(_alternative(a, pattern) for a in alternatives) + ")"
        if parts:
            parts.append(rf"(?: \w+){{0,{GAP}}} " if gap else " ")
        parts.append(body)
        gap = False
    if gap:
        raise ScreenConfigError(f"pattern {pattern!r}: '...' must sit between two words")
    return re.compile(r"(?<!\w)" + "".join(parts) + r"(?!\w)")


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
    INFORMATION_REQUEST: (
        "freedom of information|info",
        "foi",
        "foisa",
        "environmental information",
        "eir request",
        "subject access",
        "dsar",
        "sar",
        "sar request",
        "right of access",
        "article 15",
    ),
}


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
                compile_pattern(entry)

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
        normalised = [normalise(t) for t in texts]
        found: dict[str, list[str]] = {}
        for category, entries in self.patterns.items():
            matched = [e for e in entries if any(compile_pattern(e).search(t) for t in normalised if t)]
            if matched:
                found[category] = matched
        return found

    def hits(self, *texts: str | None) -> list[str]:
        """Safeguarding categories found in any of `texts`, in category order."""
        normalised = [t for t in (normalise(t) for t in texts) if t]
        return [c for c in self.categories if _any(self.patterns[c], normalised)]

    def is_information_request(self, *texts: str | None) -> bool:
        """FOI, EIR or a subject access request (R28)."""
        normalised = [t for t in (normalise(t) for t in texts) if t]
        return _any(self.patterns.get(INFORMATION_REQUEST, ()), normalised)


def _any(entries: Iterable[str], texts: list[str]) -> bool:
    return any(compile_pattern(e).search(t) for e in entries for t in texts)


DEFAULT_SCREEN = Screen.from_dict()


@functools.lru_cache(maxsize=32)
def _cached(key: str) -> Screen:
    return Screen.from_dict(json.loads(key))


def screen_for(extra: Mapping[str, Iterable[str]] | None) -> Screen:
    """The screen for a council's setting (compiled once per distinct setting)."""
    if not extra:
        return DEFAULT_SCREEN
    return _cached(json.dumps({str(k): list(v) for k, v in extra.items()}, sort_keys=True))
