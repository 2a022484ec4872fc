"""What adapters raise; the receiver and the outbox worker map each to one behaviour."""

from __future__ import annotations


class AdapterError(Exception):
    """Base of adapter errors."""


class SignatureError(AdapterError):
    """The request is not authentic (bad, missing or stale signature): 401, fail closed."""


class PayloadError(AdapterError):
    """The body cannot be understood: 400 with this message."""


class UnhandledEvent(AdapterError):
    """A well-formed event of a type we do not act on: 200, logged."""

    def __init__(self, event_type: str):
        super().__init__(f"event type {event_type!r} is not handled")
        self.event_type = event_type


MAX_WAIT_SECONDS = 3600.0  # however long a helpdesk asks us to wait, try again within the hour


def clamp_wait(seconds: float | None) -> float | None:
    """A helpdesk's wait within 0 s and an hour (a Retry-After of 1e12, inf or NaN must not break the drain)."""
    if seconds is None:
        return None
    if seconds != seconds:  # NaN
        return MAX_WAIT_SECONDS
    return min(max(0.0, seconds), MAX_WAIT_SECONDS)


class RetryLater(AdapterError):
    """The helpdesk asked us to wait (429) or is briefly unavailable (5xx, timeout)."""

    def __init__(self, message: str, after_seconds: float | None = None, counts_as_attempt: bool = True):
        super().__init__(message)
        self.after_seconds = clamp_wait(after_seconds)
        self.counts_as_attempt = counts_as_attempt  # our own rate limiter's deferral does not


class Unreachable(RetryLater):
    """The helpdesk did not answer: refused or reset connection, timeout, 408, or a 5xx. An outage, not this
    action's fault: the helpdesk's actions pause without spending attempts and resume when a probe gets through."""

    def __init__(self, message: str, after_seconds: float | None = None):
        super().__init__(message, after_seconds, counts_as_attempt=False)


class PermanentFailure(AdapterError):
    """Retrying will not help (404 ticket gone, 400 rejected, 401/403 credentials): dead-letter now."""


class ConnectionCheckFailed(AdapterError):
    """Testing a connection failed: a field-keyed code (invalid_auth, cannot_connect, not_found, ...)."""

    def __init__(self, code: str, message: str, field: str = "base"):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field
