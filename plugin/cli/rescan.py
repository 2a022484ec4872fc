"""`contactguard connections rescan`: check the tickets a helpdesk could not report while contactguard was down."""

from __future__ import annotations

import click

from ..services import ServiceError
from ..services import rescan as service
from .base import emit, fail
from .connections import connections


@connections.command("rescan")
@click.argument("connection_id")
@click.option(
    "--since",
    required=True,
    metavar="WHEN",
    help="ISO date and time, e.g. 2026-11-27T09:00 (council's local time unless a zone is given).",
)
@click.pass_obj
def connections_rescan(state, connection_id, since):
    """Read tickets and replies since WHEN back from the helpdesk and check those not yet received."""
    try:
        with state.sessions() as session:
            actor = state.actor(session, required=False)
        report = service.rescan(
            state.sessions, state.settings, actor, connection_id, service.parse_since(since, state.settings.zone)
        )
    except ServiceError as exc:
        fail(state, exc)
        return
    text = (
        f"{report.tickets} tickets seen ({report.events} events): {report.checked} newly checked, "
        f"{report.known} already known, {report.ignored} not customer contacts"
    )
    if report.unreadable:
        text += "\nNOT CHECKED (their content cannot be stored; check them by hand): tickets " + ", ".join(
            report.unreadable
        )
    emit(state, (text, report.as_dict()))
    if report.unreadable:
        raise SystemExit(1)
