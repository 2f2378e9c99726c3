"""Coterminosity for all of England at every level, and loading the reference data.

    .venv/bin/python -m benchmarks.coterminosity [--database-url URL] [--runs N]

Uses a fresh temporary SQLite database unless --database-url is given (that database is migrated and loaded,
so point it at a scratch database). Prints: load-reference (first load, then an idempotent re-load), then for
each level the time to compute from the database (cold: reads the LSOA tables) and from the in-memory snapshot
(warm: the report is kept per reference version, so this is the rounding for output; median of N), weighted by
LSOA count and then by a synthetic population; the page, organisation page and API response times (in-process
test client, warm); and the peak memory.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time

from benchmarks._setup import django_database, median_time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    django_database(args.database_url)

    from jointcare.places import domain, report, services
    from jointcare.places.models import Lsoa, Lsoa21

    t = time.perf_counter()
    first = services.load_reference(None)
    first_s = time.perf_counter() - t
    t = time.perf_counter()
    again = services.load_reference(None)
    again_s = time.perf_counter() - t
    rows = sum(c["created"] for c in first["counts"].values())
    writes = sum(c["created"] + c["updated"] + c["deleted"] for c in again["counts"].values())
    print(f"load-reference, empty database: {first_s:.2f} s ({rows:,} rows, {rows / first_s:,.0f} rows/s)")
    print(f"load-reference, again (idempotent): {again_s:.2f} s ({writes} rows written)")

    def measure(label: str) -> None:
        for level in domain.LEVELS:
            report.clear_cache()
            t = time.perf_counter()
            result = report.coterminosity_report(level)
            cold = time.perf_counter() - t
            warm, _ = median_time(lambda lv=level: report.rounded_bodies(report.coterminosity_report(lv)), args.runs)
            s = result["summary"]
            print(
                f"coterminosity {level:>7} [{label}]: cold {cold * 1000:7.1f} ms, warm {warm * 1000:6.1f} ms "
                f"(median of {args.runs}); {s['bodies']} bodies, {s['several_councils']} span several councils, "
                f"{s['coterminous']} coterminous at 0.95"
            )

    measure("LSOA count")

    from django.test import Client

    from jointcare.accounts import services as accounts

    client = Client()
    client.force_login(accounts.create_user(None, username="bench", password="bench-password-1", roles=["analyst"]))
    for level in domain.LEVELS:
        client.get("/coterminosity/", {"level": level})
        page, _ = median_time(lambda lv=level: client.get("/coterminosity/", {"level": lv}), args.runs)
        api, _ = median_time(lambda lv=level: client.get("/api/v1/coterminosity", {"level": lv}), args.runs)
        print(f"page /coterminosity/?level={level}: {page * 1000:.1f} ms; API: {api * 1000:.1f} ms (median of {args.runs})")
    from jointcare.organisations.models import Organisation

    icb = Organisation.objects.get(kind="icb", ods_code="QOP", active=True)
    client.get(f"/organisations/{icb.pk}/")
    org_page, _ = median_time(lambda: client.get(f"/organisations/{icb.pk}/"), args.runs)
    print(f"page /organisations/<ICB>/ (Greater Manchester): {org_page * 1000:.1f} ms (median of {args.runs})")
    codes = sorted(set(Lsoa.objects.values_list("code", flat=True)) | set(Lsoa21.objects.values_list("code", flat=True)))
    text = "\n".join(f"{code},{1000 + (i * 37) % 1500}" for i, code in enumerate(codes))
    t = time.perf_counter()
    services.load_population(None, text)
    print(f"load-population, {len(codes):,} LSOA codes of 2011 and 2021 (synthetic): {time.perf_counter() - t:.2f} s")
    del text, codes, first, again
    gc.collect()
    measure("population")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak memory: {peak_kib / 1024:.0f} MiB; python {sys.version.split()[0]}; {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
