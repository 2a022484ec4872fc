"""Administration: the database, running the service, services (organisations) and officers."""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path

import click

from .. import migrate, present
from ..config import settings_file
from ..policy.vocabulary import Role, values
from ..services import register as reg
from .base import cli, unit_of_work


@cli.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(state) -> None:
    """Create or upgrade the database schema to the latest version."""
    url = state.settings.DATABASE_URL
    migrate.upgrade(url)
    click.echo(f"database at revision {migrate.current(url)}")


@db.command("current")
@click.pass_obj
def db_current(state) -> None:
    """Print the schema revision the database is at."""
    click.echo(migrate.current(state.settings.DATABASE_URL) or "empty (run: contactguard db upgrade)")


@cli.command()
@click.option("--host", default=None, help="Address to listen on, for this process only (default: the HOST setting).")
@click.option("--port", default=None, type=int, help="Port, for this process only (default: the PORT setting).")
@click.pass_obj
def run(state, host, port) -> None:
    """Upgrade the database, then serve the web app and run the worker in this one process.

    The first run writes a starter settings file (a new secret key; your council's name to fill in)."""
    from ..app import create_app
    from ..web.embedded_server import embedded_server
    from .settings import write_starter

    path = settings_file()
    wrote = write_starter(
        path, by="`contactguard run` (make run)"
    )  # before the settings are read, so they include its new secret key
    overrides = {k: v for k, v in {"HOST": host, "PORT": port}.items() if v is not None}
    state.settings = state.settings.replace(**overrides)
    migrate.upgrade(state.settings.DATABASE_URL)
    app = create_app(overrides)  # the pages' links and the worker use the address served
    server = embedded_server(state.settings.HOST, state.settings.PORT, app, state.settings.LOG_LEVEL)
    for line in _first_lines(state, path, wrote, overrides):  # listening already: the next step can be taken
        click.echo(line)
    stop = threading.Event()
    threading.Thread(target=_drain_loop, args=(state, stop), name="outbox", daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        stop.set()


def _first_lines(state, path: Path, wrote: bool, overrides: dict) -> list[str]:
    """What someone who has just started contactguard needs: where it is, its settings, and what to do next."""
    settings = state.settings
    url = f"http://{settings.HOST}:{settings.PORT}"
    lines = [f"contactguard is running at {url} (database: {_safe_url(state)}; stop it with Ctrl+C)"]
    lines.append(
        f"settings: {_shorter(path)}" + (" (a starter file just written: a new secret key, mode 0600)" if wrote else "")
    )
    if overrides:
        lines.append(
            f"note: {', '.join(f'--{k.lower()} {v}' for k, v in overrides.items())} holds for this process only; "
            f"other commands read {_shorter(path)} and print links to it. Put "
            f"{', '.join(f'{k.lower()} = {v!r}' for k, v in overrides.items())} there instead."
        )
    if not settings.COUNCIL_NAME:
        lines.append(f"fill in council_name (and the letter settings below it) in {_shorter(path)}, then restart")
    if _an_admin_can_sign_in(state):
        lines.append(f"next: open {url}/sign-in and sign in")
    else:
        lines.append("next: no one can sign in yet. Create the first admin in another shell (it asks for a password):")
        lines.append(f'  {_this_command()} users create-admin you@council.example --name "Your Name"')
        lines.append(f"then open {url}/sign-in and sign in as them.")
    return lines


def _an_admin_can_sign_in(state) -> bool:
    """An active admin officer has an account that is not disabled (read only; nothing is changed)."""
    from sqlalchemy import select

    from ..models import Account, Officer

    query = (
        select(Account.id)
        .join(Officer, Account.officer_id == Officer.id)
        .where(Officer.role == Role.ADMIN.value, Officer.active.is_(True), Account.disabled_at.is_(None))
        .limit(1)
    )
    with state.sessions() as session:
        return session.scalar(query) is not None


def _this_command() -> str:
    """How to run contactguard from here: `.venv/bin/contactguard` after `make run`, else `contactguard`."""
    argv0 = Path(sys.argv[0])
    if argv0.name != "contactguard":
        return "contactguard"
    return _shorter(argv0.absolute())


def _shorter(path: Path) -> str:
    """A path relative to the current folder when it is inside it (instance/contactguard.toml), else absolute."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path.absolute())


def _drain_loop(state, stop: threading.Event) -> None:
    """The in-process worker of `contactguard run`: the outbox and the policy's clock."""
    from ..worker.scheduler import run_worker

    try:
        run_worker(state.sessions, state.settings, stop, interval=0.25)  # SQLite: no NOTIFY, a quick poll
    except Exception:  # keep serving web requests; the operator sees the error
        logging.getLogger(__name__).exception("worker stopped")


@cli.command()
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="gunicorn worker processes (default: the WEB_WORKERS setting, 2).",
)
@click.option(
    "--threads",
    default=None,
    type=click.IntRange(1, 256),
    help="Requests each worker runs at once (default: the WEB_THREADS setting, 8).",
)
@click.option("--bind", default=None, help="host:port (default: the HOST and PORT settings).")
@click.pass_obj
def serve(state, workers, threads, bind) -> None:
    """Serve the web app with gunicorn (production); run `contactguard worker` beside it.

    Event-loop (gevent) workers, header and body timeouts and header limits come from
    plugin/web/gunicorn_conf.py and plugin/web/serving.py: idle and slow clients hold no thread."""
    state.settings  # noqa: B018 - read and checked here, so a wrong setting is named before gunicorn starts
    cmd = [sys.executable, "-m", "gunicorn", "-c", "python:plugin.web.gunicorn_conf"]
    if workers:
        cmd += ["--workers", str(workers)]
    if threads:  # read by each worker's app (plugin/web/serving.py), as the setting is
        os.environ["CONTACTGUARD_WEB_THREADS"] = str(threads)
    if bind:
        cmd += ["--bind", bind]
    cmd.append("plugin.app:create_served_app()")
    os.execvp(cmd[0], cmd)


