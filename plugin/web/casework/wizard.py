"""The restriction wizard: one question per page, then "Check your answers", which proposes the restriction.

The wizard walks the policy's steps in order, one question per page, and keeps the answers in the
server-signed session cookie until "Check your answers" sends them to `restrictions.propose`. Only ids, codes
and short text go there (each free-text answer is capped), and the answers are dropped once proposed.

On the serious-threat path (R61) no warning is needed, so the warning question is not asked, and a senior officer
may instead activate at once: a check page (casework/confirm.html), then `restrictions.impose`, the service call
`restrictions propose --activate` and the API's `activate: true` make.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # in WTForms 3.2, not yet in its stubs

from ...models import FormalWarning
from ...services import ServiceError
from ...services import restrictions as rs
from ...words import date_words
from ..auth import login_required, signed_in_actor, unit_of_work
from .base import CASEWORKERS, SENIORS, bp, customer_by_ref_or_404, form_page, incident_choices, officer_choices
from .fields import check_windows
from .refusals import refusal_list
from .wizard_answers import answer_rows, proposal_data
from .wizard_steps import STEP_FORMS, STEP_OF_FIELD, STEP_TITLES, STEPS, ProposeForm, SkipWarningStep, WarningStep

log = logging.getLogger(__name__)

WIZARD = "restriction_wizard"  # session key: {"customer": REF, "answers": {...}}
SERIOUS_THREAT = "serious_threat"  # the path on which no warning is needed (R61), and a senior may activate at once
COOKIE_LIMIT = 3800  # bytes: browsers drop a cookie over 4096, which would sign the officer out


def _answers(reference: str) -> dict:
    """This customer's wizard answers so far (a wizard for another customer is forgotten)."""
    wizard = session.get(WIZARD) or {}
    return dict(wizard.get("answers", {})) if wizard.get("customer") == reference else {}


def _save_answers(reference: str, answers: dict) -> None:
    session[WIZARD] = {"customer": reference, "answers": answers}


@bp.get("/customers/<reference>/restrict")
@login_required(*CASEWORKERS)
def wizard_start(reference: str):
    """Start a new restriction for this customer: fresh answers, first question."""
    with unit_of_work() as ctx:
        customer_by_ref_or_404(ctx, reference)
    _save_answers(reference, {})
    return redirect(url_for("casework.wizard_step", reference=reference, step=STEPS[0]))


@bp.route("/customers/<reference>/restrict/<step>", methods=["GET", "POST"])
@login_required(*CASEWORKERS)
def wizard_step(reference: str, step: str):
    """One question page of the wizard; answers go to the session, then on to the next step (or back to the check)."""
    if step not in STEPS:
        abort(404)
    answers = _answers(reference)
    if step != STEPS[0] and "path" not in answers:
        return redirect(url_for("casework.wizard_step", reference=reference, step=STEPS[0]))
    changing = request.args.get("change") == "1"
    if step not in _steps_for(answers):  # the warning, on the serious-threat path: the threat is the reason
        target = "check" if changing else _next_step(step, answers)
        if target == "check":
            return redirect(url_for("casework.wizard_check", reference=reference))
        return redirect(url_for("casework.wizard_step", reference=reference, step=target))
    form = _step_form(reference, step, answers)
    page = {
        "back": _back_link(reference, step, changing, answers),
        "caption": f"Restrict contact: {reference}",
        "action": request.full_path.rstrip("?"),
    }
    if not form.validate_on_submit() or not _store_step(form, step, answers) or not _fits(form, reference, answers):
        status = 400 if request.method == "POST" else 200
        return form_page(form, STEP_TITLES[step], status, **page)
    _save_answers(reference, answers)
    target = "check" if changing else _next_step(step, answers)
    if target == "check":
        return redirect(url_for("casework.wizard_check", reference=reference))
    return redirect(url_for("casework.wizard_step", reference=reference, step=target))


