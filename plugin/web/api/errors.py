"""One error envelope for every API error: `{"code", "status", "message", "errors"}`.

Service refusals keep their code, message and field-keyed errors (policy refusals name their rule,
e.g. `[R12]`). A refusal for the actor's role (R2: only a senior officer may ...) is a 403, as is every
role failure. Handlers are registered on the API's blueprints only: the webhook receiver keeps its own.
"""

from __future__ import annotations

import logging

from flask import jsonify, request
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from ...services.errors import ServiceError

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    500: "internal_error",
}


class Unauthenticated(ServiceError):
    """No valid session or Bearer token."""

    status = 401
    code = "unauthenticated"

    def __init__(self):
        super().__init__("sign in, or send a valid token: Authorization: Bearer <token>")


class WrongRole(ServiceError):
    """The actor's role may not call this endpoint."""

    status = 403
    code = "forbidden"

    def __init__(self, role):
        super().__init__(
            f"your role ({role.value}) may not {request.method} {request.path}", errors={"role": [role.value]}
        )


def envelope(status: int, code: str, message: str, errors=None, headers=None):
    """The JSON reply every API error gets."""
    reply = jsonify(code=code, status=status, message=message, errors=errors or {})
    return reply, status, headers or {}


def _service_error(exc: ServiceError):
    status = exc.status  # a role failure is 403 wherever the service raised it (Forbidden, or Refused on "actor")
    headers = {"WWW-Authenticate": 'Bearer realm="contactguard"'} if status == 401 else None
    return envelope(status, exc.code, exc.message, exc.errors, headers)


def http_error(exc: HTTPException):
    """An HTTP error (abort, a refused body, no such route) in the API's envelope."""
    if _csrf_refusal(exc) and not _signed_in():
        return _service_error(Unauthenticated())  # no token and no session: say so, not "CSRF token missing"
    data = getattr(exc, "data", None) or {}
    errors = _field_errors(data.get("messages") or data.get("errors") or {})
    status = exc.code or 500
    if status == 422:
        message = f"invalid input: check {', '.join(sorted(map(str, errors)))}"
    else:
        message = data.get("message") or exc.description or exc.name
    headers = dict(data.get("headers") or {})
    allowed = getattr(exc, "valid_methods", None)  # MethodNotAllowed only
    if status == 405 and allowed:
        headers["Allow"] = ", ".join(sorted(allowed))
    return envelope(status, CODES.get(status, exc.name.lower().replace(" ", "_")), message, errors, headers)


def _csrf_refusal(exc: HTTPException) -> bool:
    """Sign-in's CSRF check runs before ours for cookie requests (POST without a Bearer token)."""
    return type(exc).__name__ == "CSRFError"


def _signed_in() -> bool:
    from ..auth import current_actor

    return current_actor() is not None


def _field_errors(messages) -> dict:
    """webargs keys errors by location (json, query); people want them keyed by field."""
    if not isinstance(messages, dict):
        return {"_schema": messages if isinstance(messages, list) else [str(messages)]}
    merged = {}
    for location, errors in messages.items():
        if location in ("json", "query", "form", "path", "headers") and isinstance(errors, dict):
            merged.update(errors)
        else:
            merged[location] = errors
    return merged


def _out_of_range(exc: Exception):
    """A number too big for the database (an id of 10**30): bad input, not a server fault."""
    log.info("api input out of range on %s %s: %s", request.method, request.url_rule, type(exc).__name__)
    return envelope(422, "invalid_input", "a number in the request is out of range", {"_schema": ["out of range"]})


def _conflict(exc: IntegrityError):
    """Two requests made the same record at once: the database's unique key kept one; this one is a conflict."""
    log.info("api unique key refused a concurrent write on %s %s", request.method, request.url_rule)
    return envelope(409, "conflict", "another request made the same record at the same moment; it exists already")


def _internal_error(exc: InternalServerError):
    original = getattr(exc, "original_exception", None)
    log.error("api error on %s %s: %s", request.method, request.url_rule, type(original or exc).__name__)
    return envelope(500, "internal_error", "something went wrong; it was logged (no details are shown)")


def register_handlers(blueprint) -> None:
    """The envelope for service errors, HTTP errors (401/403/404/405/422...) and anything unexpected."""
    blueprint.register_error_handler(ServiceError, _service_error)
    blueprint.register_error_handler(DataError, _out_of_range)
    blueprint.register_error_handler(IntegrityError, _conflict)
    blueprint.register_error_handler(OverflowError, _out_of_range)
    blueprint.register_error_handler(HTTPException, http_error)
    for status in default_exceptions:  # by code too: an app-wide handler for a code would otherwise win
        blueprint.register_error_handler(status, http_error)
    blueprint.register_error_handler(InternalServerError, _internal_error)
    blueprint.register_error_handler(500, _internal_error)