def _safe_url(state) -> str:
    from sqlalchemy.engine import make_url

    return make_url(state.settings.DATABASE_URL).render_as_string(hide_password=True)


@cli.group()
def services() -> None:
    """Council services and arm's-length bodies (restriction scopes)."""


@services.command("add")
@click.argument("slug")
@click.argument("name")
@click.option("--parent", help="Slug of the organisation this service belongs to.")
@click.option("--organisation", is_flag=True, help="This is an organisation (council or ALEO).")
@unit_of_work(actor_required=False)
def services_add(state, ctx, slug, name, parent, organisation):
    """Add a service."""
    s = reg.add_service(ctx, {"slug": slug, "name": name, "parent": parent, "is_organisation": organisation})
    return f"service {s.slug} added", {"id": s.id, "slug": s.slug, "name": s.name}


@services.command("list")
@unit_of_work(actor_required=False)
def services_list(state, ctx):
    """List services."""
    rows = reg.list_services(ctx)
    text = "\n".join(f"{s.slug:20} {s.name}" for s in rows) or "no services"
    return text, [{"id": s.id, "slug": s.slug, "name": s.name} for s in rows]


@cli.group()
def officers() -> None:
    """Staff: name, e-mail, role, service, deputy, helpdesk agent ids."""


@officers.command("add")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(values(Role)))
@click.option("--service", help="Service slug.")
@click.option("--deputy", help="Deputy's e-mail.")
@click.option(
    "--helpdesk-id",
    "helpdesk_ids",
    multiple=True,
    metavar="[CONNECTION:]AGENT_ID",
    help="The officer's agent id in a helpdesk (repeatable).",
)
@unit_of_work(actor_required=False)
def officers_add(state, ctx, email, name, role, service, deputy, helpdesk_ids):
    """Add an officer."""
    o = reg.add_officer(
        ctx,
        {
            "email": email,
            "name": name,
            "role": role,
            "service": service,
            "deputy": deputy,
            "helpdesk_ids": _helpdesk_ids(helpdesk_ids),
        },
    )
    return f"officer {o.email} added as {o.role}", present.officer(o)


@officers.command("update")
@click.argument("email")
@click.option("--name")
@click.option("--role", type=click.Choice(values(Role)))
@click.option("--service")
@click.option("--deputy")
@click.option("--active/--inactive", default=None)
@click.option("--helpdesk-id", "helpdesk_ids", multiple=True, metavar="[CONNECTION:]AGENT_ID")
@unit_of_work(actor_required=False)
def officers_update(state, ctx, email, name, role, service, deputy, active, helpdesk_ids):
    """Change an officer."""
    data = {
        k: v
        for k, v in {"name": name, "role": role, "service": service, "deputy": deputy, "active": active}.items()
        if v is not None
    }
    if helpdesk_ids:
        data["helpdesk_ids"] = _helpdesk_ids(helpdesk_ids)
    o = reg.update_officer(ctx, email, data)
    return f"officer {o.email} updated", present.officer(o)


@officers.command("list")
@unit_of_work(actor_required=False)
def officers_list(state, ctx):
    """List officers."""
    rows = reg.list_officers(ctx)
    text = (
        "\n".join(f"{o.email:32} {o.role:8} {'active' if o.active else 'inactive':8} {o.name}" for o in rows)
        or "no officers"
    )
    return text, [present.officer(o) for o in rows]


@officers.group("absence")
def officers_absence() -> None:
    """Periods an officer is away: their deputy covers as sole point of contact meanwhile."""


@officers_absence.command("add")
@click.argument("email")
@click.option("--from", "starts_on", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day away.")
@click.option("--to", "ends_on", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day away.")
@click.option("--note", help="For administrators only (never shown on tickets); no health details.")
@unit_of_work(actor_required=False)
def officers_absence_add(state, ctx, email, starts_on, ends_on, note):
    """Record that an officer is away from one date to another (inclusive)."""
    a = reg.add_absence(
        ctx, email, {"starts_on": starts_on.date().isoformat(), "ends_on": ends_on.date().isoformat(), "note": note}
    )
    return f"absence {a.id} added: {a.officer.email} away {a.starts_on} to {a.ends_on}", present.absence(a)


@officers_absence.command("list")
@click.argument("email", required=False)
@click.option("--all", "show_all", is_flag=True, help="Include absences that are over.")
@unit_of_work(actor_required=False)
def officers_absence_list(state, ctx, email, show_all):
    """List absences that are current or to come (of one officer, or everyone)."""
    rows = reg.list_absences(ctx, email, current_on=None if show_all else ctx.today())
    text = (
        "\n".join(
            f"{a.id:>5} {a.officer.email:32} {a.starts_on} to {a.ends_on}" + (f"  {a.note}" if a.note else "")
            for a in rows
        )
        or "no absences"
    )
    return text, [present.absence(a) for a in rows]


@officers_absence.command("remove")
@click.argument("absence_id", type=int)
@unit_of_work(actor_required=False)
def officers_absence_remove(state, ctx, absence_id):
    """Remove an absence (cancelled, or recorded in error)."""
    reg.remove_absence(ctx, absence_id)
    return f"absence {absence_id} removed", {"id": absence_id, "removed": True}


def _helpdesk_ids(raw) -> list[dict]:
    out = []
    for item in raw:
        connection, _, agent = item.rpartition(":")
        out.append({"connection": connection, "agent_id": agent})
    return out
