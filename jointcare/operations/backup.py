"""Backups of the whole database, and restores into an empty one.

SQLite: the online backup API (a consistent copy while the service runs), restored page by page.
PostgreSQL: `pg_dump` in its custom format, restored by `pg_restore` through `psql` in one transaction,
so that a restore that fails leaves the database as it was.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from django.db import connections

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why and what to do."""


def _engine(using: str) -> str:
    vendor = connections[using].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}")
    return vendor


def table_names(using: str = "default") -> list[str]:
    """The tables in the database (none in an empty one)."""
    with connections[using].cursor() as cursor:
        return connections[using].introspection.table_names(cursor)


def backup(path: Path, *, using: str = "default", replace: bool = False) -> None:
    """Write a backup of the whole database to `path` (written to a side file, then renamed into place)."""
    path = Path(path)
    if path.exists() and not replace:
        raise BackupError(f"{path} exists: choose a new file name, or pass --force to replace it")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is not a directory")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if _engine(using) == "sqlite":
            _sqlite_backup(partial, using)
        else:
            _run([_binary("pg_dump"), "--format=custom", "--no-password", f"--file={partial}"], using)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def restore(path: Path, *, using: str = "default", force: bool = False) -> None:
    """Restore the backup at `path` into the database, which must be empty unless `force` (then everything
    in it is replaced)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    engine = _engine(using)
    with path.open("rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    kind = "sqlite" if head == SQLITE_MAGIC else "postgresql" if head.startswith(PG_DUMP_MAGIC) else None
    if kind is None:
        raise BackupError(f"{path} is not a jointcare backup (neither a SQLite database nor a pg_dump file)")
    if kind != engine:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(
            f"{path} is a {names[kind]} backup but the database (DATABASE_URL) is {names[engine]}: "
            f"restore it into a {names[kind]} database"
        )
    existing = table_names(using)
    if existing and not force:
        raise BackupError(
            f"The database is not empty (it has {len(existing)} tables): restore into an empty database, "
            "or pass --force to replace everything in it"
        )
    if engine == "sqlite":
        _sqlite_restore(path, using)
    else:
        _pg_restore(path, using, clear=bool(existing))
    connections[using].close()


def _sqlite_backup(target: Path, using: str) -> None:
    connection = connections[using]
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        connection.connection.backup(destination)
    finally:
        destination.close()


def _sqlite_restore(path: Path, using: str) -> None:
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        try:
            check = source.execute("PRAGMA quick_check").fetchone()[0]
            has_migrations = source.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} cannot be read as a SQLite database: {exc}") from None
        if check != "ok":
            raise BackupError(f"{path} is damaged (SQLite's check says: {check})")
        if not has_migrations:
            raise BackupError(f"{path} is a SQLite database but not a jointcare backup")
        connection = connections[using]
        connection.ensure_connection()
        source.backup(connection.connection)
    finally:
        source.close()


def _pg_restore(path: Path, using: str, *, clear: bool) -> None:
    """pg_restore turns the whole dump into SQL first (so a damaged dump stops before anything changes);
    psql then runs it, after emptying the schema when asked, in one transaction that stops at the first
    error."""
    env = _pg_env(using)
    with tempfile.TemporaryDirectory(prefix="jointcare-restore-") as tmp:
        script = Path(tmp) / "restore.sql"
        dump = subprocess.run(
            [_binary("pg_restore"), "--no-owner", "--no-privileges", f"--file={script}", str(path)],
            capture_output=True,
            env=env,
            check=False,
        )
        if dump.returncode:
            raise BackupError(f"pg_restore could not read {path}: {dump.stderr.decode(errors='replace').strip()}")
        psql = [_binary("psql"), "--no-password", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1"]
        if clear:
            psql += ["-c", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"]
        connections[using].close()  # nothing of ours holds a lock while the schema is replaced
        load = subprocess.run([*psql, "-f", str(script)], capture_output=True, env=env, check=False)
    if load.returncode:
        raise BackupError(
            "The restore failed and nothing was changed: " + load.stderr.decode(errors="replace").strip()
        )


def _binary(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} is not on the PATH: install the PostgreSQL client programs (the same major version as "
            "the server, or newer)"
        )
    return found


def _pg_env(using: str) -> dict[str, str]:
    """The connection's settings as libpq's environment variables (the password never on a command line)."""
    db = connections[using].settings_dict
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    if db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = db["OPTIONS"]["sslmode"]
    return env


def _run(command: list[str], using: str) -> None:
    result = subprocess.run(command, capture_output=True, env=_pg_env(using), check=False)
    if result.returncode:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.decode(errors='replace').strip()}")
