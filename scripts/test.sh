#!/usr/bin/env bash
# The whole suite: domain and integration tests on SQLite, integration tests on PostgreSQL, browser journeys.
# Under CI=true a missing PostgreSQL or Chromium fails the run; nothing is skipped for lack of them.
set -euo pipefail
BIN=${BIN:-.venv/bin}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/jointcare}
export JOINTCARE_REQUIRE_POSTGRES=1 JOINTCARE_REQUIRE_CHROMIUM=1

echo "== lint (ruff)"
"$BIN/ruff" check jointcare benchmarks

echo "== domain and integration tests on SQLite (with the hostile-input suite, each case under a 1 GiB limit)"
env -u DATABASE_URL "$BIN/pytest" -q -m "not browser"

echo "== integration tests on PostgreSQL ($PG_URL) (with Schemathesis against a live server)"
DATABASE_URL="$PG_URL" "$BIN/pytest" -q -m "not browser and not domain"

echo "== browser journeys in headless Chromium"
env -u DATABASE_URL "$BIN/pytest" -q -m browser
