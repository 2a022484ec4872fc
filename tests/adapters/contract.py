"""What every adapter declares for the shared contract suite (test_contract.py).

Each adapter's test folder has `spec.py` with `SPEC = ContractSpec(...)`: valid settings and
secrets, how to sign a body, its event fixtures, and its outbound calls with their bodies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Call:
    """One HTTP call the client must make, and the answer the fake helpdesk gives."""

    method: str
    url: str
    body: dict | None = None  # the JSON body expected (subset match), None = not checked
    status: int = 200
    reply: dict | list | None = None  # JSON answered


@dataclass(frozen=True)
class Outbound:
    """An action and the calls it must cause, in order."""

    action: dict
    calls: tuple[Call, ...]


@dataclass(frozen=True)
class ContractSpec:
    """An adapter's declaration for the contract suite."""

    key: str
    settings: dict
    secrets: dict
    invalid_settings: dict  # settings with one wrong field
    invalid_field: str  # ... named here
    fixtures: dict[str, str]  # fixture file stem -> event type it must parse to
    ticket_ids: dict[str, str]  # fixture file stem -> ticket id
    sign: Callable[[bytes, dict, dt.datetime], dict]  # headers making `raw` authentic at `now`
    outbound: tuple[Outbound, ...]
    check_call: Call  # the one call made by "test before save"
    ticket_id: str = "44"
    signs: bool = True  # a wrong signature must be refused
    signs_body: bool = True  # False where credentials, not a body signature, authenticate
    rotation_secret: str | None = None  # the secret that signs; NAME_previous also works while rotating
    stale_after: dt.timedelta | None = None  # replay window when the helpdesk sends a timestamp
    retry_call: Call | None = None  # the first call of outbound[0] (for 429/5xx tests)
    unhandled_fixture: bytes | None = None  # a body of an event type we do not act on
    # The calls a restricted customer's new ticket (the first fixture, unassigned) must cause, in order;
    # `spoc_agent_id` in `extra` is the sole point of contact's agent id in this helpdesk (default "7").
    restricted_calls: tuple[Call, ...] | None = None
    restricted_outcome: str = "flag"  # what the policy decides for that fixture
    extra: dict = field(default_factory=dict)
