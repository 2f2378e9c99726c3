#!/usr/bin/env bash
# The whole suite: domain and integration tests on SQLite, integration tests on PostgreSQL, browser journeys.
# Under CI=true a missing PostgreSQL or Chromium fails the run; nothing is skipped for lack of them.
# Two lines run side by side, one core each: the SQLite pass then the browser journeys, and the PostgreSQL pass.
# Each pass's output is printed as its line ends.
set -euo pipefail
BIN=${BIN:-.venv/bin}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/jointcare}
export JOINTCARE_REQUIRE_POSTGRES=1 JOINTCARE_REQUIRE_CHROMIUM=1
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT

echo "== lint (ruff)"
"$BIN/ruff" check jointcare benchmarks

echo "== domain and integration tests on SQLite (with the hostile-input suite, each case under a 1 GiB limit),"
echo "   then the browser journeys in headless Chromium"
echo "== beside them, integration tests on PostgreSQL ($PG_URL) (with Schemathesis against a live server);"
echo "   tests marked one_database (the same on any database) run in the SQLite pass only"
(
  failed=0
  env -u DATABASE_URL "$BIN/pytest" -q --durations=15 -m "not browser" >"$LOGS/sqlite" 2>&1 || failed=1
  env -u DATABASE_URL "$BIN/pytest" -q --durations=10 -m browser >"$LOGS/browser" 2>&1 || failed=1
  exit "$failed"
) &
sqlite_pid=$!
DATABASE_URL="$PG_URL" "$BIN/pytest" -q --durations=15 -m "not browser and not domain and not one_database" \
  >"$LOGS/postgres" 2>&1 &
postgres_pid=$!

status=0
wait "$sqlite_pid" || status=1
echo "-- SQLite pass"; cat "$LOGS/sqlite"
echo "-- browser journeys"; cat "$LOGS/browser"
wait "$postgres_pid" || status=1
echo "-- PostgreSQL pass"; cat "$LOGS/postgres"
if [ "$status" -ne 0 ]; then
  echo "FAILED: see the passes above"
  exit 1
fi
