"""What every API request goes through: who is acting, whether their role may, and one unit of work.

Each resource is an `ApiBlueprint`. Before any view runs (and before its input is read) the request
must carry a valid actor (401 otherwise) whose role the view names with `@acting(...)` (403 otherwise);
a view that names no role is refused to everyone, so a forgotten declaration fails closed. The view then
runs in one transaction as that actor, exactly as a CLI command does, and returns plain data.
"""

from __future__ import annotations

import functools

from flask import current_app, g, request
from flask_smorest import Blueprint
from werkzeug.routing import BaseConverter

from ...config import settings_of
from ...policy.vocabulary import Role
from ...services import Context
from ...services.audit import record_read
from .errors import Unauthenticated, WrongRole, register_handlers

MAX_ID = 999_999_999  # nine digits: within both databases' integers; a bigger id is not there (404)
ALL_ROLES = frozenset(Role)
STAFF = frozenset({Role.AGENT, Role.OFFICER, Role.SENIOR})
OFFICERS = frozenset({Role.OFFICER, Role.SENIOR})
READERS = frozenset({Role.OFFICER, Role.SENIOR, Role.ADMIN})
SENIOR = frozenset({Role.SENIOR})
ADMIN = frozenset({Role.ADMIN})


class RecordId(BaseConverter):
    """`<id:name>` in a route: a record's id, 1 to MAX_ID.

    A longer number does not match the route at all (so it reaches the API's own 404, in the envelope)
    rather than failing inside the route as a range check would, and never reaches the database."""

    regex = r"[1-9][0-9]{0,8}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


def record_id_schema(_converter) -> dict:
    """How a `<id:...>` path parameter is documented."""
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def acting(roles):
    """Declare the roles that may call a view, and run it in one transaction with a Context first argument."""

    def decorate(view):
        @functools.wraps(view)
        def run(*args, **kwargs):
            with current_app.extensions["contactguard.sessions"]() as session, session.begin():
                ctx = Context(session, g.api_actor, settings_of(current_app))
                result = view(ctx, *args, **kwargs)
                session.flush()
            return result

        run.allowed_roles = frozenset(roles)
        return run

    return decorate


def allowed_roles(endpoint: str | None) -> frozenset:
    """The roles the view behind `endpoint` names; none for an undeclared view (fail closed)."""
    view = current_app.view_functions.get(endpoint or "")
    return getattr(view, "allowed_roles", frozenset())


def authenticate() -> None:
    """Before every API view: a valid actor (401), in a role the view allows (403)."""
    from ..auth import current_actor  # the sign-in module: session cookie or Bearer token

    actor = current_actor()
    if actor is None or actor.role is None:
        raise Unauthenticated()
    role = Role(actor.role)
    if role not in allowed_roles(request.endpoint):
        raise WrongRole(role)
    g.api_actor = actor


def guard(blueprint) -> None:
    """Give a blueprint the API's authentication and error envelope (never app-wide)."""
    blueprint.before_request(authenticate)
    register_handlers(blueprint)


class ApiBlueprint(Blueprint):
    """A resource of the API: guarded, with the error envelope, documented by flask-smorest."""

    def __init__(self, name: str, import_name: str, **kwargs):
        super().__init__(name, import_name, **kwargs)
        guard(self)


def audit_read(ctx: Context, entity_type: str, rows, customer_ids=()) -> None:
    """Record who read which records through which endpoint (as the CLI does for its commands)."""
    view = f"api {request.method} {request.url_rule.rule if request.url_rule else request.path}"
    record_read(ctx, view, entity_type, [r.id for r in rows], customer_ids)


def body() -> dict:
    """The JSON body as sent (the service validates it with the same schema the document shows)."""
    data = request.get_json(silent=True)
    return dict(data) if isinstance(data, dict) else {}
