"""What each letter must state before it may be written (R30, R4, R36, R39, R44, R45), checked up front.

A letter missing any of these is refused, naming every missing field, rather than printed with a gap: the
ombudsmen found fault where a customer was not told of the appeal right or the review (R33, W1). The
template's StrictUndefined is only the second net, for a council's own template that uses a name we do
not supply.
"""

from __future__ import annotations

from ..policy.vocabulary import LetterKind
from ..services.errors import ServiceError

# (where in the variables, the name given in the refusal); settings are named as the admin sets them.
COMMON = (
    ("council.name", "COUNCIL_NAME"),
    ("council.address", "COUNCIL_ADDRESS"),
    ("signatory.name", "LETTER_SIGNATORY"),
    ("signatory.title", "LETTER_SIGNATORY_TITLE"),
    ("customer.name", "customer_name"),
    ("ombudsman", "ombudsman"),
)
ARRANGEMENT = (
    ("restriction", "restriction"),
    ("restriction.contact", "sole_point_of_contact"),
    ("restriction.channels", "allowed_channels"),
)
BY_KIND = {
    LetterKind.WARNING.value: (
        ("warning", "warning"),
        ("incidents", "incidents"),
        ("warning.behaviour", "behaviour"),
        ("warning.why_unacceptable", "why_unacceptable"),
        ("warning.change_requested", "change_requested"),
        ("warning.consequences", "consequences"),
        ("appeal", "appeal_route"),
    ),
    LetterKind.RESTRICTION.value: ARRANGEMENT
    + (
        ("restriction.reasons", "why_necessary"),
        ("restriction.starts_on", "starts_on"),
        ("restriction.review_due", "review_due"),
        ("appeal", "appeal_route"),
    ),
    LetterKind.AMENDMENT.value: ARRANGEMENT + (("restriction.review_due", "review_due"), ("appeal", "appeal_route")),
    LetterKind.INTERIM_CONFIRMATION.value: (  # an immediate action may not name a sole point of contact yet
        ("restriction", "restriction"),
        ("restriction.channels", "allowed_channels"),
        ("incidents", "incidents"),
        ("restriction.confirm_by", "confirm_by"),
    ),
    LetterKind.REVIEW_OUTCOME.value: ARRANGEMENT
    + (("review", "review"), ("review.reasons", "reasons"), ("restriction.review_due", "review_due")),
    LetterKind.APPEAL_OUTCOME.value: (
        ("appeal_decision", "appeal"),
        ("appeal_decision.outcome", "outcome"),
        ("appeal_decision.reasons", "outcome_reasons"),
        ("appeal_decision.decided_on", "decided_on"),
    ),
    LetterKind.LIFTING.value: (("lifting", "restriction"), ("lifting.on", "lifted_on")),
}
# An appeal that leaves a restriction in force says what is in force and when it is next reviewed (R45).
IN_FORCE_AFTER_APPEAL = (("restriction.review_due", "review_due"), ("restriction.channels", "allowed_channels"))


class LetterIncomplete(ServiceError):
    """A letter lacks something the policy requires it to state; `errors` names each missing field."""

    status = 422
    code = "letter_incomplete"


def _lookup(variables: dict, path: str) -> object:
    value: object = variables
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _present(value) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return value not in (None, [], {}, ())


def missing_fields(kind: str, variables: dict) -> list[str]:
    """The names of the required fields this letter's variables lack, in a stable order."""
    required = COMMON + BY_KIND.get(kind, ())
    if kind == LetterKind.APPEAL_OUTCOME.value and variables.get("restriction") is not None:
        required += IN_FORCE_AFTER_APPEAL
    missing = []
    for path, name in required:
        parent = path.rsplit(".", 1)[0] if "." in path else None
        if parent and not _present(_lookup(variables, parent)):
            continue  # the whole section is missing: named once, by its own entry
        if not _present(_lookup(variables, path)) and name not in missing:
            missing.append(name)
    return missing


def require_complete(letter_id: int, kind: str, variables: dict) -> None:
    """Refuse (422 letter_incomplete) when anything the letter must state is missing."""
    missing = missing_fields(kind, variables)
    if missing:
        raise LetterIncomplete(
            f"letter {letter_id} ({kind}) cannot be written: missing {', '.join(missing)}",
            errors={name: ["missing"] for name in missing},
        )
