#!/usr/bin/env bash
# Runs the suite on SQLite, then the tests that touch a database again on PostgreSQL when one answers at
# CONTACTGUARD_TEST_POSTGRES_URL (default 127.0.0.1:5432, user postgres, database test). Tests that touch no
# database, and the end-to-end and browser tests (tests/e2e, tests/browser), run once, in the SQLite run
# (tests/conftest.py decides, at collection). Each run spreads its tests over the machine's cores with
# pytest-xdist, each worker with its own database; CONTACTGUARD_TEST_WORKERS sets how many (default: one per
# core; 0 runs everything in one process).
# Arguments go to both runs (pytest's): `scripts/test.sh tests/services/test_interim_and_appeals.py` runs one file
# on both databases.
# With CONTACTGUARD_REQUIRE_POSTGRES=1 (CI) a missing PostgreSQL is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL=${CONTACTGUARD_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}
# The tests that share a real helpdesk or the browser go to one worker (tests/conftest.py's xdist scheduler).
PYTEST=("$BIN/python" -m pytest -q -p no:cacheprovider -n "${CONTACTGUARD_TEST_WORKERS:-auto}")

echo "== test suite on SQLite =="
started=$SECONDS
CONTACTGUARD_TEST_DATABASE=sqlite "${PYTEST[@]}" "$@"
echo "SQLite run: $((SECONDS - started)) s"

if "$BIN/python" - "$PG_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgresql+psycopg", "postgresql"), connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable at {sys.argv[1]}: {type(exc).__name__}", file=sys.stderr)
    sys.exit(1)
PY
then
  echo "== tests that touch a database, on PostgreSQL =="
  started=$SECONDS
  status=0
  CONTACTGUARD_TEST_DATABASE="$PG_URL" "${PYTEST[@]}" "$@" || status=$?
  echo "PostgreSQL run: $((SECONDS - started)) s"
  if [ "$status" -eq 5 ] && [ "$#" -gt 0 ]; then  # pytest's "no tests ran": fine for a chosen few, not the suite
    echo "(none of the tests chosen touches a database: the SQLite run was the only one needed)"
  elif [ "$status" -ne 0 ]; then
    exit "$status"
  fi
elif [ "${CONTACTGUARD_REQUIRE_POSTGRES:-0}" = "1" ]; then
  echo "FAILED: PostgreSQL is required here (CONTACTGUARD_REQUIRE_POSTGRES=1) but not reachable" >&2
  exit 1
else
  echo "SKIPPED: the PostgreSQL run (no server at $PG_URL); only SQLite was tested" >&2
fi
