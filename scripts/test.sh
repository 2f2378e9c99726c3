#!/usr/bin/env bash
# The whole suite: domain and integration tests on SQLite, integration tests on PostgreSQL, browser journeys.
# Under CI=true a missing PostgreSQL or Chromium fails the run; nothing is skipped for lack of them.
# The SQLite and PostgreSQL passes run side by side (one core each); their output is printed as each ends.
set -euo pipefail
BIN=${BIN:-.venv/bin}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/jointcare}
export JOINTCARE_REQUIRE_POSTGRES=1 JOINTCARE_REQUIRE_CHROMIUM=1
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT

echo "== lint (ruff)"
"$BIN/ruff" check jointcare benchmarks

echo "== domain and integration tests on SQLite (with the hostile-input suite, each case under a 1 GiB limit)"
echo "== integration tests on PostgreSQL ($PG_URL) (with Schemathesis against a live server)"
env -u DATABASE_URL "$BIN/pytest" -q --durations=15 -m "not browser" >"$LOGS/sqlite" 2>&1 &
sqlite_pid=$!
DATABASE_URL="$PG_URL" "$BIN/pytest" -q --durations=15 -m "not browser and not domain" >"$LOGS/postgres" 2>&1 &
postgres_pid=$!

status=0
wait "$sqlite_pid" || status=1
echo "-- SQLite pass"; cat "$LOGS/sqlite"
wait "$postgres_pid" || status=1
echo "-- PostgreSQL pass"; cat "$LOGS/postgres"
if [ "$status" -ne 0 ]; then
  echo "FAILED: see the pass above"
  exit 1
fi

echo "== browser journeys in headless Chromium"
env -u DATABASE_URL "$BIN/pytest" -q --durations=10 -m browser
