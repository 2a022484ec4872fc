"""The helpdesks' rate limits shared by every worker process, in PostgreSQL (adapters/ratelimit.py).

Each account's token bucket is one row of `rate_limit_buckets`; a call reserves its tokens with one
statement that refills the bucket by the time since it was last touched (the database's clock, the same for
every process) and takes the tokens, or leaves the row as it was when the wait would be too long. Two
workers therefore pace to the limit together instead of each to the whole of it.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

from adapters import ratelimit

_NOW = "EXTRACT(EPOCH FROM statement_timestamp())::float8"
_REFILLED = f"LEAST(:burst, b.tokens + ({_NOW} - b.updated) * :rate)"

RESERVE = text(
    f"""
    INSERT INTO rate_limit_buckets AS b (account, tokens, updated)
    VALUES (:account, :burst - :cost, {_NOW})
    ON CONFLICT (account) DO UPDATE SET tokens = {_REFILLED} - :cost, updated = {_NOW}
    WHERE (:cost - {_REFILLED}) / :rate <= :max_wait
    RETURNING b.tokens
    """
)
WAIT = text(f"SELECT (:cost - {_REFILLED}) / :rate FROM rate_limit_buckets AS b WHERE b.account = :account")
HOLD = text(
    f"""
    INSERT INTO rate_limit_buckets AS b (account, tokens, updated) VALUES (:account, :tokens, {_NOW})
    ON CONFLICT (account) DO UPDATE SET tokens = :tokens, updated = {_NOW}
    """
)


class PostgresBuckets:
    """A ratelimit.SharedStore in the database behind `engine` (autocommit statements, one each)."""

    def __init__(self, engine: Engine):
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    def reserve(self, account: str, rate: float, burst: float, cost: float, max_wait: float) -> tuple[bool, float]:
        values = {"account": account, "rate": float(rate), "burst": float(burst), "cost": float(cost)}
        values["max_wait"] = float(max_wait)
        with self.engine.connect() as connection:
            tokens = connection.execute(RESERVE, values).scalar()
            if tokens is not None:
                return True, max(0.0, -tokens / rate)
            return False, float(connection.execute(WAIT, values).scalar() or 0.0)

    def hold(self, account: str, rate: float, seconds: float) -> None:
        with self.engine.connect() as connection:
            connection.execute(HOLD, {"account": account, "tokens": -float(seconds) * rate})


def share_between_workers(engine: Engine) -> None:
    """On PostgreSQL, pace every helpdesk call of this process together with the other workers'."""
    if engine.dialect.name == "postgresql":
        ratelimit.share_through(PostgresBuckets(engine))


def stop_sharing() -> None:
    """This process paces its calls alone again (the worker stopped)."""
    ratelimit.share_through(None)
