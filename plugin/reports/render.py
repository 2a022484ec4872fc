"""A report as text, CSV, JSON, SVG or HTML: what the CLI prints and what a web page or PDF embeds.

Every format carries counts only: months, categories and numbers, never a name, a reference or any
content, because the service layer (plugin/services/reports.py) never reads them. `render_report` is
the one entry point: it builds the report through the service (role check and audit included).
"""

from __future__ import annotations

import io
import json

from defusedcsv import csv  # type: ignore[import-untyped]  # no stubs; cells a spreadsheet would run as formulas are written as text
from markupsafe import Markup, escape

from ..services import reports
from ..services.context import Context
from ..services.errors import InvalidInput
from ..services.reports import Report
from .charts import chart_svg

FORMATS = ("text", "csv", "json", "svg", "html")


def render_report(ctx: Context, report_id: str, fmt: str, start=None, end=None) -> str:
    """Build report `report_id` for `start`..`end` (default: the last 12 months) and render it as `fmt`."""
    if fmt not in RENDERERS:
        raise InvalidInput(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}", errors={"format": ["unknown"]})
    return RENDERERS[fmt](reports.run(ctx, report_id, start, end, fmt))


def to_csv(report: Report) -> str:
    """A header row of column keys, then one row per month or category."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.key for c in report.columns])
    writer.writerows(report.rows)
    return out.getvalue()


def to_json(report: Report) -> str:
    """The report as JSON data (see `Report.as_dict`)."""
    return json.dumps(report.as_dict(), indent=2)


def to_text(report: Report) -> str:
    """A plain table for a terminal, with the headline figures under it."""
    table = [[c.label for c in report.columns]] + [[str(v) for v in row] for row in report.rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(report.columns))]
    lines = [report.title, f"{report.description}.", f"From {report.start.isoformat()} to {report.end.isoformat()}", ""]
    for row in table:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    lines.append("")
    lines += [f"{label}: {value}" for label, value in report.summary]
    return "\n".join(lines) + "\n"


def to_html(report: Report) -> str:
    """The chart with its data table and headline figures beside it: a chart never stands alone."""
    head = "".join(f'<th scope="col" class="govuk-table__header">{escape(c.label)}</th>' for c in report.columns)
    body = "".join(
        '<tr class="govuk-table__row">'
        + f'<th scope="row" class="govuk-table__header">{escape(row[0])}</th>'
        + "".join(f'<td class="govuk-table__cell govuk-table__cell--numeric">{escape(v)}</td>' for v in row[1:])
        + "</tr>"
        for row in report.rows
    )
    summary = "".join(f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>" for label, value in report.summary)
    period = f"{report.start.isoformat()} to {report.end.isoformat()}"
    return str(
        Markup(
            '<section class="cg-report" id="report-{id}">'
            '<figure class="cg-report__chart">{svg}<figcaption>{title}: {description}, {period}. '
            'The table below gives the figures.</figcaption></figure>'
            '<table class="govuk-table"><caption class="govuk-table__caption">{title}, {period}</caption>'
            '<thead class="govuk-table__head"><tr class="govuk-table__row">{head}</tr></thead>'
            '<tbody class="govuk-table__body">{body}</tbody></table>'
            '<dl class="cg-report__summary">{summary}</dl></section>'
        ).format(
            id=report.id,
            svg=Markup(chart_svg(report)),
            title=report.title,
            description=report.description,
            period=period,
            head=Markup(head),
            body=Markup(body),
            summary=Markup(summary),
        )
    )


RENDERERS = {"text": to_text, "csv": to_csv, "json": to_json, "svg": chart_svg, "html": to_html}
