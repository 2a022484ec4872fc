"""The command group, the unit of work each command runs in, and output for people or scripts."""

from __future__ import annotations

import datetime as dt
import functools
import getpass
import json
import os
import socket
import sys

import click

from ..config import ConfigError, Settings, load_settings
from ..db import make_engine, make_session_factory
from ..policy.vocabulary import Role
from ..services import Actor, Context, ServiceError
from ..services.errors import Conflict, Forbidden, InvalidInput, NotFound
from ..services.register import find_officer

EXIT_CODES = {InvalidInput: 2, NotFound: 3, Conflict: 5}


class State:
    """What every command needs: settings, a session factory, who acts, how to print."""

    def __init__(self, actor_email: str | None, as_json: bool):
        self.actor_email = actor_email
        self.as_json = as_json
        self._settings: Settings | None = None
        self._sessions = None
        self._engine = None

    @property
    def settings(self) -> Settings:
        """The settings (file, environment), read when a command first needs them: `settings init` and the first
        `run` write the file before anything reads it. A wrong one stops the command, naming it."""
        if self._settings is None:
            try:
                self._settings = load_settings()
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from None
        return self._settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def sessions(self):
        if self._sessions is None:
            self._engine = make_engine(self.settings.DATABASE_URL)
            self._sessions = make_session_factory(self._engine)
        return self._sessions

    def close(self) -> None:
        """Release database connections when the command ends."""
        if self._engine is not None:
            self._engine.dispose()

    def actor(self, session, required: bool) -> Actor:
        """Who acts: the operator at this shell, for the officer named by --as (or on their own account).

        The CLI is an operator tool for people with a shell on the server: `--as` is taken on trust
        and names the officer the operator acts for, so every audit entry also names the operating
        system user and host (`cli:USER@HOST as officer:ID`).
        """
        operator = operator_label()
        if not self.actor_email:
            if required:
                raise Forbidden("say which officer is acting: --as EMAIL (or CONTACTGUARD_ACTOR)")
            return Actor(label=operator)
        officer = find_officer(session, self.actor_email)
        if officer is None or not officer.active:
            raise Forbidden(f"{self.actor_email} is not an active officer")
        return Actor(label=f"{operator} as officer:{officer.id}", role=Role(officer.role), officer_id=officer.id)


def operator_label() -> str:
    """`cli:USER@HOST`: the operating-system user running this command and the machine it runs on."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        user = f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    host = socket.gethostname() or "unknown-host"
    return f"cli:{user[:32]}@{host[:56]}"


def _json_after_subcommand(ctx: click.Context, _param, value: bool) -> None:
    """`--json` given after a subcommand's name means the same as before it."""
    if value:
        state = ctx.find_object(State)
        if state is not None:
            state.as_json = True


def _add_json_option(command: click.Command) -> None:
    """Give `command` (and, for a group, every command under it) its own `--json` flag, once."""
    if not any(param.name == "late_json" for param in command.params):
        command.params.append(
            click.Option(
                ["--json", "late_json"],
                is_flag=True,
                expose_value=False,
                is_eager=True,
                callback=_json_after_subcommand,
                help="Print JSON for scripts instead of text.",
            )
        )
    for sub in getattr(command, "commands", {}).values():
        _add_json_option(sub)


class ContactguardGroup(click.Group):
    """The root group: `--json` works before the subcommand or after it, for every command."""

    def get_command(self, ctx: click.Context, cmd_name: str):
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _add_json_option(command)
        return command


@click.group(cls=ContactguardGroup)
@click.option(
    "--as",
    "actor_email",
    envvar="CONTACTGUARD_ACTOR",
    metavar="EMAIL",
    help="The officer you act for (their e-mail). Policy decisions check this officer's role; "
    "the audit trail records you (the operating-system user) as well.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts instead of text.")
@click.version_option(package_name="contactguard")
@click.pass_context
def cli(ctx: click.Context, actor_email: str | None, as_json: bool) -> None:
    """contactguard: the restricted-contact register and its helpdesk plugin."""
    ctx.obj = State(actor_email, as_json)
    ctx.call_on_close(ctx.obj.close)


def unit_of_work(actor_required: bool = True):
    """Run the command in one transaction as the acting officer; print service errors plainly."""

    def decorate(func):
        @functools.wraps(func)
        @click.pass_obj
        def wrapper(state: State, *args, **kwargs):
            try:
                with state.sessions() as session, session.begin():
                    ctx = Context(session, state.actor(session, actor_required), state.settings)
                    result = func(state, ctx, *args, **kwargs)
                    session.flush()
                    if result is not None:
                        emit(state, result)
            except ServiceError as exc:
                fail(state, exc)

        return wrapper

    return decorate


def fail(state: State, exc: ServiceError) -> None:
    """Print the error envelope and exit non-zero (2 bad input, 3 not found, 4 refused, 5 conflict)."""
    if state.as_json:
        click.echo(json.dumps(exc.as_dict(), indent=2), err=True)
    else:
        click.echo(f"error: {exc.message}", err=True)
        for field, messages in (exc.errors or {}).items():
            click.echo(f"  {field}: {_flatten(messages)}", err=True)
    sys.exit(EXIT_CODES.get(type(exc), 4))


def _flatten(messages) -> str:
    if isinstance(messages, dict):
        return "; ".join(f"{k}: {_flatten(v)}" for k, v in messages.items())
    if isinstance(messages, list):
        return "; ".join(_flatten(m) for m in messages)
    return str(messages)


def emit(state: State, result) -> None:
    """Print a result: (text, data) pairs print text, or data as JSON with --json."""
    text, data = result
    if state.as_json:
        click.echo(json.dumps(data, indent=2, default=_default))
    else:
        click.echo(text)


def _default(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def load_json_option(value: str | None) -> dict:
    """Read a JSON file named on the command line ('-' for standard input)."""
    if not value:
        return {}
    try:
        with click.open_file(value) as fh:
            data = json.load(fh)
    except (OSError, json.JSONDecodeError) as exc:
        raise click.BadParameter(f"{value}: {exc}") from None
    if not isinstance(data, dict):
        raise click.BadParameter(f"{value}: expected a JSON object")
    return data
