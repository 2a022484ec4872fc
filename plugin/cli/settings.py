"""`contactguard settings show|init`: the one settings file, what each value is and where it came from.

Every process (`run`, `serve`, `worker` and each command) reads the same file, `instance/contactguard.toml` or the
one CONTACTGUARD_CONFIG names, with CONTACTGUARD_* environment variables over it (plugin/config.py). `show` prints
the values in force for this shell, secrets masked; `init` writes a starter file, as the first `run` does.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path

import click

from .. import config
from ..secretbox import KEY_FILE, MASK
from .base import cli

# How `show` describes a value that is not set, where the default is not simply "none".
UNSET = {
    "SECRET_KEY": f"(not set: the generated key in {KEY_FILE} in the instance folder)",
    "PUBLIC_URL": "(not set: webhook URLs and sidebar links are guessed from HOST and PORT)",
    "COUNCIL_NAME": "(not set: fill it in; letters are refused until it is)",
}


@cli.group("settings")
def settings_group() -> None:
    """The settings file every contactguard process reads, and the values in force."""


@settings_group.command("show")
@click.pass_obj
def settings_show(state) -> None:
    """Print each setting, where it came from (file, environment, default) and the file read; secrets masked."""
    settings = state.settings
    try:
        _raw, origins = config.gather()
    except config.ConfigError as exc:  # only if the file changed since the settings were read
        raise click.ClickException(str(exc)) from None
    rows = {name: {"value": _shown(settings, name), "from": origins.of[name]} for name in config.SETTING_NAMES}
    warning = _exposed(origins)
    if state.as_json:
        data = {"file": str(origins.file), "file_read": origins.file_read, "base_url": settings.base_url}
        click.echo(json.dumps({**data, "warning": warning, "settings": rows}, indent=2))
        return
    for line in _heading(settings, origins) + ([f"warning: {warning}"] if warning else []):
        click.echo(line)
    click.echo("")
    click.echo(f"{'setting':34} {'from':13} value")
    for name, row in rows.items():
        click.echo(f"{name:34} {row['from']:13} {_text(name, row['value'])}")


@settings_group.command("init")
@click.pass_obj
def settings_init(state) -> None:
    """Write a starter settings file where contactguard reads it (never over an existing one)."""
    path = config.settings_file()
    if not write_starter(path, by="`contactguard settings init`"):
        raise click.ClickException(f"{path} exists already; edit it, or remove it first")
    click.echo(f"wrote {path} (readable by you only): fill in your council's name and check the rest")


def _heading(settings: config.Settings, origins: config.Origins) -> list[str]:
    if origins.file_read:
        lines = [f"settings file: {origins.file} (CONTACTGUARD_* environment variables override it)"]
    else:
        lines = [
            f"settings file: {origins.file} is not there, so defaults and CONTACTGUARD_* variables only "
            f"(`contactguard settings init` writes one; {config.CONFIG_VARIABLE} names another)"
        ]
    how = "PUBLIC_URL" if settings.PUBLIC_URL else "a guess from HOST and PORT: PUBLIC_URL is not set"
    lines.append(f"webhook URLs and sidebar links start with {settings.base_url} ({how})")
    return lines


def _shown(settings: config.Settings, name: str) -> object:
    """The value as `show` prints it: secrets masked (DATABASE_URL's password only), tables and lists as JSON."""
    value = getattr(settings, name)
    if value is None:
        return None
    if name == "DATABASE_URL":
        from sqlalchemy.engine import make_url

        return make_url(str(value)).render_as_string(hide_password=True)
    if name in config.SECRET_SETTINGS:
        return MASK
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _text(name: str, value: object) -> str:
    if value is None:
        return UNSET.get(name, "(not set)")
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _exposed(origins: config.Origins) -> str | None:
    """A settings file other users can read or change (it holds the secret key): say how to close it."""
    if not origins.file_read:
        return None
    mode = stat.S_IMODE(origins.file.stat().st_mode)
    if not mode & 0o077:
        return None
    return f"{origins.file} is open to other users (mode {mode:04o}) and may hold secrets: chmod 600 {origins.file}"


# -- the starter file -------------------------------------------------------------------------------------------

STARTER = """\
# contactguard's settings: read alike by `contactguard run`, `serve`, `worker` and every other command, so the
# links a command prints are the service's. Written by {by} on {today}, as there was none.
# The names are those of README.md's *Settings* table, in lower case. An environment variable
# CONTACTGUARD_<NAME> overrides a line here. `contactguard settings show` prints every value in force and
# where it came from. Keep this file readable by the service's user only: it holds the secret key.

# The key that encrypts helpdesk secrets and second factors, and from which webhook URLs, sidebar keys and
# sign-in sessions are derived. Generated for this installation: back it up with the database. Changing it
# makes stored helpdesk secrets unreadable and every webhook URL change.
{secret_key}

# Your council, as customers and helpdesk agents see it: on every letter and as the author of the helpdesk
# apps. Fill in the name before anything else; letters are refused until all four are set.
# council_name = "Glenburn City Council"
# council_address = "City Chambers; 1 High Street; Glenburn; GB1 1AA"
# letter_signatory = "Morag Signatory"
# letter_signatory_title = "Head of Customer Services"

# Where the web pages listen (`contactguard run` and `serve`).
host = "127.0.0.1"
port = 8080
# The address helpdesks and officers use to reach contactguard: webhook URLs and sidebar links start with it.
# Without it they are guessed from host and port, which a helpdesk elsewhere cannot reach.
# public_url = "https://contactguard.council.example"

# The policy's clock: whose bank holidays count as non-working days (SCT, ENG, WLS or NIR), and the
# council's time zone.
jurisdiction = "SCT"
timezone = "Europe/London"

# The database: SQLite in this file's folder unless set. For production use PostgreSQL
# (docs/operations.md), e.g.
# database_url = "postgresql+psycopg://contactguard_app:PASSWORD@127.0.0.1/contactguard"
"""


def write_starter(path: Path, by: str, environ: Mapping[str, str] | None = None) -> bool:
    """Write the starter file at `path` (mode 0600) unless a file is there already; True when written.

    A new secret key goes in it, unless the installation has one already (a CONTACTGUARD_SECRET_KEY, or the
    generated instance/secret.key): a new key would lock away the helpdesk secrets stored under the old one."""
    environ = os.environ if environ is None else environ
    instance = Path(environ.get(f"{config.ENV_PREFIX}INSTANCE_PATH") or path.parent)
    key = _secret_key_line(instance, environ)
    content = STARTER.format(by=by, today=dt.date.today().isoformat(), secret_key=key)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(content)
    return True


def _secret_key_line(instance: Path, environ: Mapping[str, str]) -> str:
    if environ.get(f"{config.ENV_PREFIX}SECRET_KEY"):
        return "# secret_key: set in the environment (CONTACTGUARD_SECRET_KEY), which overrides this file"
    if (instance / KEY_FILE).exists():
        return f"# secret_key: not set, so the key generated earlier in {instance / KEY_FILE} is used; keep it"
    return f'secret_key = "{secrets.token_urlsafe(32)}"'
