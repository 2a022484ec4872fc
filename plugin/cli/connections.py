"""Helpdesk connections, the outbox, and the worker that drains it."""

from __future__ import annotations

import json
import threading

import click

from adapters import REGISTRY

from .. import present
from ..secretbox import KeyLost, check_key
from ..services import connections as conns
from ..services import events
from ..services import outbox as outbox_service
from ..worker import decisions, outbox, rate_limits, sweeps
from ..worker.scheduler import run_worker
from .base import cli, load_json_option, unit_of_work


def _pairs(items) -> dict:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r}: use NAME=VALUE")
        try:
            out[key] = json.loads(value)
        except ValueError:
            out[key] = value
    return out


@cli.group()
def connections() -> None:
    """Helpdesk connections (admins)."""


@connections.command("add")
@click.option("--adapter", required=True, type=click.Choice(sorted(REGISTRY)))
@click.option("--name", required=True, help="A name admins recognise, e.g. 'Housing helpdesk'.")
@click.option("--setting", "settings", multiple=True, metavar="NAME=VALUE", help="Adapter setting (repeatable).")
@click.option("--settings-file", help="JSON file with the adapter settings.")
@click.option(
    "--secret",
    "secret_names",
    multiple=True,
    metavar="NAME",
    help="A secret to ask for at a hidden prompt (repeatable), e.g. --secret password.",
)
@click.option("--secrets-file", help="JSON file with the secrets (e.g. from a vault); never echoed.")
@click.option("--no-test", is_flag=True, help="Save without calling the helpdesk first.")
@unit_of_work(actor_required=False)
def connections_add(state, ctx, adapter, name, settings, settings_file, secret_names, secrets_file, no_test):
    """Register a helpdesk; prints the webhook URL to paste into it."""
    data = {**load_json_option(settings_file), **_pairs(settings)}
    secrets = load_json_option(secrets_file)
    for secret in secret_names:
        secrets[secret] = click.prompt(secret, hide_input=True)
    c = conns.add(ctx, adapter, name, data, secrets, test=not no_test)
    url = conns.webhook_url(ctx, c)
    return f"connection {c.id} added ({adapter}).\nwebhook URL: {url}{_url_advice(ctx)}", conns.describe(ctx, c)


@connections.command("list")
@unit_of_work(actor_required=False)
def connections_list(state, ctx):
    """List connections (secrets masked)."""
    rows = conns.all_connections(ctx)
    text = "\n".join(f"{c.id}  {c.adapter:16} {'active' if c.active else 'inactive':8} {c.name}" for c in rows)
    return text or "no connections", [conns.describe(ctx, c) for c in rows]


@connections.command("show")
@click.argument("connection_id")
@unit_of_work(actor_required=False)
def connections_show(state, ctx, connection_id):
    """Show one connection with its webhook URL (secrets masked)."""
    data = conns.describe(ctx, conns.get(ctx, connection_id))
    if data["webhook_url"] is None:
        return json.dumps(data, indent=2) + LEGACY_URL, data
    return json.dumps(data, indent=2) + _url_advice(ctx), data


LEGACY_URL = (
    "\nnote: this webhook URL cannot be shown: it was set before contactguard stopped storing webhook URLs, or "
    "before contactguard's key changed. It keeps working.\n      `contactguard connections rotate-url ID` makes a "
    "new one (shown from then on): paste that into the helpdesk."
)


def _url_advice(ctx) -> str:
    """Without PUBLIC_URL the webhook URL is only a guess from this shell's HOST and PORT: say so."""
    if ctx.settings.PUBLIC_URL:
        return ""
    return (
        "\nnote: CONTACTGUARD_PUBLIC_URL is not set, so the webhook URL above is guessed from this shell's "
        "HOST and PORT.\n      Set public_url in instance/contactguard.toml (read by the service and the CLI) "
        "to the address the helpdesk reaches."
    )


@connections.command("set-secret")
@click.argument("connection_id")
@click.argument("name")
@click.option("--keep-previous", is_flag=True, help="Keep the old value as NAME_previous during rotation.")
@click.option("--no-test", is_flag=True)
@unit_of_work(actor_required=False)
def connections_set_secret(state, ctx, connection_id, name, keep_previous, no_test):
    """Replace one secret (hidden prompt); with --keep-previous both work until you remove the old one."""
    value = click.prompt(name, hide_input=True)
    changes = {name: value}
    if keep_previous:
        changes[f"{name}_previous"] = conns.secrets_of(ctx, conns.get(ctx, connection_id)).get(name)
    conns.update_secrets(ctx, connection_id, changes, test=not no_test)
    return f"secret {name} updated", {"updated": name}


