"""What a report looks like as CSV, SVG, HTML, JSON and text, and that none of them names a customer."""

import csv
import io
import json
from xml.etree import ElementTree as ET  # parses our own output: a parse error means malformed SVG

import pytest

from plugin.reports import FORMATS, render_report
from plugin.services import reports
from tests.reports.conftest import CUSTOMERS, DESCRIPTION

SVG = "{http://www.w3.org/2000/svg}"


def _render(cast, report_id, fmt, start=None, end=None):
    with cast.act("senior") as ctx:
        return render_report(ctx, report_id, fmt, start, end)


def _bars(svg: str) -> list:
    root = ET.fromstring(svg)
    return [e for e in root.iter(f"{SVG}rect") if "rect" in (e.get("class") or "").split()]


def test_csv_has_a_header_row_and_one_row_a_month(history, cast, today):
    rows = list(csv.reader(io.StringIO(_render(cast, "warnings", "csv"))))
    assert rows[0] == ["month", "issued", "followed_by_restriction", "no_restriction", "in_follow_up", "withdrawn"]
    assert len(rows) == 13
    assert rows[3] == ["2026-03", "4", "2", "2", "0", "0"]


def test_csv_of_restrictions_by_type(history, cast, today):
    assert _render(cast, "restrictions-by-type", "csv") == (
        "type,in_force\nafter_warning,2\nwithout_warning,1\nserious_threat,1\ninterim,1\n"
    )


def test_bar_chart_is_well_formed_svg_with_a_bar_per_month_and_series(history, cast, today):
    svg = _render(cast, "warnings", "svg")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title, desc = list(root)[:2]
    assert (title.tag, title.text) == (f"{SVG}title", "Warnings and what followed")
    assert desc.tag == f"{SVG}desc" and "2026-03: Warnings issued 4, Followed by a restriction 2" in desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert len(_bars(svg)) == 12 * 2, "12 months, issued and followed"
    assert not list(root.iter(f"{SVG}script")), "static: no script in a PDF or a page"


def test_line_chart_has_a_point_per_month_and_series(history, cast, today):
    svg = _render(cast, "contacts", "svg")
    root = ET.fromstring(svg)
    dots = [e for e in root.iter(f"{SVG}circle") if "dot" in (e.get("class") or "").split()]
    assert len(dots) == 12 * 2, "12 months, disregarded and escalated"
    assert root.find(f"{SVG}title").text == "Disregarded and escalated contacts"


def test_restrictions_by_age_is_a_bar_per_band(history, cast, today):
    svg = _render(cast, "restrictions-by-age", "svg")
    assert len(_bars(svg)) == 4
    assert "over 12 months: In force 1" in ET.fromstring(svg).find(f"{SVG}desc").text


def test_html_puts_the_data_table_beside_the_chart(history, cast, today):
    html = _render(cast, "reviews", "html")
    assert html.index("<svg") < html.index("<table")
    assert '<caption class="govuk-table__caption">Reviews held on time, 2026-01-01 to 2026-12-15</caption>' in html
    assert '<th scope="row" class="govuk-table__header">2026-10</th>' in html
    assert "<dt>Reviews overdue today</dt><dd>1</dd>" in html


def test_json_and_text_carry_the_same_figures(history, cast, today):
    data = json.loads(_render(cast, "appeals", "json"))
    assert (data["id"], data["from"], data["to"]) == ("appeals", "2026-01-01", "2026-12-15")
    assert data["rows"][2] == ["2026-03", 1, 1, 0, 0, 0]
    text = _render(cast, "appeals", "text")
    assert "Appeals lodged: 2" in text and "Upheld (of those decided): 100%" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_output_names_a_customer_or_says_what_happened(fmt, history, cast, today):
    """Counts only: no name, reference, e-mail address or incident text, in any report or format."""
    secrets = [
        text
        for reference, name in CUSTOMERS.values()
        for text in (reference, name, name.split()[0], f"{reference.lower()}@example.com")
    ]
    secrets += [
        "Jane Customer",
        "jane.customer@example.com",
        DESCRIPTION,
        "Behaviour unchanged",
        "This is unfair",
        "Forty calls a day",
        "outside the arrangement",
    ]
    for report_id in reports.REPORTS:
        output = _render(cast, report_id, fmt).lower()
        leaked = [s for s in secrets if s.lower() in output]
        assert not leaked, f"{report_id} as {fmt} shows {leaked}"


def test_the_chart_and_its_table_print_in_a_pdf(history, cast, today):
    """Drawn on the server: WeasyPrint lays out the SVG as a picture (its axis labels), then the table."""
    from pypdf import PdfReader
    from weasyprint import HTML

    html = _render(cast, "warnings", "html", "2026-01-01", "2026-03-31")
    pdf = PdfReader(io.BytesIO(HTML(string=f"<html><body>{html}</body></html>").write_pdf()))
    text = pdf.pages[0].extract_text()
    assert len(pdf.pages) == 1, "the SVG is drawn, not spilled out as text"
    assert "Warnings and what followed" in text and "2026-03 4 2 2 0 0" in text
    assert "font-family" not in text, "the chart's stylesheet is not printed"


def test_importing_the_charts_leaves_failed_imports_plain():
    """pygal's legacy import hook would turn any later failed import into an ImportWarning (an error here)."""
    import importlib

    import plugin.reports.charts  # noqa: F401

    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("contactguard_no_such_module")
