#!/usr/bin/env bash
# Runs the whole suite on SQLite, then on PostgreSQL when one answers at
# CONTACTGUARD_TEST_POSTGRES_URL (default 127.0.0.1:5432, user postgres, database test).
# With CONTACTGUARD_REQUIRE_POSTGRES=1 (CI) a missing PostgreSQL is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL=${CONTACTGUARD_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}

echo "== test suite on SQLite =="
CONTACTGUARD_TEST_DATABASE=sqlite "$BIN/python" -m pytest -q -p no:cacheprovider "$@"

if "$BIN/python" - "$PG_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgresql+psycopg", "postgresql"), connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable at {sys.argv[1]}: {type(exc).__name__}", file=sys.stderr)
    sys.exit(1)
PY
then
  echo "== test suite on PostgreSQL =="
  CONTACTGUARD_TEST_DATABASE="$PG_URL" "$BIN/python" -m pytest -q -p no:cacheprovider "$@"
elif [ "${CONTACTGUARD_REQUIRE_POSTGRES:-0}" = "1" ]; then
  echo "FAILED: PostgreSQL is required here (CONTACTGUARD_REQUIRE_POSTGRES=1) but not reachable" >&2
  exit 1
else
  echo "SKIPPED: the PostgreSQL run (no server at $PG_URL); only SQLite was tested" >&2
fi
