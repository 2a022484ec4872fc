"""`contactguard import`: load an existing register from a CSV file, all rows or none."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from defusedcsv import csv  # type: ignore[import-untyped]  # no stubs; cells a spreadsheet would run as formulas are written as text
from tqdm import tqdm

from .. import importer
from ..services import Context, ServiceError
from ..services.errors import InvalidInput
from ..services.lookup import require_senior
from .base import State, cli, emit, fail


def _columns_help() -> str:
    """The column list for --help, from the importer's own table."""
    lines = (f"  {name:<20}{text}" for name, text in importer.COLUMNS.items())
    return "\n".join(line.replace("\n", "\n" + " " * 22) for line in lines)


HELP = (
    """Load customers, and restrictions already in force, from CSV_FILE.

Run it as the senior officer who vouches for the imported decisions (--as EMAIL). Every row is
checked by the same rules as the rest of contactguard. A file with errors imports nothing, and
each error is listed by spreadsheet row (the header is row 1) and column; --skip-bad-rows imports
the good rows instead. Running the same file again does not duplicate customers: a reference
already on the register is an error for that row ("exists already").

Save the spreadsheet as CSV UTF-8 (Excel's byte-order mark is fine). Column names ignore case and
spaces. A row with any restriction column creates a restriction in force; without them, the
customer only. Dates are 2025-03-02 or 02/03/2025. See docs/import.md.

\b
Columns:
"""
    + _columns_help()
    + """

Exit codes: 0 imported (or dry run clean), 2 errors in the file, 4 refused (not a senior officer).
"""
)


@cli.command("import", help=HELP)
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-bad-rows", is_flag=True, help="Import the good rows and report the bad ones.")
@click.option("--dry-run", is_flag=True, help="Check every row and report; change nothing.")
@click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the errors to this CSV file (row, reference, column, message).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_obj
def import_register(state: State, csv_file: Path, skip_bad_rows: bool, dry_run: bool, report_file, quiet):
    try:
        rows = importer.read_rows(csv_file.read_bytes())
    except importer.HeaderError as exc:
        fail(state, InvalidInput(f"{csv_file.name}: {exc}"))
        return
    try:
        report, kept = _run(state, rows, commit=not dry_run, skip_bad_rows=skip_bad_rows, quiet=quiet)
    except ServiceError as exc:
        fail(state, exc)
        return
    if report_file:
        _write_report(report_file, report)
    emit(state, _summary(report, kept, dry_run))
    if report.errors and not kept:
        sys.exit(2)


def _run(state: State, rows, commit: bool, skip_bad_rows: bool, quiet: bool):
    """One transaction: every row in its savepoint; commit all, the good rows, or nothing."""
    with state.sessions() as session, session.begin():
        ctx = Context(session, state.actor(session, required=True), state.settings)
        require_senior(ctx, "import a register")
        with tqdm(
            total=len(rows),
            unit="row",
            desc="importing",
            file=sys.stderr,
            leave=False,
            disable=quiet or not sys.stderr.isatty(),
        ) as bar:
            report = importer.import_rows(ctx, rows, progress=bar.update)
        kept = commit and (skip_bad_rows or not report.errors)
        if not kept:
            session.rollback()
    return report, kept


def _write_report(path: Path, report: importer.ImportReport) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["row", "reference", "column", "message"])
        writer.writerows((e.row, e.reference, e.column, e.message) for e in report.errors)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _summary(report: importer.ImportReport, kept: bool, dry_run: bool):
    good = report.imported
    what = f"{_plural(good, 'customer')} ({_plural(report.restrictions, 'restriction')} in force)"
    if dry_run:
        head = f"dry run: {what} would be imported; {_plural(report.bad_rows, 'row')} with errors; nothing changed"
    elif kept:
        head = f"imported {what}" + (f"; skipped {_plural(report.bad_rows, 'bad row')}" if report.errors else "")
    else:
        head = (
            f"nothing imported: {_plural(report.bad_rows, 'row')} of {report.rows} with errors "
            "(fix them, or use --skip-bad-rows)"
        )
    lines = [head] + [
        f"  row {e.row}{' (' + e.reference + ')' if e.reference else ''}"
        f"{', ' + e.column if e.column else ''}: {e.message}"
        for e in report.errors
    ]
    data = {
        "imported": good if kept else 0,
        "restrictions": report.restrictions if kept else 0,
        "valid_rows": good,
        "skipped": report.bad_rows,
        "dry_run": dry_run,
        "committed": kept,
        "errors": [
            {"row": e.row, "reference": e.reference, "column": e.column, "message": e.message} for e in report.errors
        ],
    }
    return "\n".join(lines), data
