"""`jointcare backup` and `jointcare restore` on SQLite and PostgreSQL, run as commands: a restore into an
empty database gives the same ledger check, the same reports and the same rows as the original."""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

import pytest

from .conftest import copy_database, environment, jointcare, ok

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")


def figures(env: dict[str, str]) -> dict[str, str]:
    """What the ledger check and the reports say about every pool (timings left out)."""
    check = ok(jointcare("ledger", "check", env=env))
    assert check.startswith("Ledger OK: ")
    found = {"ledger check": re.sub(r"\(\d+\.\d s\)", "", check), "pools": ok(jointcare("pool", "list", env=env))}
    pools = re.findall(r"^(\d+)\t", found["pools"], flags=re.MULTILINE)
    assert len(pools) >= 2
    for pool in pools:
        for kind in ("monitoring", "statement", "year-end"):
            found[f"{kind} {pool}"] = ok(jointcare("pool", "report", kind, "--pool", pool, "--format", "json", env=env))
    return found


def refused(result, message: str) -> None:
    assert result.returncode == 1, result.stdout
    assert message in result.stderr
    assert "Traceback" not in result.stderr


# ---- SQLite -------------------------------------------------------------------------------------------------


def sqlite_rows(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


@pytest.mark.skipif(ON_POSTGRES, reason="runs in the SQLite pass of make test")
def test_sqlite_backup_restores_into_an_empty_database_with_identical_figures(tmp_path, demo_database):
    source = environment(tmp_path / "source")
    copy_database(demo_database, tmp_path / "source")
    backup = tmp_path / "jointcare.backup"
    assert "Backed up the database" in ok(jointcare("backup", str(backup), env=source))
    refused(jointcare("backup", str(backup), env=source), "exists: choose a new file name, or pass --force")

    restored = environment(tmp_path / "restored")
    assert "Restored" in ok(jointcare("restore", str(backup), env=restored))
    before, after = sqlite_rows(tmp_path / "source" / "jointcare.sqlite3"), sqlite_rows(tmp_path / "restored" / "jointcare.sqlite3")
    assert after == before and before["pool_posting"] > 10_000
    assert figures(restored) == figures(source)

    # A database that is not empty is replaced only when asked to.
    other = environment(tmp_path / "other")
    ok(jointcare("migrate", "--noinput", "-v", "0", env=other))
    refused(jointcare("restore", str(backup), env=other), "The database is not empty")
    assert sqlite_rows(tmp_path / "other" / "jointcare.sqlite3")["pool_posting"] == 0
    ok(jointcare("restore", str(backup), "--force", env=other))
    assert sqlite_rows(tmp_path / "other" / "jointcare.sqlite3") == before


@pytest.mark.skipif(ON_POSTGRES, reason="runs in the SQLite pass of make test")
def test_sqlite_restore_refuses_damaged_and_foreign_files_and_changes_nothing(tmp_path):
    source = environment(tmp_path / "source")
    ok(jointcare("migrate", "--noinput", "-v", "0", env=source))
    backup = tmp_path / "jointcare.backup"
    ok(jointcare("backup", str(backup), env=source))
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("nothing to see")
    postgres_dump = tmp_path / "jointcare.pgdump"
    postgres_dump.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 100)

    target = environment(tmp_path / "target")
    refused(jointcare("restore", str(damaged), env=target), "damaged.backup")
    refused(jointcare("restore", str(not_a_backup), env=target), "is not a jointcare backup")
    refused(jointcare("restore", str(postgres_dump), env=target), "is a PostgreSQL backup but the database")
    refused(jointcare("restore", str(tmp_path / "missing"), env=target), "is not a file")
    assert sqlite_rows(tmp_path / "target" / "jointcare.sqlite3") == {}


# ---- PostgreSQL ---------------------------------------------------------------------------------------------


@pytest.fixture
def pg_databases():
    """Two fresh databases beside the test run's own, named after it; dropped afterwards."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    server, base = url.rsplit("/", 1)
    base = base.split("?")[0]
    names = [f"{base}_backup_source", f"{base}_backup_restored"]

    def admin(*statements):
        with psycopg.connect(f"{server}/postgres", autocommit=True) as db:
            for statement in statements:
                db.execute(statement)

    admin(*(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in names), *(f'CREATE DATABASE "{n}"' for n in names))
    yield [f"{server}/{n}" for n in names]
    admin(*(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in names))


def pg_rows(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url) as db:
        tables = [r[0] for r in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        return {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


@pytest.mark.postgres
def test_postgres_backup_restores_into_an_empty_database_with_identical_figures(tmp_path, pg_databases):
    source_url, restored_url = pg_databases
    source = environment(tmp_path, DATABASE_URL=source_url)
    restored = environment(tmp_path, DATABASE_URL=restored_url)
    ok(jointcare("migrate", "--noinput", "-v", "0", env=source))
    ok(jointcare("demo", env=source))
    backup = tmp_path / "jointcare.pgdump"
    ok(jointcare("backup", str(backup), env=source))
    assert backup.read_bytes().startswith(b"PGDMP")

    assert "Restored" in ok(jointcare("restore", str(backup), env=restored))
    before = pg_rows(source_url)
    assert pg_rows(restored_url) == before and before["pool_posting"] > 10_000
    assert figures(restored) == figures(source)

    # Not empty now: refused without --force; a damaged dump changes nothing even with it.
    refused(jointcare("restore", str(backup), env=restored), "The database is not empty")
    damaged = tmp_path / "damaged.pgdump"
    damaged.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])
    refused(jointcare("restore", str(damaged), "--force", env=restored), "pg_restore could not read")
    assert pg_rows(restored_url) == before
    sqlite_file = tmp_path / "other.sqlite3"
    sqlite3.connect(sqlite_file).close()
    sqlite_file.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    refused(jointcare("restore", str(sqlite_file), env=restored), "is a SQLite backup but the database")

    # --force replaces everything, in one transaction.
    ok(jointcare("createuser", "added_later", "--role", "analyst", "--password", "a-long-enough-password", env=restored))
    assert pg_rows(restored_url)["accounts_user"] == before["accounts_user"] + 1
    ok(jointcare("restore", str(backup), "--force", env=restored))
    assert pg_rows(restored_url) == before
