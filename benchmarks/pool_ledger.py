"""The pooled-budget ledger: posting one transaction at a time, bulk posting and restating commitments through
the public services (each measured over several runs: median and range); optionally, budget monitoring and
`ledger check` on a pool holding millions of postings, and peak memory.

    .venv/bin/python -m benchmarks pool_ledger --db sqlite|postgres [--runs 3] [--single 2000] [--bulk 200000]
        [--per-call 10000] [--restate 200] [--postings N]

`--db sqlite` (the default) uses a fresh temporary file; `--db postgres` creates a scratch database on
127.0.0.1:5432 (user postgres; JOINTCARE_BENCH_POSTGRES overrides the server) and drops it afterwards;
`--database-url URL` uses the given fresh scratch database instead. Runs with JOINTCARE_DEBUG=0, as in production.
Each run makes its own pool (3 partners, 40 schemes) through `create_pool`, then:

1. One at a time: `services.post_transaction`, --single payments of 2 postings (spend against cash) over the
   twelve months, each its own database transaction (after 50 not timed, which load the caches). Postings/s.
2. Bulk: `services.post_transactions_bulk` (validation, idempotency, period locks, monthly balances, audit),
   --bulk postings in calls of --per-call transactions of 2 postings. Postings/s.
3. Commitments: `services.restate_commitments` of a 12-month service, --restate times (packages restated in
   turn, each plan changing every month's amount). Milliseconds per restatement.

With --postings N (e.g. 10000000), after the runs, as SET-UP ONLY (not the public service): N more postings
generated directly into the tables of the last pool (PostgreSQL COPY, SQLite executemany, balanced transactions
of 4 postings) and the monthly balances rebuilt with one INSERT ... SELECT ... GROUP BY; on PostgreSQL the
balance trigger is bypassed for this load only (session_replication_role = replica), the two tables vacuumed
and analysed, and `ledger check` then verifies what was loaded. Then budget monitoring for that pool and `ledger check` over every posting.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import time

from benchmarks._setup import add_database_arguments, cpu_seconds, database_from, load_average, median_time, spread


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--single", type=int, default=2_000, help="transactions posted one at a time per run")
    parser.add_argument("--bulk", type=int, default=200_000, help="postings posted in bulk per run")
    parser.add_argument(
        "--per-call", type=int, default=10_000, help="transactions per post_transactions_bulk call"
    )
    parser.add_argument("--restate", type=int, default=200, help="12-month restatements per run")
    parser.add_argument("--postings", type=int, default=0, help="postings generated as set-up (scale part)")
    args = parser.parse_args()
    database_from(args)
    print(f"{dt.datetime.now():%Y-%m-%d %H:%M}, {load_average()}")

    figures: dict[str, list[float]] = {}
    pool = None
    for run in range(1, args.runs + 1):
        pool = make_pool(f" {run}")
        result = one_run(pool, args)
        for name, value in result.items():
            figures.setdefault(name, []).append(value)
        print(
            f"run {run}: one at a time {result['single']:,.0f} postings/s ({result['single_cpu']:,.0f} per CPU-second); "
            f"bulk {result['bulk']:,.0f} postings/s ({result['bulk_cpu']:,.0f} per CPU-second); "
            f"restating 12 months {result['restate']:.2f} ms ({result['restate_cpu']:.2f} ms CPU); {load_average()}",
            flush=True,
        )
    print(f"after {args.runs} runs, {load_average()}; peak memory {peak_mib():,.0f} MiB")
    print("wall clock (what a caller sees; slower while the machine is busy):")
    print(f"  one transaction at a time (post_transaction, 2 postings each), postings/s: {spread(figures['single'])}")
    print(f"  bulk (post_transactions_bulk, {args.per_call:,} a call), postings/s: {spread(figures['bulk'])}")
    print(f"  restate_commitments, 12 months, ms: {spread_ms(figures['restate'])}")
    print("per CPU-second of this process and its database server process (leaves out waiting for the disk):")
    print(f"  one transaction at a time, postings per CPU-second: {spread(figures['single_cpu'])}")
    print(f"  bulk, postings per CPU-second: {spread(figures['bulk_cpu'])}")
    print(f"  restate_commitments, 12 months, CPU ms: {spread_ms(figures['restate_cpu'])}")
    if args.postings:
        scale(pool, args)


def spread_ms(values: list[float]) -> str:
    import statistics

    return f"{statistics.median(values):.2f} (range {min(values):.2f} to {max(values):.2f}, {len(values)} runs)"


def one_run(pool, args) -> dict[str, float]:
    """One-at-a-time and bulk postings/s, and ms per 12-month restatement, for a fresh pool; each by the wall
    clock and per CPU-second (`_cpu`)."""
    from jointcare.pool import services
    from jointcare.pool.domain import AccountKind

    spend = [services.account_for(pool, AccountKind.SPEND, scheme=s).pk for s in pool.schemes.order_by("pk")]
    cash = services.account_for(pool, AccountKind.CASH).pk
    months = [dt.date(2026, 4, 1) + dt.timedelta(days=30 * i + 3) for i in range(12)]

    def pay(i: int, prefix: str):
        amount = 1000 + i % 9000
        services.post_transaction(
            None,
            pool,
            key=f"{prefix}:{i}",
            value_date=months[i % 12],
            postings=[(spend[i % len(spend)], amount), (cash, -amount)],
            reason="benchmark payment",
            source="benchmark",
            kind="actual",
            reference=f"INV{i}",
        )

    for i in range(50):
        pay(i, "warm")
    c, t = cpu_seconds(), time.perf_counter()
    for i in range(args.single):
        pay(i, "one")
    single, single_cpu = 2 * args.single / (time.perf_counter() - t), 2 * args.single / (cpu_seconds() - c)

    n_tx = args.bulk // 2
    c, t = cpu_seconds(), time.perf_counter()
    posted = 0
    for start in range(0, n_tx, args.per_call):
        entries = [
            services.Entry(
                key=f"bulk:{i}",
                value_date=months[i % 12],
                postings=[(spend[i % len(spend)], 1000 + i % 9000), (cash, -(1000 + i % 9000))],
                reason="benchmark payment",
                kind="actual",
                reference=f"INV{i}",
            )
            for i in range(start, min(n_tx, start + args.per_call))
        ]
        posted += services.post_transactions_bulk(None, pool, entries, "benchmark").postings
    bulk, bulk_cpu = posted / (time.perf_counter() - t), posted / (cpu_seconds() - c)

    schemes = list(pool.schemes.order_by("pk")[:10])
    starts = [dt.date(2026, 4, 1) + dt.timedelta(days=31 * i) for i in range(12)]
    for k in range(10):  # each package's first plan, not timed
        services.restate_commitments(None, schemes[k], "care", f"package-{k}", {m: 5000 for m in starts})
    c, t = cpu_seconds(), time.perf_counter()
    for i in range(args.restate):
        k = i % 10
        services.restate_commitments(
            None, schemes[k], "care", f"package-{k}", {m: 5000 + (i + j) % 97 for j, m in enumerate(starts)}
        )
    restate = (time.perf_counter() - t) / args.restate * 1000
    restate_cpu = (cpu_seconds() - c) / args.restate * 1000
    return {
        "single": single,
        "single_cpu": single_cpu,
        "bulk": bulk,
        "bulk_cpu": bulk_cpu,
        "restate": restate,
        "restate_cpu": restate_cpu,
    }


def scale(pool, args) -> None:
    """Budget monitoring and `ledger check` on the last pool once --postings more are loaded directly."""
    from jointcare.pool import reports, services
    from jointcare.pool.domain import AccountKind
    from jointcare.pool.models import Pool, Posting

    spend = [services.account_for(pool, AccountKind.SPEND, scheme=s).pk for s in pool.schemes.order_by("pk")]
    cash = services.account_for(pool, AccountKind.CASH).pk
    t = time.perf_counter()
    generate(pool, args.postings, spend, cash)
    print(f"SETUP (direct load, not the service): {args.postings:,} postings in {time.perf_counter() - t:.1f} s")
    total = Posting.objects.count()
    print(f"database holds {total:,} postings")
    pool = Pool.objects.get(pk=pool.pk)
    runs = args.runs
    secs, data = median_time(lambda: reports.monitoring(pool, through=7), runs)
    print(
        f"budget monitoring ({len(data['schemes'])} schemes x 12 months, partners, totals): {secs * 1000:.1f} ms "
        f"(median of {runs})"
    )
    secs, _ = median_time(lambda: reports.monitoring_table(reports.monitoring(pool, through=7)), runs)
    print(f"  with the export table: {secs * 1000:.1f} ms")
    secs, problems = median_time(reports.ledger_check, min(runs, 2))
    print(f"ledger check over {total:,} postings: {secs:.2f} s, {len(problems)} problems")
    for p in problems[:5]:
        print(f"  {p}")
    print(f"peak memory: {peak_mib():,.0f} MiB")


def make_pool(suffix: str = ""):
    from jointcare.money import split_largest_remainder
    from jointcare.organisations.models import Organisation
    from jointcare.partnerships.models import Agreement
    from jointcare.pool import services
    from jointcare.pool.models import Pool

    existing = Pool.objects.filter(name=f"Benchmark pool{suffix}").first()
    if existing is not None:
        raise SystemExit("the database already holds the benchmark pool: use a fresh scratch database")
    icb = Organisation.objects.create(name="Bench ICB", sector="nhs", kind="icb")
    council = Organisation.objects.create(name="Bench Council", sector="council", kind="upper_tier_council")
    trust = Organisation.objects.create(name="Bench Trust", sector="nhs", kind="nhs_trust")
    agreement = Agreement.objects.create(
        name=f"Bench s75{suffix}", kind="section_75_pooled_fund", starts_on=dt.date(2026, 4, 1)
    )
    areas = [
        "reablement",
        "home_care",
        "community_equipment",
        "housing_adaptations",
        "community_matrons",
        "carers",
        "intermediate_care",
    ]
    partners = [icb, council, trust]
    spec = services.PoolSpec(
        agreement=agreement,
        financial_year=2026,
        name=f"Benchmark pool{suffix}",
        host=council,
        risk_reserve_pence=10**8,
        # pooled contributions equal the schemes' budgets plus the reserve (the pool's validation)
        contributions=[
            services.ContributionSpec(p, amount, schedule="monthly")
            for p, amount in zip(partners, split_largest_remainder(40 * 5 * 10**9 + 10**8, [1, 1, 1]), strict=True)
        ],
        schemes=[
            services.SchemeSpec(
                f"S{i:02d}",
                f"Scheme {i}",
                areas[i % 7],
                partners[i % 3],
                5 * 10**9,
                [(partners[i % 3], 6000), (partners[(i + 1) % 3], 4000)],
            )
            for i in range(40)
        ],
    )
    return services.create_pool(None, spec)


def generate(pool, n_postings: int, spend: list[int], cash: int) -> None:
    """SET-UP ONLY: write balanced transactions of 4 postings straight into the tables, then rebuild the
    monthly balances from the postings with one GROUP BY."""
    from django.db import connection, transaction

    from jointcare.pool.models import LedgerTransaction, Posting

    periods = list(pool.periods.order_by("number").values_list("pk", flat=True))
    n_tx = n_postings // 4
    tx_start = (LedgerTransaction.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    posting_start = (Posting.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    now = "2026-11-23 09:00:00+00"
    n_spend = len(spend)

    def tx_rows():
        for i in range(n_tx):
            m = i % 12
            yield (
                tx_start + i,
                pool.pk,
                periods[m],
                f"gen:{i}",
                "",  # no digest: generated rows are never posted again
                "actual",
                f"2026-{(m + 3) % 12 + 1:02d}-01",
                "setup",
                "generated payment",
                "",
                now,
            )

    def posting_rows():
        pid = posting_start
        for i in range(n_tx):
            tx, period = tx_start + i, periods[i % 12]
            a = 100 + (i * 7919) % 100_000
            b = 100 + (i * 104729) % 50_000
            yield (pid, tx, spend[i % n_spend], period, a)
            yield (pid + 1, tx, spend[(i + 7) % n_spend], period, b)
            yield (pid + 2, tx, cash, period, -a)
            yield (pid + 3, tx, cash, period, -b)
            pid += 4

    tx_cols = (
        "(id, pool_id, period_id, idempotency_key, digest, kind, value_date, source, reason, reference, posted_at)"
    )
    p_cols = "(id, transaction_id, account_id, period_id, amount_pence)"
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL session_replication_role = replica")
            with cur.cursor.copy(f"COPY pool_ledgertransaction {tx_cols} FROM STDIN") as copy:
                for row in tx_rows():
                    copy.write_row(row)
            with cur.cursor.copy(f"COPY pool_posting {p_cols} FROM STDIN") as copy:
                for row in posting_rows():
                    copy.write_row(row)
            for table in ("pool_ledgertransaction", "pool_posting"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )
        else:
            raw = cur.cursor
            chunk = []
            for row in tx_rows():
                chunk.append(row)
                if len(chunk) == 100_000:
                    raw.executemany(
                        f"INSERT INTO pool_ledgertransaction {tx_cols} VALUES (?,?,?,?,?,?,?,?,?,?,?)", chunk
                    )
                    chunk = []
            if chunk:
                raw.executemany(
                    f"INSERT INTO pool_ledgertransaction {tx_cols} VALUES (?,?,?,?,?,?,?,?,?,?,?)", chunk
                )
            chunk = []
            for row in posting_rows():
                chunk.append(row)
                if len(chunk) == 200_000:
                    raw.executemany(f"INSERT INTO pool_posting {p_cols} VALUES (?,?,?,?,?)", chunk)
                    chunk = []
            if chunk:
                raw.executemany(f"INSERT INTO pool_posting {p_cols} VALUES (?,?,?,?,?)", chunk)
        cur.execute(
            "UPDATE pool_monthlybalance SET amount_pence = s.total, postings = s.n FROM ("
            " SELECT account_id, period_id, SUM(amount_pence) AS total, COUNT(*) AS n FROM pool_posting"
            " GROUP BY account_id, period_id) AS s"
            " WHERE pool_monthlybalance.account_id = s.account_id AND pool_monthlybalance.period_id = s.period_id"
        )
    if connection.vendor == "postgresql":
        # vacuumed as well as analysed: as autovacuum leaves an insert-only table in use, its pages marked
        # all-visible, so that the ledger check's index-only scans read no table rows (decision 0126), whenever
        # autovacuum happens to run
        with connection.cursor() as cur:
            cur.execute("VACUUM (ANALYZE) pool_posting")
            cur.execute("VACUUM (ANALYZE) pool_ledgertransaction")


if __name__ == "__main__":
    main()
