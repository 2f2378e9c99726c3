"""Organisation and partnership pages on realistic volumes: query counts and response times.

    .venv/bin/python -m benchmarks.list_pages [--database-url URL] [--runs N] [--agreements N]

Uses a fresh temporary SQLite database unless --database-url is given (that database is migrated, loaded with
the reference data and the demo, and given N extra agreements, so point it at a scratch database). Prints, for
each page, the number of SQL queries and the median time of N runs through Django's test client (no network).
The query count must not grow with the number of rows; tests guard it with 5 and 50 rows.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

from benchmarks._setup import django_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--agreements", type=int, default=500)
    args = parser.parse_args()
    django_database(args.database_url)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from jointcare.accounts.models import User
    from jointcare.organisations.models import Organisation
    from jointcare.partnerships import demo, services
    from jointcare.places import services as places

    if not Organisation.objects.filter(source="reference").exists():
        places.load_reference(None)
    if not demo.exists():
        demo.build()
    council = Organisation.objects.get(gss_code=demo.COUNCIL_CODE)
    sub = Organisation.objects.get(gss_code=demo.SUB_ICB_CODE)
    t = time.perf_counter()
    for i in range(args.agreements):
        services.create_agreement(
            None, name=f"Bench agreement {i:05d}", kind="section_75_pooled_fund", starts_on="2025-04-01",
            parties=[(council, "host"), (sub, "member")],
        )
    made = time.perf_counter() - t
    print(f"created {args.agreements} agreements through the service in {made:.2f} s")
    print(f"organisations: {Organisation.objects.count():,}")

    client = Client(SERVER_NAME="localhost")
    client.force_login(User.objects.get(username="commissioner"))
    agreement = demo.existing().agreement
    icb = Organisation.objects.get(gss_code=demo.ICB_CODE)
    pages = [
        "/organisations/",
        "/organisations/?page=100",
        "/organisations/?q=medical",
        "/organisations/?kind=gp_practice&sector=nhs",
        f"/organisations/{sub.pk}/",
        f"/organisations/{icb.pk}/",
        "/partnerships/",
        "/partnerships/?page=5",
        f"/partnerships/{agreement.pk}/",
        "/partnerships/new",
        "/api/v1/organisations?limit=500",
        "/api/v1/partnerships?limit=500",
        f"/api/v1/partnerships/{agreement.pk}",
    ]
    client.get(pages[0])  # warm the template cache
    print(f"{'page':<48} {'status':>6} {'queries':>8} {'median ms':>10}")
    for path in pages:
        times = []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - start)
        print(f"{path:<48} {response.status_code:>6} {len(ctx.captured_queries):>8} {statistics.median(times) * 1000:>10.1f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
