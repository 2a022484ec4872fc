"""Errors the service layer raises; each maps to one HTTP status and one CLI exit code."""

from __future__ import annotations


class ServiceError(Exception):
    """Base: a stable `code`, a message for people, field-keyed `errors`."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, errors: dict | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        if code:
            self.code = code

    def as_dict(self) -> dict:
        """The error envelope {code, status, message, errors} used by the API and `--json`."""
        return {"code": self.code, "status": self.status, "message": self.message, "errors": self.errors}


class InvalidInput(ServiceError):
    """The input itself is malformed: a missing field, a wrong type, an unknown value."""

    status = 422
    code = "invalid_input"


class NotFound(ServiceError):
    """The thing named does not exist."""

    status = 404
    code = "not_found"


class Conflict(ServiceError):
    """It exists already, or someone changed it at the same time."""

    status = 409
    code = "conflict"


class Refused(ServiceError):
    """The policy refuses: each problem names its field, its rule and what to do."""

    status = 409
    code = "refused"

    @classmethod
    def from_problems(cls, summary: str, problems) -> Refused:
        """Gather policy problems into one refusal listing all of them."""
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(problem.field, []).append(f"{problem.message} [{problem.rule}]")
        codes = sorted({p.code for p in problems})
        code = codes[0] if len(codes) == 1 else "refused"
        detail = "; ".join(p.message for p in problems)
        refusal = cls(f"{summary}: {detail}", errors=errors, code=code)
        if "actor" in errors:  # who is acting may not do this (R2): a role failure, 403 like every other
            refusal.status = Forbidden.status
        return refusal


class Forbidden(ServiceError):
    """The actor's role does not allow this."""

    status = 403
    code = "forbidden"