def _step_form(reference: str, step: str, answers: dict) -> FlaskForm:
    """The form for a step, its choices filled in, and pre-filled with the answers given so far."""
    form_class: type[FlaskForm]
    if step == "warning":
        form_class = WarningStep if answers.get("path") == "after_warning" else SkipWarningStep
    else:
        form_class = STEP_FORMS[step]
    form = form_class() if request.method == "POST" else form_class(data=_prefill(form_class, answers))
    with unit_of_work() as ctx:
        found = customer_by_ref_or_404(ctx, reference)
        if step == "path":
            form.incidents.choices = [SelectChoice(str(c.value), c.label) for c in incident_choices(ctx, found.id)]
        elif isinstance(form, WarningStep):
            form.warning.choices = _warning_choices(ctx, found.id)
        elif step == "contact":
            form.spoc_officer.choices = officer_choices(ctx, "Choose the officer")
            form.deputy_officer.choices = officer_choices(ctx, "The officer's standing deputy")
    return form


def _warning_choices(ctx, customer_id: int) -> list[SelectChoice]:
    rows = ctx.session.scalars(
        select(FormalWarning)
        .where(FormalWarning.customer_id == customer_id, FormalWarning.state == "issued")
        .order_by(FormalWarning.id)
    )
    return [SelectChoice(str(w.id), f"Warning {w.id}, issued {date_words(w.issued_on)}") for w in rows]


def _prefill(form_class, answers: dict) -> dict:
    """The answers already given that this step's form asks for (only on GET: a POST carries its own)."""
    return {name: answers[name] for name in dir(form_class) if name in answers}


def _store_step(form: FlaskForm, step: str, answers: dict) -> bool:
    """Copy the step's answers into `answers`; False (with the mistake on the field) when a line cannot be read."""
    if step == "channels" and check_windows(form) is None:
        return False
    for field in form:
        if field.name in ("csrf_token", "submit"):
            continue
        value = field.data
        if isinstance(value, dt.date):  # the session keeps dates as the service reads them, 2027-05-20
            value = value.isoformat()
        answers[field.name] = value.strip() if isinstance(value, str) else value
    if step == "path":
        answers.pop("warning", None)  # the path decides what the warning step asks
        answers.pop("path_justification", None)
    return True


def _fits(form: FlaskForm, reference: str, answers: dict) -> bool:
    """The answers still fit in the session cookie; if not, ask for shorter ones rather than lose them all."""
    cookie = dict(session, **{WIZARD: {"customer": reference, "answers": answers}})
    serializer = current_app.session_interface.get_signing_serializer(current_app)  # type: ignore[attr-defined]  # Flask's SecureCookieSessionInterface
    if len(serializer.dumps(cookie)) <= COOKIE_LIMIT:
        return True
    form.form_errors.append("Your answers are too long to keep between pages: shorten the longest ones")
    return False


def _steps_for(answers: dict) -> list[str]:
    """The questions this path asks: on the serious-threat path, no warning and no reason to skip one (R61)."""
    if answers.get("path") == SERIOUS_THREAT:
        return [step for step in STEPS if step != "warning"]
    return STEPS


def _next_step(step: str, answers: dict) -> str:
    steps = _steps_for(answers)
    later = [s for s in steps if STEPS.index(s) > STEPS.index(step)]
    return later[0] if later else "check"


def _back_link(reference: str, step: str, changing: bool, answers: dict) -> str:
    if changing:
        return url_for("casework.wizard_check", reference=reference)
    earlier = [s for s in _steps_for(answers) if STEPS.index(s) < STEPS.index(step)]
    if not earlier:
        return url_for("casework.customer", reference=reference)
    return url_for("casework.wizard_step", reference=reference, step=earlier[-1])


@bp.route("/customers/<reference>/restrict/check", methods=["GET", "POST"])
@login_required(*CASEWORKERS)
def wizard_check(reference: str):
    """Check your answers, then propose: the service checks everything and a refusal names the step to change."""
    answers = _answers(reference)
    missing = _missing_step(answers)
    if missing:
        return redirect(url_for("casework.wizard_step", reference=reference, step=missing))
    form = ProposeForm()
    errors, status = [], 200
    if form.validate_on_submit():
        proposal, checks = proposal_data(reference, answers)
        try:
            with unit_of_work() as ctx:
                restriction_id = rs.propose(ctx, proposal, checks).id
        except ServiceError as exc:
            errors, status = _wizard_refusal(reference, exc), exc.status
        else:
            session.pop(WIZARD, None)
            log.info("restriction proposed via web restriction=%s", restriction_id)
            flash(f"Restriction {restriction_id} proposed. A senior officer must activate it before it is in force.")
            return redirect(url_for("casework.restriction", restriction_id=restriction_id))
    elif request.method == "POST":
        status = 400
    with unit_of_work() as ctx:
        rows = answer_rows(ctx, reference, answers)
    return render_template(
        "casework/check.html",
        title="Check your answers",
        reference=reference,
        rows=rows,
        form=form,
        errors=errors,
        back=url_for("casework.wizard_step", reference=reference, step=STEPS[-1]),
        activate_at_once=_may_activate_at_once(answers),
    ), status


