"""Settings: CONTACTGUARD_* environment variables over one settings file.

The settings file is `contactguard.toml` in the instance folder, or the file named by CONTACTGUARD_CONFIG. The
service (`run`, `serve` and its gunicorn master), the worker and every CLI command read it alike
(`read_settings`), so a command run from another shell prints the same URLs as the running service. Relative
paths in the file are read from the file's folder, and the instance folder is that folder unless it says
otherwise. `contactguard settings show` prints each value and where it came from (`origins`).

Every setting is validated at start-up; a wrong or missing one stops start-up with
a message naming it (ConfigError), rather than failing later in a request.

`Settings` declares each setting once: its type, its default and how it is validated
(`setting(...)`); the marshmallow schema that checks the raw values is generated from
it, so the two cannot drift. Code reads settings as attributes (`settings.REVIEW_MONTHS`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from .policy.vocabulary import Role

if TYPE_CHECKING:
    from flask import Flask

ENV_PREFIX = "CONTACTGUARD_"
APP_CONFIG_KEY = "CONTACTGUARD"  # where create_app keeps the Settings in app.config (read them with settings_of)
INSTANCE_FILE = "contactguard.toml"
CONFIG_VARIABLE = f"{ENV_PREFIX}CONFIG"  # names the settings file when it is not in the instance folder
LOGO_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg", ".gif")

Jurisdiction = Literal["SCT", "ENG", "WLS", "NIR"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
ExpiryMode = Literal["sunset", "hold_until_reviewed"]
EmailMatching = Literal["strict", "subaddress", "provider_rules"]
JURISDICTIONS: tuple[str, ...] = get_args(Jurisdiction)

# The key of each setting's marshmallow field in its dataclass field's metadata.
_FIELD = "field"
T = TypeVar("T")


class ConfigError(Exception):
    """A setting is missing or wrong; the message names each offending setting."""


class TupleOf(fields.List):
    """A list setting, kept as a tuple so the settings cannot be changed in place."""

    def _deserialize(self, value, attr, data, **kwargs):
        return tuple(super()._deserialize(value, attr, data, **kwargs))


class JsonObject(fields.Dict):
    """A table from the instance file, or the same written as a JSON object in an environment variable.

    Loaded read-only (lists become tuples), so the settings cannot be changed in place."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValidationError("give a JSON object, e.g. {\"threat\": [\"torch ... house\"]}") from None
        loaded = super()._deserialize(value, attr, data, **kwargs)
        return MappingProxyType({k: tuple(v) if isinstance(v, list) else v for k, v in loaded.items()})


def one_of(choices: Any) -> validate.OneOf:
    """The values of a Literal type, as a validator (the type is the one list of the choices)."""
    return validate.OneOf(get_args(choices))


def setting(default: T, kind: type[fields.Field], *args: Any, **options: Any) -> T:
    """Declare a setting: its default (the dataclass's and the schema's alike) and its marshmallow field."""
    checked = kind(*args, load_default=default, allow_none=default is None, **options)
    if isinstance(default, Mapping):  # read-only but unhashable: a dataclass takes it only through a factory
        return dataclasses.field(default_factory=lambda: default, metadata={_FIELD: checked})
    return dataclasses.field(default=default, metadata={_FIELD: checked})


def _is_an_image_file(value: str) -> None:
    if not Path(value).is_file():
        raise ValidationError(f"no such file: {value}")
    if Path(value).suffix.lower() not in LOGO_SUFFIXES:
        raise ValidationError(f"give a {', '.join(LOGO_SUFFIXES)} image")


def _is_a_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"not an IANA time zone name (e.g. Europe/London): {value!r}") from None


def _screen_compiles(value: Mapping[str, tuple[str, ...]]) -> None:
    from .policy.screen import Screen, ScreenConfigError, compile_pattern

    try:
        Screen.from_dict(value)
        for entries in value.values():
            for entry in entries:
                compile_pattern(entry)
    except (ScreenConfigError, re.error) as exc:
        raise ValidationError(f"a pattern cannot be used: {exc}") from None


