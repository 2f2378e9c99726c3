"""`ledger check` over millions of postings: time (median and range of --runs) and peak memory.

    .venv/bin/python -m benchmarks.ledger_check [--database-url URL] [--postings 10000000] [--runs 3]

A fresh temporary SQLite database unless --database-url is given (a scratch database: it is migrated). The
set-up (the benchmark pool, and --postings postings written straight into the tables, as in
benchmarks.pool_ledger) is done once: a database that already holds the benchmark pool is reused as it is,
so `--database-url sqlite:////tmp/ledger.sqlite3` or a scratch PostgreSQL database can be timed again and
again without loading it anew. Each run calls `reports.ledger_check()` over every posting, as
`jointcare ledger check` does; the last run's problems are printed (none are expected).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time

from benchmarks._setup import cpu_seconds, django_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--postings", type=int, default=10_000_000, help="postings loaded as set-up")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"load average at the start (1, 5, 15 min): {os.getloadavg()}")
    django_database(args.database_url)
    from django.db import connection

    from benchmarks.pool_ledger import generate, make_pool
    from jointcare.pool import reports, services
    from jointcare.pool.domain import AccountKind
    from jointcare.pool.models import Pool, Posting

    pool = Pool.objects.filter(name="Benchmark pool").first()
    if pool is None:
        pool = make_pool()
        spend = [services.account_for(pool, AccountKind.SPEND, scheme=s).pk for s in pool.schemes.order_by("pk")]
        cash = services.account_for(pool, AccountKind.CASH).pk
        t = time.perf_counter()
        generate(pool, args.postings, spend, cash)
        print(f"SETUP (direct load, not the service): {args.postings:,} postings in {time.perf_counter() - t:.1f} s")
    else:
        print("reusing the benchmark pool already in this database")
    total = Posting.objects.count()
    print(f"database: {connection.vendor}, {total:,} postings")
    times, cpus = [], []
    problems: list[str] = []
    for run in range(1, args.runs + 1):
        t, cpu = time.perf_counter(), cpu_seconds()
        problems = reports.ledger_check()
        times.append(time.perf_counter() - t)
        cpus.append(cpu_seconds() - cpu)
        print(f"  run {run}: {times[-1]:.2f} s ({cpus[-1]:.2f} s CPU), {len(problems)} problems; load {os.getloadavg()}")
    for p in problems[:5]:
        print(f"  {p}")
    print(
        f"ledger check over {total:,} postings ({connection.vendor}): median {statistics.median(times):.2f} s "
        f"(range {min(times):.2f} to {max(times):.2f} s, {len(times)} runs)"
    )
    print(
        f"CPU seconds ({'this process and its server process' if connection.vendor == 'postgresql' else 'this process'}): "
        f"median {statistics.median(cpus):.2f} s (range {min(cpus):.2f} to {max(cpus):.2f} s, {len(cpus)} runs)"
    )
    print(f"peak memory of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
