"""One token bucket per helpdesk account: calls beyond it are rescheduled, not made (no retry storm)."""
import pytest

from adapters.errors import RetryLater
from adapters.ratelimit import TokenBucket, acquire


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_bucket_allows_a_burst_then_defers_without_counting_an_attempt():
    bucket = TokenBucket(rate=2, burst=3, clock=FakeClock())
    for _ in range(3):
        acquire(bucket)
    with pytest.raises(RetryLater) as deferred:
        acquire(bucket)
    assert deferred.value.after_seconds == pytest.approx(0.5)
    assert deferred.value.counts_as_attempt is False


def test_tokens_refill_with_time_and_a_429_holds_the_bucket():
    clock = FakeClock()
    bucket = TokenBucket(rate=1, burst=1, clock=clock)
    acquire(bucket)
    clock.now += 1
    acquire(bucket)
    bucket.hold_for(30)
    clock.now += 29
    assert bucket.take() > 0
    clock.now += 2
    assert bucket.take() == 0
