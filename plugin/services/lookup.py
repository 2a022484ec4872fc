"""Finding things by the names people use, and validating input, for every service module."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar, overload

from marshmallow import Schema, ValidationError
from sqlalchemy import select

from ..models import Customer, Officer, OfficerHelpdeskId, Service
from ..policy.restrictions import check_senior
from ..policy.vocabulary import Role
from .context import Context
from .errors import Forbidden, InvalidInput, NotFound, Refused

STAFF_RANK = {Role.AGENT: 0, Role.OFFICER: 1, Role.SENIOR: 2}
Row = TypeVar("Row")


def load(schema: Schema, data: dict, partial: bool = False) -> dict:
    """Validate `data` with `schema`; field-keyed errors on failure."""
    try:
        return schema.load(data or {}, partial=partial)
    except ValidationError as exc:
        fields_named = ", ".join(sorted(str(k) for k in exc.messages)) if isinstance(exc.messages, dict) else ""
        # A payload that is not an object has no fields: marshmallow's own key for such errors.
        errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise InvalidInput(f"invalid input: check {fields_named}", errors=errors) from None


def get(ctx: Context, model: type[Row], ident: int | None, what: str | None = None) -> Row:
    """The row with primary key `ident`, or NotFound naming it."""
    row = ctx.session.get(model, ident) if ident is not None else None
    if row is None:
        raise NotFound(f"no {what or getattr(model, '__tablename__', 'row').rstrip('s')} with id {ident}")
    return row


@overload
def officer_by_email(ctx: Context, email: str, field: str = ...) -> Officer: ...
@overload
def officer_by_email(ctx: Context, email: None, field: str = ...) -> None: ...
@overload
def officer_by_email(ctx: Context, email: str | None, field: str = ...) -> Officer | None: ...
def officer_by_email(ctx: Context, email: str | None, field: str = "officer") -> Officer | None:
    """The officer with this e-mail, None for None, NotFound otherwise."""
    if email is None:
        return None
    found = ctx.session.scalar(select(Officer).where(Officer.email == email.strip().lower()))
    if found is None:
        raise NotFound(f"no officer with e-mail {email}", errors={field: ["unknown officer"]})
    return found


def customer_by_ref(ctx: Context, reference: str) -> Customer:
    """The customer with this reference (or numeric id), NotFound otherwise."""
    found = ctx.session.scalar(select(Customer).where(Customer.reference == reference))
    if found is None and str(reference).isdigit():
        found = ctx.session.get(Customer, int(reference))
    if found is None:
        raise NotFound(f"no customer with reference {reference}", errors={"customer": ["unknown customer"]})
    return found


@overload
def service_by_slug(ctx: Context, slug: str, field: str = ...) -> Service: ...
@overload
def service_by_slug(ctx: Context, slug: None, field: str = ...) -> None: ...
@overload
def service_by_slug(ctx: Context, slug: str | None, field: str = ...) -> Service | None: ...
def service_by_slug(ctx: Context, slug: str | None, field: str = "service") -> Service | None:
    """The service with this slug, None for None, NotFound otherwise."""
    if slug is None:
        return None
    found = ctx.session.scalar(select(Service).where(Service.slug == slug))
    if found is None:
        raise NotFound(f"no service with slug {slug}", errors={field: ["unknown service"]})
    return found


def acting_officer_id(ctx: Context, what: str) -> int:
    """The id of the officer acting; Forbidden when no officer is (the system cannot do `what`)."""
    if ctx.actor.officer_id is None:
        raise Forbidden(f"{what} needs an officer; you are {ctx.actor.label}")
    return ctx.actor.officer_id


def require_staff(ctx: Context, minimum: Role, what: str) -> None:
    """Refuse unless the actor is staff of at least `minimum` rank (admins are not policy staff)."""
    role = ctx.actor.role
    if role is None or role == Role.ADMIN or STAFF_RANK[Role(role)] < STAFF_RANK[minimum]:
        shown = role.value if role else ctx.actor.label
        raise Forbidden(f"{what} needs a {minimum.value} officer or above; you are {shown}")


def require_senior(ctx: Context, what: str) -> None:
    """Refuse unless a senior officer is acting (R2)."""
    problems = check_senior(ctx.actor.role or Role.AGENT, what)
    if problems:
        raise Refused.from_problems("refused", problems)


def require_admin(ctx: Context, what: str) -> None:
    """Administration: an admin, or the system (the server's own shell)."""
    if not (ctx.actor.is_system or ctx.actor.role == Role.ADMIN):
        raise Forbidden(f"{what} needs an admin")


def helpdesk_agent_for(ctx: Context, connection_id: str, officer_id: int | None) -> str | None:
    """The officer's user id in this helpdesk (an id given for this connection wins over one for every helpdesk)."""
    if officer_id is None:
        return None
    query = select(OfficerHelpdeskId.agent_id).where(
        OfficerHelpdeskId.officer_id == officer_id, OfficerHelpdeskId.connection_id.in_([connection_id, ""])
    )
    return ctx.session.scalar(query.order_by(OfficerHelpdeskId.connection_id.desc()).limit(1))


def not_after_today(ctx: Context, day: dt.date, field: str, what: str) -> dt.date:
    """`day`, unless it is after today in the council's zone: a date not yet come is a slip that would move deadlines."""
    today = ctx.today()
    if day > today:
        raise InvalidInput(
            f"{what} cannot be after today ({today.isoformat()}); check the date", errors={field: ["in the future"]}
        )
    return day
