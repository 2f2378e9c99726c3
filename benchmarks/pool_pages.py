"""The pool's finance pages on a pool of many postings: the ledger (first page, one scheme's month, a deep page),
a download of one scheme's month, budget monitoring and contributions due, as a signed-in finance officer.

    .venv/bin/python -m benchmarks.pool_pages [--database-url URL] [--postings N] [--runs N]

Uses a fresh temporary SQLite database unless --database-url is given (point it at a fresh scratch database).
The postings are loaded directly into the tables as set-up (benchmarks.pool_ledger.generate); each page is then
requested through Django's test client, so the time includes the view, the queries and the template.
"""

from __future__ import annotations

import argparse

from benchmarks._setup import django_database, median_time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--postings", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    django_database(args.database_url)

    from django.test import Client

    from benchmarks.pool_ledger import generate, make_pool
    from jointcare.accounts import services as accounts
    from jointcare.pool import services
    from jointcare.pool.domain import AccountKind
    from jointcare.pool.models import Posting

    pool = make_pool()
    spend = [services.account_for(pool, AccountKind.SPEND, scheme=s).pk for s in pool.schemes.order_by("pk")]
    cash = services.account_for(pool, AccountKind.CASH).pk
    generate(pool, args.postings, spend, cash)
    total = Posting.objects.filter(account__pool=pool).count()
    print(f"pool holds {total:,} postings")

    user = accounts.create_user(None, username="bench", password="benchmark-password-1", roles=["finance_officer"])
    client = Client()
    client.force_login(user)
    pages = total // 50
    for label, url in [
        ("ledger, first page of every posting", f"/pools/{pool.pk}/ledger"),
        ("ledger, one scheme in one month", f"/pools/{pool.pk}/ledger?scheme=S03&month=5"),
        (f"ledger, page {pages // 2:,} of {pages:,}", f"/pools/{pool.pk}/ledger?page={pages // 2}"),
        ("ledger download (CSV), one scheme in one month", f"/pools/{pool.pk}/ledger?scheme=S03&month=5&format=csv"),
        ("ledger download (XLSX), one scheme in one month", f"/pools/{pool.pk}/ledger?scheme=S03&month=5&format=xlsx"),
        ("budget monitoring", f"/pools/{pool.pk}/monitoring"),
        ("contributions due and received", f"/pools/{pool.pk}/contributions"),
    ]:
        secs, response = median_time(lambda url=url: client.get(url), args.runs)
        assert response.status_code == 200, (url, response.status_code)
        print(f"{label}: {secs * 1000:,.0f} ms (median of {args.runs}; {len(response.content):,} bytes)")


if __name__ == "__main__":
    main()
