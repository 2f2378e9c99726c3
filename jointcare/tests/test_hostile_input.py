"""The hostile-input suite: each hostile file or request body of jointcare.tests.hostile, fed to the code that
reads it in a process of its own limited to 1 GiB of address space, is refused with a clear message naming the
field or row and the limit (or, for a spreadsheet that only lies about its size, read within the limits), and the
process finishes. The subprocess timeout is a guard against hanging, not a measure of speed.

The cases need no more than one run of `make test`: the file cases read no database (marked `domain`, so
they run in the SQLite pass), and the request cases run in the SQLite pass against a temporary SQLite database of
their own, built once (migrated, with jointcare.tests.world in it). What PostgreSQL itself refuses (NUL in text,
integers beyond 64 bits) is covered there by test_api_any_input.py and test_api_contract.py.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys

import pytest
from django.conf import settings

from jointcare.tests.hostile import CASES

GIB = 1 << 30
TIMEOUT = 300  # seconds: a hang guard only


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (GIB, GIB))


def _run(args: list[str], env: dict, timeout: int = TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "jointcare.tests.hostile", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_limit_memory,
    )


@pytest.fixture(scope="module")
def hostile_world(tmp_path_factory):
    """A temporary SQLite database with the world in it; returns (environment for the runner, world file)."""
    tmp = tmp_path_factory.mktemp("hostile")
    env = {**os.environ, "JOINTCARE_DEBUG": "0", "PYTHONPATH": str(settings.BASE_DIR), "JOINTCARE_VAR_DIR": str(tmp)}
    env.pop("DATABASE_URL", None)
    world = tmp / "world.json"
    prepared = _run(["prepare", str(world)], env, timeout=600)
    assert prepared.returncode == 0, prepared.stderr[-3000:]
    return env, world


def _refused(result, *words, status=None, field=None):
    """Refused with a short message holding `words`; for the API, `status` and the error shape naming `field`."""
    if status is None:
        assert result["outcome"] == "refused", result
        message = result["message"]
    else:
        assert result["status"] == status, result
        body = result["body"]
        message = body["detail"]
        assert body["errors"] and all("message" in e for e in body["errors"]), body
        if field is not None:
            assert field in [e.get("field") for e in body["errors"]], body
    assert len(message) < 300, message
    for word in words:
        assert word in message, (word, message)


EXPECTED = {
    "yaml billion laughs": lambda r: _refused(r, "aliases (*a) are not allowed"),
    "yaml 100,000 levels deep": lambda r: _refused(r, "nested more than 20 levels"),
    "api yaml billion laughs": lambda r: _refused(r, "aliases", status=400, field="(file)"),
    "api yaml 100,000 levels deep": lambda r: _refused(r, "nested more than 20 levels", status=400, field="(file)"),
    "api yaml nul escape": lambda r: _refused(r, "NUL", status=400, field="pool.name"),
    "xlsx dimension bomb": lambda r: r["outcome"] == "read" and r["rows"] == 4001 and r["widest"] <= 50 or pytest.fail(r),
    "api xlsx dimension bomb": lambda r: (r["status"], r["body"]["rows"], r["body"]["posted"]) == (200, 4000, 4000)
    or pytest.fail(r),
    "xlsx zip bomb": lambda r: _refused(r, "unzips to 400", "the most accepted is 300 MB"),
    "xlsx cell of 2 million characters": lambda r: _refused(r, "longer than 32,767 characters"),
    "xlsx row of 200,000 cells": lambda r: _refused(r, "more than 16,384 cells"),
    "xlsx entity expansion": lambda r: _refused(r, "document type"),
    "xlsx not a workbook": lambda r: _refused(r, "not a readable XLSX workbook"),
    "csv field over 131,072 characters": lambda r: _refused(r, "Row 2", "131,072 characters"),
    "csv not UTF-8": lambda r: _refused(r, "Row 3", "not UTF-8"),
    "csv NUL": lambda r: _refused(r, "Row 3", "NUL"),
    "csv lone surrogate": lambda r: _refused(r, "Row 3", "not UTF-8"),
    "api csv 50 MB dry run": lambda r: (r["status"] == 200 and r["body"]["rows"] > 500_000) or pytest.fail(r),
    "api upload over the limit": lambda r: _refused(r, "largest accepted is 64 MB", status=413, field="file"),
    "api csv amount 10**30 pounds": lambda r: _refused(r, "largest amount allowed", status=400, field="amount"),
    "api json body over the limit": lambda r: _refused(r, "largest accepted is 2 MB", status=413, field="body"),
    "api json malformed": lambda r: _refused(r, "not valid JSON", status=400, field="body"),
    "api json 100,000 levels deep": lambda r: _refused(r, "nested more than 32 levels", status=422),
    "api json NUL": lambda r: _refused(r, "NUL", status=422, field="name"),
    "api json lone surrogate": lambda r: _refused(r, "lone surrogate", status=422, field="name"),
    "api json integer of 5,000 digits": lambda r: _refused(r, "not valid JSON", status=400, field="body"),
    "api amount 2**63 pence": lambda r: _refused(r, "largest amount allowed", status=422, field="amount_pence"),
    "api amount 10**30 pence": lambda r: _refused(r, "largest amount allowed", status=422, field="amount_pence"),
    "api votes 10**30": lambda r: _refused(r, "less than or equal to 10000", status=422, field="votes_for"),
    "api attendee id 2**64": lambda r: _refused(r, status=422, field="attendee_ids.0"),
    "api path id beyond 64 bits": lambda r: _refused(r, "less than or equal to", status=422, field="pool_id"),
    "api query NUL": lambda r: _refused(r, "q: contains a NUL character", status=400, field="q"),
    "api multipart without a boundary": lambda r: _refused(r, "no boundary", status=400, field="body"),
}


def test_every_case_has_an_expectation():
    assert set(EXPECTED) == set(CASES)


FILES = [c for c in CASES if not c.startswith("api ")]
REQUESTS = [c for c in CASES if c.startswith("api ")]


def _check(case: str, env: dict, world) -> None:
    done = _run([case, str(world)], env)
    assert done.returncode == 0, done.stderr[-3000:]
    EXPECTED[case](json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.domain  # the readers alone, no database: run once, in the first pass
@pytest.mark.parametrize("case", FILES)
def test_hostile_file_is_refused_cleanly_within_1_gib(case, tmp_path):
    _check(case, {**os.environ, "PYTHONPATH": str(settings.BASE_DIR)}, tmp_path / "no-world.json")


@pytest.mark.skipif(
    "postgresql" in settings.DATABASES["default"]["ENGINE"], reason="runs once, in the SQLite pass of make test"
)
@pytest.mark.parametrize("case", REQUESTS)
def test_hostile_request_is_refused_cleanly_within_1_gib(hostile_world, case):
    env, world = hostile_world
    _check(case, env, world)
