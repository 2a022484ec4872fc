"""Loading an existing register from CSV (councils keep these in spreadsheets).

Each row runs in its own savepoint through the service layer (register.add_customer, then
restrictions.import_active), so one bad row never poisons the others. Every problem is collected
as (row, column, message); the caller commits the whole or rolls it back. Nothing here prints.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy.exc import DataError, IntegrityError

from .policy.vocabulary import Adjustment, Channel, Path, Tristate, values
from .services import Context, ServiceError
from .services import register as reg
from .services import restrictions as rs
from .services.errors import Conflict, NotFound

# The columns, in the order a sample file shows them, with what each holds (used by --help too).
COLUMNS = {
    "reference": "the council's customer reference (required; never duplicated)",
    "name": "the customer's name (required)",
    "emails": "e-mail addresses, separated by ';'",
    "phones": "phone numbers, separated by ';' (UK numbers as dialled)",
    "spoc_officer": "e-mail of the officer who is the sole point of contact",
    "spoc_inbox": "or a shared inbox as the sole point of contact",
    "deputy": "the deputy's e-mail (default: the officer's own deputy)",
    "channels": "channels left open, separated by ';': email, telephone, letter,\n"
    "in_person, web_form, chat, sms, social_media",
    "starts_on": "date the restriction started (default: today)",
    "review_due": "review date (default: the start + REVIEW_MONTHS, 6 months)",
    "ends_on": "end date, if any (must not have passed)",
    "why_necessary": "why the restriction is necessary (at least 20 characters)",
    "path": "after_warning (default), without_warning or serious_threat",
    "scope": "service slug the restriction covers; empty means council-wide",
    "social_work_known": "known to Social Work Services: yes, no or unknown",
    "adjustments_needed": "reasonable adjustments needed: yes or no",
    "adjustments": "which, separated by ';', e.g. cannot_read_or_write; large_print",
    "other_services": "other services involved, or 'none'",
}
REQUIRED = ("reference", "name")
CUSTOMER_COLUMNS = ("reference", "name", "emails", "phones")
ALIASES = {
    "customer_reference": "reference",
    "ref": "reference",
    "customer_name": "name",
    "email": "emails",
    "phone": "phones",
    "sole_point_of_contact": "spoc_officer",
    "shared_inbox": "spoc_inbox",
    "start_date": "starts_on",
    "review_date": "review_due",
    "end_date": "ends_on",
    "service": "scope",
}
PATHS = [Path.AFTER_WARNING.value, Path.WITHOUT_WARNING.value, Path.SERIOUS_THREAT.value]
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
# Where a service-layer field is shown in the file.
FIELD_COLUMNS = {
    "customer": "reference",
    "allowed_channels": "channels",
    "deputy_officer": "deputy",
    "path_justification": "path",
    "spoc_kind": "spoc_officer",
    "spoc": "spoc_officer",
    "social_work_checked_on": "social_work_known",
    "actor": "",
}

MESSAGES = {"Missing data for required field.": "required for a restriction in force"}


class HeaderError(ValueError):
    """The file cannot be read, or its header lacks a required column or names an unknown one."""


@dataclass
class RowError:
    """One problem: spreadsheet row number (the header is row 1), the row's reference, column, message."""

    row: int
    reference: str
    column: str
    message: str


@dataclass
class ImportReport:
    """What an import found and did (before the caller commits or rolls back)."""

    rows: int = 0
    imported: int = 0
    restrictions: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def bad_rows(self) -> int:
        """How many rows had at least one error."""
        return len({e.row for e in self.errors})


def header_name(raw: str) -> str:
    """'Review date' and 'review-due' both name a column: case, spaces and aliases don't matter."""
    name = re.sub(r"[\s\-]+", "_", raw.strip().lower())
    return ALIASES.get(name, name)


