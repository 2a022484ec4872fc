"""The policy's vocabulary: roles, paths, channels and categories, as stable codes."""

from __future__ import annotations

import enum


class Role(str, enum.Enum):
    """Staff roles. Policy decisions belong to senior officers; admins configure the system."""

    AGENT = "agent"
    OFFICER = "officer"
    SENIOR = "senior"
    ADMIN = "admin"


class Path(str, enum.Enum):
    """How a restriction came about (Glasgow article 6119)."""

    AFTER_WARNING = "after_warning"
    WITHOUT_WARNING = "without_warning"  # "particularly vexatious or unreasonable"
    SERIOUS_THREAT = "serious_threat"  # "a warning letter is not necessary"
    INTERIM = "interim"  # immediate action by the staff member at the time


class Channel(str, enum.Enum):
    """Ways a customer contacts the council (R11)."""

    EMAIL = "email"
    TELEPHONE = "telephone"
    LETTER = "letter"
    IN_PERSON = "in_person"
    WEB_FORM = "web_form"
    CHAT = "chat"
    SMS = "sms"
    SOCIAL_MEDIA = "social_media"


class SpocKind(str, enum.Enum):
    """Who the sole point of contact is (R13, R14)."""

    OFFICER = "officer"  # a named officer, covered by a deputy
    SHARED_INBOX = "shared_inbox"  # a generic mailbox (LGSCO)
    EXTERNAL_WORKER = "external_worker"  # the customer's social or care worker
    REPRESENTATIVE = "representative"  # an advocate or other representative, with consent


class IncidentCategory(str, enum.Enum):
    """What happened (R55: HSE's definition covers verbal and written abuse and threats)."""

    VERBAL_ABUSE = "verbal_abuse"
    WRITTEN_ABUSE = "written_abuse"
    THREAT = "threat"
    PHYSICAL_VIOLENCE = "physical_violence"
    UNREASONABLE_PERSISTENCE = "unreasonable_persistence"
    VEXATIOUS = "vexatious"


VIOLENT_CATEGORIES = frozenset({IncidentCategory.THREAT, IncidentCategory.PHYSICAL_VIOLENCE})


class Tristate(str, enum.Enum):
    """An answer to a pre-restriction check; 'unknown' is an answer (we tried and could not tell)."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class Adjustment(str, enum.Enum):
    """Reasonable adjustments (R56-R58, Equality Act 2010 s.20)."""

    CANNOT_READ_OR_WRITE = "cannot_read_or_write"
    LARGE_PRINT = "large_print"
    EASY_READ = "easy_read"
    INTERPRETER = "interpreter"
    ADVOCATE = "advocate"
    MORE_TIME = "more_time"
    TELEPHONE_INSTEAD_OF_WRITING = "telephone_instead_of_writing"
    OTHER = "other"


class LetterKind(str, enum.Enum):
    """Letters the policy requires (R30-R34, R45)."""

    WARNING = "warning"
    RESTRICTION = "restriction"
    INTERIM_CONFIRMATION = "interim_confirmation"
    AMENDMENT = "amendment"
    APPEAL_OUTCOME = "appeal_outcome"
    REVIEW_OUTCOME = "review_outcome"
    LIFTING = "lifting"


def values(enum_cls) -> list[str]:
    """The codes of an enum, for schemas and help text."""
    return [member.value for member in enum_cls]
