"""The year's report for the council's committee, as HTML and PDF, from the product's own reports.

The six management reports (plugin/services/reports.py) are built and rendered by the product
(plugin.reports.render_report, as a senior officer, audited as any reading is); three more tables the
committee asks for (restrictions by path and length, warning effectiveness against Glasgow's reported ~50%,
appeals on time and late) are built as the same `Report` data and rendered by the same `to_html`. The page
around them is a small template here, and the PDF is WeasyPrint's, as for the letters (plugin.letters.render).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from plugin.letters.render import render_pdf
from plugin.models import Appeal, FormalWarning, Restriction
from plugin.reports import render_report
from plugin.reports.render import to_html
from plugin.services.reports import AGE_BANDS, Column, Report

from .invariants import local_date

if TYPE_CHECKING:
    from .run import Simulation

TEMPLATES = Path(__file__).resolve().parent / "templates"
PATH_LABELS = {
    "after_warning": "After a warning",
    "without_warning": "No warning: vexatious",
    "serious_threat": "Serious threat",
    "interim": "Interim, unconfirmed",
}
PRODUCT_REPORTS = (
    ("restrictions-by-type", "Restrictions in force at the year end, by type", None),
    ("restrictions-by-age", "Restrictions in force at the year end, by age", None),
    (
        "reviews",
        "Reviews held on time",
        "Every restriction is reviewed at least every six months (R42); "
        "an overdue review is escalated every day until it is held (R47).",
    ),
    ("appeals", "Appeals and their outcomes", "Appeals are heard by a senior officer who was not involved (R36)."),
    ("warnings", "Warnings and what followed", None),
    (
        "contacts",
        "Disregarded and escalated contacts",
        "Contacts outside an arrangement are read and disregarded; "
        "those that mention a risk are escalated instead (R23-R25).",
    ),
)
ORDER = (
    "paths-and-lengths",
    "restrictions-by-type",
    "restrictions-by-age",
    "reviews",
    "appeals",
    "appeal-timing",
    "warnings",
    "warning-effect",
    "contacts",
)
GLASGOW_WARNING_EFFECT = 50  # per cent of warnings that change behaviour, as Glasgow reports (policy R10)


def write_report(sim: Simulation) -> list[str]:
    """Write report.html and report.pdf to the run's output folder; their paths."""
    out = Path(sim.options.out)
    out.mkdir(parents=True, exist_ok=True)
    start = sim.options.start
    end = start + dt.timedelta(days=sim.options.days - 1)
    reader = next(s for s in sim.seniors() if s.service is None)
    with sim.act(reader) as ctx:
        product = {rid: render_report(ctx, rid, "html", start, end) for rid, _, _ in PRODUCT_REPORTS}
        ours = {
            "paths-and-lengths": to_html(paths_and_lengths(ctx, start, end)),
            "appeal-timing": to_html(appeal_timing(ctx, start, end)),
            "warning-effect": to_html(warning_effect(ctx, start, end)),
        }
    about = {rid: (heading, text) for rid, heading, text in PRODUCT_REPORTS}
    about |= {
        "paths-and-lengths": ("Restrictions by path and length", None),
        "appeal-timing": ("Appeals on time and late", None),
        "warning-effect": ("Do warnings work?", None),
    }
    sections = [
        {"heading": about[rid][0], "text": about[rid][1], "html": product.get(rid) or ours[rid]} for rid in ORDER
    ]
    figures = sim.figures()
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    html = env.get_template("report.html").render(
        title="Unacceptable actions by customers: annual report to committee",
        short_title="Unacceptable actions: annual report",
        council=sim.settings.COUNCIL_NAME,
        period=f"{start:%-d %B %Y} to {end:%-d %B %Y}",
        prepared=end.strftime("%-d %B %Y"),
        seed=sim.options.seed,
        figures=figures,
        headline=headline(figures),
        sections=sections,
    )
    (out / "report.html").write_text(html, encoding="utf-8")
    with _quiet("weasyprint"):  # each chart's SVG repeats pygal's element ids: harmless in a PDF, noisy in a log
        (out / "report.pdf").write_bytes(render_pdf(html))
    lines = [line for found in sim.invariants.violations.values() for line in found]
    (out / "violations.txt").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return [str(out / "report.html"), str(out / "report.pdf"), str(out / "violations.txt")]


@contextlib.contextmanager
def _quiet(logger: str):
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def headline(f: dict) -> list[tuple[str, str]]:
    return [
        ("Contacts received through the helpdesk", f"{f['contacts']:,}"),
        ("Contacts from customers under a restriction", f"{f['contacts_under_restriction']:,}"),
        ("Incidents recorded", f"{f['incidents']:,}"),
        ("Warnings issued", f"{f['warnings']:,}"),
        (
            "Restrictions put in place (including immediate actions)",
            f"{sum(f[f'restrictions_{p}'] for p in PATH_LABELS):,}",
        ),
        ("Restrictions in force at the year end", f"{f['in_force_at_end']:,}"),
        ("Reviews held (on time)", f"{f['reviews']:,} ({f['reviews_on_time']:,})"),
        ("Appeals received (late, accepted with a reason)", f"{f['appeals']:,} ({f['appeals_late']:,})"),
        ("Restrictions lifted / ended at their end date", f"{f['lifted']:,} / {f['lapsed_at_end_date']:,}"),
    ]