def read_rows(raw: bytes) -> list[tuple[int, dict]]:
    """Decode UTF-8 (with or without Excel's BOM), check the header; (row number, cells) per data row."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HeaderError(f"the file is not UTF-8 (save it from the spreadsheet as 'CSV UTF-8'): {exc}") from None
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not records or not any(cell.strip() for cell in records[0]):
        raise HeaderError("the file is empty: the first row must name the columns")
    header = _check_header(records[0])
    rows = []
    for number, cells in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # spreadsheets often end with blank rows
        row: dict[str | None, str] = {
            name: (cells[i] if i < len(cells) else "").strip() for i, name in enumerate(header)
        }
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            row[None] = "more cells than the header has columns"
        rows.append((number, row))
    return rows


def _check_header(cells: list[str]) -> list[str]:
    header = [header_name(c) for c in cells]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise HeaderError(f"missing required column: {', '.join(missing)}")
    unknown = [raw.strip() for raw, name in zip(cells, header, strict=True) if name not in COLUMNS]
    if unknown:
        raise HeaderError(f"unknown column: {', '.join(unknown)} (known: {', '.join(COLUMNS)})")
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        raise HeaderError(f"column given twice: {', '.join(twice)}")
    return header


def parse_date(value: str) -> str | None:
    """ISO (2026-03-02) or UK style (02/03/2026) to ISO; empty to None."""
    if not value:
        return None
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"not a date: {value!r} (use 2026-03-02 or 02/03/2026)")


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def _code(value: str) -> str:
    """'In person' -> 'in_person', as the vocabulary spells it."""
    return re.sub(r"[\s\-]+", "_", value.strip().lower())


def _yes_no(value: str, default: bool) -> bool:
    if not value:
        return default
    answer = value.strip().lower()
    if answer in ("yes", "y", "true"):
        return True
    if answer in ("no", "n", "false"):
        return False
    raise ValueError(f"use yes or no, not {value!r}")


def _has_restriction(row: dict) -> bool:
    return any(row.get(c) for c in COLUMNS if c not in CUSTOMER_COLUMNS)


def _restriction_data(row: dict, problems: list) -> tuple[dict, dict]:
    """The proposal and the checks for the service layer; cell-level problems go to `problems`."""
    data = {
        "customer": row.get("reference"),
        "path": _choice(problems, row, "path", PATHS) or "after_warning",
        "why_necessary": row.get("why_necessary") or None,
        "allowed_channels": _choices(problems, row, "channels", values(Channel)),
    }
    for column, key in (
        ("spoc_officer", "spoc_officer"),
        ("spoc_inbox", "spoc_inbox"),
        ("deputy", "deputy_officer"),
        ("scope", "scope"),
    ):
        if row.get(column):
            data[key] = row[column]
    for column in ("starts_on", "review_due", "ends_on"):
        data[column] = _cell(problems, column, parse_date, row.get(column, ""))
    adjustments = _choices(problems, row, "adjustments", values(Adjustment))
    needed = _cell(problems, "adjustments_needed", _yes_no, row.get("adjustments_needed", ""), bool(adjustments))
    checks = {
        "social_work_known": _choice(problems, row, "social_work_known", values(Tristate)),
        "adjustments_needed": needed,
        "adjustments": adjustments,
        "other_services": row.get("other_services") or None,
    }
    return data, {k: v for k, v in checks.items() if v is not None}


def _choices(problems: list, row: dict, column: str, allowed: list[str]) -> list[str]:
    """A ';'-separated cell of codes; 'In person' reads as in_person, an unknown one is named."""
    codes = [_code(part) for part in _split(row.get(column, ""))]
    for code in codes:
        if code not in allowed:
            problems.append((column, f"unknown: {code!r} (use {', '.join(allowed)})"))
    return [code for code in codes if code in allowed]


def _choice(problems: list, row: dict, column: str, allowed: list[str]) -> str | None:
    chosen = _choices(problems, row, column, allowed)
    return chosen[0] if chosen else None


def _cell(problems: list, column: str, parse, *args):
    try:
        return parse(*args)
    except ValueError as exc:
        problems.append((column, str(exc)))
        return None


def import_rows(
    ctx: Context, rows: Iterable[tuple[int, dict]], progress: Callable[[], object] = lambda: None
) -> ImportReport:
    """Import each row in its own savepoint and report every problem; the caller commits or rolls back."""
    report = ImportReport()
    for number, row in rows:
        report.rows += 1
        problems = _import_row(ctx, row)
        if problems is None:
            report.imported += 1
            report.restrictions += _has_restriction(row)
        else:
            report.errors += [RowError(number, row.get("reference", ""), col, msg) for col, msg in problems]
        progress()
    return report


class _RowRejected(Exception):
    """Raised inside a row's savepoint to roll the row back, carrying its problems."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(problems)
        self.problems = problems