@dataclasses.dataclass(frozen=True, slots=True)
class Settings(Mapping[str, object]):
    """The settings contactguard accepts; names are the env variables without the prefix.

    Built by `load_settings` (start-up) or `replace` (tests, overrides), both validated by the
    schema generated from the declarations below. Read them as attributes. Read-only Mapping access
    (`settings["NAME"]`) remains for the call sites not yet converted (the webhook receiver, the worker's
    decisions and outbox, the sidebar views); it is typed `object`, so typed code uses attributes.
    """

    INSTANCE_PATH: str = setting("instance", fields.String)
    # Empty: an SQLite file in INSTANCE_PATH (load_settings fills it in, so it is never empty once loaded).
    DATABASE_URL: str = setting("", fields.String)
    SECRET_KEY: str | None = setting(None, fields.String, validate=validate.Length(min=16))
    HOST: str = setting("127.0.0.1", fields.String)
    PORT: int = setting(8080, fields.Integer, validate=validate.Range(1, 65535))
    # Where helpdesks reach contactguard; webhook URLs printed to admins start with it.
    PUBLIC_URL: str | None = setting(None, fields.Url, require_tld=False)
    OUTBOX_MAX_ATTEMPTS: int = setting(8, fields.Integer, validate=validate.Range(1, 50))
    # How long a worker's claim on an outbox action holds; renewed before each call (killed workers: this long).
    # A helpdesk that does not answer is probed this often with its next action; the rest wait (no attempt spent).
    OUTBOX_PROBE_SECONDS: float = setting(10.0, fields.Float, validate=validate.Range(0.1, 600))
    OUTBOX_LEASE_SECONDS: float = setting(60.0, fields.Float, validate=validate.Range(0.1, 3600))
    # Tickets a worker applies actions to at the same time (PostgreSQL; SQLite works one ticket at a time).
    # A ticket's own actions always go one after another, in order.
    OUTBOX_THREADS: int = setting(8, fields.Integer, validate=validate.Range(1, 64))
    LOG_LEVEL: LogLevel = setting("INFO", fields.String, validate=one_of(LogLevel))
    # The council's zone: the local day an event falls on (plugin/services/pipeline.py), the sweeps' today.
    TIMEZONE: str = setting("Europe/London", fields.String, validate=_is_a_time_zone)
    # The policy's clock: jurisdiction for bank holidays (holidays package, GB subdivisions).
    JURISDICTION: Jurisdiction = setting("SCT", fields.String, validate=one_of(Jurisdiction))
    INTERIM_CONFIRM_WORKING_DAYS: int = setting(5, fields.Integer, validate=validate.Range(1, 60))
    REVIEW_MONTHS: int = setting(6, fields.Integer, validate=validate.Range(1, 24))
    RESTRICTION_APPEAL_WORKING_DAYS: int = setting(10, fields.Integer, validate=validate.Range(1, 60))
    APPEAL_DECISION_WORKING_DAYS: int = setting(10, fields.Integer, validate=validate.Range(1, 60))
    WARNING_APPEAL_WORKING_DAYS: int = setting(10, fields.Integer, validate=validate.Range(1, 60))
    WARNING_FOLLOWUP_MONTHS: int = setting(3, fields.Integer, validate=validate.Range(1, 24))
    REVIEW_REMINDER_DAYS: tuple[int, ...] = setting((30, 7), TupleOf, fields.Integer(validate=validate.Range(1, 365)))
    # R12/R15: time windows must leave some open channel open at least this long each week (0 = no minimum).
    MIN_WEEKLY_CONTACT_MINUTES: int = setting(60, fields.Integer, validate=validate.Range(0, 7 * 24 * 60))
    EXPIRY_MODE: ExpiryMode = setting("sunset", fields.String, validate=one_of(ExpiryMode))
    # `contactguard serve` (plugin/web/gunicorn_conf.py): event-loop workers (gevent), so idle and slow clients
    # hold no thread; WEB_THREADS is how many complete requests each worker runs at once.
    WEB_WORKERS: int = setting(2, fields.Integer, validate=validate.Range(1, 64))
    WEB_THREADS: int = setting(8, fields.Integer, validate=validate.Range(1, 256))
    WEB_TIMEOUT: int = setting(30, fields.Integer, validate=validate.Range(5, 600))
    # A request's line and headers must arrive within WEB_HEADER_TIMEOUT seconds of the connection opening (or of
    # the previous answer on a kept-alive one), its body within WEB_BODY_TIMEOUT seconds after; else it is dropped.
    WEB_HEADER_TIMEOUT: int = setting(5, fields.Integer, validate=validate.Range(1, 60))
    WEB_BODY_TIMEOUT: int = setting(10, fields.Integer, validate=validate.Range(1, 300))
    # How an incoming e-mail address is compared with the register (plugin/identity.py): strict (case only),
    # subaddress (also ignores +tag), provider_rules (also Gmail's dots and googlemail.com). Changing it
    # re-normalises nothing by itself: run `python -m plugin.identity renormalise` afterwards.
    EMAIL_MATCHING: EmailMatching = setting("provider_rules", fields.String, validate=one_of(EmailMatching))
    # Helpdesk URLs (base_url, callback_url) on loopback, link-local, private or other internal addresses are
    # refused at set-up and at call time, unless this is on (or the connection sets allow_private_network).
    ALLOW_PRIVATE_HELPDESK_URLS: bool = setting(False, fields.Boolean)
    # Data protection (docs/data-protection.md): a customer with nothing in force, no appeal open and nothing
    # on file for this many months (restriction ended, last incident, warning, appeal, review or letter) is
    # anonymised; allowed (unrestricted) webhook events are deleted this many days after they arrive.
    RETENTION_AFTER_END_MONTHS: int = setting(24, fields.Integer, validate=validate.Range(1, 240))
    RETENTION_UNRESTRICTED_EVENTS_DAYS: int = setting(30, fields.Integer, validate=validate.Range(1, 3650))
    # A council's own safeguarding phrases, added to the default screen (plugin/policy/screen.py; entries only
    # add, nothing default can be removed): in contactguard.toml a table such as
    #   [safeguarding_screen]
    #   threat = ["torch ... house"]
    # or, in the environment, the same as JSON: CONTACTGUARD_SAFEGUARDING_SCREEN='{"threat": ["torch ... house"]}'.
    SAFEGUARDING_SCREEN: Mapping[str, tuple[str, ...]] = setting(
        MappingProxyType({}),
        JsonObject,
        keys=fields.String(validate=validate.Length(1, 64)),
        values=fields.List(fields.String(validate=validate.Length(1, 200))),
        validate=_screen_compiles,
    )
    # Signing in to the web pages (plugin/web/auth.py, docs/sign-in.md). Sessions are kept on the server (the cookie
    # carries a random id only); one ends after SESSION_IDLE_MINUTES without a request, and SESSION_ABSOLUTE_HOURS
    # after it began however often it is used.
    SESSION_IDLE_MINUTES: int = setting(480, fields.Integer, validate=validate.Range(5, 7 * 24 * 60))
    SESSION_ABSOLUTE_HOURS: int = setting(12, fields.Integer, validate=validate.Range(1, 7 * 24))
    # OpenID Connect sign-in (e.g. Entra ID, Google Workspace): offered when all three are set. The provider's
    # verified `email` claim must be an active officer's e-mail with an account. The client secret is secret.
    OIDC_ISSUER: str | None = setting(None, fields.Url, require_tld=False, schemes={"https", "http"})
    OIDC_CLIENT_ID: str | None = setting(None, fields.String, validate=validate.Length(1, 255))
    OIDC_CLIENT_SECRET: str | None = setting(None, fields.String, validate=validate.Length(1, 1024))
    # With OIDC_ROLE_MAP set, the provider decides the role at each sign-in: the values of the claim OIDC_ROLE_CLAIM
    # (a name such as groups or roles; a dotted path such as realm_access.roles reaches into an object) are looked up
    # in OIDC_ROLE_MAP (claim value -> agent, officer, senior or admin), the highest match wins, and no match is
    # refused; an officer's account is made at their first sign-in. Unset, the role is the officer's on the register
    # and the account must exist. OIDC_CREATE_OFFICERS: an e-mail that is no officer yet becomes one (else refused).
    OIDC_ROLE_CLAIM: str = setting("groups", fields.String, validate=validate.Length(1, 200))
    OIDC_ROLE_MAP: Mapping[str, str] = setting(
        MappingProxyType({}),
        JsonObject,
        keys=fields.String(validate=validate.Length(1, 500)),
        values=fields.String(validate=validate.OneOf([role.value for role in Role])),
    )
    OIDC_CREATE_OFFICERS: bool = setting(False, fields.Boolean)
    # Microsoft Entra ID sends no `email_verified` claim: a tenant's own addresses are verified by the tenant. Set
    # false only for such a provider, whose e-mail claims the council itself controls (docs/sign-in.md).
    OIDC_REQUIRE_EMAIL_VERIFIED: bool = setting(True, fields.Boolean)
    # Monitoring (issue 21): /metrics, and the detail of /readyz, answer only a request carrying this token as
    # `Authorization: Bearer <token>`; without it /readyz says only whether the service is ready and /metrics is
    # refused. /healthz stays open. Secret.
    MONITORING_TOKEN: str | None = setting(None, fields.String, validate=validate.Length(16, 1024))
    # The policy's letters (plugin/letters, docs/letters.md): the letterhead and who signs. Optional at start-up;
    # a letter is refused (letter_incomplete) naming any of them still missing. COUNCIL_ADDRESS: one line per
    # line of the address, separated by new lines or ";". COUNCIL_LOGO: an image file (PNG, JPEG, SVG).
    COUNCIL_NAME: str | None = setting(None, fields.String, validate=validate.Length(1, 200))
    COUNCIL_ADDRESS: str | None = setting(None, fields.String, validate=validate.Length(1, 1000))
    COUNCIL_LOGO: str | None = setting(None, fields.String, validate=[validate.Length(1, 1000), _is_an_image_file])
    LETTER_SIGNATORY: str | None = setting(None, fields.String, validate=validate.Length(1, 200))
    LETTER_SIGNATORY_TITLE: str | None = setting(None, fields.String, validate=validate.Length(1, 200))
    TESTING: bool = setting(False, fields.Boolean)

    @property
    def zone(self) -> ZoneInfo:
        """The council's time zone (TIMEZONE, checked at start-up)."""
        return ZoneInfo(self.TIMEZONE)

    @property
    def base_url(self) -> str:
        """Where helpdesks reach contactguard: PUBLIC_URL, else a guess from HOST and PORT."""
        return self.PUBLIC_URL or f"http://{self.HOST}:{self.PORT}"

    @property
    def oidc_configured(self) -> bool:
        """OpenID Connect sign-in is offered: issuer, client id and secret are all set."""
        return bool(self.OIDC_ISSUER and self.OIDC_CLIENT_ID and self.OIDC_CLIENT_SECRET)

    def replace(self, **changes: object) -> Settings:
        """These settings with `changes`, validated as at start-up (ConfigError naming a wrong or unknown one).

        The validated counterpart of dataclasses.replace. Unlike load_settings it changes nothing
        process-wide (EMAIL_MATCHING, ALLOW_PRIVATE_HELPDESK_URLS take effect through load_settings)."""
        return _build({**_as_raw(self), **{name.upper(): value for name, value in changes.items()}})

    def __getitem__(self, name: str) -> object:
        if name not in SETTING_NAMES:
            raise KeyError(name)
        return getattr(self, name)

    def __iter__(self) -> Iterator[str]:
        return iter(SETTING_NAMES)

    def __len__(self) -> int:
        return len(SETTING_NAMES)


