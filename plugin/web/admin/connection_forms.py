"""The forms of a helpdesk connection, built from its adapter's schemas: adding one (a name, each setting, each
secret; the adapter's required ones required) and replacing its secrets (rotation keeps the old value working)."""

from __future__ import annotations

import json

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovPasswordInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from marshmallow import fields as mm
from wtforms import BooleanField, PasswordField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

JSON_FIELDS = (mm.Dict, mm.Nested, mm.List, mm.Raw)
SETTING, SECRET, KEEP = "setting_", "secret_", "keep_"
PREVIOUS = "_previous"  # a rotated secret's old value (adapters/settings.py previous_secret)


def title_of(adapter) -> str:
    """The helpdesk as people name it ("Intercom"), from the adapter's `title`."""
    return adapter.title or adapter.key


def add_title(adapter) -> str:
    """ "Add an Intercom connection", "Add a Zendesk connection"."""
    title = title_of(adapter)
    return f"Add {'an' if title[:1].lower() in 'aeiou' else 'a'} {title} connection"


def connection_form(adapter):
    """A form for one adapter: a name, each setting (JSON for nested ones), each secret as a password input; three
    buttons: test only, test and save, save without testing."""

    class ConnectionForm(FlaskForm):
        name = StringField(
            "Name",
            widget=GovTextInput(),
            description="A name admins recognise, for example Housing helpdesk",
            validators=[InputRequired(message="Enter a name for the connection"), Length(max=200)],
        )

    for name, field in adapter.settings_schema().fields.items():
        setattr(ConnectionForm, SETTING + name, _setting_input(name, field))
    for name, field in adapter.secrets_schema().fields.items():
        if not name.endswith(PREVIOUS):  # an old value exists only once a secret is rotated
            setattr(ConnectionForm, SECRET + name, _secret_input(name, field, field.required))
    ConnectionForm.test = SubmitField("Test the connection", widget=GovSubmitInput())
    ConnectionForm.save = SubmitField("Test and save", widget=GovSubmitInput())
    ConnectionForm.save_untested = SubmitField("Save without testing", widget=GovSubmitInput())
    return ConnectionForm


def secrets_form(adapter):
    """A new value for any of the adapter's secrets (each optional here), "keep the old one working" for those the
    adapter accepts two of during a rotation, and the buttons: test and save, save without testing."""

    class SecretsForm(FlaskForm):
        pass

    names = adapter.secrets_schema().fields
    for name, field in names.items():
        if name.endswith(PREVIOUS):
            continue
        setattr(SecretsForm, SECRET + name, _secret_input(name, field, required=False))
        if name + PREVIOUS in names:
            setattr(
                SecretsForm,
                KEEP + name,
                BooleanField(
                    f"Keep accepting the old {words(name)} until I remove it",
                    widget=GovCheckboxInput(),
                    description="For a rotation: the helpdesk's deliveries signed with either value are accepted",
                ),
            )
    SecretsForm.save = SubmitField("Test and save", widget=GovSubmitInput())
    SecretsForm.save_untested = SubmitField("Save without testing", widget=GovSubmitInput())
    return SecretsForm


def words(name: str) -> str:
    """A setting's name as words: `api_token` -> "api token"."""
    return name.replace("_", " ")


def _secret_input(name: str, field, required: bool):
    checks = [InputRequired(message=f"Enter the {words(name)}")] if required else [Optional()]
    return PasswordField(
        _label(name, required),
        widget=GovPasswordInput(),
        validators=[*checks, Length(max=4096)],
        description=_hint(field, "Stored encrypted; never shown again"),
    )


def _setting_input(name: str, field):
    label, hint = _label(name, field.required), field.metadata.get("description")
    if isinstance(field, mm.Boolean):
        return BooleanField(words(name).capitalize(), widget=GovCheckboxInput(), description=hint)
    checks = [InputRequired(message=f"Enter the {words(name)}")] if field.required else [Optional()]
    if isinstance(field, JSON_FIELDS):
        example = "[]" if isinstance(field, mm.List) else "{}"
        return TextAreaField(
            label,
            widget=GovTextArea(),
            description=f"{hint + '. ' if hint else ''}JSON, for example {example}",
            validators=[*checks, Length(max=20000)],
        )
    return StringField(label, widget=GovTextInput(), description=hint, validators=[*checks, Length(max=2000)])


def _label(name: str, required: bool) -> str:
    text = words(name).capitalize()
    return text if required else f"{text} (optional)"


def _hint(field, default: str) -> str:
    described = field.metadata.get("description")
    return f"{described}. {default}" if described else default


def submitted(form, adapter) -> tuple[dict, dict] | None:
    """The settings and secrets as the service takes them; None (errors on the fields) if some JSON is unreadable."""
    settings, readable = {}, True
    for name, field in adapter.settings_schema().fields.items():
        value = form[SETTING + name].data
        if isinstance(field, mm.Boolean):
            settings[name] = bool(value)
        elif isinstance(field, JSON_FIELDS) and (value or "").strip():
            try:
                settings[name] = json.loads(value)
            except ValueError:
                form[SETTING + name].errors = ['Enter valid JSON, for example {"name": "value"}']
                readable = False
        elif (value or "").strip():
            settings[name] = value.strip()
    return (settings, new_secrets(form, adapter)) if readable else None


def new_secrets(form, adapter) -> dict:
    """The secrets typed (those left empty are not changed)."""
    return {
        name: form[SECRET + name].data
        for name in adapter.secrets_schema().fields
        if SECRET + name in form and form[SECRET + name].data
    }


def aliases(adapter) -> dict:
    """The service's field names (`settings.base_url`, or a test's `username`) to the form's."""
    found: dict[str, str] = {}
    for name in adapter.settings_schema().fields:
        found[f"settings.{name}"] = found.setdefault(name, SETTING + name)
    for name in adapter.secrets_schema().fields:
        found[f"secrets.{name}"] = found.setdefault(name, SECRET + name)
    return found
