"""When a restriction may come into force: the rules of Glasgow article 6119, as checks.

Each check returns the problems it finds; `activation_problems` gathers them all so a
senior officer sees everything missing at once rather than one refusal at a time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .vocabulary import Adjustment, Channel, Path, Role, SpocKind, Tristate

MIN_REASON_LENGTH = 20
# "At least one way of contacting the council stays open" (R12) is not met by a token window (R15):
# across its time windows, some open channel must stay open this many minutes a week.
DEFAULT_MIN_WEEKLY_CONTACT_MINUTES = 60
MINUTES_IN_A_WEEK = 7 * 24 * 60
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Problem:
    """One reason an action is refused: a field, a stable code, a message, the rule it cites."""

    field: str
    code: str
    message: str
    rule: str


@dataclass(frozen=True)
class Checks:
    """Pre-restriction checks (article 6119; R9)."""

    social_work_known: Tristate | None = None
    mental_health_client: bool = False
    adjustments_needed: bool | None = None
    adjustments: tuple[Adjustment, ...] = ()
    other_services: str | None = None
    # 'unknown' means we asked and could not tell: who was asked, and when, is recorded (R9).
    social_work_enquiry_to: str | None = None
    social_work_enquired_on: dt.date | None = None


@dataclass(frozen=True)
class Arrangement:
    """The structured terms: who, how, scope and dates."""

    spoc_kind: SpocKind | None
    spoc_officer_active: bool = False
    spoc_inbox: str | None = None
    spoc_external_name: str | None = None
    consent_basis: str | None = None
    allowed_channels: tuple[Channel, ...] = ()
    time_windows: tuple[dict, ...] = ()
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    review_due: dt.date | None = None


@dataclass(frozen=True)
class ActivationFacts:
    """Everything the activation rules look at."""

    actor_role: Role
    path: Path
    path_justification: str | None
    has_standing_warning: bool
    has_violent_incident: bool
    why_necessary: str | None
    checks: Checks | None
    arrangement: Arrangement
    today: dt.date | None = None  # given: a review date already past is refused (R42)
    min_weekly_contact_minutes: int = DEFAULT_MIN_WEEKLY_CONTACT_MINUTES


def _text_given(value: str | None) -> bool:
    return bool(value and len(value.strip()) >= MIN_REASON_LENGTH)


def check_senior(role: Role, what: str = "activate a restriction") -> list[Problem]:
    """Only a senior member of staff takes a considered decision to restrict (R2)."""
    if Role(role) == Role.SENIOR:
        return []
    return [Problem("actor", "senior_required", f"only a senior officer may {what}; you are {Role(role).value}", "R2")]


def check_path(facts: ActivationFacts) -> list[Problem]:
    """A warning comes first, unless the behaviour is particularly vexatious or a serious threat (R4, R5, R61)."""
    path = Path(facts.path)
    if path == Path.AFTER_WARNING and not facts.has_standing_warning:
        return [
            Problem(
                "path",
                "warning_required",
                "no standing warning has been issued to this customer: issue a warning first, or record "
                "the path 'without_warning' with a justification, or 'serious_threat'",
                "R4",
            )
        ]
    if path == Path.WITHOUT_WARNING and not _text_given(facts.path_justification):
        return [
            Problem(
                "path_justification",
                "justification_required",
                f"restricting without a warning needs a justification of why the behaviour is "
                f"particularly vexatious or unreasonable (at least {MIN_REASON_LENGTH} characters)",
                "R5",
            )
        ]
    if path == Path.SERIOUS_THREAT and not facts.has_violent_incident:
        return [
            Problem(
                "path",
                "threat_incident_required",
                "the serious-threat path needs a recorded incident of threat or physical violence",
                "R61",
            )
        ]
    if path == Path.INTERIM:
        return [
            Problem(
                "path",
                "interim_not_considered",
                "an interim action is confirmed by choosing the considered path it now follows "
                "(after_warning, without_warning or serious_threat)",
                "R1",
            )
        ]
    return []


def check_prerequisites(facts: ActivationFacts) -> list[Problem]:
    """Social Work Services and adjustments asked about; the necessity explained (R6, R9)."""
    problems = []
    if not _text_given(facts.why_necessary):
        problems.append(
            Problem(
                "why_necessary",
                "why_necessary_required",
                f"explain why the restriction is necessary (at least {MIN_REASON_LENGTH} characters)",
                "R6",
            )
        )
    checks = facts.checks
    if checks is None or checks.social_work_known is None:
        problems.append(
            Problem(
                "checks.social_work_known",
                "checks_incomplete",
                "record whether the customer is known to Social Work Services (yes, no or unknown)",
                "R9",
            )
        )
    elif checks.social_work_known == Tristate.UNKNOWN and not (
        checks.social_work_enquiry_to and checks.social_work_enquiry_to.strip() and checks.social_work_enquired_on
    ):
        problems.append(
            Problem(
                "checks.social_work_enquiry",
                "social_work_enquiry_required",
                "whether the customer is known to Social Work Services is 'unknown': record who "
                "was asked and when before the restriction comes into force",
                "R9",
            )
        )
    if checks is None or checks.adjustments_needed is None:
        problems.append(
            Problem(
                "checks.adjustments_needed",
                "checks_incomplete",
                "record whether reasonable adjustments are needed",
                "R9",
            )
        )
    elif checks.adjustments_needed and not checks.adjustments:
        problems.append(
            Problem("checks.adjustments", "checks_incomplete", "adjustments are needed: record which", "R9")
        )
    if checks is None or checks.other_services is None:
        problems.append(
            Problem(
                "checks.other_services",
                "checks_incomplete",
                "record which other services are involved ('none' if none)",
                "R9",
            )
        )
    return problems


def check_arrangement(
    arr: Arrangement, checks: Checks | None, min_weekly_contact_minutes: int = DEFAULT_MIN_WEEKLY_CONTACT_MINUTES
) -> list[Problem]:
    """The terms leave contact open, name who, and carry the dates (R12-R15, R42-R44)."""
    problems = _check_who(arr, checks)
    if not arr.allowed_channels:
        problems.append(
            Problem(
                "allowed_channels",
                "no_channel_open",
                "at least one way of contacting the council must stay open",
                "R12",
            )
        )
    else:
        problems += _check_contact_time(arr, min_weekly_contact_minutes)
    problems += _check_dates(arr)
    problems += _check_adjustments(arr, checks)
    return problems


def _check_who(arr: Arrangement, checks: Checks | None) -> list[Problem]:
    kind = SpocKind(arr.spoc_kind) if arr.spoc_kind else None
    if kind is None:
        return [Problem("spoc", "spoc_required", "name the sole point of contact", "R13")]
    if kind == SpocKind.OFFICER and not arr.spoc_officer_active:
        return [
            Problem(
                "spoc_officer", "spoc_officer_inactive", "the sole point of contact must be an active officer", "R13"
            )
        ]
    if kind == SpocKind.SHARED_INBOX and not arr.spoc_inbox:
        return [Problem("spoc_inbox", "spoc_required", "give the shared inbox's address", "R13")]
    if kind in (SpocKind.EXTERNAL_WORKER, SpocKind.REPRESENTATIVE):
        return _check_external(kind, arr, checks)
    return []


def _check_external(kind: SpocKind, arr: Arrangement, checks: Checks | None) -> list[Problem]:
    problems = []
    if not arr.spoc_external_name:
        problems.append(Problem("spoc_external_name", "spoc_required", "name the external contact", "R14"))
    if not arr.consent_basis:
        problems.append(
            Problem(
                "consent_basis",
                "consent_required",
                "record the customer's consent or other lawful basis for this contact",
                "R59",
            )
        )
    if kind == SpocKind.EXTERNAL_WORKER and not (
        checks and checks.social_work_known == Tristate.YES and checks.mental_health_client
    ):
        problems.append(
            Problem(
                "spoc_kind",
                "external_worker_not_eligible",
                "a social or care worker may be the sole point of contact only for a customer with "
                "mental health issues who is a client of Social Work Services",
                "G4",
            )
        )
    return problems


def _check_dates(arr: Arrangement) -> list[Problem]:
    problems = []
    if arr.starts_on is None:
        problems.append(Problem("starts_on", "start_required", "give the date the restriction starts", "R30"))
    if arr.review_due is None:
        problems.append(Problem("review_due", "review_date_required", "give a review date", "R42"))
    elif arr.starts_on and arr.review_due <= arr.starts_on:
        problems.append(Problem("review_due", "review_before_start", "the review date must be after the start", "R42"))
    if arr.ends_on and arr.starts_on and arr.ends_on <= arr.starts_on:
        problems.append(Problem("ends_on", "end_before_start", "the end date must be after the start", "R30"))
    problems += review_date_problems(arr.review_due, ends_on=arr.ends_on)
    return problems


def review_date_problems(
    review_due: dt.date | None,
    *,
    ends_on: dt.date | None = None,
    today: dt.date | None = None,
    field: str = "review_due",
) -> list[Problem]:
    """A review date is set from today on (R42), and not after the restriction has ended (R42, R44).

    `today` is given only where the date is being set now: a review date that has since passed is
    simply overdue (R47), not an error.
    """
    if review_due is None:
        return []
    problems = []
    if today is not None and review_due < today:
        problems.append(
            Problem(
                field,
                "review_in_past",
                f"the review date {review_due.isoformat()} is in the past (today is "
                f"{today.isoformat()}): give a date from today on",
                "R42",
            )
        )
    if ends_on is not None and review_due > ends_on:
        problems.append(
            Problem(
                field,
                "review_after_end",
                f"the review date {review_due.isoformat()} is after the restriction ends on "
                f"{ends_on.isoformat()}: review it on or before its end date, or extend the "
                "end date",
                "R44",
            )
        )
    return problems


def weekly_open_minutes(time_windows, channel: Channel | str) -> int:
    """Minutes a week `channel` is open under these windows; a channel no window covers is always open.

    A window without channels covers every channel; overlapping windows are counted once.
    """
    channel = Channel(channel).value
    windows = [w for w in time_windows or () if not w.get("channels") or channel in w["channels"]]
    if not windows:
        return MINUTES_IN_A_WEEK
    total = 0
    for day in DAYS:
        spans = sorted((_minutes(w["start"]), _minutes(w["end"])) for w in windows if day in w["days"])
        end_so_far = 0
        for start, end in spans:
            start = max(start, end_so_far)
            if end > start:
                total += end - start
                end_so_far = end
    return total


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _check_contact_time(arr: Arrangement, minimum: int) -> list[Problem]:
    """An open channel must be open for real: a token window does not keep contact open (R12, R15)."""
    best = max(weekly_open_minutes(arr.time_windows, c) for c in arr.allowed_channels)
    if best >= minimum:
        return []
    return [
        Problem(
            "time_windows",
            "too_little_contact_time",
            f"the time windows leave at most {best} minutes a week on any open channel; at least "
            f"{minimum} minutes a week must stay open (CONTACTGUARD_MIN_WEEKLY_CONTACT_MINUTES)",
            "R12",
        )
    ]


def _check_adjustments(arr: Arrangement, checks: Checks | None) -> list[Problem]:
    """Article 6119: a customer unable to read or write keeps a named officer as sole telephone contact."""
    if not (checks and checks.adjustments_needed):
        return []
    problems = []
    if arr.spoc_kind == SpocKind.SHARED_INBOX:
        problems.append(
            Problem(
                "spoc_kind",
                "named_officer_required",
                "reasonable adjustments are recorded: the arrangement must name a sole officer "
                "(or the customer's social or care worker), not a shared inbox",
                "G4",
            )
        )
    if Adjustment.CANNOT_READ_OR_WRITE in checks.adjustments and Channel.TELEPHONE not in arr.allowed_channels:
        problems.append(
            Problem(
                "allowed_channels",
                "telephone_required",
                "the customer cannot read or write: keep telephone open to the named sole point of "
                "contact, or they may be denied legitimate access to the service",
                "G4",
            )
        )
    return problems


def activation_problems(facts: ActivationFacts) -> list[Problem]:
    """Every reason the restriction may not come into force yet; empty means it may."""
    arrangement_problems = check_arrangement(facts.arrangement, facts.checks, facts.min_weekly_contact_minutes)
    if facts.today is not None and not any(p.field == "review_due" for p in arrangement_problems):
        arrangement_problems += review_date_problems(facts.arrangement.review_due, today=facts.today)
    return check_senior(facts.actor_role) + check_path(facts) + check_prerequisites(facts) + arrangement_problems