SETTING_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Settings))
# Checks the raw values (strings from the environment, TOML values, overrides); generated from Settings.
SettingsSchema = Schema.from_dict(
    {f.name: f.metadata[_FIELD] for f in dataclasses.fields(Settings)}, name="SettingsSchema"
)
_LIST_SETTINGS = {f.name for f in dataclasses.fields(Settings) if isinstance(f.metadata[_FIELD], fields.List)}
# CONTACTGUARD_* variables that belong to the CLI or the test tooling, not to the service.
NOT_SETTINGS = {"ACTOR", "REQUIRE_POSTGRES", "HELPDESK_VENV", "CONFIG"}
# Never printed: `settings show` masks them (DATABASE_URL's password only), as manifest.json marks them secret.
SECRET_SETTINGS = frozenset({"DATABASE_URL", "SECRET_KEY", "OIDC_CLIENT_SECRET", "MONITORING_TOKEN"})
# Paths in the settings file, read from the file's folder when relative (not from wherever a command runs).
_PATH_SETTINGS = ("INSTANCE_PATH", "COUNCIL_LOGO")
# Where a value came from (`origins`): the settings file, a CONTACTGUARD_* variable, the caller, or the default.
FROM_FILE, FROM_ENVIRONMENT, FROM_CALLER, FROM_DEFAULT = "file", "environment", "command line", "default"
FROM_FILE_FOLDER = "file's folder"  # INSTANCE_PATH when the file does not set it


