"""Outbound calls paced to the helpdesk's limit (adapters/ratelimit.py `pace`).

Zendesk documents its limit per account and minute, and answers a call over it with 429 Too Many Requests
and a Retry-After header giving the seconds to wait
(https://developer.zendesk.com/api-reference/introduction/rate-limits). A client that paces its calls at the
limit never sees that answer: a call finding the bucket empty waits for its token (briefly), and only a long
wait (a 429's Retry-After, a tiny limit) reschedules the action instead.
"""

import pytest
import requests
import responses

from adapters.errors import RetryLater
from adapters.http import send
from adapters.ratelimit import MAX_PACE_SECONDS, TokenBucket, pace


class FakeTime:
    """A clock that the fake sleep moves on."""

    def __init__(self):
        self.now, self.slept = 0.0, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_calls_beyond_the_burst_wait_their_turn_at_the_rate():
    time = FakeTime()
    bucket = TokenBucket(rate=10, burst=2, clock=time)
    moments = []
    for _ in range(6):
        pace(bucket, sleep=time.sleep)
        moments.append(round(time.now, 3))
    assert moments == [0, 0, 0.1, 0.2, 0.3, 0.4], "the burst at once, then one call every 1/rate seconds"


def test_waiting_callers_reserve_tokens_so_they_are_spaced_out_not_bunched():
    """Threads that find the bucket empty at the same moment each get a later slot (no two wake for one token)."""
    time = FakeTime()
    bucket = TokenBucket(rate=4, burst=1, clock=time)
    waits = [bucket.reserve(1, MAX_PACE_SECONDS) for _ in range(4)]
    assert waits == [(True, 0.0), (True, 0.25), (True, 0.5), (True, 0.75)]


def test_a_wait_longer_than_the_cap_reschedules_without_taking_a_token():
    time = FakeTime()
    bucket = TokenBucket(rate=0.25, burst=1, clock=time)  # 15 calls a minute: the next token in 4 s
    pace(bucket, sleep=time.sleep)
    with pytest.raises(RetryLater) as deferred:
        pace(bucket, sleep=time.sleep)
    assert deferred.value.after_seconds == pytest.approx(4.0)
    assert deferred.value.counts_as_attempt is False
    assert time.slept == [], "nothing slept: the action waits in the outbox"
    time.now += 4
    pace(bucket, sleep=time.sleep)  # the token it did not take is there
    assert time.slept == []


@responses.activate
def test_after_a_429_the_account_waits_retry_after_whether_short_or_long():
    """A 429's Retry-After empties the account's bucket for that long: one second is waited in the call, a
    minute reschedules the action."""
    time = FakeTime()
    bucket = TokenBucket(rate=20, burst=20, clock=time)
    responses.patch("https://helpdesk.test/t/1", status=429, headers={"Retry-After": "1"})
    with pytest.raises(RetryLater):
        send(requests.Session(), "PATCH", "https://helpdesk.test/t/1", bucket=bucket)
    pace(bucket, sleep=time.sleep)
    assert sum(time.slept) == pytest.approx(1.05), "Retry-After, then this call's own token"

    bucket.hold_for(60)
    with pytest.raises(RetryLater) as deferred:
        pace(bucket, sleep=time.sleep)
    assert deferred.value.after_seconds > 59
