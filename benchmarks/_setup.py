"""What every benchmark shares: a fresh database (temporary SQLite, or a scratch PostgreSQL database given by
URL), migrated, with Django set up as in production (no per-query debug logging); and a median timer."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

_tmp: tempfile.TemporaryDirectory | None = None


def django_database(database_url: str = "") -> None:
    """Point Django at the benchmark database, set it up and migrate it; prints which database it is."""
    global _tmp
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        _tmp = tempfile.TemporaryDirectory(prefix="jointcare-bench-")
        os.environ.pop("DATABASE_URL", None)
        os.environ["JOINTCARE_VAR_DIR"] = _tmp.name
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jointcare.settings")
    os.environ.setdefault("JOINTCARE_DEBUG", "0")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")


def median_time(fn, runs: int) -> tuple[float, object]:
    """Median wall-clock seconds of `runs` calls of fn, and the last call's result."""
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def add_database_arguments(parser) -> None:
    """`--db sqlite|postgres` and `--database-url URL`, read by `database_from`."""
    parser.add_argument(
        "--db",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="sqlite: a temporary file; postgres: a scratch database created on 127.0.0.1:5432 (user postgres) "
        "and dropped afterwards, unless --database-url names one",
    )
    parser.add_argument("--database-url", default="", help="a fresh scratch database to use instead")


def database_from(args) -> None:
    """Set up the database `add_database_arguments` asked for (see `django_database`)."""
    if args.database_url or args.db == "sqlite":
        django_database(args.database_url)
        return
    import atexit

    import psycopg

    base = os.environ.get("JOINTCARE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
    name = f"jointcare_bench_{os.getpid()}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")

    atexit.register(drop)
    django_database(f"{base}/{name}")


def spread(values: list[float]) -> str:
    """'median (min to max, n runs)' of `values`, to the nearest whole number."""
    return f"{statistics.median(values):,.0f} (range {min(values):,.0f} to {max(values):,.0f}, {len(values)} runs)"


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def cpu_seconds() -> float:
    """CPU time used so far by this process and, on a PostgreSQL server on this machine, by this connection's
    server process (read from /proc; 0 for the server when it cannot be read). Work per CPU-second does not
    depend on how busy the machine is, as wall-clock rates do; it leaves out waiting for the disk."""
    from django.db import connection

    total = time.process_time()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total
