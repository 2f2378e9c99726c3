"""The pooled-budget ledger: bulk posting through the public service, budget monitoring and `ledger check` on a
pool holding millions of postings, and peak memory.

    .venv/bin/python -m benchmarks.pool_ledger [--database-url URL] [--postings N] [--bulk N] [--runs N]

Uses a fresh temporary SQLite database unless --database-url is given (that database is migrated, so point it
at a fresh scratch database). Runs with JOINTCARE_DEBUG=0, as in production.

1. Bulk posting: `services.post_transactions_bulk` (validation, idempotency, period locks, monthly balances,
   audit), in calls of --per-call transactions (default 10,000) of 2 postings each, for --bulk postings in
   all. Reports postings/s.
2. SETUP ONLY (not the public service): generate --postings more postings directly into the tables (PostgreSQL
   COPY, SQLite executemany, balanced transactions of 4 postings) and rebuild the monthly balances with one
   INSERT ... SELECT ... GROUP BY, so the pool holds --postings + --bulk postings. On PostgreSQL the balance
   trigger is bypassed for this load only (session_replication_role = replica); `ledger check` then verifies
   what was loaded.
3. Budget monitoring for the pool (median of --runs).
4. `ledger check` over every posting (median of --runs, at least one run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import time

from benchmarks._setup import django_database, median_time


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--postings", type=int, default=10_000_000, help="postings generated as set-up")
    parser.add_argument("--bulk", type=int, default=200_000, help="postings posted through the service")
    parser.add_argument(
        "--per-call", type=int, default=10_000, help="transactions per post_transactions_bulk call"
    )
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    django_database(args.database_url)


    from jointcare.pool import reports, services
    from jointcare.pool.domain import AccountKind
    from jointcare.pool.models import Pool

    pool = make_pool()
    spend = [services.account_for(pool, AccountKind.SPEND, scheme=s).pk for s in pool.schemes.order_by("pk")]
    cash = services.account_for(pool, AccountKind.CASH).pk
    months = [dt.date(2026, 4, 1) + dt.timedelta(days=30 * i + 3) for i in range(12)]

    # 1. bulk posting through the public service
    per_call = args.per_call
    n_tx = args.bulk // 2
    t = time.perf_counter()
    posted = 0
    for start in range(0, n_tx, per_call):
        entries = [
            services.Entry(
                key=f"bulk:{i}",
                value_date=months[i % 12],
                postings=[(spend[i % len(spend)], 1000 + i % 9000), (cash, -(1000 + i % 9000))],
                reason="benchmark payment",
                kind="actual",
                reference=f"INV{i}",
            )
            for i in range(start, min(n_tx, start + per_call))
        ]
        posted += services.post_transactions_bulk(None, pool, entries, "benchmark").postings
    bulk_s = time.perf_counter() - t
    print(
        f"bulk posting via post_transactions_bulk: {posted:,} postings in {bulk_s:.2f} s = "
        f"{posted / bulk_s:,.0f} postings/s ({per_call:,} transactions per call)"
    )
    t = time.perf_counter()
    again = services.post_transactions_bulk(None, pool, entries, "benchmark")
    print(
        f"  re-posting the last call (idempotent): {again.posted} posted, {again.skipped:,} skipped "
        f"in {time.perf_counter() - t:.2f} s"
    )
    print(f"  peak memory so far: {peak_mib():,.0f} MiB")

    # 2. set-up: generate postings directly
    if args.postings:
        t = time.perf_counter()
        generate(pool, args.postings, spend, cash)
        print(
            f"SETUP (direct load, not the service): {args.postings:,} postings in {time.perf_counter() - t:.1f} s"
        )
    from jointcare.pool.models import Posting

    total = Posting.objects.filter(account__pool=pool).count()
    print(f"pool holds {total:,} postings")

    # 3. monitoring
    pool = Pool.objects.get(pk=pool.pk)
    secs, data = median_time(lambda: reports.monitoring(pool, through=7), args.runs)
    print(
        f"budget monitoring ({len(data['schemes'])} schemes x 12 months, partners, totals): {secs * 1000:.1f} ms "
        f"(median of {args.runs})"
    )
    secs, _ = median_time(lambda: reports.monitoring_table(reports.monitoring(pool, through=7)), args.runs)
    print(f"  with the export table: {secs * 1000:.1f} ms")

    # 4. ledger check
    secs, problems = median_time(reports.ledger_check, min(args.runs, 2))
    print(f"ledger check over {total:,} postings: {secs:.2f} s, {len(problems)} problems")
    for p in problems[:5]:
        print(f"  {p}")
    print(f"peak memory: {peak_mib():,.0f} MiB")


def make_pool():
    from jointcare.money import split_largest_remainder
    from jointcare.organisations.models import Organisation
    from jointcare.partnerships.models import Agreement
    from jointcare.pool import services
    from jointcare.pool.models import Pool

    existing = Pool.objects.filter(name="Benchmark pool").first()
    if existing is not None:
        raise SystemExit("the database already holds the benchmark pool: use a fresh scratch database")
    icb = Organisation.objects.create(name="Bench ICB", sector="nhs", kind="icb")
    council = Organisation.objects.create(name="Bench Council", sector="council", kind="upper_tier_council")
    trust = Organisation.objects.create(name="Bench Trust", sector="nhs", kind="nhs_trust")
    agreement = Agreement.objects.create(
        name="Bench s75", kind="section_75_pooled_fund", starts_on=dt.date(2026, 4, 1)
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
        name="Benchmark pool",
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
        with connection.cursor() as cur:
            cur.execute("ANALYZE pool_posting")
            cur.execute("ANALYZE pool_ledgertransaction")


if __name__ == "__main__":
    main()