@connections.command("deactivate")
@click.argument("connection_id")
@unit_of_work(actor_required=False)
def connections_deactivate(state, ctx, connection_id):
    """Stop accepting this connection's webhooks: its URL answers 404 (within seconds in a running service)."""
    c = conns.deactivate(ctx, connection_id)
    return f"connection {c.id} deactivated: its webhook URL now answers 404", {"id": c.id, "active": c.active}


@connections.command("rotate-url")
@click.argument("connection_id")
@unit_of_work(actor_required=False)
def connections_rotate_url(state, ctx, connection_id):
    """Give the connection a new unguessable webhook URL; the old one answers 404. Paste the new one into the
    helpdesk (events already received keep their history)."""
    c = conns.rotate_url(ctx, connection_id)
    url = conns.webhook_url(ctx, c)
    return (
        f"connection {c.id}: new webhook URL {url}\nthe old URL now answers 404; update the helpdesk{_url_advice(ctx)}",
        {"id": c.id, "webhook_url": url},
    )


@cli.group("outbox")
def outbox_group() -> None:
    """Actions waiting for, or given up on by, the helpdesk."""


@outbox_group.command("list")
@click.option("--connection", "connection_id", help="Only this connection's actions.")
@click.option("--limit", default=100, show_default=True)
@unit_of_work(actor_required=False)
def outbox_list(state, ctx, connection_id, limit):
    """List actions still waiting for the helpdesk (oldest first), with attempts and the last error."""
    rows = outbox_service.pending(ctx.session, connection_id, limit)
    data = [present.outbox_action(r) for r in rows]
    text = "\n".join(
        f"{r['id']:6} {r['kind']:12} ticket {r['ticket']} attempts {r['attempts']} "
        f"next {r['next_attempt_at']}" + (f": {r['last_error']}" if r["last_error"] else "")
        for r in data
    )
    return text or "nothing waiting", data


@outbox_group.command("dead")
@unit_of_work(actor_required=False)
def outbox_dead(state, ctx):
    """List dead-lettered actions with their last error."""
    rows = outbox_service.dead_letters(ctx.session)
    text = "\n".join(f"{r.id:6} {r.kind:12} ticket {r.ticket_id} attempts {r.attempts}: {r.last_error}" for r in rows)
    return text or "no dead actions", [present.outbox_action(r) for r in rows]


@outbox_group.command("retry")
@click.argument("action_ids", nargs=-1, type=int)
@unit_of_work(actor_required=False)
def outbox_retry(state, ctx, action_ids):
    """Retry dead actions (all, or the ids given)."""
    count = outbox_service.retry(ctx.session, list(action_ids) or None)
    return f"{count} actions queued again", {"requeued": count}


@cli.group("events")
def events_group() -> None:
    """What the webhooks received and what contactguard decided."""


@events_group.command("list")
@click.option("--connection", "connection_id", help="Only this connection's events.")
@click.option("--outcome", type=click.Choice(events.OUTCOMES), help="Only this outcome.")
@click.option("--ticket", help="Only this ticket.")
@click.option("--limit", default=50, show_default=True)
@unit_of_work(actor_required=False)
def events_list(state, ctx, connection_id, outcome, ticket, limit):
    """Recent webhook decisions, newest first: time, ticket, outcome and the reason."""
    data = events.recent(ctx, connection_id=connection_id, outcome=outcome, ticket=ticket, limit=limit)
    text = "\n".join(
        f"{e['received_at']}  {e['connection'][:8]}  ticket {e['ticket']:>8}  {e['outcome']:10} "
        f"{e['customer'] or '-':10} {e['reason']}"
        for e in data
    )
    return text or "no events", data


@cli.command()
@click.option("--once", is_flag=True, help="One pass of the sweeps and the outbox, then exit.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between outbox passes.")
@click.pass_obj
def worker(state, once, interval):
    """Drain the outbox; the elected worker also runs the policy's clock (reviews, expiry, deadlines)."""
    try:
        with state.sessions() as session:
            check_key(session, state.settings)
    except KeyLost as exc:
        raise click.ClickException(str(exc)) from None
    if once:
        rate_limits.share_between_workers(state.sessions.kw["bind"])  # paced together with running workers
        report = sweeps.run_sweeps(state.sessions, state.settings)
        while decisions.decide_pending(state.sessions, state.settings):
            pass
        stats = outbox.drain_once(state.sessions, state.settings)
        click.echo(
            f"clock: {report.counts or 'nothing due'}; outbox: {stats.done} done, "
            f"{stats.retried} to retry, {stats.dead} dead"
        )
        return
    stop = threading.Event()
    click.echo("contactguard worker started")
    try:
        run_worker(state.sessions, state.settings, stop, interval)
    except KeyboardInterrupt:
        stop.set()
