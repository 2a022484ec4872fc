"""Settings: CONTACTGUARD_* environment variables over an optional instance file.

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

if TYPE_CHECKING:
    from flask import Flask

ENV_PREFIX = "CONTACTGUARD_"
APP_CONFIG_KEY = "CONTACTGUARD"  # where create_app keeps the Settings in app.config (read them with settings_of)
INSTANCE_FILE = "contactguard.toml"
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
NOT_SETTINGS = {"ACTOR", "REQUIRE_POSTGRES", "HELPDESK_VENV"}


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


def _from_instance_file(instance_path: Path) -> dict[str, object]:
    path = instance_path / INSTANCE_FILE
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return {str(k).upper(): v for k, v in data.items()}


def _flatten(messages) -> str:
    """marshmallow's nested messages ({'value': ['Not a valid list.']}) as one line."""
    if isinstance(messages, dict):
        return " ".join(_flatten(v) for v in messages.values())
    if isinstance(messages, (list, tuple)):
        return " ".join(_flatten(v) for v in messages)
    return str(messages)


def _describe(errors: dict) -> str:
    lines = []
    for name, messages in sorted(errors.items()):
        shown = f"{ENV_PREFIX}{name}"
        if isinstance(messages, dict):
            messages = [f"item {k}: {_flatten(v)}" for k, v in messages.items()]
        lines.append(f"{shown}: {' '.join(str(m) for m in messages)}")
    return "invalid settings:\n  " + "\n  ".join(lines)


def _as_raw(settings: Settings) -> dict[str, object]:
    """The settings as values the schema loads again (tuples and read-only tables load as lists and tables)."""
    return {name: getattr(settings, name) for name in SETTING_NAMES}


def _build(raw: Mapping[str, object]) -> Settings:
    """Validate raw values (ConfigError naming each wrong or unknown setting) and fill in the derived ones."""
    try:
        values: dict[str, Any] = SettingsSchema(unknown=RAISE).load(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc.normalized_messages())) from None
    instance_path = Path(values["INSTANCE_PATH"]).resolve()
    values["INSTANCE_PATH"] = str(instance_path)
    values["DATABASE_URL"] = values["DATABASE_URL"] or f"sqlite:///{instance_path / 'contactguard.sqlite3'}"
    return Settings(**values)


def load_settings(overrides: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Merge instance file < environment < overrides, validate, apply the process-wide ones, return the settings."""
    environ = os.environ if environ is None else environ
    env_values = _from_environ(environ)
    upper = {k.upper(): v for k, v in (overrides or {}).items()}
    instance_path = Path(str(upper.get("INSTANCE_PATH") or env_values.get("INSTANCE_PATH") or "instance"))
    settings = _build({**_from_instance_file(instance_path), **env_values, **upper})
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
