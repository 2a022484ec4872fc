"""`contactguard audit verify`: check the audit trail's hash chain, and print its head to record elsewhere."""

from __future__ import annotations

import datetime as dt
import json
import sys

import click

from ..services import audit as service
from .base import cli

EXIT_TAMPERED = 6


@cli.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
@click.option(
    "--expect-head",
    metavar="COUNT:HASH",
    help="A head printed by an earlier verify and kept off this server: it must still be in the trail.",
)
@click.option(
    "--tolerance",
    default=service.DEFAULT_TOLERANCE.total_seconds(),
    show_default=True,
    type=float,
    metavar="SECONDS",
    help="How far an entry may be dated before the one preceding it (clock steps).",
)
@click.pass_obj
def audit_verify(state, expect_head, tolerance) -> None:
    """Recompute the hash chain; exit 6 naming the first bad entry if anything was changed or removed.

    Prints the head (COUNT:HASH). Record it somewhere the database's users cannot write (a ticket, the
    operations log, a mail to the records manager): `--expect-head` then proves the history up to it
    was not rewritten, which the chain alone cannot prove against someone who can rewrite every row.
    """
    if expect_head:
        try:
            service.parse_head(expect_head)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--expect-head") from None
    engine = state.sessions.kw["bind"]
    with engine.connect() as conn:
        conn = conn.execution_options(**service.snapshot_options(engine.dialect.name))
        with conn.begin():
            result = service.verify(conn, expect_head, dt.timedelta(seconds=tolerance))
    if state.as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
    elif result.ok:
        click.echo(f"audit trail verified: {result.entries} entries, chain intact")
        click.echo(f"head {result.head}")
    else:
        first = result.first_bad_entry
        click.echo(
            "audit trail FAILED verification" + (f": first bad entry is {first}" if first is not None else ""), err=True
        )
        for problem in result.problems[:20]:
            click.echo(f"  {problem.message}", err=True)
        if len(result.problems) > 20:
            click.echo(f"  ... and {len(result.problems) - 20} more problems", err=True)
        click.echo(f"head {result.head}", err=True)
    if not result.ok:
        sys.exit(EXIT_TAMPERED)