def _import_row(ctx: Context, row: dict) -> list[tuple[str, str]] | None:
    """None when the row went in; otherwise all its problems as (column, message)."""
    problems = [("", row[None])] if None in row else []
    missing = [(c, "required") for c in REQUIRED if not row.get(c)]
    if missing:
        return problems + missing
    data = checks = None
    if _has_restriction(row):
        data, checks = _restriction_data(row, problems)
    try:
        with ctx.session.begin_nested():
            named = {column for column, _ in problems}
            problems += [p for p in _write_row(ctx, row, data, checks) if p[0] not in named]
            if problems:
                raise _RowRejected(problems)
    except _RowRejected as exc:
        return exc.problems
    except ServiceError as exc:
        return problems + _service_problems(exc, row)
    except (IntegrityError, DataError) as exc:
        return problems + [("", f"the database refused the row: {str(exc.orig).splitlines()[0]}")]
    return None


def _write_row(ctx: Context, row: dict, data: dict | None, checks: dict | None) -> list[tuple[str, str]]:
    """The customer, then each identity and the restriction in savepoints of their own, to report them all."""
    customer = reg.add_customer(ctx, {"reference": row["reference"], "name": row["name"]})
    problems = []
    for column, kind in (("emails", "email"), ("phones", "phone")):
        for value in _split(row.get(column, "")):
            problems += _attempt(
                ctx, row, column, reg.add_identity, ctx, customer.reference, {"kind": kind, "value": value}
            )
    if data is not None:
        problems += _attempt(ctx, row, None, rs.import_active, ctx, data, checks)
    return problems


def _attempt(ctx: Context, row: dict, column: str | None, step, *args) -> list[tuple[str, str]]:
    try:
        with ctx.session.begin_nested():
            step(*args)
    except ServiceError as exc:
        return _service_problems(exc, row, column)
    return []


def _service_problems(exc: ServiceError, row: dict, column: str | None = None) -> list[tuple[str, str]]:
    """The service layer's field-keyed errors, named by the file's columns."""
    pairs = [(path, MESSAGES.get(message, message)) for path, message in _flatten(exc.errors)]
    if not pairs or isinstance(exc, (Conflict, NotFound)):
        return [(column or _column(pairs[0][0] if pairs else "", row), exc.message)]
    return [(column or _column(path, row), message) for path, message in pairs]


def _flatten(errors, prefix: str = ""):
    if isinstance(errors, dict):
        for key, value in errors.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(errors, (list, tuple)):
        for value in errors:
            yield from _flatten(value, prefix)
    else:
        yield prefix, str(errors)


def _column(path: str, row: dict) -> str:
    parts = path.split(".")
    if parts[0] == "checks" and len(parts) > 1:
        parts = parts[1:]
    name = FIELD_COLUMNS.get(parts[0], parts[0])
    if name == "spoc_officer" and row.get("spoc_inbox") and not row.get("spoc_officer"):
        return "spoc_inbox"
    return name if name in COLUMNS or not name else path
