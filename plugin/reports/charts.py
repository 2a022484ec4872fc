"""SVG charts of a report, drawn on the server with pygal, so they work without JavaScript and in a PDF.

A chart never stands alone (the GOV.UK pattern): the SVG carries a <title> and a <desc> that gives every
figure in words, and `render.to_html` puts the data table beside it. pygal's tooltip script is removed,
so the SVG is static: safe to inline in a page or a PDF, and the same on every screen reader.
"""

from __future__ import annotations

import sys
from xml.etree import ElementTree as ET

import pygal
from pygal.style import Style

from ..services.reports import Report

# pygal appends a legacy import hook (for its map plugins, unused here) that has no find_spec: every
# later failed import, even an optional one inside another library, then raises ImportWarning.
sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, pygal.PluginImportFixer)]

SVG_NS = "http://www.w3.org/2000/svg"

# GOV.UK Design System colours: blue, red, green, orange, purple, dark grey; white behind for print.
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#0b0c0c",
    foreground_strong="#0b0c0c",
    foreground_subtle="#b1b4b6",
    font_family="Arial, Helvetica, sans-serif",
    opacity="1",
    colors=("#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#505a5f"),
)
KINDS = {"bar": pygal.Bar, "line": pygal.Line}


def chart_svg(report: Report) -> str:
    """The report's chart as a standalone SVG document (no XML declaration, so it can be inlined)."""
    chart = KINDS[report.chart](
        js=[],
        style=STYLE,
        width=800,
        height=420,
        title=report.title,
        legend_at_bottom=True,
        show_legend=len(report.chart_series) > 1,
        truncate_legend=-1,
        x_label_rotation=45 if len(report.rows) > 6 else 0,
        no_data_text="No data",
        disable_xml_declaration=True,
    )
    chart.x_labels = [str(row[0]) for row in report.rows]
    labels = {c.key: c.label for c in report.columns}
    keys = [c.key for c in report.columns]
    series = {key: [row[keys.index(key)] for row in report.rows] for key in report.chart_series}
    for key, counts in series.items():
        chart.add(labels[key], counts)
    chart.y_labels = _whole_number_ticks(max((max(c, default=0) for c in series.values()), default=0))
    return _accessible(chart.render(is_unicode=True), report)


def _whole_number_ticks(highest: int) -> list[int]:
    """Counts are whole numbers: ticks 0..highest in whole steps, about eight of them."""
    step = max(1, -(-highest // 8))
    return list(range(0, max(highest, 1) + step, step))


def describe(report: Report) -> str:
    """The chart in words, with every figure it draws: its <desc>."""
    labels = {c.key: c.label for c in report.columns}
    keys = [c.key for c in report.columns]
    figures = "; ".join(
        f"{row[0]}: " + ", ".join(f"{labels[key]} {row[keys.index(key)]}" for key in report.chart_series)
        for row in report.rows
    )
    kind = "Line chart" if report.chart == "line" else "Bar chart"
    return f"{kind}. {report.description}, {report.start.isoformat()} to {report.end.isoformat()}. {figures}."


def _accessible(svg: str, report: Report) -> str:
    """Put <title> and <desc> first, label the image by them, and drop pygal's script."""
    root = ET.fromstring(svg)
    _plain_svg_names(root)
    for parent in list(root.iter()):
        for child in [c for c in parent if c.tag == "script"]:
            parent.remove(child)
    for old in root.findall("title") + root.findall("desc"):
        root.remove(old)
    chart_id = root.get("id") or f"chart-{report.id}"
    title = ET.Element("title", id=f"{chart_id}-title")
    title.text = report.title
    desc = ET.Element("desc", id=f"{chart_id}-desc")
    desc.text = describe(report)
    root.insert(0, desc)
    root.insert(0, title)
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
    return ET.tostring(root, encoding="unicode")


def _plain_svg_names(root: ET.Element) -> None:
    """Write SVG as the default namespace, whatever prefixes other libraries registered with ElementTree."""
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]
    root.set("xmlns", SVG_NS)
