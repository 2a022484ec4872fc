"""Finding things by the names people use, and validating input, for every service module."""
from __future__ import annotations

from marshmallow import Schema, ValidationError
from sqlalchemy import select

from ..models import Customer, Officer, Service
from ..policy.restrictions import check_senior
from ..policy.vocabulary import Role
from .context import Context
from .errors import Forbidden, InvalidInput, NotFound, Refused

STAFF_RANK = {Role.AGENT: 0, Role.OFFICER: 1, Role.SENIOR: 2}


def load(schema: Schema, data: dict, partial: bool = False) -> dict:
    """Validate `data` with `schema`; field-keyed errors on failure."""
    try:
        return schema.load(data or {}, partial=partial)
    except ValidationError as exc:
        fields_named = ", ".join(sorted(str(k) for k in exc.messages)) if isinstance(exc.messages, dict) else ""
        raise InvalidInput(f"invalid input: check {fields_named}", errors=exc.messages) from None


def get(ctx: Context, model, ident: int, what: str | None = None):
    """The row with primary key `ident`, or NotFound naming it."""
    row = ctx.session.get(model, ident) if ident is not None else None
    if row is None:
        raise NotFound(f"no {what or model.__tablename__.rstrip('s')} with id {ident}")
    return row


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


def service_by_slug(ctx: Context, slug: str | None, field: str = "service") -> Service | None:
    """The service with this slug, None for None, NotFound otherwise."""
    if slug is None:
        return None
    found = ctx.session.scalar(select(Service).where(Service.slug == slug))
    if found is None:
        raise NotFound(f"no service with slug {slug}", errors={field: ["unknown service"]})
    return found


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
