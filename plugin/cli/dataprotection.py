"""Data protection: `retention run` (anonymise and purge on time) and `customers export` (subject access)."""

from __future__ import annotations

from pathlib import Path

import click

from ..services import retention as rt
from ..services import subject_access as sar
from ..services.lookup import require_admin
from .base import cli, unit_of_work
from .register import customers


@cli.group()
def retention() -> None:
    """Retention: customers anonymised a set time after their restriction ended; old allowed events deleted."""


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="Print what would be anonymised and deleted; change nothing.")
@unit_of_work(actor_required=False)
def retention_run(state, ctx, dry_run):
    """Anonymise every customer past RETENTION_AFTER_END_MONTHS and delete allowed webhook events older than
    RETENTION_UNRESTRICTED_EVENTS_DAYS (the clock does the same on its own; this runs it now)."""
    require_admin(ctx, "running retention")
    report = rt.run(ctx, ctx.today(), dry_run=dry_run)
    verb = ("would anonymise", "would delete") if dry_run else ("anonymised", "deleted")
    lines = [
        (
            f"customers with nothing on file since {report.cutoff.isoformat()} "
            f"(RETENTION_AFTER_END_MONTHS={ctx.settings.RETENTION_AFTER_END_MONTHS}):"
        )
    ]
    lines += [
        f"  {verb[0]} {c['reference']} (id {c['id']}, last activity {c['last_activity']})" for c in report.customers
    ] or ["  none due"]
    lines.append(
        f"{verb[1]} {report.events_purged} allowed webhook events received before "
        f"{report.events_before.isoformat()} (RETENTION_UNRESTRICTED_EVENTS_DAYS="
        f"{ctx.settings.RETENTION_UNRESTRICTED_EVENTS_DAYS})"
    )
    return "\n".join(lines), report.as_dict()


@customers.command("export")
@click.argument("reference")
@click.option("--format", "fmt", type=click.Choice(sar.FORMATS), default="json", show_default=True)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (created readable by its owner only).",
)
@unit_of_work()
def customers_export(state, ctx, reference, fmt, out):
    """Subject access export (UK GDPR Article 15): everything held about a customer, for a senior officer or admin to
    review before disclosure. The export is audited."""
    data = sar.export(ctx, reference, fmt, out)
    counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in data["counts"].items())
    review = len(data["review_before_disclosure"])
    text = (
        f"exported {data['customer']['reference']} to {out} ({fmt}): {counts}\n"
        f"{review} item(s) to review before disclosure (third parties, health and social work)"
    )
    return text, {
        "reference": data["customer"]["reference"],
        "format": fmt,
        "out": str(out),
        "counts": data["counts"],
        "review_before_disclosure": review,
    }
