"""The GOV.UK date input (https://design-system.service.gov.uk/components/date-input/) as one WTForms field: three
boxes, Day, Month and Year, named `<name>-day`, `<name>-month` and `<name>-year`, inside a fieldset whose legend is
the question. The field only reads the date (`.data` is a datetime.date, or None when nothing was typed); the service
layer still decides whether the date is allowed (not after today, after the decision, ...).

Messages follow the GOV.UK pattern: "Enter the date the letter was sent" (nothing typed, when the date is needed),
"The date sent must include a month", "The date sent must be a real date". The error summary links to the first box
with the mistake (`error_target_id`). A single ISO value under the field's own name (`sent_on=2026-12-07`) is read
too when no box was sent, for links and API-like clients; the page always shows the three boxes.
"""

from __future__ import annotations

import calendar
import datetime as dt

from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import Field
from wtforms.utils import unset_value
from wtforms.validators import StopValidation

PARTS = ("day", "month", "year")
BOX_WIDTHS = {"day": "govuk-input--width-2", "month": "govuk-input--width-2", "year": "govuk-input--width-4"}
HINT = "For example, 27 3 2027"
MONTHS_IN_WORDS = {
    **{name.lower(): number for number, name in enumerate(calendar.month_name) if name},
    **{name.lower(): number for number, name in enumerate(calendar.month_abbr) if name},
    "sept": 9,
}


class GovDateBoxes(GovDateInput):
    """Renders the field as the GOV.UK date input: a fieldset, its hint and error, and the three labelled boxes."""

    def map_gov_params(self, field, **kwargs):
        params = GovFormBase.map_gov_params(self, field, **kwargs)
        for unused in ("name", "label", "value"):
            params.pop(unused, None)
        params["namePrefix"] = field.name
        params.setdefault("fieldset", {"legend": {"text": field.label.text}})
        boxes_in_error = field.boxes_in_error() if field.errors else ()
        params["items"] = [
            {
                "name": part,
                "id": f"{field.id}-{part}",
                "label": part.capitalize(),
                "classes": f"{BOX_WIDTHS[part]}{' govuk-input--error' if part in boxes_in_error else ''}",
                "value": field.typed[part],
            }
            for part in PARTS
        ]
        return params


class DateInputField(Field):
    """A date typed as day, month and year in three boxes; `.data` is a datetime.date or None.

    `required` is the message when nothing is typed ("Enter the date it happened"); without it the date may be left
    empty. `named` is how the other messages name the date ("The review date"), by default the label.
    """

    widget = GovDateBoxes()

    def __init__(self, label=None, validators=None, *, required: str | None = None, named: str | None = None, **kwargs):
        kwargs.setdefault("description", HINT)
        super().__init__(label, validators, **kwargs)
        self.required_message = required
        self.named = named
        self.typed = dict.fromkeys(PARTS, "")
        self.mistaken_parts: tuple[str, ...] = ()
        self.problem: str | None = None

    # -- reading -------------------------------------------------------------------------------------------

    def process(self, formdata, data=unset_value, extra_filters=None) -> None:
        self.process_errors = []
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        self.data = _as_date(data)
        self.typed = _parts_of(self.data)
        if formdata is None:
            self.raw_data = None
            return
        box_names = [f"{self.name}-{part}" for part in PARTS]
        if any(name in formdata for name in box_names):
            self.typed = {part: (formdata.get(f"{self.name}-{part}") or "").strip() for part in PARTS}
            self.raw_data = [self.typed[part] for part in PARTS]
            self.data = self._read_boxes()
        elif formdata.get(self.name):
            self.raw_data = [formdata.get(self.name).strip()]
            self.data = self._read_iso(self.raw_data[0])
        else:
            self.raw_data = []
            self.data = None

    def _read_boxes(self) -> dt.date | None:
        name = self.named or self.label.text
        typed = self.typed
        if not any(typed.values()):
            return None
        missing = [part for part in PARTS if not typed[part]]
        if missing:
            return self._refuse(f"{name} must include a {' and '.join(missing)}", missing)
        month = MONTHS_IN_WORDS.get(typed["month"].lower(), typed["month"])
        as_numbers = {"day": typed["day"], "month": str(month), "year": typed["year"]}
        not_numbers = [part for part in PARTS if not as_numbers[part].isdigit()]
        if not_numbers:
            return self._refuse(f"{name} must be a real date", not_numbers)
        if len(typed["year"]) != 4:
            return self._refuse(f"{name} must include a year with 4 numbers, for example 2027", ["year"])
        try:
            return dt.date(int(typed["year"]), int(month), int(typed["day"]))
        except ValueError:
            return self._refuse(f"{name} must be a real date", PARTS)

    def _read_iso(self, text: str) -> dt.date | None:
        try:
            found = dt.date.fromisoformat(text)
        except ValueError:
            self.typed = dict.fromkeys(PARTS, "")
            return self._refuse(f"{self.named or self.label.text} must be a real date", PARTS)
        self.typed = _parts_of(found)
        return found

    def _refuse(self, message: str, parts) -> dt.date | None:
        """Note the mistake and the boxes it is in: no date was read."""
        self.problem = message
        self.mistaken_parts = tuple(parts)
        return None

    # -- checking ------------------------------------------------------------------------------------------

    def pre_validate(self, form) -> None:
        if self.problem:
            raise StopValidation(self.problem)
        if self.data is None:
            if self.required_message:
                raise StopValidation(self.required_message)
            raise StopValidation()  # left empty, which is allowed: no other check applies

    def boxes_in_error(self) -> tuple[str, ...]:
        """The boxes the mistake is in: those named by the message, else all three (a refusal of the whole date)."""
        return self.mistaken_parts if self.problem and self.errors and self.errors[0] == self.problem else PARTS

    @property
    def error_target_id(self) -> str:
        """Where the error summary's link goes: the first box with the mistake."""
        return f"{self.id}-{self.boxes_in_error()[0]}"

    def _value(self) -> str:
        return self.data.isoformat() if self.data else ""


def _as_date(value) -> dt.date | None:
    """A date from what a form was filled with: a date, an ISO string, or nothing."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _parts_of(date: dt.date | None) -> dict[str, str]:
    if date is None:
        return dict.fromkeys(PARTS, "")
    return {"day": str(date.day), "month": str(date.month), "year": str(date.year)}


def iso_or_none(date: dt.date | None) -> str | None:
    """The date as the service reads it (2027-05-20), or None when none was given."""
    return date.isoformat() if date else None
