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


@pytest.mark.parametrize("header", ["1e12", "inf", "nan", "-5", "99999999999999999999"])
def test_an_absurd_retry_after_is_clamped_and_the_drain_goes_on(header):
    """Issue 9 item 6: a Retry-After of 1e12 crashed the drain pass (timedelta overflow); it is held to an
    hour, and the account's bucket with it."""
    import datetime as dt

    import requests
    import responses as rsps

    from adapters.errors import MAX_WAIT_SECONDS, RetryLater
    from adapters.http import send
    from adapters.ratelimit import TokenBucket

    bucket = TokenBucket(rate=1.0, burst=5)
    with rsps.RequestsMock() as mock:
        mock.get("https://helpdesk.test/x", status=429, headers={"Retry-After": header})
        with pytest.raises(RetryLater) as waited:
            send(requests.Session(), "GET", "https://helpdesk.test/x", bucket=bucket)
    assert waited.value.after_seconds is None or 0 <= waited.value.after_seconds <= MAX_WAIT_SECONDS
    dt.datetime.now() + dt.timedelta(seconds=waited.value.after_seconds or 0)  # no OverflowError
    assert bucket.take() <= MAX_WAIT_SECONDS + 1
