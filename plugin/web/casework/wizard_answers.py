"""The wizard's answers read two ways: as the proposal and checks the service takes (the input that
`restrictions propose` sends, plugin/cli/workflow.py), and as the rows of "Check your answers"."""

from __future__ import annotations

from flask import url_for

from ...policy.vocabulary import SpocKind
from ...services.lookup import customer_by_ref
from ...words import date_words, windows_words
from .base import incident_choices
from .fields import CHANNEL_LABELS, blank_none, lines_of, parse_windows
from .wizard_steps import PATH_LABELS, SPOC_LABELS


def proposal_data(reference: str, a: dict) -> tuple[dict, dict]:
    """The wizard's answers as the proposal and checks that `restrictions propose` sends (plugin/cli/workflow.py)."""
    data = {
        "customer": reference,
        "path": a["path"],
        "incidents": [int(i) for i in a.get("incidents") or []],
        "warning": int(a["warning"]) if a.get("warning") else None,
        "path_justification": blank_none(a.get("path_justification")),
        "why_necessary": blank_none(a.get("why_necessary")),
        "spoc_kind": a["spoc_kind"],
        "allowed_channels": list(a.get("allowed_channels") or []),
        "time_windows": parse_windows(a.get("windows")),
    }
    data.update(_spoc_terms(a))
    excluded = lines_of(a.get("excluded_premises"))
    if excluded:
        data["premises"] = {"excluded": excluded}
    if a.get("review_due"):
        data["review_due"] = a["review_due"]
    return data, _checks_data(a)


def _spoc_terms(a: dict) -> dict:
    """Only the details of the kind of sole point of contact chosen."""
    kind = a["spoc_kind"]
    names: tuple[str, ...]
    if kind == SpocKind.OFFICER.value:
        names = ("spoc_officer", "deputy_officer")
    elif kind == SpocKind.SHARED_INBOX.value:
        names = ("spoc_inbox",)
    else:
        names = (
            "spoc_external_name",
            "spoc_external_role",
            "spoc_external_email",
            "spoc_external_phone",
            "consent_basis",
        )
    return {name: a[name] for name in names if blank_none(a.get(name))}


def _checks_data(a: dict) -> dict:
    checks = {
        "social_work_known": a["social_work_known"],
        "adjustments_needed": a["adjustments_needed"] == "yes",
        "adjustments": list(a.get("adjustments") or []),
        "other_services": a.get("other_services") or "",
        "mental_health_client": bool(a.get("mental_health_client")),
    }
    for name in ("social_work_enquiry_to", "social_work_enquired_on", "adjustments_notes"):
        if blank_none(a.get(name)):
            checks[name] = a[name]
    return checks


def answer_rows(ctx, reference: str, a: dict) -> list[dict]:
    """The summary list on "Check your answers": each answer in words, with its Change link."""

    def change(step):
        return url_for("casework.wizard_step", reference=reference, step=step, change=1)

    incidents = {str(c.value): c.label for c in incident_choices(ctx, customer_by_ref(ctx, reference).id)}
    rows = [
        ("Why contact is restricted", PATH_LABELS.get(a["path"], a["path"]), "path"),
        ("Incidents", "; ".join(incidents.get(str(i), str(i)) for i in a.get("incidents") or []) or "None", "path"),
    ]
    if a.get("warning"):
        rows.append(("Warning", f"Warning {a['warning']}", "warning"))
    elif a["path"] == "serious_threat":  # the threat is the reason no warning is given (R61): nothing was asked
        rows.append(("Warning", "None needed: a serious threat or violence (R61)", "path"))
    else:
        rows.append(("Why no warning is given first", a.get("path_justification") or "-", "warning"))
    rows += [
        (
            "Known to Social Work Services",
            a["social_work_known"].capitalize()
            + (
                f", asked {a['social_work_enquiry_to']} on {_date_words(a.get('social_work_enquired_on')) or '-'}"
                if a.get("social_work_enquiry_to")
                else ""
            ),
            "checks",
        ),
        ("Mental-health client", "Yes" if a.get("mental_health_client") else "No", "checks"),
        (
            "Adjustments",
            ", ".join(x.replace("_", " ") for x in a.get("adjustments") or [])
            or ("Needed" if a.get("adjustments_needed") == "yes" else "None needed"),
            "checks",
        ),
        ("Other services involved", a.get("other_services") or "-", "checks"),
        ("Sole point of contact", _spoc_words(a), "contact"),
        (
            "Ways of contact left open",
            ", ".join(CHANNEL_LABELS.get(c, c) for c in a.get("allowed_channels") or []),
            "channels",
        ),
        ("Times", _windows_words(a.get("windows")) or "No time limit", "channels"),
        ("Premises the customer may not attend", "; ".join(lines_of(a.get("excluded_premises"))) or "None", "channels"),
        ("Why it is necessary", a.get("why_necessary") or "-", "reasons"),
        ("Review date", _date_words(a.get("review_due")) or "6 months from the start", "review"),
    ]
    return [{"key": key, "value": value, "href": change(step), "step": step} for key, value, step in rows]


def _windows_words(typed) -> str:
    """The times as typed, in words; as typed when they cannot be read (their question says what is wrong)."""
    try:
        return windows_words(parse_windows(typed))
    except ValueError:
        return "; ".join(lines_of(typed))


def _date_words(typed) -> str:
    try:
        return date_words(typed)
    except ValueError:
        return str(typed or "")


def _spoc_words(a: dict) -> str:
    terms = _spoc_terms(a)
    kind = SPOC_LABELS.get(a["spoc_kind"], a["spoc_kind"])
    details = ", ".join(f"{'deputy ' if k == 'deputy_officer' else ''}{v}" for k, v in terms.items())
    return f"{kind}: {details}" if details else kind
