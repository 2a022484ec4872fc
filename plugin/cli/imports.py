"""`contactguard import`: load an existing register from a CSV file."""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import click
from tqdm import tqdm

from .. import register_import as ri
from ..services.lookup import require_senior
from ..services import Context, ServiceError
from .base import cli, emit, fail


@cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--skip-bad-rows", is_flag=True, help="Import the good rows and report the bad ones.")
@click.option("--dry-run", is_flag=True, help="Check every row and report, but import nothing.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False), help="Write the errors to this CSV.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_obj
def import_register(state, csv_file, skip_bad_rows, dry_run, report_file, quiet):
    """Load customers and restrictions in force from CSV_FILE (columns: docs/import.md).

    Run it as the senior officer who vouches for the imported decisions: --as EMAIL. A file with
    errors imports nothing unless --skip-bad-rows is given.
    """
    try:
        rows = ri.read_rows(Path(csv_file).read_bytes())
    except ri.HeaderError as exc:
        raise click.ClickException(f"{csv_file}: {exc}") from None
    try:
        with state.sessions() as session:
            session.begin()
            ctx = Context(session, state.actor(session, required=True), state.settings)
            require_senior(ctx, "import a register")
            with tqdm(total=len(rows), unit="row", file=sys.stderr, disable=quiet or not sys.stderr.isatty()) as bar:
                report = ri.import_rows(ctx, rows, progress=bar.update)
            keep = not dry_run and (skip_bad_rows or not report.errors)
            if keep:
                session.commit()
            else:
                session.rollback()
    except ServiceError as exc:
        fail(state, exc)
        return
    _write_report(report_file, report)
    _summarise(state, report, keep, dry_run)
    if report.errors and not (skip_bad_rows and keep):
        sys.exit(2)


def _write_report(path, report) -> None:
    if not path:
        return
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["row", "column", "message"])
        writer.writerows((e.row, e.column, e.message) for e in report.errors)


def _summarise(state, report, kept: bool, dry_run: bool) -> None:
    errors = [{"row": e.row, "column": e.column, "message": e.message} for e in report.errors]
    if kept:
        head = f"imported {report.imported} customers ({report.restrictions} restrictions in force)"
        if report.errors:
            head += f"; skipped {report.bad_rows} bad rows"
    elif dry_run:
        head = f"dry run: {report.imported} rows would import; {report.bad_rows} rows have errors"
    else:
        head = f"nothing imported: {report.bad_rows} rows have errors (fix them, or use --skip-bad-rows)"
    lines = [head] + [f"  row {e.row}{' ' + e.column if e.column else ''}: {e.message}" for e in report.errors]
    emit(state, ("\n".join(lines), {"imported": report.imported if kept else 0, "restrictions": report.restrictions
                                    if kept else 0, "skipped": report.bad_rows, "dry_run": dry_run,
                                    "errors": errors}))
