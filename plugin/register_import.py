"""Loading an existing register from CSV (councils keep these in spreadsheets).

All rows or none: each row runs in a savepoint through the service layer, errors are collected
per row and column, and the whole import is rolled back if any row failed, unless the caller
asked to skip bad rows. Nothing here prints; the CLI reports.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .services import Context, ServiceError
from .services import register as reg
from .services import restrictions as rs

REQUIRED = ("name",)
COLUMNS = (
    "reference", "name", "emails", "phones",
    "spoc_officer", "spoc_inbox", "deputy", "channels", "starts_on", "review_due", "ends_on",
    "why_necessary", "path", "scope", "social_work_known", "adjustments_needed", "adjustments", "other_services",
)
RESTRICTION_COLUMNS = ("spoc_officer", "spoc_inbox", "channels")


@dataclass
class RowError:
    """One problem on one row: the spreadsheet row number (header is row 1), the column, the message."""

    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What an import did."""

    imported: int = 0
    restrictions: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})


class HeaderError(ValueError):
    """The file's header is missing a required column or names an unknown one."""


def read_rows(raw: bytes) -> list[dict]:
    """Decode (UTF-8, with or without Excel's BOM) and parse; check the header."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HeaderError(f"the file is not UTF-8 (save it from the spreadsheet as 'CSV UTF-8'): {exc}") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise HeaderError(f"missing required column: {', '.join(missing)}")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise HeaderError(f"unknown column: {', '.join(unknown)} (known: {', '.join(COLUMNS)})")
    reader.fieldnames = header
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def parse_date(value: str) -> str | None:
    """ISO (2026-03-02) or UK style (02/03/2026) to ISO; empty to None."""
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"):
        try:
            return dt.datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"not a date: {value!r} (use 2026-03-02 or 02/03/2026)")


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _customer_data(row: dict) -> dict:
    identities = [{"kind": "email", "value": e} for e in _split(row.get("emails", ""))]
    identities += [{"kind": "phone", "value": p} for p in _split(row.get("phones", ""))]
    return {"reference": row.get("reference") or None, "name": row.get("name", ""), "identities": identities}


def _restriction_data(row: dict, reference: str) -> tuple[dict, dict]:
    data = {"customer": reference, "path": row.get("path") or "after_warning",
            "why_necessary": row.get("why_necessary") or None,
            "allowed_channels": _split(row.get("channels", "").lower())}
    for column, key in (("spoc_officer", "spoc_officer"), ("spoc_inbox", "spoc_inbox"), ("deputy", "deputy_officer"),
                        ("scope", "scope")):
        if row.get(column):
            data[key] = row[column]
    for column in ("starts_on", "review_due", "ends_on"):
        data[column] = parse_date(row.get(column, ""))
    adjustments = _split(row.get("adjustments", "").lower())
    checks = {"social_work_known": (row.get("social_work_known") or "").lower() or None,
              "adjustments_needed": _yes_no(row.get("adjustments_needed", ""), bool(adjustments)),
              "adjustments": adjustments, "other_services": row.get("other_services") or None}
    return data, {k: v for k, v in checks.items() if v is not None}


def _yes_no(value: str, default: bool) -> bool:
    value = value.strip().lower()
    if not value:
        return default
    if value in ("yes", "y", "true", "1"):
        return True
    if value in ("no", "n", "false", "0"):
        return False
    raise ValueError(f"adjustments_needed: use yes or no, not {value!r}")


def _errors_of(row_number: int, exc: Exception) -> list[RowError]:
    if isinstance(exc, ServiceError) and len(exc.errors) == 1:
        return [RowError(row_number, str(next(iter(exc.errors))), exc.message)]
    if isinstance(exc, ServiceError) and exc.errors:
        return [RowError(row_number, str(column), _flat(messages)) for column, messages in exc.errors.items()]
    message = exc.message if isinstance(exc, ServiceError) else str(exc)
    return [RowError(row_number, "", message)]


def _flat(messages) -> str:
    if isinstance(messages, dict):
        return "; ".join(f"{k}: {_flat(v)}" for k, v in messages.items())
    if isinstance(messages, list):
        return "; ".join(_flat(m) for m in messages)
    return str(messages)


def import_rows(ctx: Context, rows: Iterable[dict], progress: Callable[[], None] = lambda: None) -> ImportReport:
    """Import every row in its own savepoint; the caller commits or rolls back the whole."""
    report = ImportReport()
    for index, row in enumerate(rows, start=2):
        try:
            with ctx.session.begin_nested():
                customer = reg.add_customer(ctx, _customer_data(row))
                if any(row.get(c) for c in RESTRICTION_COLUMNS):
                    data, checks = _restriction_data(row, customer.reference)
                    rs.import_active(ctx, data, checks)
                    report.restrictions += 1
            report.imported += 1
        except (ServiceError, ValueError) as exc:
            report.errors.extend(_errors_of(index, exc))
        progress()
    return report