def _from_environ(environ: Mapping[str, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX) :]
        if name in NOT_SETTINGS or name.startswith("TEST_"):
            continue
        values[name] = [v.strip() for v in value.split(",") if v.strip()] if name in _LIST_SETTINGS else value
    return values


def settings_file(overrides: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The settings file every process reads: CONTACTGUARD_CONFIG, else contactguard.toml in the instance folder
    (INSTANCE_PATH from the caller or the environment, else `instance` in the current folder); absolute."""
    environ = os.environ if environ is None else environ
    if environ.get(CONFIG_VARIABLE):
        return Path(environ[CONFIG_VARIABLE]).expanduser().absolute()
    upper = {k.upper(): v for k, v in (overrides or {}).items()}
    instance = upper.get("INSTANCE_PATH") or environ.get(f"{ENV_PREFIX}INSTANCE_PATH") or "instance"
    return (Path(str(instance)).expanduser() / INSTANCE_FILE).absolute()


def _from_settings_file(path: Path, named: bool) -> dict[str, object] | None:
    """The file's values by setting name, relative paths read from the file's folder; None when there is no
    file (refused when CONTACTGUARD_CONFIG names it: a mistyped path must not run on the defaults)."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        if named:
            raise ConfigError(f"{CONFIG_VARIABLE} names {path}, which does not exist") from None
        return None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    values = {str(k).upper(): v for k, v in data.items()}
    for name in _PATH_SETTINGS:
        if isinstance(values.get(name), str) and values[name]:
            values[name] = str(path.parent / Path(str(values[name])).expanduser())
    return values


@dataclasses.dataclass(frozen=True)
class Origins:
    """Where the settings came from: the settings file (read, or looked for and absent), and for each setting
    FROM_FILE, FROM_ENVIRONMENT, FROM_CALLER, FROM_FILE_FOLDER (INSTANCE_PATH only) or FROM_DEFAULT."""

    file: Path
    file_read: bool
    of: Mapping[str, str]


def gather(
    overrides: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None
) -> tuple[dict[str, object], Origins]:
    """The raw values, settings file < environment < overrides (not yet validated), and where each came from."""
    environ = os.environ if environ is None else environ
    env_values = _from_environ(environ)
    upper = {k.upper(): v for k, v in (overrides or {}).items()}
    path = settings_file(upper, environ)
    file_values = _from_settings_file(path, named=bool(environ.get(CONFIG_VARIABLE)))
    raw = {**(file_values or {}), **env_values, **upper}
    origins = dict.fromkeys(file_values or (), FROM_FILE)
    origins.update(dict.fromkeys(env_values, FROM_ENVIRONMENT))
    origins.update(dict.fromkeys(upper, FROM_CALLER))
    if file_values is not None and "INSTANCE_PATH" not in raw:
        raw["INSTANCE_PATH"] = str(path.parent)  # the data lives beside its settings unless the file says otherwise
        origins["INSTANCE_PATH"] = FROM_FILE_FOLDER
    of = MappingProxyType({**dict.fromkeys(SETTING_NAMES, FROM_DEFAULT), **origins})  # unknown names too
    return raw, Origins(file=path, file_read=file_values is not None, of=of)


def _flatten(messages) -> str:
    """marshmallow's nested messages ({'value': ['Not a valid list.']}) as one line."""
    if isinstance(messages, dict):
        return " ".join(_flatten(v) for v in messages.values())
    if isinstance(messages, (list, tuple)):
        return " ".join(_flatten(v) for v in messages)
    return str(messages)


def _describe(errors: dict, origins: Origins | None = None) -> str:
    lines = []
    for name, messages in sorted(errors.items()):
        shown = f"{ENV_PREFIX}{name}"
        if isinstance(messages, dict):
            messages = [f"item {k}: {_flatten(v)}" for k, v in messages.items()]
        line = f"{shown}: {' '.join(str(m) for m in messages)}"
        if origins is not None and _came_from_file(name, origins):
            line += f" ({name.lower()} in {origins.file})"  # the admin edits the file, not a variable
        lines.append(line)
    return "invalid settings:\n  " + "\n  ".join(lines)


def _came_from_file(name: str, origins: Origins) -> bool:
    return origins.of.get(name) == FROM_FILE


def _as_raw(settings: Settings) -> dict[str, object]:
    """The settings as values the schema loads again (tuples and read-only tables load as lists and tables)."""
    return {name: getattr(settings, name) for name in SETTING_NAMES}


def _build(raw: Mapping[str, object], origins: Origins | None = None) -> Settings:
    """Validate raw values (ConfigError naming each wrong or unknown setting) and fill in the derived ones."""
    try:
        values: dict[str, Any] = SettingsSchema(unknown=RAISE).load(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc.normalized_messages(), origins)) from None
    instance_path = Path(values["INSTANCE_PATH"]).resolve()
    values["INSTANCE_PATH"] = str(instance_path)
    values["DATABASE_URL"] = values["DATABASE_URL"] or f"sqlite:///{instance_path / 'contactguard.sqlite3'}"
    return Settings(**values)


def read_settings(overrides: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings file < environment < overrides, validated; nothing process-wide applied (the gunicorn master's way:
    it must not import the adapters, plugin/web/gunicorn_conf.py)."""
    raw, origins = gather(overrides, environ)
    return _build(raw, origins)


def load_settings(overrides: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings file < environment < overrides, validated, the process-wide ones applied: how every process starts."""
    settings = read_settings(overrides, environ)
    _apply_process_wide(settings)
    return settings


def settings_of(app: Flask) -> Settings:
    """The settings a Flask app was built with (plugin.app.create_app keeps them in app.config), typed."""
    settings = app.config[APP_CONFIG_KEY]
    if not isinstance(settings, Settings):
        raise TypeError("app.config['CONTACTGUARD'] must be a plugin.config.Settings (use settings.replace(...))")
    return settings


def _apply_process_wide(settings: Settings) -> None:
    """Two settings act where no settings are passed (identity normalisation in every caller, the adapters'
    HTTP transport): every process loads its settings through here, so they take effect for the process."""
    from adapters import outbound

    from . import identity

    identity.set_email_matching(settings.EMAIL_MATCHING)
    outbound.set_private_allowed(settings.ALLOW_PRIVATE_HELPDESK_URLS)
