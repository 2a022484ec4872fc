"""The policy workflow: incidents, warnings, restrictions, appeals, reviews, letters, what is due."""
from __future__ import annotations

import click

from .. import present
from ..policy.appeals import Grounds, Outcome
from ..policy.calendar import DELIVERY_METHODS
from ..policy.vocabulary import Adjustment, Channel, IncidentCategory, SpocKind, Tristate, values
from ..services import appeals as ap
from ..services import incidents as inc
from ..services import letters as lt
from ..services import restrictions as rs
from ..services import reviews as rv
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
        click.option("--channel", "allowed_channels", multiple=True, type=click.Choice(values(Channel)),
                     help="A channel left open (repeatable)."),
        click.option("--window", "windows", multiple=True, metavar="DAYS HH:MM-HH:MM",
                     help="Permitted time, e.g. 'mon,wed 10:00-12:00' (repeatable)."),
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
@click.option("--activate", is_flag=True, help="Senior officers: activate at once (e.g. serious threat).")
@terms_options
@unit_of_work()
def restrictions_propose(state, ctx, customer, path, path_justification, why_necessary, warning, incidents,
                         activate, **kw):
    """Propose a restriction for CUSTOMER."""
    data = {"customer": customer, "path": path, "path_justification": path_justification,
            "why_necessary": why_necessary, "warning": warning, "incidents": list(incidents),
            **collect_terms(kw)}
    r = rs.impose(ctx, data) if activate else rs.propose(ctx, data)
    return f"restriction {r.id} {r.state}; review due {r.review_due}", present.restriction(r)


@restrictions.command("checks")
@click.argument("restriction_id", type=int)
@click.option("--social-work", "social_work_known", required=True, type=click.Choice(values(Tristate)),
              help="Is the customer known to Social Work Services?")
@click.option("--mental-health-client", is_flag=True, help="A mental-health client of Social Work Services.")
@click.option("--adjustments/--no-adjustments", "adjustments_needed", required=True,
              help="Are reasonable adjustments needed?")
@click.option("--adjustment", "adjustments", multiple=True, type=click.Choice(values(Adjustment)))
@click.option("--adjustments-notes")
@click.option("--other-services", required=True, help="Other services involved ('none' if none).")
@unit_of_work()
def restrictions_checks(state, ctx, restriction_id, **kw):
    """Record the pre-restriction checks."""
    kw["adjustments"] = list(kw["adjustments"])
    row = rs.record_checks(ctx, restriction_id, kw)
    return f"checks recorded for restriction {restriction_id}", {"restriction": restriction_id,
                                                                  "social_work_known": row.social_work_known}


@restrictions.command("activate")
@click.argument("restriction_id", type=int)
@unit_of_work()
def restrictions_activate(state, ctx, restriction_id):
    """Activate a proposed restriction (senior officers)."""
    r = rs.activate(ctx, restriction_id)
    return f"restriction {r.id} active until review on {r.review_due}; letter queued", present.restriction(r)


@restrictions.command("interim")
@click.argument("incident_id", type=int)
@click.option("--note", required=True, help="The immediate action taken and why.")
@terms_options
@unit_of_work()
def restrictions_interim(state, ctx, incident_id, note, **kw):
    """Record an immediate frontline action after INCIDENT_ID; it lapses unless confirmed in time."""
    r = rs.record_interim(ctx, {"incident": incident_id, "note": note, **collect_terms(kw)})
    return f"interim action {r.id} recorded; a senior officer must confirm it by {r.confirm_by}", \
        present.restriction(r)


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
    data = {"path": path, "path_justification": path_justification, "why_necessary": why_necessary,
            "warning": warning, **collect_terms(kw)}
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
    text = "\n".join(f"{r.id:5} {r.customer.reference:10} {r.state:13} review {r.review_due}" for r in rows)
    return text or "no restrictions", [present.restriction(r) for r in rows]


@restrictions.command("show")
@click.argument("restriction_id", type=int)
@unit_of_work()
def restrictions_show(state, ctx, restriction_id):
    """Show one restriction's arrangement."""
    from ..models import Restriction
    from ..services.lookup import get
    r = get(ctx, Restriction, restriction_id, "restriction")
    data = present.restriction(r)
    spoc = data["sole_point_of_contact"]
    who = spoc["officer"] or spoc["inbox"] or spoc["external"] or "-"
    text = (f"restriction {r.id} for {r.customer.reference}: {r.state} ({r.path})\n"
            f"  sole point of contact: {who} ({spoc['kind']}), deputy {spoc['deputy'] or '-'}\n"
            f"  channels open: {', '.join(data['allowed_channels']) or '-'}\n"
            f"  scope: {data['scope']}; starts {r.starts_on}; review {r.review_due}; ends {r.ends_on or '-'}")
    return text, data


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
    return f"appeal {a.id} lodged; decision due {a.decision_due}", present.appeal(a)


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
    return ("\n".join(f"{a.id:5} {a.kind:11} due {a.decision_due}" for a in rows) or "no open appeals",
            [present.appeal(a) for a in rows])


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
    text = "\n".join(f"{r.id:5} {r.customer.reference:10} review due {r.review_due}"
                     f"{' (' + str((today - r.review_due).days) + ' days overdue)' if r.review_due < today else ''}"
                     for r in rows)
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
    data = {"outcome": outcome, "reasons": reasons, "terms": terms or None,
            "next_review_due": next_review.date().isoformat() if next_review else None}
    v = rv.hold(ctx, restriction_id, data)
    return f"review held: {v.outcome}; next review {v.next_review_due or '-'}", present.review(v)


@cli.group()
def letters() -> None:
    """Letters queued by decisions."""


@letters.command("list")
@unit_of_work(actor_required=False)
def letters_list(state, ctx):
    """Letters waiting to be sent."""
    rows = lt.unsent(ctx)
    return ("\n".join(f"{x.id:5} {x.kind:20} customer {x.customer_id}" for x in rows) or "no letters waiting",
            [present.letter(x) for x in rows])


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
    return f"letter {x.id} sent by {x.delivery_method}; deemed received {x.deemed_receipt}", present.letter(x)


@cli.command()
@click.option("--within", default=30, show_default=True, help="Days ahead.")
@unit_of_work(actor_required=False)
def due(state, ctx, within):
    """Everything due: reviews, overdue reviews, interim confirmations, appeal decisions, letters."""
    today = ctx.today()
    reviews_due = rv.due(ctx, today, within)
    interims = rs.list_restrictions(ctx, "interim")
    open_appeals = ap.open_appeals(ctx)
    waiting = lt.unsent(ctx)
    lines = [f"reviews due within {within} days: {len(reviews_due)}"]
    lines += [f"  restriction {r.id} ({r.customer.reference}) review {r.review_due}"
              + (" OVERDUE" if r.review_due < today else "") for r in reviews_due]
    lines += [f"interim actions to confirm: {len(interims)}"]
    lines += [f"  restriction {r.id} ({r.customer.reference}) confirm by {r.confirm_by}" for r in interims]
    lines += [f"appeals awaiting decision: {len(open_appeals)}"]
    lines += [f"  appeal {a.id} decision due {a.decision_due}" + (" LATE" if a.decision_due < today else "")
              for a in open_appeals]
    lines += [f"letters waiting to be sent: {len(waiting)}"]
    data = {"reviews": [present.restriction(r) for r in reviews_due],
            "interims": [present.restriction(r) for r in interims],
            "appeals": [present.appeal(a) for a in open_appeals], "letters": [present.letter(x) for x in waiting]}
    return "\n".join(lines), data
