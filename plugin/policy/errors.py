"""The one error type a policy rule raises when it refuses."""

from __future__ import annotations


class PolicyViolation(Exception):
    """A rule refused an action; `code` is stable for scripts, `message` is for people."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "field": self.field}
