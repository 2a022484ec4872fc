"""The fields casework forms are built from (GOV.UK widgets, lengths capped, dates checked, codes offered in
words) and what a person types one a line: time windows, e-mail addresses, phones, premises."""

from __future__ import annotations

import datetime as dt

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # in WTForms 3.2, not yet in its stubs
from wtforms.validators import InputRequired, Length, Optional

from ..forms_dates import HINT, DateInputField

SHORT, MEDIUM, LONG = 200, 400, 1000  # caps on what the wizard keeps in the session cookie
CHANNEL_LABELS = {
    "email": "E-mail",
    "telephone": "Telephone",
    "letter": "Letter",
    "in_person": "In person",
    "web_form": "Web form",
    "chat": "Web chat",
    "sms": "Text message (SMS)",
    "social_media": "Social media",
}


def choices_for(codes, labels: dict | None = None) -> list[SelectChoice]:
    """Codes offered as choices, each in the words of `labels` (or the code made readable)."""
    return [SelectChoice(code, (labels or {}).get(code, code.replace("_", " ").capitalize())) for code in codes]


def checkboxes_field(label: str, codes, labels=None, description: str = "", required: str | None = None):
    """GOV.UK checkboxes, one for each code."""
    validators = [InputRequired(message=required)] if required else [Optional()]
    return SelectMultipleField(
        label,
        widget=GovCheckboxesInput(),
        choices=choices_for(codes, labels),
        description=description,
        validators=validators,
    )


def text_field(label: str, limit: int = SHORT, required: str | None = None, description: str = ""):
    """A GOV.UK text input of at most `limit` characters."""
    validators = [InputRequired(message=required)] if required else [Optional()]
    return StringField(
        label, widget=GovTextInput(), description=description, validators=[*validators, Length(max=limit)]
    )


def area_field(label: str, limit: int = LONG, required: str | None = None, description: str = ""):
    """A GOV.UK textarea of at most `limit` characters."""
    validators = [InputRequired(message=required)] if required else [Optional()]
    return TextAreaField(
        label, widget=GovTextArea(), description=description, validators=[*validators, Length(max=limit)]
    )


def date_field(label: str, description: str = "", named: str | None = None, required: str | None = None):
    """A date typed in the three GOV.UK boxes (Day, Month, Year); optional unless `required` gives the message.

    `description` follows the hint "For example, 27 3 2027" (say what leaving it empty means); `named` is how the
    messages name the date when the label is a question ("The review date must include a month").
    """
    hint = f"{HINT}. {description}" if description else HINT
    return DateInputField(label, description=hint, named=named, required=required)


def windows_field(label: str = "Times the customer may make contact"):
    """Time windows typed one a line (read by `parse_windows`)."""
    return area_field(
        label,
        limit=MEDIUM,
        description="One line each, for example: mon,wed 10:00-12:00. Leave empty for no time limit.",
    )


def submit_button(text: str):
    """The GOV.UK button that sends the form."""
    return SubmitField(text, widget=GovSubmitInput())


def blank_none(value):
    """What was typed, trimmed (a date as 2027-05-20), or None when nothing was."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value.strip() if isinstance(value, str) and value.strip() else None


def lines_of(text: str | None) -> list[str]:
    """The lines typed, trimmed, empty ones left out."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse_windows(text: str | None) -> list[dict]:
    """Time windows typed one a line, 'mon,wed 10:00-12:00' (optionally followed by channels, 'email,telephone')."""
    windows = []
    for line in lines_of(text):
        parts = line.split()
        if len(parts) not in (2, 3) or parts[1].count("-") != 1:
            raise ValueError(f"'{line}' is not like mon,wed 10:00-12:00")
        start, end = parts[1].split("-")
        window = {"days": parts[0].lower().split(","), "start": start, "end": end}
        if len(parts) == 3:
            window["channels"] = parts[2].lower().split(",")
        windows.append(window)
    return windows


def windows_text(windows) -> str:
    """Time windows written back one a line, as `parse_windows` reads them."""
    return "\n".join(
        f"{','.join(w['days'])} {w['start']}-{w['end']}" + (f" {','.join(w['channels'])}" if w.get("channels") else "")
        for w in windows or []
    )


def check_windows(form: FlaskForm) -> list[dict] | None:
    """The windows typed on the form, or None with the mistake on the field."""
    try:
        return parse_windows(form.windows.data)
    except ValueError as exc:
        form.windows.errors = [*form.windows.errors, f"Time windows: {exc}"]
        return None
