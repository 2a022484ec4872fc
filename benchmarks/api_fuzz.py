"""The big schemathesis run against the REST API: every operation of /api/v1/openapi.json, as a senior officer.

    python -m benchmarks.api_fuzz [--cases 20000] [--modes positive,negative] [--seed 0] [--database URL]

Prints `api_fuzz_cases=N api_fuzz_failures=K` with the answers by status, and each failing operation with
schemathesis's reproduction (curl). Exits 1 on any failure: a 5xx, an exception, an undocumented status or
content type, or a body that does not match its schema. The app runs in-process on a fresh SQLite database
(or the PostgreSQL database given) with the test suite's officers and a restriction in force.
tests/api/test_fuzz.py runs the same thing with a few hundred cases.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _app(database: str | None, instance: str):
    from plugin import migrate
    from plugin.app import create_app

    url = database or f"sqlite:///{instance}/api-fuzz.sqlite3"
    migrate.upgrade(url)
    return create_app({"DATABASE_URL": url, "INSTANCE_PATH": instance, "TESTING": True, "LOG_LEVEL": "ERROR"})


def _senior_token(app) -> str:
    """The suite's cast on the register, a restriction in force, and a token for the senior officer."""
    from plugin.config import settings_of
    from plugin.services import accounts
    from plugin.services import register as reg
    from tests.conftest import PEOPLE, Cast, email_of
    from tests.helpers import active_restriction

    cast = Cast(app.extensions["contactguard.sessions"], settings_of(app))
    with cast.act() as ctx:
        reg.add_service(ctx, {"slug": "housing", "name": "Housing"})
        for key, name, role, deputy in PEOPLE:
            data = {
                "email": email_of(key),
                "name": name,
                "role": role.value,
                "service": "housing",
                **({"deputy": email_of(deputy)} if deputy else {}),
            }
            cast.ids[key] = (reg.add_officer(ctx, data).id, role)
        reg.add_customer(
            ctx,
            {
                "reference": "C1",
                "name": "Jane Customer",
                "identities": [{"kind": "email", "value": "jane.customer@example.com"}],
            },
        )
    active_restriction(cast)
    with cast.act() as ctx:
        account = accounts.create_account(ctx, email_of("senior"), "api fuzz password, long enough")
        return accounts.issue_token(ctx, account.id, "api fuzz")


def _operations(app, token: str) -> int:
    document = app.test_client().get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {token}"}).get_json()
    return sum(1 for item in document["paths"].values() for method in item if method != "parameters")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.api_fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000, help="generated requests in all (about)")
    parser.add_argument("--modes", default="positive,negative", help="positive (valid input), negative, or both")
    parser.add_argument("--seed", type=int, default=None, help="the same seed sends the same requests")
    parser.add_argument("--database", help="a PostgreSQL URL (default: a fresh SQLite file)")
    args = parser.parse_args(argv)
    logging.disable(logging.ERROR)  # the app logs each refusal; the report below is the output
    from tests.api.fuzzing import fuzz, hostile

    modes = tuple(m.strip() for m in args.modes.split(",") if m.strip())
    with tempfile.TemporaryDirectory() as instance:
        app = _app(args.database, instance)
        token = _senior_token(app)
        per_operation = max(1, args.cases // (_operations(app, token) * len(modes)))
        started = time.monotonic()
        report = fuzz(app, token, per_operation, modes=modes, seed=args.seed)
        rough = hostile(app, token, max(1, per_operation // 2), seed=args.seed)
        report.cases += rough.cases
        report.statuses.update(rough.statuses)
        report.failures.update(rough.failures)
        from plugin.app import dispose

        dispose(app)
    statuses = " ".join(f"{status}={count}" for status, count in sorted(report.statuses.items()))
    print(
        f"api_fuzz_cases={report.cases} api_fuzz_failures={len(report.failures)} operations={report.operations} "
        f"seconds={time.monotonic() - started:.0f}"
    )
    print(f"answers: {statuses}")
    for label, text in report.failures.items():
        print(f"\nFAILED {label}\n{text}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
