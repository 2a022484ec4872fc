"""Settings: CONTACTGUARD_* environment variables over an optional instance file.

Every setting is validated at start-up; a wrong or missing one stops start-up with
a message naming it (ConfigError), rather than failing later in a request.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

ENV_PREFIX = "CONTACTGUARD_"
INSTANCE_FILE = "contactguard.toml"
JURISDICTIONS = ("SCT", "ENG", "WLS", "NIR")
LOGO_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg", ".gif")


class ConfigError(Exception):
    """A setting is missing or wrong; the message names each offending setting."""


class JsonOrDict(fields.Dict):
    """A table from the instance file, or the same written as a JSON object in an environment variable."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValidationError("give a JSON object, e.g. {\"threat\": [\"torch ... house\"]}") from None
        return super()._deserialize(value, attr, data, **kwargs)


class SettingsSchema(Schema):
    """The settings contactguard accepts; names are the env variables without the prefix."""

    class Meta:
        unknown = RAISE

    INSTANCE_PATH = fields.String(load_default="instance")
    DATABASE_URL = fields.String(load_default=None, allow_none=True)
    SECRET_KEY = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=16))
    HOST = fields.String(load_default="127.0.0.1")
    PORT = fields.Integer(load_default=8080, validate=validate.Range(1, 65535))
    # Where helpdesks reach contactguard; webhook URLs printed to admins start with it.
    PUBLIC_URL = fields.Url(load_default=None, allow_none=True, require_tld=False)
    OUTBOX_MAX_ATTEMPTS = fields.Integer(load_default=8, validate=validate.Range(1, 50))
    # How long a worker's claim on an outbox action holds; renewed before each call (killed workers: this long).
    OUTBOX_LEASE_SECONDS = fields.Float(load_default=60.0, validate=validate.Range(0.1, 3600))
    # Tickets a worker applies actions to at the same time (PostgreSQL; SQLite works one ticket at a time).
    # A ticket's own actions always go one after another, in order.
    OUTBOX_THREADS = fields.Integer(load_default=8, validate=validate.Range(1, 64))
    LOG_LEVEL = fields.String(load_default="INFO", validate=validate.OneOf(["DEBUG", "INFO", "WARNING", "ERROR"]))
    TIMEZONE = fields.String(load_default="Europe/London")
    # The policy's clock: jurisdiction for bank holidays (holidays package, GB subdivisions).
    JURISDICTION = fields.String(load_default="SCT", validate=validate.OneOf(JURISDICTIONS))
    INTERIM_CONFIRM_WORKING_DAYS = fields.Integer(load_default=5, validate=validate.Range(1, 60))
    REVIEW_MONTHS = fields.Integer(load_default=6, validate=validate.Range(1, 24))
    RESTRICTION_APPEAL_WORKING_DAYS = fields.Integer(load_default=10, validate=validate.Range(1, 60))
    APPEAL_DECISION_WORKING_DAYS = fields.Integer(load_default=10, validate=validate.Range(1, 60))
    WARNING_APPEAL_WORKING_DAYS = fields.Integer(load_default=10, validate=validate.Range(1, 60))
    WARNING_FOLLOWUP_MONTHS = fields.Integer(load_default=3, validate=validate.Range(1, 24))
    REVIEW_REMINDER_DAYS = fields.List(fields.Integer(validate=validate.Range(1, 365)), load_default=[30, 7])
    # R12/R15: time windows must leave some open channel open at least this long each week (0 = no minimum).
    MIN_WEEKLY_CONTACT_MINUTES = fields.Integer(load_default=60, validate=validate.Range(0, 7 * 24 * 60))
    EXPIRY_MODE = fields.String(load_default="sunset", validate=validate.OneOf(["sunset", "hold_until_reviewed"]))
    # `contactguard serve` (plugin/web/gunicorn_conf.py): threaded workers, so idle connections never starve it.
    WEB_WORKERS = fields.Integer(load_default=2, validate=validate.Range(1, 64))
    WEB_THREADS = fields.Integer(load_default=8, validate=validate.Range(1, 256))
    WEB_TIMEOUT = fields.Integer(load_default=30, validate=validate.Range(5, 600))
    # How an incoming e-mail address is compared with the register (plugin/identity.py): strict (case only),
    # subaddress (also ignores +tag), provider_rules (also Gmail's dots and googlemail.com). Changing it
    # re-normalises nothing by itself: run `python -m plugin.identity renormalise` afterwards.
    EMAIL_MATCHING = fields.String(
        load_default="provider_rules", validate=validate.OneOf(["strict", "subaddress", "provider_rules"])
    )
    # Helpdesk URLs (base_url, callback_url) on loopback, link-local, private or other internal addresses are
    # refused at set-up and at call time, unless this is on (or the connection sets allow_private_network).
    ALLOW_PRIVATE_HELPDESK_URLS = fields.Boolean(load_default=False)
    # Data protection (docs/data-protection.md): a customer with nothing in force, no appeal open and nothing
    # on file for this many months (restriction ended, last incident, warning, appeal, review or letter) is
    # anonymised; allowed (unrestricted) webhook events are deleted this many days after they arrive.
    RETENTION_AFTER_END_MONTHS = fields.Integer(load_default=24, validate=validate.Range(1, 240))
    RETENTION_UNRESTRICTED_EVENTS_DAYS = fields.Integer(load_default=30, validate=validate.Range(1, 3650))
    # A council's own safeguarding phrases, added to the default screen (plugin/policy/screen.py; entries only
    # add, nothing default can be removed): in contactguard.toml a table such as
    #   [safeguarding_screen]
    #   threat = ["torch ... house"]
    # or, in the environment, the same as JSON: CONTACTGUARD_SAFEGUARDING_SCREEN='{"threat": ["torch ... house"]}'.
    SAFEGUARDING_SCREEN = JsonOrDict(
        keys=fields.String(validate=validate.Length(1, 64)),
        values=fields.List(fields.String(validate=validate.Length(1, 200))),
        load_default=dict,
    )
    # Signing in to the web pages (plugin/web/auth.py, docs/sign-in.md). A signed-in session ends after this many
    # minutes without a request; the session cookie is signed with a key derived from SECRET_KEY (or secret.key).
    SESSION_IDLE_MINUTES = fields.Integer(load_default=480, validate=validate.Range(5, 7 * 24 * 60))
    # OpenID Connect sign-in (e.g. Entra ID, Google Workspace): offered when all three are set. The provider's
    # verified `email` claim must be an active officer's e-mail with an account. The client secret is secret.
    OIDC_ISSUER = fields.Url(load_default=None, allow_none=True, require_tld=False, schemes={"https", "http"})
    OIDC_CLIENT_ID = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 255))
    OIDC_CLIENT_SECRET = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 1024))
    # The policy's letters (plugin/letters, docs/letters.md): the letterhead and who signs. Optional at start-up;
    # a letter is refused (letter_incomplete) naming any of them still missing. COUNCIL_ADDRESS: one line per
    # line of the address, separated by new lines or ";". COUNCIL_LOGO: an image file (PNG, JPEG, SVG).
    COUNCIL_NAME = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))
    COUNCIL_ADDRESS = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 1000))
    COUNCIL_LOGO = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 1000))
    LETTER_SIGNATORY = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))
    LETTER_SIGNATORY_TITLE = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))
    TESTING = fields.Boolean(load_default=False)

    @validates("COUNCIL_LOGO")
    def _logo_is_an_image_file(self, value, **_):
        if value is None:
            return
        if not Path(value).is_file():
            raise ValidationError(f"no such file: {value}")
        if Path(value).suffix.lower() not in LOGO_SUFFIXES:
            raise ValidationError(f"give a {', '.join(LOGO_SUFFIXES)} image")

    @validates("SAFEGUARDING_SCREEN")
    def _screen_compiles(self, value, **_):
        from .policy.screen import Screen, ScreenConfigError, compile_pattern

        try:
            Screen.from_dict(value)
            for entries in value.values():
                for entry in entries:
                    compile_pattern(entry)
        except (ScreenConfigError, re.error) as exc:
            raise ValidationError(f"a pattern cannot be used: {exc}") from None


