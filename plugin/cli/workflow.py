"""The policy workflow: incidents, warnings, restrictions, appeals, reviews, letters, what is due."""

from __future__ import annotations

import click

from .. import present
from ..policy.appeals import Grounds, Outcome
from ..policy.calendar import DELIVERY_METHODS
from ..policy.lifecycle import REVIEWABLE
from ..policy.vocabulary import Adjustment, Channel, IncidentCategory, SpocKind, Tristate, values
from ..services import appeals as ap
from ..services import dashboard
from ..services import incidents as inc
from ..services import letters as lt
from ..services import restrictions as rs
from ..services import reviews as rv
from ..services.audit import record_read
from .base import cli, load_json_option, unit_of_work

CONSIDERED_PATHS = ["after_warning", "without_warning", "serious_threat"]


def terms_options(func):
    """Options for the arrangement's terms; --terms FILE takes them all as JSON."""
    options = [
        click.option("--terms", "terms_file", help="JSON file with any of the terms (see README)."),
        click.option("--spoc-kind", type=click.Choice(values(SpocKind))),
        click.option("--spoc-officer", help="Sole point of contact: the officer's e-mail."),
        click.option("--deputy", "deputy_officer", help="Deputy's e-mail (default: the officer's deputy)."),
        click.option("--spoc-inbox", help="Sole point of contact: a shared inbox's address."),
        click.option("--external-name", "spoc_external_name", help="Social/care worker or representative."),
        click.option("--external-role", "spoc_external_role"),
        click.option("--external-email", "spoc_external_email"),
        click.option("--external-phone", "spoc_external_phone"),
        click.option("--consent-basis", help="The customer's consent or other lawful basis for an external contact."),
        click.option(
            "--channel",
            "allowed_channels",
            multiple=True,
            type=click.Choice(values(Channel)),
            help="A channel left open (repeatable).",
        ),
        click.option(
            "--window",
            "windows",
            multiple=True,
            metavar="DAYS HH:MM-HH:MM",
            help="Permitted time, e.g. 'mon,wed 10:00-12:00' (repeatable).",
        ),
        click.option("--exclude-premises", multiple=True, help="Premises the customer may not attend."),
        click.option("--appointment-only", is_flag=True, default=None, help="Face-to-face by appointment only."),
        click.option("--subject", "subjects_allowed", multiple=True, help="Only these matters (repeatable)."),
        click.option("--scope", help="Service slug; omit for council-wide."),
        click.option("--starts", "starts_on", type=click.DateTime(["%Y-%m-%d"])),
        click.option("--ends", "ends_on", type=click.DateTime(["%Y-%m-%d"])),
        click.option("--review", "review_due", type=click.DateTime(["%Y-%m-%d"])),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def collect_terms(kwargs: dict) -> dict:
    """Build the terms dict from options (options win over --terms)."""
    terms = load_json_option(kwargs.pop("terms_file", None))
    windows = kwargs.pop("windows", ())
    if windows:
        terms["time_windows"] = [_window(w) for w in windows]
    premises = {"excluded": list(kwargs.pop("exclude_premises", ()) or [])}
    appointment = kwargs.pop("appointment_only", None)
    if appointment is not None:
        premises["appointment_only"] = appointment
    if premises["excluded"] or appointment is not None:
        terms["premises"] = premises
    allowed = kwargs.pop("subjects_allowed", ())
    if allowed:
        terms["subjects"] = {"allowed": list(allowed)}
    for key in ("allowed_channels",):
        if kwargs.get(key):
            terms[key] = list(kwargs.pop(key))
        else:
            kwargs.pop(key, None)
    for key in ("starts_on", "ends_on", "review_due"):
        value = kwargs.pop(key, None)
        if value is not None:
            terms[key] = value.date().isoformat()
    for key in list(kwargs):
        if key.startswith(("spoc_", "deputy_", "consent_")) or key == "scope":
            value = kwargs.pop(key)
            if value is not None:
                terms[key] = value
    return terms


def _window(text: str) -> dict:
    try:
        days, span = text.split()
        start, end = span.split("-")
    except ValueError:
        raise click.BadParameter(f"{text!r}: use 'mon,wed 10:00-12:00'") from None
    return {"days": days.lower().split(","), "start": start, "end": end}


CHECK_KEYS = (
    "social_work_known",
    "social_work_enquiry_to",
    "social_work_enquired_on",
    "mental_health_client",
    "adjustments_needed",
    "adjustments",
    "adjustments_notes",
    "other_services",
)


def checks_options(required: bool):
    """The pre-restriction checks (R9): required by `restrictions checks`, optional on `propose`."""

    def decorate(func):
        options = [
            click.option(
                "--social-work",
                "social_work_known",
                required=required,
                type=click.Choice(values(Tristate)),
                help="Is the customer known to Social Work Services?",
            ),
            click.option(
                "--social-work-asked",
                "social_work_enquiry_to",
                metavar="WHO",
                help="Who at Social Work Services was asked (needed before activation if 'unknown').",
            ),
            click.option(
                "--social-work-asked-on",
                "social_work_enquired_on",
                type=click.DateTime(["%Y-%m-%d"]),
                help="When they were asked (YYYY-MM-DD).",
            ),
            click.option(
                "--mental-health-client",
                is_flag=True,
                default=None,
                help="A mental-health client of Social Work Services.",
            ),
            click.option(
                "--adjustments/--no-adjustments",
                "adjustments_needed",
                required=required,
                default=None,
                help="Are reasonable adjustments needed?",
            ),
            click.option("--adjustment", "adjustments", multiple=True, type=click.Choice(values(Adjustment))),
            click.option("--adjustments-notes"),
            click.option("--other-services", required=required, help="Other services involved ('none' if none)."),
        ]
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


def collect_checks(kwargs: dict) -> dict | None:
    """The checks given as options, or None when none was given."""
    given = {key: kwargs.pop(key, None) for key in CHECK_KEYS}
    given["adjustments"] = list(given["adjustments"] or ())
    if not any(value not in (None, []) for value in given.values()):
        return None
    checks = {key: value for key, value in given.items() if value is not None}
    if given["social_work_enquired_on"] is not None:
        checks["social_work_enquired_on"] = given["social_work_enquired_on"].date().isoformat()
    return checks


# -- incidents and warnings ---------------------------------------------------------------


@cli.group()
def incidents() -> None:
    """Incidents staff experienced."""


@incidents.command("record")
@click.argument("customer")
@click.option("--experienced-by", required=True, help="E-mail of the officer who experienced it.")
@click.option("--at", "occurred_at", required=True, help="When, ISO 8601 with zone, e.g. 2026-03-02T10:15Z.")
@click.option("--channel", required=True, type=click.Choice(values(Channel)))
@click.option("--category", required=True, type=click.Choice(values(IncidentCategory)))
@click.option("--description", required=True)
@click.option("--violence-at-work-ref")
@click.option("--immediate-action", help="What was done on the spot, e.g. 'call ended'.")
@click.option("--service", help="Service slug (default: the officer's).")
@unit_of_work()
def incidents_record(state, ctx, customer, **kw):
    """Record an incident against CUSTOMER (reference)."""
    i = inc.record_incident(ctx, {"customer": customer, **kw})
    return f"incident {i.id} recorded ({i.category}, {i.channel})", present.incident(i)


@cli.group()
def warnings() -> None:
    """Formal warnings (DESC: describe, explain, suggest, consequences)."""


@warnings.command("issue")
@click.argument("customer")
@click.option("--incident", "incidents", multiple=True, type=int, required=True, help="Incident id (repeatable).")
@click.option("--behaviour", required=True, help="Describe: what the customer did.")
@click.option("--why-unacceptable", required=True, help="Explain: why it is unacceptable, its impact.")
@click.option("--change", "change_requested", required=True, help="Suggest: what change is asked for.")
@click.option("--consequences", required=True, help="Consequences: what may follow (a restriction).")
@click.option("--issued-on", type=click.DateTime(["%Y-%m-%d"]))
@unit_of_work()
def warnings_issue(state, ctx, customer, incidents, issued_on, **kw):
    """Issue a warning to CUSTOMER; a warning letter (with the policy) is queued."""
    data = {"customer": customer, "incidents": list(incidents), **kw}
    if issued_on:
        data["issued_on"] = issued_on.date().isoformat()
    w = inc.issue_warning(ctx, data)
    return f"warning {w.id} issued; follow-up window until {w.followup_until}", present.warning(w)


# -- restrictions -------------------------------------------------------------------------


@cli.group()
def restrictions() -> None:
    """Restrictions: propose, checks, activate, impose, interim, confirm, amend, lift, withdraw."""


@restrictions.command("propose")
@click.argument("customer")
@click.option("--path", required=True, type=click.Choice(CONSIDERED_PATHS))
@click.option("--justification", "path_justification", help="Why no warning (path without_warning).")
@click.option("--why-necessary", help="Why the restriction is necessary (required to activate).")
@click.option("--warning", type=int, help="The warning it follows.")
@click.option("--incident", "incidents", multiple=True, type=int, help="Incident id (repeatable).")
@click.option(
    "--activate", is_flag=True, help="Senior officers: record the checks and activate at once (e.g. serious threat)."
)
@terms_options
@checks_options(required=False)
@unit_of_work()
def restrictions_propose(
    state, ctx, customer, path, path_justification, why_necessary, warning, incidents, activate, **kw
):
    """Propose a restriction for CUSTOMER; the checks may be given here too (as for `restrictions checks`)."""
    checks = collect_checks(kw)
    data = {
        "customer": customer,
        "path": path,
        "path_justification": path_justification,
        "why_necessary": why_necessary,
        "warning": warning,
        "incidents": list(incidents),
        **collect_terms(kw),
    }
    r = rs.impose(ctx, data, checks) if activate else rs.propose(ctx, data, checks)
    if r.state == "active":
        return (
            f"restriction {r.id} active until review on {r.review_due}; letter queued",
            present.restriction_with_letters(ctx, r),
        )
    recorded = "; checks recorded" if checks is not None else ""
    return f"restriction {r.id} {r.state}; review due {r.review_due}{recorded}", present.restriction_with_letters(
        ctx, r
    )


@restrictions.command("checks")
@click.argument("restriction_id", type=int)
@checks_options(required=True)
@unit_of_work()
def restrictions_checks(state, ctx, restriction_id, **kw):
    """Record the pre-restriction checks."""
    row = rs.record_checks(ctx, restriction_id, collect_checks(kw))
    return f"checks recorded for restriction {restriction_id}", {
        "restriction": restriction_id,
        "social_work_known": row.social_work_known,
        "social_work_enquiry_to": row.social_work_enquiry_to,
        "social_work_enquired_on": row.social_work_enquired_on,
        "mental_health_client": row.mental_health_client,
        "adjustments_needed": row.adjustments_needed,
        "adjustments": list(row.adjustments or []),
        "other_services": row.other_services,
    }


@restrictions.command("activate")
@click.argument("restriction_id", type=int)
@unit_of_work()
def restrictions_activate(state, ctx, restriction_id):
    """Activate a proposed restriction (senior officers)."""
    r = rs.activate(ctx, restriction_id)
    return f"restriction {r.id} active until review on {r.review_due}; letter queued", present.restriction_with_letters(
        ctx, r
    )


@restrictions.command("interim")
@click.argument("incident_id", type=int)
@click.option("--note", required=True, help="The immediate action taken and why.")
@terms_options
@unit_of_work()
def restrictions_interim(state, ctx, incident_id, note, **kw):
    """Record an immediate frontline action after INCIDENT_ID; it lapses unless confirmed in time."""
    r = rs.record_interim(ctx, {"incident": incident_id, "note": note, **collect_terms(kw)})
    return f"interim action {r.id} recorded; a senior officer must confirm it by {r.confirm_by}", present.restriction(r)


@restrictions.command("confirm")
@click.argument("restriction_id", type=int)
@click.option("--path", required=True, type=click.Choice(CONSIDERED_PATHS))
@click.option("--justification", "path_justification")
@click.option("--why-necessary")
@click.option("--warning", type=int)
@terms_options
@unit_of_work()
def restrictions_confirm(state, ctx, restriction_id, path, path_justification, why_necessary, warning, **kw):
    """Confirm an interim action as a considered restriction (senior officers)."""
    data = {
        "path": path,
        "path_justification": path_justification,
        "why_necessary": why_necessary,
        "warning": warning,
        **collect_terms(kw),
    }
    r = rs.confirm_interim(ctx, restriction_id, data)
    return f"restriction {r.id} confirmed and active; review due {r.review_due}", present.restriction(r)


@restrictions.command("amend")
@click.argument("restriction_id", type=int)
@click.option("--reasons", required=True)
@terms_options
@unit_of_work()
def restrictions_amend(state, ctx, restriction_id, reasons, **kw):
    """Amend the terms."""
    r = rs.amend(ctx, restriction_id, {"reasons": reasons, **collect_terms(kw)})
    return f"restriction {r.id} amended", present.restriction(r)


@restrictions.command("lift")
@click.argument("restriction_id", type=int)
@click.option("--reasons", required=True)
@unit_of_work()
def restrictions_lift(state, ctx, restriction_id, reasons):
    """Lift a restriction (senior officers); a letter is queued."""
    r = rs.lift(ctx, restriction_id, {"reasons": reasons})
    return f"restriction {r.id} lifted", present.restriction(r)


@restrictions.command("withdraw")
@click.argument("restriction_id", type=int)
@click.option("--reasons", required=True)
@unit_of_work()
def restrictions_withdraw(state, ctx, restriction_id, reasons):
    """Withdraw a proposal."""
    r = rs.withdraw(ctx, restriction_id, {"reasons": reasons})
    return f"restriction {r.id} withdrawn", present.restriction(r)


@restrictions.command("list")
@click.option("--state", "state_filter", help="Only this state.")
@unit_of_work()
def restrictions_list(state, ctx, state_filter):
    """List restrictions."""
    rows = rs.list_restrictions(ctx, state_filter)
    record_read(ctx, "restrictions list", "restrictions", [r.id for r in rows], [r.customer_id for r in rows])
    text = "\n".join(f"{r.id:5} {r.customer.reference:10} {r.state:13} review {r.review_due}" for r in rows)
    return text or "no restrictions", [present.restriction(r) for r in rows]


@restrictions.command("show")
@click.argument("restriction_id", type=int)
@unit_of_work()
def restrictions_show(state, ctx, restriction_id):
    """Show one restriction's arrangement."""
    r = rs.get_restriction(ctx, restriction_id)
    record_read(ctx, "restrictions show", "restrictions", [r.id], [r.customer_id])
    data = present.restriction_with_letters(ctx, r)
    spoc = data["sole_point_of_contact"]
    who = spoc["officer"] or spoc["inbox"] or spoc["external"] or "-"
    lines = [
        f"restriction {r.id} for {r.customer.reference}: {r.state} ({r.path})",
        f"  sole point of contact: {who} ({spoc['kind']}), deputy {spoc['deputy'] or '-'}",
        f"  channels open: {', '.join(data['allowed_channels']) or '-'}",
    ]
    lines += [f"  times: {', '.join(_window_text(w) for w in data['time_windows'])}"] if data["time_windows"] else []
    lines += [f"  scope: {data['scope']}; starts {r.starts_on}; review {r.review_due}; ends {r.ends_on or '-'}"]
    return "\n".join(lines + _letter_and_appeal_lines(ctx, r, data)), data


def _window_text(window: dict) -> str:
    channels = f" ({', '.join(window['channels'])})" if window.get("channels") else ""
    return f"{','.join(window['days'])} {window['start']}-{window['end']}{channels}"


def _letter_and_appeal_lines(ctx, r, data: dict) -> list[str]:
    lines = []
    newest, sent = data["letter"], None
    if newest and newest["state"] == "sent":
        sent = newest
    elif newest:
        sent_row = lt.latest_sent(ctx, ap.RESTRICTION_LETTERS, restriction_id=r.id)
        sent = present.letter_with_deadline(ctx, sent_row) if sent_row else None
    if sent:
        lines.append(
            f"  letter: {sent['kind']} letter {sent['id']} sent {sent['sent_on']} by {sent['method']}; "
            f"deemed received {sent['deemed_receipt']}"
        )
    if newest and newest["state"] != "sent":
        lines.append(
            f"  letter: {newest['kind']} letter {newest['id']} waiting to be sent; the appeal window "
            "runs from its deemed receipt"
        )
    for a in data["appeals"]:
        late = f" (late: window closed {a['window_closes_on']})" if a["late"] else ""
        if a["state"] == "lodged":
            lines.append(
                f"  appeal: appeal {a['id']} received {a['received_on']}{late}; decision due {a['decision_due']}"
            )
        else:
            lines.append(
                f"  appeal: appeal {a['id']} received {a['received_on']}{late}; {a['outcome']} on {a['decided_on']}"
            )
    deadline = data["appeal_deadline"]
    if data["appeal_window_open"]:
        lines.append(f"  appeal: the customer may appeal until {deadline}")
    elif deadline and not any(a["state"] == "lodged" for a in data["appeals"]) and deadline < ctx.today():
        lines.append(f"  appeal: the window closed on {deadline}")
    return lines


# -- appeals, reviews, letters, what is due -------------------------------------------------


@cli.group()
def appeals() -> None:
    """Appeals against restrictions and (factual inaccuracy only) warnings."""


@appeals.command("lodge")
@click.option("--restriction", type=int)
@click.option("--warning", type=int)
@click.option("--grounds", required=True, type=click.Choice(values(Grounds)))
@click.option("--statement", required=True)
@click.option("--received-on", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--late-reason", help="Exceptional reason to accept a late appeal.")
@click.option("--heard-by", help="E-mail of the senior officer hearing it.")
@unit_of_work()
def appeals_lodge(state, ctx, received_on, **kw):
    """Record an appeal received."""
    if received_on:
        kw["received_on"] = received_on.date().isoformat()
    a = ap.lodge(ctx, kw)
    late = f" (late: the window closed on {a.window_closes_on}; accepted for the reason recorded)" if a.late else ""
    return f"appeal {a.id} lodged{late}; decision due {a.decision_due}", present.appeal_with_customer(a)


@appeals.command("assign")
@click.argument("appeal_id", type=int)
@click.argument("email")
@unit_of_work()
def appeals_assign(state, ctx, appeal_id, email):
    """Name the senior officer who hears the appeal."""
    a = ap.assign(ctx, appeal_id, email)
    return f"appeal {a.id} to be heard by {email}", present.appeal(a)


@appeals.command("decide")
@click.argument("appeal_id", type=int)
@click.option("--outcome", required=True, type=click.Choice(values(Outcome)))
@click.option("--reasons", required=True)
@terms_options
@unit_of_work()
def appeals_decide(state, ctx, appeal_id, outcome, reasons, **kw):
    """Decide an appeal (the hearing officer)."""
    terms = collect_terms(kw)
    a = ap.decide(ctx, appeal_id, {"outcome": outcome, "reasons": reasons, "terms": terms or None})
    return f"appeal {a.id} {a.outcome}; outcome letter queued", present.appeal(a)


@appeals.command("list")
@unit_of_work()
def appeals_list(state, ctx):
    """Appeals awaiting a decision."""
    rows = ap.open_appeals(ctx)
    record_read(ctx, "appeals list", "appeals", [a.id for a in rows], [a.customer_id for a in rows])
    return (
        "\n".join(_appeal_line(a) for a in rows) or "no open appeals",
        [present.appeal_with_customer(a) for a in rows],
    )


def _appeal_line(a) -> str:
    subject = f"{a.kind} {a.restriction_id or a.warning_id}"
    late = f" LATE (window closed {a.window_closes_on}; accepted: {a.late_reason})" if a.late else ""
    return (
        f"{a.id:5} {subject:16} {a.customer.reference:10} received {a.received_on}{late}; decision due {a.decision_due}"
    )


@cli.group(invoke_without_command=True)
@click.option("--overdue", is_flag=True, help="Only reviews whose date has passed.")
@click.option("--within", default=30, show_default=True, help="Days ahead to list reviews falling due.")
@click.pass_context
def reviews(click_ctx, overdue, within) -> None:
    """Restriction reviews; without a subcommand, list those due (or --overdue)."""
    if click_ctx.invoked_subcommand is None:
        click_ctx.invoke(_reviews_list, overdue=overdue, within=within)


@unit_of_work(actor_required=False)
def _reviews_list(state, ctx, overdue, within):
    today = ctx.today()
    rows = rv.overdue(ctx, today) if overdue else rv.due(ctx, today, within)
    record_read(ctx, "reviews", "restrictions", [r.id for r in rows], [r.customer_id for r in rows])
    text = "\n".join(
        f"{r.id:5} {r.customer.reference:10} review due {r.review_due}"
        f"{' (' + str((today - r.review_due).days) + ' days overdue)' if r.review_due < today else ''}"
        f"{'; waits for the appeal decision' if r.state not in REVIEWABLE else ''}"
        for r in rows
    )
    empty = "no overdue reviews" if overdue else f"no reviews due within {within} days"
    return text or empty, [present.restriction(r) for r in rows]


@reviews.command("hold")
@click.argument("restriction_id", type=int)
@click.option("--outcome", required=True, type=click.Choice(["continue", "amend", "lift"]))
@click.option("--reasons", required=True)
@click.option("--next-review", type=click.DateTime(["%Y-%m-%d"]))
@terms_options
@unit_of_work()
def reviews_hold(state, ctx, restriction_id, outcome, reasons, next_review, **kw):
    """Hold the review of a restriction (senior officers)."""
    terms = collect_terms(kw)
    data = {
        "outcome": outcome,
        "reasons": reasons,
        "terms": terms or None,
        "next_review_due": next_review.date().isoformat() if next_review else None,
    }
    v = rv.hold(ctx, restriction_id, data)
    return f"review held: {v.outcome}; next review {v.next_review_due or '-'}", present.review(v)


@cli.group()
def letters() -> None:
    """Letters queued by decisions."""


@letters.command("list")
@click.option("--all", "show_all", is_flag=True, help="Every letter, not only those waiting or still appealable.")
@unit_of_work(actor_required=False)
def letters_list(state, ctx, show_all):
    """Letters waiting to be sent, and those sent whose appeal window is still open (with its deadline)."""
    if show_all:
        rows = lt.all_letters(ctx)
    else:
        rows = sorted(lt.unsent(ctx) + lt.open_appeal_windows(ctx, ctx.today()), key=lambda x: x.id)
    record_read(ctx, "letters list", "letters", [x.id for x in rows], [x.customer_id for x in rows])
    return (
        "\n".join(_letter_line(ctx, x) for x in rows) or "no letters waiting",
        [present.letter_with_deadline(ctx, x) for x in rows],
    )


def _letter_line(ctx, x) -> str:
    head = f"{x.id:5} {x.kind:20} {x.customer.reference:10}"
    if x.state == "not_sent":
        return f"{head} not to be sent: {x.not_sent_reason}"
    if x.state != "sent":
        later = "; appeal window starts on deemed receipt" if lt.appeal_window(ctx, x) else ""
        return f"{head} waiting to be sent{later}"
    deadline = lt.appeal_deadline(ctx, x)
    return f"{head} sent {x.sent_on} by {x.delivery_method}; deemed received {x.deemed_receipt}" + (
        f"; appeal by {deadline}" if deadline else ""
    )


@letters.command("sent")
@click.argument("letter_id", type=int)
@click.option("--method", required=True, type=click.Choice(DELIVERY_METHODS))
@click.option("--sent-on", type=click.DateTime(["%Y-%m-%d"]))
@unit_of_work()
def letters_sent(state, ctx, letter_id, method, sent_on):
    """Record a letter as sent; its deemed receipt starts any appeal window."""
    data = {"method": method}
    if sent_on:
        data["sent_on"] = sent_on.date().isoformat()
    x = lt.mark_sent(ctx, letter_id, data)
    deadline = lt.appeal_deadline(ctx, x)
    return (
        f"letter {x.id} sent by {x.delivery_method}; deemed received {x.deemed_receipt}"
        + (f"; appeal by {deadline}" if deadline else ""),
        present.letter_with_deadline(ctx, x),
    )


@cli.command()
@click.option("--within", default=30, show_default=True, help="Days ahead.")
@unit_of_work(actor_required=False)
def due(state, ctx, within):
    """Everything due: reviews, interim confirmations, appeals, appeal windows, letters, failed helpdesk actions."""
    found = dashboard.what_is_due(ctx, within)
    today = found.today
    lines = [f"reviews due within {within} days: {len(found.reviews)}"]
    lines += [
        f"  restriction {r.id} ({r.customer.reference}) review {r.review_due}"
        + (" OVERDUE" if r.review_due < today else "")
        for r in found.reviews
    ]
    lines += [f"interim actions to confirm: {len(found.interims)}"]
    lines += [f"  restriction {r.id} ({r.customer.reference}) confirm by {r.confirm_by}" for r in found.interims]
    lines += [f"appeals awaiting decision: {len(found.appeals)}"]
    lines += [
        f"  appeal {a.id} ({a.kind} {a.restriction_id or a.warning_id}, {a.customer.reference}) decision due "
        f"{a.decision_due}"
        + (" LATE" if a.decision_due < today else "")
        + (" (lodged after the window closed)" if a.late else "")
        for a in found.appeals
    ]
    lines += [f"appeal windows open: {len(found.appeal_windows)}"]
    lines += [
        f"  {x.kind} letter {x.id} ({x.customer.reference}) deemed received {x.deemed_receipt}; "
        f"appeal by {lt.appeal_deadline(ctx, x)}"
        for x in found.appeal_windows
    ]
    lines += [f"letters waiting to be sent: {len(found.letters)}"]
    lines += [f"  {x.kind} letter {x.id} ({x.customer.reference})" for x in found.letters]
    lines += _dead_actions(found)
    data = {
        "reviews": [present.restriction(r) for r in found.reviews],
        "interims": [present.restriction(r) for r in found.interims],
        "appeals": [present.appeal_with_customer(a) for a in found.appeals],
        "appeal_windows": [present.letter_with_deadline(ctx, x) for x in found.appeal_windows],
        "letters": [present.letter_with_deadline(ctx, x) for x in found.letters],
        "dead_actions": {"count": found.dead_count, "first": found.dead},
    }
    return "\n".join(lines), data


def _dead_actions(found) -> list[str]:
    """Helpdesk actions given up on after every retry (plugin/services/dashboard.py): the count and the first few."""
    dead_count, dead = found.dead_count, found.dead
    lines = [
        f"helpdesk actions dead-lettered: {dead_count}"
        + (" (see `contactguard outbox dead`; `contactguard outbox retry` queues them again)" if dead_count else "")
    ]
    lines += [
        f"  action {d['id']} {d['kind']} on ticket {d['ticket'] or '-'} via {d['connection']}: "
        f"{_one_line(d['last_error'])}"
        for d in dead
    ]
    if dead_count > len(dead):
        lines.append(f"  ... and {dead_count - len(dead)} more")
    return lines


def _one_line(text: str | None, limit: int = 160) -> str:
    flat = " ".join((text or "-").split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
