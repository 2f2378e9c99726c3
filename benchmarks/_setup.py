"""What every benchmark shares: a fresh database (temporary SQLite, or a scratch PostgreSQL database given by
URL), migrated, with Django set up as in production (no per-query debug logging); and a median timer."""

from __future__ import annotations

import os
import statistics
import tempfile
import time

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
