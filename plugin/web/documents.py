"""Letters and management reports in the browser: list, read, download, record as sent, chart with its table.

Every rule lives in the service layer: plugin/services/letters.py (which letters wait, mark_sent and the appeal
clock), plugin/services/letter_documents.py (writing a letter, refused naming a missing field) and plugin/reports
(the figures, the role check and the audit). These pages only carry them over HTTP. Letters are for officers,
senior officers and admins (only policy staff record one as sent); reports for senior officers and admins.
A refusal is shown on the page (GOV.UK error summary) with the status the service gave, never as a 500.
"""

from __future__ import annotations

import logging
import re
from typing import Any, cast

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from markupsafe import Markup
from wtforms import RadioField, SubmitField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # in WTForms 3.2, not yet in its stubs
from wtforms.validators import InputRequired

from ..models import Letter
from ..policy.calendar import DELIVERY_METHODS
from ..policy.vocabulary import Role
from ..present import letter_with_deadline as letter_data
from ..reports import render_report
from ..services import ServiceError
from ..services import letter_documents as ld
from ..services import letters as lt
from ..services import reports as rp
from ..services.audit import record_read
from ..services.customer_view import REASON_READERS
from ..services.lookup import get
from ..words import date_words
from .auth import current_actor, has_bearer, login_required, signed_in_actor, unit_of_work
from .form_errors import error_list, field_for, flat_errors, sentence
from .forms_dates import HINT as DATE_HINT
from .forms_dates import DateInputField, iso_or_none

log = logging.getLogger(__name__)

bp = Blueprint("documents", __name__)

LETTER_READERS = tuple(REASON_READERS)  # a letter states the reasons (services/customer_view.py decides who)
LETTER_SENDERS = (Role.OFFICER, Role.SENIOR)  # admins configure; policy staff record what was sent
REPORT_READERS = (Role.SENIOR, Role.ADMIN)
SENT_SHOWN = 50
# "invalid input: check sent_on" (plugin/services/lookup.py, connections.py): the field's own message says more.
GENERIC_MESSAGE = re.compile(r"^invalid [\w ]+: check ")
METHOD_LABELS = {
    "post_first_class": "First class post",
    "post_second_class": "Second class post",
    "recorded_delivery": "Recorded delivery",
    "email": "E-mail",
    "hand": "Delivered by hand",
    "in_person": "Handed to the customer in person",
}


class MarkSentForm(FlaskForm):
    """How and when the letter went; the service checks the date against the decision and today."""

    method = RadioField(
        "How was the letter sent?",
        widget=GovRadioInput(),
        choices=[SelectChoice(m, METHOD_LABELS.get(m, m)) for m in DELIVERY_METHODS],
        validators=[InputRequired(message="Select how the letter was sent")],
    )
    sent_on = DateInputField(
        "When was the letter sent?",
        description=f"{DATE_HINT}. Leave empty for today.",
        named="The date the letter was sent",
    )
    submit = SubmitField("Record as sent", widget=GovSubmitInput())


# -- shown on a page instead of a 500 (the admin pages use these too) ------------------------------------


def put_on_form(form: FlaskForm, exc: ServiceError, aliases: dict | None = None) -> None:
    """Put a service refusal on the form fields it names; what names no field goes on the form as a whole.

    `aliases` maps the service's field names to the form's (e.g. "from" -> "start"); a nested name such as
    `settings.mapping.ticket_id` falls back to its parents (`settings.mapping`).
    """
    named: list[tuple] = []
    unnamed: list[tuple] = []
    for name, messages in flat_errors(exc.errors):
        field = field_for(form, name, aliases or {})
        (named if field is not None else unnamed).append((field or name, messages))
    if len(named) == 1 and not unnamed and not GENERIC_MESSAGE.match(exc.message):
        field = named[0][0]
        field.errors = [*field.errors, sentence(exc.message)]
        return
    for field, messages in named:
        field.errors = [*field.errors, sentence(messages)]
    if unnamed or not named:
        form.form_errors.append(sentence(exc.message))


# -- letters ----------------------------------------------------------------------------------------------


@bp.get("/letters")
@login_required(*LETTER_READERS)
def letters():
    """Letters waiting to be sent, and the latest sent ones with their deemed receipt and appeal deadline."""
    with unit_of_work() as ctx:
        waiting = lt.unsent(ctx)
        sent = [x for x in reversed(lt.all_letters(ctx)) if x.state == "sent"][:SENT_SHOWN]
        shown = waiting + sent
        record_read(ctx, "letters page", "letters", [x.id for x in shown], [x.customer_id for x in shown])
        waiting_rows = [_row(ctx, x) for x in waiting]
        sent_rows = [_row(ctx, x) for x in sent]
    return render_template(
        "documents/letters.html", title="Letters", waiting=waiting_rows, sent=sent_rows, sent_shown=SENT_SHOWN
    )


