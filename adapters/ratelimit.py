"""One token bucket per helpdesk account, shared by every client in the process, or by every worker process.

Calls are paced to the account's rate: a call that finds the bucket empty reserves the next token and waits
for it (`pace`), up to MAX_PACE_SECONDS, so the outbox drains at the helpdesk's limit without a 429 and
without leaving an action half done (its read made, its write deferred). When the wait would be longer (a
429's Retry-After, a very low limit) the call is not made: the action is rescheduled (RetryLater) for when a
token will be there, so a busy outbox never turns into a retry storm.

Several worker processes share one limit when the plugin gives a shared store (`share_through`: on
PostgreSQL a row per account, plugin/worker/rate_limits.py); each process would otherwise pace to the whole
limit and the helpdesk's 429s would do the sharing. If the store cannot be reached, the process's own
bucket paces the call and the store is tried again on the next.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from .errors import RetryLater, clamp_wait

log = logging.getLogger(__name__)

MAX_PACE_SECONDS = 2.0  # a call waits this long at most for its token; longer, the action is rescheduled


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

    def reserve(self, cost: float, max_wait: float) -> tuple[bool, float]:
        """Take `cost` tokens now, going into debt for ones not there yet: (True, the seconds until they are
        there, 0 when they are). (False, those seconds), taking nothing, when that is longer than `max_wait`.
        Calls that reserve are spaced out at `rate` whatever order their threads wake up in."""
        with self.lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            wait = max(0.0, (cost - self.tokens) / self.rate)
            if wait > max_wait:
                return False, wait
            self.tokens -= cost
            return True, wait

    def hold_for(self, seconds: float) -> None:
        """The helpdesk said 429: empty the bucket for `seconds`."""
        with self.lock:
            self.tokens = -(clamp_wait(seconds) or 0.0) * self.rate
            self.updated = self.clock()


class SharedStore(Protocol):
    """Token buckets kept where every worker process sees them; `account` is an opaque key."""

    def reserve(self, account: str, rate: float, burst: float, cost: float, max_wait: float) -> tuple[bool, float]:
        """As TokenBucket.reserve, atomically across processes."""
        ...

    def hold(self, account: str, rate: float, seconds: float) -> None:
        """As TokenBucket.hold_for."""
        ...


@dataclass
class SharedBucket:
    """A bucket kept in a SharedStore; this process's own bucket stands in while the store fails."""

    account: str
    rate: float
    burst: float
    store: SharedStore
    local: TokenBucket = field(init=False)

    def __post_init__(self) -> None:
        self.local = TokenBucket(self.rate, self.burst)

    def reserve(self, cost: float, max_wait: float) -> tuple[bool, float]:
        try:
            return self.store.reserve(self.account, self.rate, self.burst, cost, max_wait)
        except Exception as exc:  # noqa: BLE001 - pacing must not fail the call; this process paces alone
            log.warning("shared rate limit unavailable (%s); pacing in this process", type(exc).__name__)
            return self.local.reserve(cost, max_wait)

    def take(self, cost: float = 1.0) -> float:
        reserved, wait = self.reserve(cost, 0.0)
        return 0.0 if reserved else wait

    def hold_for(self, seconds: float) -> None:
        self.local.hold_for(seconds)
        try:
            self.store.hold(self.account, self.rate, clamp_wait(seconds) or 0.0)
        except Exception as exc:  # noqa: BLE001
            log.warning("shared rate limit unavailable (%s); holding in this process", type(exc).__name__)


Bucket = TokenBucket | SharedBucket
_buckets: dict[str, Bucket] = {}
_registry_lock = threading.Lock()
_store: SharedStore | None = None


def share_through(store: SharedStore | None) -> None:
    """Keep every bucket made from now on in `store` (None: in this process again); forgets every bucket
    made so far (tests start each with full buckets this way)."""
    global _store
    with _registry_lock:
        _store = store
        _buckets.clear()


def bucket_for(account: str, rate: float, burst: float) -> Bucket:
    """The bucket for one helpdesk account (e.g. its base URL)."""
    with _registry_lock:
        if account not in _buckets:
            if _store is None:
                _buckets[account] = TokenBucket(rate, burst)
            else:  # the key may end with part of a token: the store keeps only a hash of it
                key = hashlib.sha256(account.encode()).hexdigest()[:40]
                _buckets[account] = SharedBucket(key, rate, burst, _store)
        return _buckets[account]


def acquire(bucket: Bucket | None, cost: float = 1.0) -> None:
    """Take a token or raise RetryLater with the wait."""
    if bucket is None:
        return
    wait = bucket.take(cost)
    if wait > 0:
        raise RetryLater(f"rate limit: next call in {wait:.1f}s", wait, counts_as_attempt=False)


def pace(bucket: Bucket | None, cost: float = 1.0, sleep: Callable[[float], None] = time.sleep) -> None:
    """Wait for the call's tokens if they come within MAX_PACE_SECONDS, else raise RetryLater with the wait.

    The wait is spent outside any database transaction (the outbox calls the helpdesk between them) and well
    inside an action's lease."""
    if bucket is None:
        return
    reserved, wait = bucket.reserve(cost, MAX_PACE_SECONDS)
    if not reserved:
        raise RetryLater(f"rate limit: next call in {wait:.1f}s", wait, counts_as_attempt=False)
    if wait > 0:
        sleep(wait)
