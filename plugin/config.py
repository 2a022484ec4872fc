"""Settings: CONTACTGUARD_* environment variables over an optional instance file.

Every setting is validated at start-up; a wrong or missing one stops start-up with
a message naming it (ConfigError), rather than failing later in a request.
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path

from marshmallow import RAISE, Schema, ValidationError, fields, validate

ENV_PREFIX = "CONTACTGUARD_"
INSTANCE_FILE = "contactguard.toml"
JURISDICTIONS = ("SCT", "ENG", "WLS", "NIR")


class ConfigError(Exception):
    """A setting is missing or wrong; the message names each offending setting."""


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
    LOG_LEVEL = fields.String(
        load_default="INFO", validate=validate.OneOf(["DEBUG", "INFO", "WARNING", "ERROR"])
    )
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
    TESTING = fields.Boolean(load_default=False)


_LIST_SETTINGS = {"REVIEW_REMINDER_DAYS"}
# CONTACTGUARD_* variables that belong to the CLI or the test tooling, not to the service.
NOT_SETTINGS = {"ACTOR", "REQUIRE_POSTGRES", "HELPDESK_VENV"}


def _from_environ(environ) -> dict:
    values = {}
    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX):]
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


def _describe(errors: dict, source: dict) -> str:
    lines = []
    for name, messages in sorted(errors.items()):
        shown = f"{ENV_PREFIX}{name}"
        if isinstance(messages, dict):
            messages = [f"item {k}: {' '.join(v)}" for k, v in messages.items()]
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
        raise ConfigError(_describe(exc.messages, merged)) from None
    settings["INSTANCE_PATH"] = str(Path(settings["INSTANCE_PATH"]).resolve())
    if not settings["DATABASE_URL"]:
        db_file = Path(settings["INSTANCE_PATH"]) / "contactguard.sqlite3"
        settings["DATABASE_URL"] = f"sqlite:///{db_file}"
    return settings