_LIST_SETTINGS = {"REVIEW_REMINDER_DAYS"}
# CONTACTGUARD_* variables that belong to the CLI or the test tooling, not to the service.
NOT_SETTINGS = {"ACTOR", "REQUIRE_POSTGRES", "HELPDESK_VENV"}


def _from_environ(environ) -> dict:
    values = {}
    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX) :]
        if name in NOT_SETTINGS or name.startswith("TEST_"):
            continue
        if name in _LIST_SETTINGS:
            value = [v.strip() for v in value.split(",") if v.strip()]
        values[name] = value
    return values


def _from_instance_file(instance_path: Path) -> dict:
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


def _describe(errors: dict, source: dict) -> str:
    lines = []
    for name, messages in sorted(errors.items()):
        shown = f"{ENV_PREFIX}{name}"
        if isinstance(messages, dict):
            messages = [f"item {k}: {_flatten(v)}" for k, v in messages.items()]
        lines.append(f"{shown}: {' '.join(str(m) for m in messages)}")
    return "invalid settings:\n  " + "\n  ".join(lines)


def load_settings(overrides: dict | None = None, environ=None) -> dict:
    """Merge instance file < environment < overrides, validate, and return the settings."""
    environ = os.environ if environ is None else environ
    env_values = _from_environ(environ)
    overrides = {k.upper(): v for k, v in (overrides or {}).items()}
    instance_path = Path(overrides.get("INSTANCE_PATH") or env_values.get("INSTANCE_PATH") or "instance")
    merged = {**_from_instance_file(instance_path), **env_values, **overrides}
    try:
        settings = SettingsSchema().load(merged)
    except ValidationError as exc:
        raise ConfigError(_describe(exc.normalized_messages(), merged)) from None
    settings["INSTANCE_PATH"] = str(Path(settings["INSTANCE_PATH"]).resolve())
    if not settings["DATABASE_URL"]:
        db_file = Path(settings["INSTANCE_PATH"]) / "contactguard.sqlite3"
        settings["DATABASE_URL"] = f"sqlite:///{db_file}"
    _apply_process_wide(settings)
    return settings


def _apply_process_wide(settings: dict) -> None:
    """Two settings act where no settings are passed (identity normalisation in every caller, the adapters'
    HTTP transport): every process loads its settings through here, so they take effect for the process."""
    from adapters import outbound

    from . import identity

    identity.set_email_matching(settings["EMAIL_MATCHING"])
    outbound.set_private_allowed(settings["ALLOW_PRIVATE_HELPDESK_URLS"])