def _row(ctx, letter: Letter) -> dict:
    """A letter as the pages show it: the service's data plus the kind and method in words."""
    data = letter_data(ctx, letter)
    data.update(
        customer_name=letter.customer.name,
        postable=letter.customer.postal_address is not None,
        kind_label=_kind_label(letter.kind),
        method_label=METHOD_LABELS.get(letter.delivery_method or "", "-"),
        appealable=lt.appeal_window(ctx, letter) is not None,
    )
    return data


def _kind_label(kind: str) -> str:
    return kind.replace("_", " ").capitalize() + " letter"


@bp.route("/letters/<int:letter_id>", methods=["GET", "POST"])
@login_required(*LETTER_READERS)
def letter(letter_id: int):
    """One letter: what it is, the letter itself (sandboxed), the PDF, and the form to record it as sent."""
    form = MarkSentForm()
    with unit_of_work() as ctx:
        found = ctx.session.get(Letter, letter_id)
        if found is None:
            abort(404)
        methods = lt.sending_methods(found.customer)  # post only to a customer whose postal address is held
    form.method.choices = [SelectChoice(m, METHOD_LABELS.get(m, m)) for m in methods]
    status: int | None = 200
    if request.method == "POST":
        if signed_in_actor().role not in LETTER_SENDERS:
            abort(403)
        if not form.validate_on_submit():
            status = 400
        else:
            status = _record_sent(letter_id, form)
            if status is None:
                return redirect(url_for("documents.letter", letter_id=letter_id))
    return _letter_page(letter_id, form, status or 200)


def _record_sent(letter_id: int, form: MarkSentForm) -> int | None:
    """Call mark_sent and flash the deemed receipt and appeal deadline; on a refusal, put it on the form and
    return its status."""
    data = {"method": form.method.data}
    if form.sent_on.data:
        data["sent_on"] = form.sent_on.data.isoformat()
    try:
        with unit_of_work() as ctx:
            row = _row(ctx, lt.mark_sent(ctx, letter_id, data))
    except ServiceError as exc:
        put_on_form(form, exc)
        return exc.status
    log.info("letter marked sent letter=%s method=%s", letter_id, row["method"])
    message = (
        f"Letter {letter_id} recorded as sent on {date_words(row['sent_on'])}. "
        f"It is deemed received on {date_words(row['deemed_receipt'])}."
    )
    if row["appeal_deadline"]:
        message += f" The customer may appeal until {date_words(row['appeal_deadline'])}."
    flash(message)
    return None


def _letter_page(letter_id: int, form: MarkSentForm, status: int):
    refusal = None
    with unit_of_work() as ctx:
        found = ctx.session.get(Letter, letter_id)
        if found is None:
            abort(404)
        row = _row(ctx, found)
        try:
            ld.check_letter(ctx, letter_id)  # the page frames the letter (/letters/<id>.html), rendered there once
        except ServiceError as exc:
            refusal = exc
    missing = [{"text": _missing_advice(name), "href": "#letter-facts"} for name in (refusal.errors if refusal else {})]
    return render_template(
        "documents/letter.html",
        title=f"Letter {letter_id}",
        letter=row,
        letter_complete=refusal is None,
        refusal=refusal,
        missing=missing,
        form=form,
        errors=error_list(form),
        may_send=signed_in_actor().role in LETTER_SENDERS,
    ), status


def _missing_advice(field: str) -> str:
    """What an officer reads for one missing field: a council setting (an admin sets it) or the record itself."""
    if field.isupper():
        return f"{field} is missing: an admin must set CONTACTGUARD_{field} (or {field.lower()} in the instance file)"
    return f"{field} is missing from the record this letter reports: correct the record, then come back"


@bp.get("/letters/<int:letter_id>.pdf")
@login_required(*LETTER_READERS)
def letter_pdf(letter_id: int):
    """The letter as a PDF download; the file name carries the letter's id and kind, no personal data."""
    try:
        with unit_of_work() as ctx:
            kind = get(ctx, Letter, letter_id, "letter").kind
            content = ld.render_letter(ctx, letter_id, "pdf")
    except ServiceError as exc:
        return _refusal_page(exc)
    log.info("letter downloaded letter=%s format=pdf", letter_id)
    headers = {
        "Content-Type": "application/pdf",
        "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="letter-{letter_id}-{kind}.pdf"',
    }
    return content, 200, headers