def _may_activate_at_once(answers: dict) -> bool:
    """A senior officer on the serious-threat path may activate at once (R61; only a senior activates, R2)."""
    return answers.get("path") == SERIOUS_THREAT and signed_in_actor().role in SENIORS


def _missing_step(answers: dict) -> str | None:
    """The first question of this path not answered yet, if any."""
    return next((step for step in _steps_for(answers) if not _step_answered(step, answers)), None)


@bp.route("/customers/<reference>/restrict/activate", methods=["GET", "POST"])
@login_required(*SENIORS)
def wizard_activate(reference: str):
    """The serious-threat path in one step (R61): check the restriction (GET), then propose, record the checks and
    activate it at once (POST) with `restrictions.impose`, as the CLI and the API do. A refusal changes nothing and
    names the question to change."""
    answers = _answers(reference)
    missing = _missing_step(answers)
    if missing:
        return redirect(url_for("casework.wizard_step", reference=reference, step=missing))
    if answers.get("path") != SERIOUS_THREAT:  # any other path is proposed, then activated from its page
        return redirect(url_for("casework.wizard_check", reference=reference))
    errors: list[dict] = []
    status = 200
    if request.method == "POST":
        if not ProposeForm().validate_on_submit() or request.form.get("confirm") != "yes":
            abort(400)
        proposal, checks = proposal_data(reference, answers)
        try:
            with unit_of_work() as ctx:
                r = rs.impose(ctx, proposal, checks)
                restriction_id, review_due = r.id, r.review_due
        except ServiceError as exc:
            errors, status = _wizard_refusal(reference, exc), exc.status
        else:
            session.pop(WIZARD, None)
            log.info("restriction imposed via web restriction=%s", restriction_id)
            flash(
                f"Restriction {restriction_id} is in force. It is reviewed by {date_words(review_due)}. "
                "The restriction letter is waiting to be sent."
            )
            return redirect(url_for("casework.restriction", restriction_id=restriction_id))
    with unit_of_work() as ctx:
        name = customer_by_ref_or_404(ctx, reference).name
        rows = answer_rows(ctx, reference, answers)
        days = ctx.settings.RESTRICTION_APPEAL_WORKING_DAYS
    return render_template(
        "casework/confirm.html",
        title="Check the restriction before you activate it",
        caption=f"Restrict contact: {reference} {name}",
        rows=rows,
        next_steps=[
            "The restriction is proposed, its checks recorded and it is in force at once: contactguard applies these "
            "terms to every new contact from the customer, and flags their tickets in the helpdesk.",
            "No warning is given first: a serious threat or violence needs none (R61).",
            "The restriction letter is written, for an officer to check and send.",
            f"The customer may appeal within {days} working days of receiving the letter.",
        ],
        warning=f"Activate only if you, as a senior officer, have decided to restrict {name}'s contact at once on "
        "these terms because of a serious threat or violence.",
        button="Activate the restriction",
        action=url_for("casework.wizard_activate", reference=reference),
        back=url_for("casework.wizard_check", reference=reference),
        hidden={},
        errors=errors,
    ), status


def _step_answered(step: str, answers: dict) -> bool:
    if step == "warning":
        return answers.get("path") == SERIOUS_THREAT or bool(
            answers.get("warning") or answers.get("path_justification")
        )
    first_field = {
        "path": "path",
        "checks": "social_work_known",
        "contact": "spoc_kind",
        "channels": "allowed_channels",
        "reasons": "why_necessary",
        "review": "review_due",
    }[step]
    return first_field in answers


def _wizard_refusal(reference: str, exc: ServiceError) -> list[dict]:
    """The service's refusal, one line per field, each linked to the step where it is answered."""
    hrefs = {
        name: url_for("casework.wizard_step", reference=reference, step=step, change=1)
        for name, step in STEP_OF_FIELD.items()
    }
    return refusal_list(exc, hrefs)
