"""`make fuzz`: hostile webhook deliveries for every adapter through the real receiver, and random decisions.

Prints `fuzz_cases=N fuzz_5xx=K` (and the answers by status) and exits 1 when any delivery got a 5xx or
raised, or any decision broke a property. Each case is a function of its seed: a failure prints the seed and
`--replay SEED --adapter KEY` runs that case alone.

    python -m benchmarks.fuzz [--cases 100000] [--decisions 50000] [--seed 0] [--database URL]

The generators are the property tests' (tests/hostile/corpus.py and decision_cases.py); the receiver runs
in-process with a restricted customer on the register, so restricted, allowed and malformed paths all run.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import logging
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _app(database: str | None, instance: str):
    from plugin import migrate
    from plugin.app import create_app

    url = database or f"sqlite:///{instance}/fuzz.sqlite3"
    migrate.upgrade(url)
    return create_app({"DATABASE_URL": url, "INSTANCE_PATH": instance, "TESTING": True, "LOG_LEVEL": "ERROR"})


def _register(app, settings) -> dict:
    """The test suite's officers and customer, a restriction in force, and one connection per adapter."""
    from plugin.services import connections as conns
    from plugin.services import register as reg
    from tests.conftest import PEOPLE, Cast, email_of
    from tests.helpers import active_restriction
    from tests.hostile.corpus import KEYS, target

    cast = Cast(app.extensions["contactguard.sessions"], settings)
    with cast.act() as ctx:
        reg.add_service(ctx, {"slug": "housing", "name": "Housing"})
        for key, name, role, deputy in PEOPLE:
            data = {"email": email_of(key), "name": name, "role": role.value, "service": "housing"}
            if deputy:
                data["deputy"] = email_of(deputy)
            cast.ids[key] = (reg.add_officer(ctx, data).id, role)
        reg.add_customer(
            ctx,
            {
                "reference": "C1",
                "name": "Jane Customer",
                "identities": [
                    {"kind": "email", "value": "jane.customer@example.com"},
                    {"kind": "phone", "value": "07700 900123"},
                ],
            },
        )
    active_restriction(cast)
    out = {}
    with cast.act() as ctx:
        for key in KEYS:
            t = target(key)
            connection = conns.add(ctx, key, key, t.spec.settings, t.spec.secrets, test=False)
            out[key] = (t, conns.webhook_path(ctx.settings, connection))
    return out


def fuzz_webhooks(
    client, targets: dict, cases: int, seed: int, only: str | None = None
) -> tuple[collections.Counter, list]:
    from tests.hostile.corpus import delivery, hostile_path

    keys = [only] if only else sorted(targets)
    statuses, failures = collections.Counter(), []
    now = dt.datetime.now(dt.timezone.utc)
    for i in range(cases):
        key = keys[i % len(keys)]
        case_seed = seed + i
        t, path = targets[key]
        r = random.Random(case_seed)
        raw, headers = delivery(r, t, now)
        try:
            status = client.post(hostile_path(r, path), data=raw, headers=headers).status_code
        except Exception:  # noqa: BLE001 - the point: nothing may escape the receiver
            status = "raised"
            failures.append((key, case_seed, traceback.format_exc(limit=-8)))
        else:
            if status >= 500:
                failures.append((key, case_seed, f"status {status}"))
        statuses[status] += 1
        if i and i % 10_000 == 0:
            now = dt.datetime.now(dt.timezone.utc)  # signatures with timestamps stay inside their window
            print(f"  {i} deliveries", flush=True)
    return statuses, failures


def fuzz_decisions(cases: int, seed: int) -> list:
    from plugin.policy.decision import Outcome, decide
    from tests.hostile.decision_cases import INFO_REQUESTS, random_contact, random_terms, within

    failures = []
    for i in range(cases):
        r = random.Random(seed + i)
        try:
            terms = [random_terms(r, n) for n in range(r.randrange(0, 4))]
            decision = decide(random_contact(r), terms)
            assert decision.reason.strip() and isinstance(decision.outcome, Outcome)
            inside_terms, inside = within(r, random_terms(r, 1), random_contact(r))
            assert decide(inside, [inside_terms]).outcome in (Outcome.FLAG, Outcome.STATUTORY), "within disregarded"
            asking = random_contact(r).__class__(
                **{**random_contact(r).__dict__, "service_id": None, "text": r.choice(INFO_REQUESTS)}
            )
            if terms:
                assert decide(asking, terms).outcome is Outcome.STATUTORY, "information request disregarded"
        except Exception:  # noqa: BLE001
            failures.append(("decision", seed + i, traceback.format_exc(limit=-6)))
    return failures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="hostile deliveries (all adapters in turn)")
    parser.add_argument("--decisions", type=int, default=50_000, help="random decisions (3 properties each)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--adapter", help="only this adapter")
    parser.add_argument("--replay", type=int, help="run the one delivery with this seed (with --adapter)")
    parser.add_argument("--database", help="a database URL (default: a fresh SQLite file)")
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)
    from plugin.config import load_settings, settings_of

    with tempfile.TemporaryDirectory() as instance:
        app = _app(args.database, instance)
        settings = load_settings(
            {"DATABASE_URL": settings_of(app).DATABASE_URL, "INSTANCE_PATH": instance, "TESTING": True}, environ={}
        )
        targets = _register(app, settings)
        client = app.test_client()
        started = time.perf_counter()
        if args.replay is not None:
            statuses, failures = fuzz_webhooks(client, targets, 1, args.replay, args.adapter)
            print(dict(statuses), *(f[2] for f in failures), sep="\n")
            return 1 if failures else 0
        statuses, failures = fuzz_webhooks(client, targets, args.cases, args.seed, args.adapter)
        webhook_seconds = time.perf_counter() - started
        failures += fuzz_decisions(args.decisions, args.seed)
        from plugin.app import dispose

        dispose(app)
    seconds = time.perf_counter() - started
    five = sum(n for s, n in statuses.items() if s == "raised" or s >= 500)
    by_status = " ".join(f"{s}:{n}" for s, n in sorted(statuses.items(), key=lambda item: str(item[0])))
    print(f"webhook deliveries by status: {by_status} ({webhook_seconds:.0f}s)")
    print(f"decisions: {args.decisions} x 3 properties, {sum(1 for f in failures if f[0] == 'decision')} broken")
    for key, case_seed, detail in failures[:10]:
        print(f"FAILED {key} seed={case_seed}: {detail}")
    print(
        f"fuzz_cases={args.cases + args.decisions} fuzz_5xx={five} fuzz_failures={len(failures)} seconds={seconds:.0f}",
        flush=True,
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
