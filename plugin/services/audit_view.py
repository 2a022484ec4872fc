"""The audit trail as people read it: who acted (names and roles), what they did (in words), to which record, and the
details as labelled fields, with names instead of ids where the reader may see them.

What is recorded does not change here (plugin/services/audit.py, plugin/models/audit.py: identifiers and codes, hash
chained); this only reads it. ACTIONS is the one table of action codes to words, and DETAILS of detail keys to labels.
Readings (of the register, a letter, a report) stay in the trail; a history of what was done counts them instead
(`readings`), so eight openings of a letter make one line, not eight.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select

from ..models import Account, AuditEntry, Connection, Customer, Officer
from ..words import channels_words, date_words, listing, time_words
from .context import Context
from .customer_view import view_level

# Every action the trail records, as a person reads it; a code not here is shown with its dots and underscores as
# spaces ("officer.photo_added" as "Officer photo added").
ACTIONS = {
    "account.created": "Account created",
    "account.disabled": "Account disabled",
    "account.enabled": "Account enabled again",
    "account.password_set": "Password set",
    "account.totp_enrolled": "Authenticator app set up",
    "account.session_ended": "Signed-in session ended",
    "account.sessions_ended": "Signed-in sessions ended",
    "account.signed_in": "Signed in",
    "account.sign_in_failed": "Sign-in refused",
    "account.unlocked": "Account unlocked",
    "api_token.issued": "API token issued",
    "api_token.revoked": "API token revoked",
    "appeal.lodged": "Appeal recorded",
    "appeal.assigned": "Hearing officer named",
    "appeal.decided": "Appeal decided",
    "appeal.window_closed": "Appeal window closed",
    "connection.added": "Helpdesk connection added",
    "connection.secrets_changed": "Helpdesk connection's secrets changed",
    "connection.settings_changed": "Helpdesk connection's settings changed",
    "connection.deactivated": "Helpdesk connection deactivated",
    "connection.url_rotated": "Helpdesk connection given a new webhook URL",
    "contact.allow": "Contact allowed",
    "contact.flag": "Contact flagged: within the arrangement",
    "contact.disregard": "Contact disregarded: outside the arrangement",
    "contact.escalate": "Contact escalated for urgent reading",
    "contact.statutory": "Information request sent to the information-rights team",
    "customer.added": "Customer added",
    "customer.exported": "Subject access export made",
    "customer.anonymised": "Customer anonymised",
    "customer.address_set": "Postal address set",
    "customer.address_removed": "Postal address removed",
    "identity.added": "Contact detail added",
    "identity.removed": "Contact detail removed",
    "incident.recorded": "Incident recorded",
    "letter.queued": "Letter written, waiting to be sent",
    "letter.sent": "Letter recorded as sent",
    "letter.not_sent": "Letter marked not to be sent",
    "letter.rendered": "Letter opened",
    "officer.added": "Officer added",
    "officer.changed": "Officer's details changed",
    "officer.role_changed": "Officer's role changed",
    "officer.absence_added": "Absence recorded",
    "officer.absence_removed": "Absence removed",
    "outbox.discarded": "Helpdesk action discarded",
    "outbox.retried": "Helpdesk actions tried again",
    "register.read": "Register read",
    "report.viewed": "Report viewed",
    "restriction.proposed": "Restriction proposed",
    "restriction.checks_recorded": "Pre-restriction checks recorded",
    "restriction.activate": "Restriction activated",
    "restriction.confirm_interim": "Interim action confirmed as a restriction",
    "restriction.imported": "Restriction imported",
    "restriction.interim_recorded": "Interim action recorded",
    "restriction.amended": "Terms changed",
    "restriction.varied_on_appeal": "Terms changed on appeal",
    "restriction.reviewed": "Review held",
    "restriction.lifted": "Restriction lifted",
    "restriction.lapsed": "Restriction lapsed",
    "restriction.withdrawn": "Proposal withdrawn",
    "service.added": "Service added",
    "tickets.flags_removed": "Flags taken off the customer's tickets",
    "tickets.flags_rewritten": "Flags on the customer's tickets rewritten",
    "tickets.spoc_changed": "Tickets handed to the new sole point of contact",
    "warning.issued": "Formal warning issued",
    "warning.withdrawn": "Formal warning withdrawn",
    "warning.followup_judged": "Warning's follow-up judged",
    "webhook_events.purged": "Old contacts of people not restricted deleted",
}
# Readings: kept in the trail, counted (not listed) in a history of what was done.
READINGS = frozenset({"register.read", "letter.rendered", "report.viewed"})
READ_VERBS = {"letter.rendered": "opened", "report.viewed": "viewed"}  # the rest: "read"
# Details only the full view (senior officers, admins) sees: health and social-work answers (R50).
FULL_VIEW_ONLY = frozenset(
    {"social_work_known", "social_work_enquired_on", "adjustments_needed", "mental_health_client"}
)
HIDDEN = frozenset({"identity_id", "absence_id", "session", "sessions"})  # ids that mean nothing to a reader

RECORDS = {  # entity_type: how one record is named
    "restrictions": "Restriction",
    "appeals": "Appeal",
    "letters": "Letter",
    "warnings": "Warning",
    "incidents": "Incident",
    "reviews": "Review",
    "api_tokens": "API token",
    "identities": "Contact detail",
    "outbox_actions": "Helpdesk action",
    "webhook_events": "Contact",
    "services": "Service",
}
PLURALS = {"restrictions": "Restrictions", "customers": "Customers", "letters": "Letters", "appeals": "Appeals"}
SYSTEM = {
    "worker": "contactguard's worker",
    "clock": "contactguard's clock (the daily sweeps)",
    "rescan": "contactguard, rescanning helpdesk tickets",
    "sidebar": "the panel beside a ticket",
}
VIEWS = {  # where a reading was made (register.read's "view")
    "sidebar.viewed": "the panel beside a ticket",
    "dashboard": "the dashboard",
}
WORDS = {  # codes met in details
    "after_warning": "after a formal warning",
    "without_warning": "without a warning first",
    "serious_threat": "serious threat: no warning needed",
    "interim": "immediate (interim) action",
    "post_first_class": "first class post",
    "post_second_class": "second class post",
    "recorded_delivery": "recorded delivery",
    "email": "e-mail",
    "hand": "by hand",
    "in_person": "in person",
    "oidc": "the council's sign-in (OpenID Connect)",
    "password": "password",
    "signed_out": "signed out",
    "ended_by_owner": "ended by its owner",
    "ended_by_admin": "ended by an admin",
    "password_changed": "the password changed",
    "totp_reset": "the authenticator app was reset",
    "disabled": "the account was disabled",
    "idle": "not used for too long",
    "absolute": "open for too long",
    "inactive": "the officer or the account is no longer active",
}


@dataclass(frozen=True)
class Shown:
    """One audit entry in words: when, who, what, which record (and its link), whose file, and the details."""

    id: int
    action: str
    at: dt.datetime
    when: str
    who: str
    what: str
    record: str
    record_href: str | None
    customer: str | None
    customer_reference: str | None
    details: tuple[tuple[str, str], ...]
    reading: bool


@dataclass
class _Names:
    """The names an audit page needs, looked up once for all its entries."""

    officers: dict[int, tuple[str, str]]
    accounts: dict[int, int]
    customers: dict[int, tuple[str, str]]
    connections: dict[str, str]


def shown(ctx: Context, found: Iterable[AuditEntry], role=None) -> list[Shown]:
    """The entries in words, for a reader in `role` (default: the acting officer's): their view decides the details."""
    rows = list(found)
    names = _names(ctx, rows)
    level = view_level(role if role is not None else ctx.actor.role)
    return [_shown(ctx, e, names, level) for e in rows]


def action_words(code: str) -> str:
    """An action code in words ("restriction.activate": "Restriction activated")."""
    if code in ACTIONS:
        return ACTIONS[code]
    words = code.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def readings(entries: Iterable[Shown]) -> list[str]:
    """Readings counted per record and action, first read first: "Letter 3 opened 8 times by Sam Senior (senior) and
    Olly Officer (officer), last on 7 June 2027 at 2:05pm"."""
    groups: dict[tuple[str, str], list[Shown]] = {}
    for e in sorted(entries, key=lambda e: e.id):
        if e.reading:
            groups.setdefault((e.record, e.action), []).append(e)
    lines = []
    for (record, action), group in groups.items():
        verb = READ_VERBS.get(action, "read")
        readers = listing(dict.fromkeys(e.who for e in group))
        times = "once" if len(group) == 1 else "twice" if len(group) == 2 else f"{len(group)} times"
        last = max(group, key=lambda e: e.id)
        lines.append(f"{record} {verb} {times} by {readers}, last on {last.when}")
    return lines


def _shown(ctx: Context, e: AuditEntry, names: _Names, level: str) -> Shown:
    record, href = _record(e, names)
    customer = names.customers.get(e.customer_id) if e.customer_id is not None else None
    return Shown(
        id=e.id,
        action=e.action,
        at=e.at,
        when=time_words(e.at, ctx.settings.zone),
        who=_who(e, names),
        what=action_words(e.action),
        record=record,
        record_href=href,
        customer=f"{customer[0]} {customer[1]}" if customer else None,
        customer_reference=customer[0] if customer else None,
        details=_details(ctx, e, names, level),
        reading=e.action in READINGS,
    )


# -- who ----------------------------------------------------------------------------------------------------------

CLI = re.compile(r"^cli:(?P<user>[^@\s]+)@(?P<host>\S+?)(?: as officer:(?P<officer>\d+))?$")


def _who(e: AuditEntry, names: _Names) -> str:
    """`officer:5` as "Sam Senior (senior)"; `cli:root@vm as officer:1` as "run on the server by root on vm for
    Olly Officer (officer)"; the system by what it is."""
    label = e.actor or ""
    cli = CLI.match(label)
    if cli:
        operator = f"run on the server by {cli['user']} on {cli['host']}"
        return f"{operator} for {_person(names, int(cli['officer']))}" if cli["officer"] else operator
    if label.startswith("officer:") and label[8:].isdigit():
        return _person(names, int(label[8:]))
    if label.startswith("system"):
        return _system(label.partition(":")[2], names)
    if label == "web:sign-in":
        return "the sign-in page"
    return _person(names, e.actor_officer_id) if e.actor_officer_id is not None else label


def _person(names: _Names, officer_id: int | None) -> str:
    if officer_id is None:
        return "nobody"
    found = names.officers.get(officer_id)
    return f"{found[0]} ({found[1]})" if found else f"officer {officer_id} (no longer on the register)"


def _system(name: str, names: _Names) -> str:
    kind, _, connection = name.partition(":")
    if kind == "sidebar" and connection:
        helpdesk = next((n for cid, n in names.connections.items() if cid.startswith(connection)), None)
        return f"the panel beside a ticket in {helpdesk}" if helpdesk else SYSTEM["sidebar"]
    return SYSTEM.get(kind, f"contactguard ({kind})" if kind else "contactguard")


# -- which record -------------------------------------------------------------------------------------------------


def _record(e: AuditEntry, names: _Names) -> tuple[str, str | None]:
    """The record in words, and where it is shown (restrictions, letters and customers have pages)."""
    kind, number = e.entity_type, e.entity_id
    if kind == "officers" and number is not None:
        return _person(names, number), None
    if kind == "accounts":
        if number is None:
            return "an e-mail address with no account", None
        return f"Account of {_person(names, names.accounts.get(number))}", None
    if kind == "customers" and number is not None:
        found = names.customers.get(number)
        return (f"Customer {found[0]}", f"/customers/{found[0]}") if found else (f"Customer {number}", None)
    if kind == "connections":
        connection = (e.details or {}).get("connection", "")
        return f"Helpdesk connection {names.connections.get(connection, connection[:6])}", None
    if kind == "report":
        return f"Report {(e.details or {}).get('report', '')}".strip(), None
    if number is None:
        return PLURALS.get(kind, kind.replace("_", " ").capitalize()), None
    href = {"restrictions": f"/restrictions/{number}", "letters": f"/letters/{number}"}.get(kind)
    return f"{RECORDS.get(kind, kind.replace('_', ' ').capitalize())} {number}", href


# -- details ------------------------------------------------------------------------------------------------------


def _details(ctx: Context, e: AuditEntry, names: _Names, level: str) -> tuple[tuple[str, str], ...]:
    shown_details = []
    for key, value in (e.details or {}).items():
        if key in HIDDEN or (key in FULL_VIEW_ONLY and level != "full") or value in (None, "", [], {}):
            continue
        if e.action == "register.read" and key in ("count", "ids", "customers"):
            continue  # said once, below, as the records read
        label, words = _detail(ctx, e, key, value, names)
        shown_details.append((label, words))
    if e.action == "register.read":
        shown_details.append(("Records", _records_read(e, names)))
    return tuple(shown_details)


def _detail(ctx: Context, e: AuditEntry, key: str, value, names: _Names) -> tuple[str, str]:
    if key in DETAILS:
        label, words = DETAILS[key]
        return label, words(value, _Lookup(ctx, e, names))
    return key.replace("_", " ").capitalize(), _plain(value)


@dataclass
class _Lookup:
    """What a detail's words may need: the settings' zone, the entry, and the names looked up."""

    ctx: Context
    entry: AuditEntry
    names: _Names


def _plain(value) -> str:
    """Any value as words: yes/no, ISO dates as words, lists joined, numbers as they are."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return listing(_plain(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')}: {_plain(v)}" for k, v in value.items())
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date_words(text)
    return WORDS.get(text, text.replace("_", " ") if re.fullmatch(r"[a-z_]+", text) else text)


def _date(value, _look) -> str:
    return date_words(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)) else _moment(value, _look)


def _moment(value, look) -> str:
    try:
        return time_words(value, look.ctx.settings.zone)
    except ValueError:
        return str(value)


def _numbered(noun: str) -> Callable:
    def words(value, _look) -> str:
        if isinstance(value, list):
            return f"{noun}s {listing(str(v) for v in value)}" if len(value) > 1 else f"{noun} {value[0]}"
        return f"{noun} {value}"

    return words


def _officer(value, look) -> str:
    return _person(look.names, int(value)) if str(value).isdigit() else str(value)


def _account(value, look) -> str:
    return _person(look.names, look.names.accounts.get(int(value))) if str(value).isdigit() else str(value)


def _connection(value, look) -> str:
    text = str(value)
    return next((n for cid, n in look.names.connections.items() if cid.startswith(text)), text)


def _kind(value, look) -> str:
    """A `kind` by what the entry is about: a letter's kind, an appeal's subject, a contact detail, an action."""
    text = str(value)
    if look.entry.entity_type == "appeals":
        return f"against a {text}"
    if look.entry.entity_type in ("letters", "restrictions"):
        return f"{text.replace('_', ' ')} letter"
    return {"email": "e-mail address", "phone": "phone number", "helpdesk_user": "helpdesk user"}.get(
        text, text.replace("_", " ")
    )


def _fields(value, _look) -> str:
    names = {"spoc_officer": "sole point of contact", "deputy_officer": "deputy", "time_windows": "times"}
    return listing(names.get(v, str(v).replace("_", " ")) for v in value) if isinstance(value, list) else str(value)


def _count(noun: str) -> Callable:
    def words(value, _look) -> str:
        return f"{value} {noun}{'' if value == 1 else 's'}"

    return words


def _format(value, _look) -> str:
    return str(value).upper()


def _sentence(value, _look) -> str:
    text = WORDS.get(str(value), str(value).replace("_", " ") if re.fullmatch(r"[a-z_]+", str(value)) else str(value))
    return text[:1].upper() + text[1:]


DETAILS: dict[str, tuple[str, Callable]] = {  # detail key: (label, its value in words)
    "path": ("Path", lambda v, _: WORDS.get(v, str(v).replace("_", " "))),
    "review_due": ("Review date", _date),
    "next_review_due": ("Next review", _date),
    "confirm_by": ("To be confirmed by", _date),
    "window_closes_on": ("Appeal window closes", _date),
    "decision_due": ("Decision due", _date),
    "deemed_receipt": ("Deemed received", _date),
    "appeal_deadline": ("Last day to appeal", _date),
    "starts_on": ("From", _date),
    "ends_on": ("To", _date),
    "from": ("From", _date),
    "to": ("To", _date),
    "expires_at": ("Expires", _moment),
    "locked_until": ("Locked until", _moment),
    "received_before": ("Received before", _date),
    "kind": ("Kind", _kind),
    "format": ("Format", _format),
    "state": ("State then", lambda v, _: str(v).replace("_", " ")),
    "method": ("How", lambda v, _: WORDS.get(v, str(v).replace("_", " "))),
    "outcome": ("Outcome", lambda v, _: str(v).replace("_", " ")),
    "late": ("Late", lambda v, _: "yes" if v else "no"),
    "effective": ("Did the warning work", lambda v, _: "yes" if v else "no"),
    "heard_by": ("Heard by", _officer),
    "previous_heard_by": ("Heard by before", _officer),
    "appeal": ("Appeal", _numbered("Appeal")),
    "incident": ("Incident", _numbered("Incident")),
    "incidents": ("Incidents", _numbered("Incident")),
    "restriction": ("Restriction", _numbered("Restriction")),
    "ticket": ("Ticket", lambda v, _: str(v)),
    "reason": ("Why", _sentence),
    "fields": ("What changed", _fields),
    "names": ("Which", lambda v, _: listing(str(n).replace("_", " ") for n in v) if isinstance(v, list) else str(v)),
    "role": ("Role", lambda v, _: str(v)),
    "previous_role": ("Role before", lambda v, _: str(v)),
    "by": ("By", lambda v, _: WORDS.get(v, str(v))),
    "claim": ("From the sign-in claim", lambda v, _: str(v)),
    "was_locked": ("Was locked", lambda v, _: "yes" if v else "no"),
    "slug": ("Service", lambda v, _: str(v)),
    "category": ("Category", lambda v, _: str(v).replace("_", " ")),
    "channel": ("Channel", lambda v, _: channels_words([v])),
    "actions": ("Helpdesk actions", _count("action")),
    "account_id": ("Account of", _account),
    "connection": ("Helpdesk", _connection),
    "adapter": ("Helpdesk kind", lambda v, _: str(v).replace("_", " ")),
    "generation": ("Webhook URL number", lambda v, _: str(v)),
    "months": ("After", _count("month")),
    "count": ("How many", lambda v, _: str(v)),
    "review_items": ("Items to review before disclosure", lambda v, _: str(v)),
    "view": ("Where", lambda v, _: VIEWS.get(v, str(v))),
    "report": ("Report", lambda v, _: str(v).replace("_", " ")),
    "social_work_known": ("Known to Social Work Services", lambda v, _: str(v)),
    "social_work_enquired_on": ("Social Work Services asked on", _date),
    "adjustments_needed": ("Adjustments needed", lambda v, _: "yes" if v else "no"),
}


def _records_read(e: AuditEntry, names: _Names) -> str:
    """What a reading showed: "Restriction 4", or "12 restrictions" (the ids are in the entry), and whose."""
    details = e.details or {}
    count, ids = details.get("count", 0), details.get("ids") or []
    noun = RECORDS.get(e.entity_type, e.entity_type.replace("_", " ").capitalize())
    if count == 1 and ids:
        return f"{noun} {ids[0]}"
    what = f"{count} {PLURALS.get(e.entity_type, noun).lower()}" if count else "none"
    customers = [names.customers[c][0] for c in details.get("customers") or [] if c in names.customers]
    return f"{what} (customers {listing(customers)})" if customers else what


# -- names, looked up once --------------------------------------------------------------------------------------


def _names(ctx: Context, rows: list[AuditEntry]) -> _Names:
    officer_ids: set[int] = set()
    account_ids: set[int] = set()
    customer_ids: set[int] = set()
    for e in rows:
        details = e.details or {}
        officer_ids.update(int(n) for n in re.findall(r"officer:(\d+)", e.actor or ""))
        if e.actor_officer_id is not None:
            officer_ids.add(e.actor_officer_id)
        if e.entity_type == "officers" and e.entity_id is not None:
            officer_ids.add(e.entity_id)
        officer_ids.update(details[k] for k in ("heard_by", "previous_heard_by") if isinstance(details.get(k), int))
        if e.entity_type == "accounts" and e.entity_id is not None:
            account_ids.add(e.entity_id)
        if isinstance(details.get("account_id"), int):
            account_ids.add(details["account_id"])
        customer_ids.update(c for c in [e.customer_id, *(details.get("customers") or [])] if isinstance(c, int))
        if e.entity_type == "customers" and e.entity_id is not None:
            customer_ids.add(e.entity_id)
    accounts = _accounts(ctx, account_ids)
    return _Names(
        officers=_officers(ctx, officer_ids | set(accounts.values())),
        accounts=accounts,
        customers=_customers(ctx, customer_ids),
        connections=dict(ctx.session.execute(select(Connection.id, Connection.name)).all()),
    )


def _officers(ctx: Context, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    rows = ctx.session.execute(select(Officer.id, Officer.name, Officer.role).where(Officer.id.in_(ids)))
    return {i: (name, role) for i, name, role in rows}


def _accounts(ctx: Context, ids: set[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(ctx.session.execute(select(Account.id, Account.officer_id).where(Account.id.in_(ids))).all())


def _customers(ctx: Context, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    rows = ctx.session.execute(select(Customer.id, Customer.reference, Customer.name).where(Customer.id.in_(ids)))
    return {i: (reference, name) for i, reference, name in rows}
