"""Importing a large CSV of actual spend: time, peak memory, and how long another writer waits meanwhile.

    .venv/bin/python -m benchmarks.csv_import [--database-url URL] [--megabytes 50] [--dry-run]

Uses a fresh temporary SQLite database unless --database-url is given (that database is migrated, so point it
at a fresh scratch database). Runs with JOINTCARE_DEBUG=0, as in production.

1. Set-up: the benchmark pool (3 partners, 40 schemes) and a CSV file of --megabytes of actuals, every row
   valid, dates spread over the twelve open months, written to a temporary file.
2. The import, `imports.import_actuals` on the open file (as the API and the CLI give it), in a child process
   of its own so that its peak resident memory is the import's alone; it prints its time and peak memory.
3. Meanwhile this process is another writer: it posts one transaction through `services.post_transaction`
   every --interval seconds and records how long each waits; a post that fails (e.g. the database stays
   locked past its timeout) is counted and reported, not retried.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks._setup import django_database

HEADER = "reference,date,scheme,partner,supplier,description,amount\n"


def write_csv(path: Path, megabytes: float) -> int:
    """A CSV of valid actuals of at least `megabytes` MB; returns the number of data rows."""
    target = int(megabytes * 1_000_000)
    months = [dt.date(2026, 4, 1) + dt.timedelta(days=30 * i + 3) for i in range(12)]
    partners = ("Bench ICB", "Bench Council", "Bench Trust")
    rows, size = 0, 0
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        size += len(HEADER)
        chunk = []
        while size < target:
            i = rows
            line = (
                f"INV-{i:09d},{months[i % 12].isoformat()},S{i % 40:02d},{partners[i % 3]},"
                f"Provider {i % 997} Ltd,Home care visits week {i % 52 + 1},{100 + (i * 7919) % 100_000}.{i % 100:02d}\n"
            )
            chunk.append(line)
            size += len(line)
            rows += 1
            if len(chunk) == 10_000:
                f.write("".join(chunk))
                chunk = []
        f.write("".join(chunk))
    return rows


def child(csv_path: str, dry_run: bool) -> None:
    """Run in the child process: import the file and print time and peak memory."""
    from jointcare.pool import imports
    from jointcare.pool.models import Pool

    pool = Pool.objects.get(name="Benchmark pool")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    with open(csv_path, "rb") as f:
        result = imports.import_actuals(None, pool, "actuals.csv", f, dry_run=dry_run)
    secs = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  {imports.describe(result)}")
    print(f"  import: {secs:.1f} s, {result.rows / secs:,.0f} rows/s")
    print(f"  peak memory of the importing process: {peak:,.0f} MiB (before the import: {before:,.0f} MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--megabytes", type=float, default=50)
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between the other writer's posts")
    parser.add_argument("--dry-run", action="store_true", help="validate only (the import posts nothing)")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        os.environ["DATABASE_URL"] = args.database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jointcare.settings")
        os.environ.setdefault("JOINTCARE_DEBUG", "0")
        import django

        django.setup()
        child(args.child, args.dry_run)
        return

    django_database(args.database_url)
    from django.conf import settings

    from benchmarks.pool_ledger import make_pool
    from jointcare.pool import services
    from jointcare.pool.domain import AccountKind

    db = settings.DATABASES["default"]
    url = args.database_url or f"sqlite:///{db['NAME']}"
    pool = make_pool()
    spend = services.account_for(pool, AccountKind.SPEND, scheme=pool.schemes.order_by("pk").first()).pk
    cash = services.account_for(pool, AccountKind.CASH).pk

    with tempfile.TemporaryDirectory(prefix="jointcare-csv-") as tmp:
        path = Path(tmp) / "actuals.csv"
        t = time.perf_counter()
        rows = write_csv(path, args.megabytes)
        print(
            f"set-up: {path.stat().st_size / 1_000_000:.1f} MB CSV, {rows:,} rows, written in "
            f"{time.perf_counter() - t:.1f} s"
        )

        waits: list[float] = []
        failures: list[str] = []
        n = 0

        def post_one() -> None:
            nonlocal n
            n += 1
            t0 = time.perf_counter()
            try:
                services.post_transaction(
                    None,
                    pool,
                    key=f"writer:{n}",
                    value_date=dt.date(2026, 6, 1),
                    postings=[(spend, 100), (cash, -100)],
                    reason="another writer",
                )
            except Exception as exc:  # noqa: BLE001 - a failed post is a result to report
                failures.append(f"after {time.perf_counter() - t0:.1f} s: {type(exc).__name__}: {exc}")
            else:
                waits.append(time.perf_counter() - t0)

        for _ in range(5):
            post_one()
        idle = statistics.median(waits)
        waits.clear()
        print(f"another writer, idle database: {idle * 1000:.0f} ms a post (median of 5)")

        from django.db import connection

        connection.close()  # the child opens its own connections; this process reconnects for its posts
        done = threading.Event()
        proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.csv_import", "--database-url", url, "--child", str(path)]
            + (["--dry-run"] if args.dry_run else []),
        )
        threading.Thread(target=lambda: (proc.wait(), done.set()), daemon=True).start()
        t = time.perf_counter()
        while not done.is_set():
            post_one()
            done.wait(args.interval)
        wall = time.perf_counter() - t
        if proc.returncode:
            raise SystemExit(f"the import failed (exit {proc.returncode})")
    print(f"import process wall time (with start-up): {wall:.1f} s")
    if waits:
        print(
            f"another writer during the import: {len(waits)} posts, wait median {statistics.median(waits) * 1000:,.0f} ms,"
            f" longest {max(waits):.1f} s"
        )
    print(f"another writer's failed posts during the import: {len(failures)}")
    for f in failures[:3]:
        print(f"  {f}")


if __name__ == "__main__":
    main()
