"""Importing a large CSV of actuals: time and peak memory of the first import and of importing the same file
again (everything skipped), and optionally how long another writer waits meanwhile.

    .venv/bin/python -m benchmarks.csv_import [--database-url URL] [--rows 1000000] [--runs 3]
                                              [--dry-run] [--writer]

Uses a fresh temporary SQLite database unless --database-url is given (that database is migrated, so point it
at a fresh scratch database). Runs with JOINTCARE_DEBUG=0, as in production.

1. Set-up: the benchmark pool (3 partners, 40 schemes); for each run a CSV of --rows valid actuals (or
   --megabytes of them), dates spread over the twelve open months, references new to the pool.
2. Each import, `imports.import_actuals` on the open file (as the API and the CLI give it), runs in a child
   process of its own, so that its peak resident memory is the import's alone: the first import (every row
   posted), the same file again (every row skipped), and with --dry-run a check of a fresh file (posts nothing).
3. With --writer this process is meanwhile another writer during each first import: it posts one transaction
   through `services.post_transaction` every --interval seconds and records how long each waits; a post that
   fails (e.g. the database stays locked past its timeout) is counted and reported, not retried.

Prints each figure per run, then its median and range over the runs, with the load average before and after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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


def write_csv(path: Path, megabytes: float = 0, rows: int = 0, prefix: str = "INV-") -> int:
    """A CSV of valid actuals: `rows` data rows, or at least `megabytes` MB; returns the number of data rows."""
    target = int(megabytes * 1_000_000)
    months = [dt.date(2026, 4, 1) + dt.timedelta(days=30 * i + 3) for i in range(12)]
    partners = ("Bench ICB", "Bench Council", "Bench Trust")
    n, size = 0, 0
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        size += len(HEADER)
        chunk = []
        while (n < rows) if rows else (size < target):
            i = n
            line = (
                f"{prefix}{i:09d},{months[i % 12].isoformat()},S{i % 40:02d},{partners[i % 3]},"
                f"Provider {i % 997} Ltd,Home care visits week {i % 52 + 1},{100 + (i * 7919) % 100_000}.{i % 100:02d}\n"
            )
            chunk.append(line)
            size += len(line)
            n += 1
            if len(chunk) == 10_000:
                f.write("".join(chunk))
                chunk = []
        f.write("".join(chunk))
    return n


def child(csv_path: str, dry_run: bool) -> None:
    """Run in the child process: import the file and print one line of JSON (time, peak memory, result)."""
    from jointcare.pool import imports
    from jointcare.pool.models import Pool

    pool = Pool.objects.get(name="Benchmark pool")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t, cpu = time.perf_counter(), time.process_time()
    with open(csv_path, "rb") as f:
        result = imports.import_actuals(None, pool, "actuals.csv", f, dry_run=dry_run)
    secs, cpu = time.perf_counter() - t, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"secs": secs, "cpu": cpu, "peak": peak, "before": before, "summary": imports.describe(result)}))


def summary(values: list[float], fmt: str) -> str:
    return (
        f"median {fmt.format(statistics.median(values))} (range {fmt.format(min(values))} to "
        f"{fmt.format(max(values))}, {len(values)} runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--rows", type=int, default=1_000_000, help="data rows per file (unless --megabytes)")
    parser.add_argument("--megabytes", type=float, default=0, help="a file of this size instead of --rows")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dry-run", action="store_true", help="also time a dry run of a fresh file each run")
    parser.add_argument("--writer", action="store_true", help="another writer posts during each first import")
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between the other writer's posts")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    parser.add_argument("--child-dry-run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        os.environ["DATABASE_URL"] = args.database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jointcare.settings")
        os.environ.setdefault("JOINTCARE_DEBUG", "0")
        import django

        django.setup()
        child(args.child, args.child_dry_run)
        return

    print(f"load average at the start (1, 5, 15 min): {os.getloadavg()}")
    django_database(args.database_url)
    from django.conf import settings
    from django.db import connection

    from benchmarks.pool_ledger import make_pool
    from jointcare.pool import services
    from jointcare.pool.domain import AccountKind

    db = settings.DATABASES["default"]
    url = args.database_url or f"sqlite:///{db['NAME']}"
    pool = make_pool()
    spend = services.account_for(pool, AccountKind.SPEND, scheme=pool.schemes.order_by("pk").first()).pk
    cash = services.account_for(pool, AccountKind.CASH).pk
    figures: dict[str, list[float]] = {}
    writer_notes: list[str] = []

    def run_child(path: Path, dry_run: bool, writer: bool) -> dict:
        connection.close()  # the child opens its own connections; this process reconnects for its posts
        cmd = [sys.executable, "-m", "benchmarks.csv_import", "--database-url", url, "--child", str(path)]
        proc = subprocess.Popen(cmd + (["--child-dry-run"] if dry_run else []), stdout=subprocess.PIPE, text=True)
        if writer:
            waits, failures = other_writer(proc, pool, spend, cash, args.interval)
            if waits:
                writer_notes.append(
                    f"another writer: {len(waits)} posts, wait median {statistics.median(waits) * 1000:,.0f} ms, "
                    f"longest {max(waits):.1f} s, {len(failures)} failed"
                    + (f" ({failures[0]})" if failures else "")
                )
        out, _ = proc.communicate()
        if proc.returncode:
            raise SystemExit(f"the import failed (exit {proc.returncode})")
        return json.loads(out.strip().splitlines()[-1])

    with tempfile.TemporaryDirectory(prefix="jointcare-csv-") as tmp:
        for run in range(1, args.runs + 1):
            path = Path(tmp) / f"actuals-{run}.csv"
            rows = write_csv(path, args.megabytes, args.rows, prefix=f"R{run}-")
            print(f"run {run}: {path.stat().st_size / 1_000_000:.1f} MB CSV, {rows:,} rows; load {os.getloadavg()}")
            steps = [("first import", False, args.writer), ("same file again", False, False)]
            for label, dry_run, writer in steps:
                r = run_child(path, dry_run, writer)
                figures.setdefault(f"{label}: seconds", []).append(r["secs"])
                figures.setdefault(f"{label}: rows/s", []).append(rows / r["secs"])
                figures.setdefault(f"{label}: CPU seconds of the importing process", []).append(r["cpu"])
                figures.setdefault(f"{label}: peak MiB", []).append(r["peak"])
                print(f"  {label}: {r['secs']:.1f} s ({r['cpu']:.1f} s CPU), peak {r['peak']:,.0f} MiB; {r['summary']}")
            if args.dry_run:
                fresh = Path(tmp) / f"dry-{run}.csv"
                write_csv(fresh, args.megabytes, args.rows, prefix=f"D{run}-")
                r = run_child(fresh, True, False)
                figures.setdefault("dry run: seconds", []).append(r["secs"])
                figures.setdefault("dry run: peak MiB", []).append(r["peak"])
                print(f"  dry run: {r['secs']:.1f} s, peak {r['peak']:,.0f} MiB; {r['summary']}")
                fresh.unlink()
            path.unlink()
    print(f"database: {connection.vendor}; rows per file: {rows:,}; load average at the end: {os.getloadavg()}")
    for name, values in figures.items():
        fmt = "{:,.0f}" if "rows/s" in name or "MiB" in name else "{:.1f}"
        print(f"{name}: {summary(values, fmt)}")
    for note in writer_notes:
        print(note)


def other_writer(proc, pool, spend: int, cash: int, interval: float) -> tuple[list[float], list[str]]:
    """Post one transaction every `interval` seconds until `proc` ends; the waits, and the failures."""
    from jointcare.pool import services

    waits: list[float] = []
    failures: list[str] = []
    done = threading.Event()
    threading.Thread(target=lambda: (proc.wait(), done.set()), daemon=True).start()
    n = 0
    while not done.is_set():
        n += 1
        t0 = time.perf_counter()
        try:
            services.post_transaction(
                None,
                pool,
                key=f"writer:{os.getpid()}:{time.time_ns()}:{n}",
                value_date=dt.date(2026, 6, 1),
                postings=[(spend, 100), (cash, -100)],
                reason="another writer",
            )
        except Exception as exc:  # noqa: BLE001 - a failed post is a result to report
            failures.append(f"after {time.perf_counter() - t0:.1f} s: {type(exc).__name__}: {exc}")
        else:
            waits.append(time.perf_counter() - t0)
        done.wait(interval)
    return waits, failures


if __name__ == "__main__":
    main()
