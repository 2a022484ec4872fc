"""What every page form does with errors: a service's field-keyed errors flattened, the form field a service
name refers to, and the GOV.UK error summary's list. Shared by the letter and report pages (plugin/web/documents.py),
the admin pages and the casework pages (plugin/web/casework/refusals.py), which differ only in how they put a
refusal on the form."""

from __future__ import annotations

from flask_wtf import FlaskForm


def sentence(text: str) -> str:
    """A service message as a sentence on a page: capital first letter."""
    return text[:1].upper() + text[1:]


def flat_errors(errors: dict, prefix: str = ""):
    """(field name, message) pairs from the service's field-keyed errors, nested names joined with dots."""
    for name, value in (errors or {}).items():
        if isinstance(value, dict):
            yield from flat_errors(value, f"{prefix}{name}.")
        else:
            messages = value if isinstance(value, (list, tuple)) else [value]
            yield f"{prefix}{name}", "; ".join(str(m) for m in messages)


def field_for(form: FlaskForm, name: str, aliases: dict):
    """The form's field for a service field name (through `aliases`), else its nearest named parent's, else None."""
    while name:
        field = form._fields.get(aliases.get(name, name))
        if field is not None and field.name != "csrf_token":
            return field
        name = name.rpartition(".")[0]
    return None


def error_list(form: FlaskForm) -> list[dict]:
    """The GOV.UK error summary's list: each message linked to its field (or to the form)."""
    items = [{"text": message, "href": "#main-content"} for message in form.form_errors]
    for field in form:
        href = f"#{getattr(field, 'error_target_id', field.id)}"  # a date: its first box with the mistake
        items += [{"text": message, "href": href} for message in field.errors if isinstance(message, str)]
    return items