def paths_and_lengths(ctx, start: dt.date, end: dt.date) -> Report:
    """Restrictions that came into force in the year, by path, and how long each ran (or has run to the end)."""
    rows = ctx.session.execute(
        select(Restriction.path, Restriction.starts_on, Restriction.activated_at, Restriction.ended_at).where(
            (Restriction.activated_at.is_not(None)) | (Restriction.path == "interim")
        )
    ).all()
    counts: dict[str, Counter] = {path: Counter() for path in PATH_LABELS}
    for path, starts_on, activated_at, ended_at in rows:
        began = local_date(activated_at) if activated_at is not None else starts_on
        if not start <= began <= end:
            continue
        until = min(local_date(ended_at), end) if ended_at is not None else end
        counts.setdefault(path, Counter())[_band((until - began).days)] += 1
        counts[path]["ended" if ended_at is not None else "in_force"] += 1
    bands = [Column(f"band{n}", label) for n, label in enumerate(AGE_BANDS)]
    columns = [
        Column("path", "How it came about"),
        *bands,
        Column("ended", "Ended"),
        Column("in_force", "Still in force"),
    ]
    table = [[PATH_LABELS.get(path, path)] + [c[col.key] for col in columns[1:]] for path, c in counts.items()]
    report = Report(
        "paths-and-lengths",
        "Restrictions by path and length",
        "Restrictions that came into force during the year, by how they came about and how long they ran "
        "(to their end, or to the year end if still in force)",
        start,
        end,
        columns,
        table,
        "bar",
        [b.key for b in bands],
    )
    total = sum(r[-1] + r[-2] for r in table)
    skipped = sum(r[-1] + r[-2] for r in table if r[0] == PATH_LABELS["without_warning"])
    report.summary = [
        ("Restrictions that came into force", str(total)),
        ("Without a warning first (should be the exception, R5)", _share(skipped, total)),
    ]
    return report


def _band(days: int) -> str:
    for n, limit in enumerate((91, 183, 366)):
        if days < limit:
            return f"band{n}"
    return f"band{len(AGE_BANDS) - 1}"


def warning_effect(ctx, start: dt.date, end: dt.date) -> Report:
    """Warnings judged by the clock after their follow-up window, against Glasgow's ~50% that work (R10)."""
    rows = ctx.session.execute(
        select(FormalWarning.effective, FormalWarning.state).where(
            FormalWarning.issued_on >= start, FormalWarning.issued_on <= end
        )
    ).all()
    counts = Counter(
        "withdrawn" if state == "withdrawn" else {True: "effective", False: "not_effective", None: "pending"}[eff]
        for eff, state in rows
    )
    labels = (
        ("effective", "No further incident"),
        ("not_effective", "Further incident"),
        ("pending", "Still in follow-up"),
        ("withdrawn", "Withdrawn on appeal"),
    )
    report = Report(
        "warning-effect",
        "Warning effectiveness",
        "Warnings issued in the year, as the clock judged them once their three-month follow-up window was over: "
        "no further incident in it, or a further incident",
        start,
        end,
        [Column("outcome", "Outcome"), Column("warnings", "Warnings")],
        [[label, counts[key]] for key, label in labels],
        "bar",
        ["warnings"],
    )
    judged = counts["effective"] + counts["not_effective"]
    report.summary = [
        ("Warnings judged so far", str(judged)),
        ("Share that changed behaviour", _share(counts["effective"], judged)),
        ("Glasgow's reported share", f"about {GLASGOW_WARNING_EFFECT}%"),
    ]
    return report


def appeal_timing(ctx, start: dt.date, end: dt.date) -> Report:
    """Appeals received in time or late (accepted for an exceptional reason), and decided in time or late."""
    rows = ctx.session.execute(
        select(Appeal.late, Appeal.decided_on, Appeal.decision_due, Appeal.kind).where(
            Appeal.received_on >= start, Appeal.received_on <= end
        )
    ).all()
    counts: dict[str, Counter] = {"restriction": Counter(), "warning": Counter()}
    for late, decided_on, due, kind in rows:
        c = counts.setdefault(kind, Counter())
        c["late" if late else "on_time"] += 1
        if decided_on is None:
            c["undecided"] += 1
        else:
            c["decided_late" if decided_on > due else "decided_on_time"] += 1
    columns = [
        Column("kind", "Appeal against"),
        Column("on_time", "Received in time"),
        Column("late", "Received late, accepted"),
        Column("decided_on_time", "Decided in time"),
        Column("decided_late", "Decided late"),
        Column("undecided", "Not yet decided"),
    ]
    table = [[kind.capitalize()] + [c[col.key] for col in columns[1:]] for kind, c in counts.items()]
    report = Report(
        "appeal-timing",
        "Appeals on time and late",
        "Appeals received in the year: within the window or late with an exceptional reason (R36, R38), and "
        "whether the written outcome went within ten working days",
        start,
        end,
        columns,
        table,
        "bar",
        ["on_time", "late", "decided_late"],
    )
    decided = sum(r[3] + r[4] for r in table)
    report.summary = [("Decided within ten working days", _share(sum(r[3] for r in table), decided))]
    return report


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "n/a"
