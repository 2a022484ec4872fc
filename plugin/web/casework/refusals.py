"""A service's refusal on the page: each message on the field it names (or on the form as a whole), listed in the
GOV.UK error summary with the policy's rule id kept ([R2], [R42])."""

from __future__ import annotations

from flask_wtf import FlaskForm

from ...services import ServiceError
from ..form_errors import field_for, flat_errors, sentence

GENERIC_MESSAGE = "invalid input: check"  # plugin/services/lookup.py: then the fields' own messages say more

LABELS = {  # service field names as a person reads them (the error summary names the field)
    "actor": "Your role",
    "state": "State",
    "path": "Path",
    "path_justification": "Reason to restrict without a warning",
    "warning": "Warning",
    "incidents": "Incidents",
    "why_necessary": "Why the restriction is necessary",
    "checks": "Pre-restriction checks",
    "social_work_known": "Known to Social Work Services",
    "social_work_enquiry_to": "Who at Social Work Services was asked",
    "social_work_enquired_on": "When Social Work Services were asked",
    "adjustments_needed": "Adjustments needed",
    "adjustments": "Adjustments",
    "other_services": "Other services involved",
    "spoc_kind": "Sole point of contact",
    "spoc_officer": "Sole point of contact",
    "deputy_officer": "Deputy",
    "spoc_inbox": "Team inbox",
    "spoc_external_name": "External contact's name",
    "consent_basis": "Consent or lawful basis",
    "allowed_channels": "Channels left open",
    "time_windows": "Time windows",
    "premises": "Premises",
    "review_due": "Review date",
    "ends_on": "End date",
    "starts_on": "Start date",
    "reasons": "Reasons",
    "next_review_due": "Next review date",
    "outcome": "Outcome",
    "grounds": "Grounds",
    "statement": "Statement",
    "received_on": "Date received",
    "late_reason": "Reason to accept a late appeal",
    "heard_by": "Heard by",
    "restriction": "Restriction",
    "terms": "New terms",
    "customer": "Customer",
    "reference": "Reference",
    "name": "Name",
    "occurred_at": "When it happened",
    "experienced_by": "Experienced by",
}


def label_of(name: str) -> str:
    """A service field name as a person reads it: `time_windows.0.end` -> `Time windows`."""
    head = name.split(".")[0]
    return LABELS.get(name, LABELS.get(head, head.replace("_", " ").capitalize()))


def show_refusal(form: FlaskForm, exc: ServiceError, aliases: dict | None = None) -> None:
    """The service's refusal on the form: each message on the field it names, the rest on the form as a whole."""
    aliases = aliases or {}
    named = list(flat_errors(exc.errors))
    if len(named) == 1 and "[R" not in named[0][1] and not exc.message.startswith(GENERIC_MESSAGE):
        named = [(named[0][0], exc.message)]  # e.g. "email x already identifies customer C1" says more
    found_any = False
    for name, message in named:
        field = field_for(form, name, aliases)
        if field is not None:
            field.errors = [*field.errors, sentence(message)]
        else:
            form.form_errors.append(f"{label_of(name)}: {message}")
        found_any = True
    if not found_any:
        form.form_errors.append(sentence(exc.message))


def refusal_list(exc: ServiceError, hrefs: dict | None = None) -> list[dict]:
    """A refusal not tied to a form (Activate): one line per field, named, with its rule id."""
    items = [
        {"text": f"{label_of(name)}: {message}", "href": (hrefs or {}).get(name.split(".")[0], "#main-content")}
        for name, message in flat_errors(exc.errors)
    ]
    return items or [{"text": sentence(exc.message), "href": "#main-content"}]
