"""One token bucket per helpdesk account, shared by every client in the process.

When the bucket is empty the call is not made: the action is rescheduled (RetryLater) for
when a token will be there, so a busy outbox never turns into a retry storm.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import RetryLater, clamp_wait


@dataclass
class TokenBucket:
    """`rate` tokens a second, up to `burst`."""

    rate: float
    burst: float
    clock: Callable[[], float] = time.monotonic
    tokens: float = field(init=False)
    updated: float = field(init=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.tokens, self.updated = self.burst, self.clock()

    def take(self, cost: float = 1.0) -> float:
        """Take `cost` tokens; return 0, or the seconds to wait when there are not enough."""
        with self.lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= cost:
                self.tokens -= cost
                return 0.0
            return (cost - self.tokens) / self.rate

    def hold_for(self, seconds: float) -> None:
        """The helpdesk said 429: empty the bucket for `seconds`."""
        with self.lock:
            self.tokens = -(clamp_wait(seconds) or 0.0) * self.rate
            self.updated = self.clock()


_buckets: dict[str, TokenBucket] = {}
_registry_lock = threading.Lock()


def bucket_for(account: str, rate: float, burst: float) -> TokenBucket:
    """The bucket for one helpdesk account (e.g. its base URL)."""
    with _registry_lock:
        if account not in _buckets:
            _buckets[account] = TokenBucket(rate, burst)
        return _buckets[account]


def acquire(bucket: TokenBucket | None, cost: float = 1.0) -> None:
    """Take a token or raise RetryLater with the wait."""
    if bucket is None:
        return
    wait = bucket.take(cost)
    if wait > 0:
        raise RetryLater(f"rate limit: next call in {wait:.1f}s", wait, counts_as_attempt=False)


def reset() -> None:
    """Forget every bucket (tests, and a worker reloading its connections)."""
    with _registry_lock:
        _buckets.clear()