@bp.get("/letters/<int:letter_id>.html")
@login_required(*LETTER_READERS)
def letter_html(letter_id: int):
    """The letter on a page of its own, as printed: sandboxed (no script, nothing fetched but its data: logo)."""
    try:
        with unit_of_work() as ctx:
            content = ld.render_letter(ctx, letter_id, "html")
    except ServiceError as exc:
        return _refusal_page(exc)
    return (
        content,
        200,
        {
            "Content-Type": "text/html; charset=utf-8",
            # Its own policy: the letter's inline styles, nothing else; framed only by its letter page.
            "Content-Security-Policy": (
                "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'"
            ),
            "X-Frame-Options": "SAMEORIGIN",
        },
    )


def _refusal_page(exc: ServiceError):
    """A refusal as a GOV.UK page with the service's status and message."""
    return render_template(
        "documents/refused.html", title="This cannot be done", message=sentence(exc.message), fields=list(exc.errors)
    ), exc.status


# -- reports ----------------------------------------------------------------------------------------------


class PeriodForm(FlaskForm):
    """The report's range; the service reads and checks the dates (bad ones come back on these fields)."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    start = DateInputField("From", name="from", description="For example, 1 1 2026", named="The start date")
    end = DateInputField("To", name="to", description="For example, 31 12 2026", named="The end date")


PERIOD_ALIASES = {"from": "start", "to": "end"}


@bp.get("/reports")
@login_required(*REPORT_READERS)
def reports():
    """The reports there are, each with what it counts."""
    return render_template("documents/reports.html", title="Reports", reports=rp.catalogue())


@bp.get("/reports/<report_id>")
@login_required(*REPORT_READERS)
def report(report_id: str):
    """The chart drawn on the server (inline SVG, no script) with its data table, for the range asked for."""
    _title(report_id)  # 404 for a report that does not exist
    form = PeriodForm(formdata=request.args)
    if not form.validate():
        return _report_page(report_id, form, None, 400)
    try:
        with unit_of_work() as ctx:
            body = render_report(ctx, report_id, "html", iso_or_none(form.start.data), iso_or_none(form.end.data))
    except ServiceError as exc:
        put_on_form(form, exc, PERIOD_ALIASES)
        return _report_page(report_id, form, None, exc.status)
    return _report_page(report_id, form, Markup(body), 200)


def _title(report_id: str) -> tuple[str, str]:
    for entry in rp.catalogue():
        if entry["id"] == report_id:
            return entry["title"], entry["description"]
    abort(404)


def _blank(value: str | None) -> str | None:
    return (value or "").strip() or None


def _report_page(report_id: str, form: PeriodForm, body, status: int):
    title, description = _title(report_id)
    asked = (("from", iso_or_none(form.start.data)), ("to", iso_or_none(form.end.data)))
    csv_args = {name: date for name, date in asked if date}
    return render_template(
        "documents/report.html",
        title=title,
        description=description,
        report_id=report_id,
        form=form,
        errors=error_list(form),
        body=body,
        csv_url=url_for("documents.report_csv", report_id=report_id, **cast("dict[str, Any]", csv_args)),
    ), status


@bp.get("/reports/<report_id>.csv")
@login_required(*REPORT_READERS)
def report_csv(report_id: str):
    """The report's figures as CSV (counts only), for the range asked for."""
    asked_from, asked_to = _blank(request.args.get("from")), _blank(request.args.get("to"))
    try:
        with unit_of_work() as ctx:
            content = render_report(ctx, report_id, "csv", asked_from, asked_to)
            start, end = rp.report_range(ctx.today(), asked_from, asked_to)
    except ServiceError as exc:
        return _refusal_page(exc)
    name = f"report-{report_id}-{start.isoformat()}-{end.isoformat()}.csv"
    return (
        content,
        200,
        {
            "Content-Type": "text/csv; charset=utf-8",
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


# -- navigation -------------------------------------------------------------------------------------------


@bp.app_context_processor
def _navigation() -> dict:
    """Letters and Reports in the service navigation, for the roles that may open them (layout.html adds them)."""
    actor = current_actor() if not has_bearer() else None
    items = []
    if actor is not None and actor.role in LETTER_READERS:
        items.append(_nav_item("Letters", "documents.letters", "documents.letter"))
    if actor is not None and actor.role in REPORT_READERS:
        items.append(_nav_item("Reports", "documents.reports", "documents.report"))
    return {"documents_navigation": items}


def _nav_item(text: str, endpoint: str, prefix: str) -> dict:
    return {"text": text, "href": url_for(endpoint), "active": (request.endpoint or "").startswith(prefix)}
