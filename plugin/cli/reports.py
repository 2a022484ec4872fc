"""`contactguard reports list|show`: the policy's management reports, counts only (senior officers and admins).

`show` builds the report through the service layer, which checks the acting officer's role and audits
the reading (`report.viewed`); this module only chooses the format and where the output goes.
"""

from __future__ import annotations

import click

from ..reports import FORMATS, render_report
from ..services import reports as service
from .base import cli, emit, unit_of_work

DATE = click.DateTime(formats=["%Y-%m-%d"])


@cli.group()
def reports() -> None:
    """Management reports: warnings, restrictions in force, reviews, appeals, disregarded contacts."""


@reports.command("list")
@click.pass_obj
def reports_list(state) -> None:
    """The reports there are, with what each one counts."""
    items = service.catalogue()
    width = max(len(item["id"]) for item in items)
    text = "\n".join(f"{item['id'].ljust(width)}  {item['title']}: {item['description']}" for item in items)
    emit(state, (text, items))


@reports.command("show")
@click.argument("report_id", metavar="REPORT_ID")
@click.option(
    "--from",
    "start",
    type=DATE,
    metavar="DATE",
    help="First day (YYYY-MM-DD); default: the 1st of the month 11 months before --to's.",
)
@click.option("--to", "end", type=DATE, metavar="DATE", help="Last day (YYYY-MM-DD); default: today.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for a terminal, csv for a spreadsheet, svg for the chart, json for scripts, "
    "html for the chart with its table.",
)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write to this file instead.")
@unit_of_work()
def reports_show(state, ctx, report_id, start, end, fmt, out):
    """Show one report (see `reports list`) for a date range, by calendar month."""
    fmt = "json" if state.as_json and fmt == "text" else fmt
    content = render_report(ctx, report_id, fmt, start and start.date(), end and end.date())
    if out is None:
        click.echo(content, nl=not content.endswith("\n"))
        return None
    try:
        with open(out, "w", encoding="utf-8", newline="") as fh:
            fh.write(content)
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror}") from None
    return f"report {report_id} written to {out} ({fmt})", {"report": report_id, "format": fmt, "file": out}
