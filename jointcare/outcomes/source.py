"""The measures' read side: a DuckDB connection holding the views they read (the seam).

The views (`cld_events_joined`, `cld_person_details`, `populations`, `hospital_activity`) come from imported
Client Level Data (`connect`, `jointcare.cld.store.create_views`, decision 0100) or from jointcare's own records
exported as CLD and loaded by the same import, without keeping it (`from_records`, decision 0116): one mapping
(`jointcare.cld.from_records`), one set of checks, the same measures."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb

from jointcare.outcomes import domain


def connect(period: domain.Period) -> duckdb.DuckDBPyConnection:
    from jointcare.cld import store

    con = duckdb.connect()
    store.create_views(con, period_start=period.start, period_end=period.end, materialize=True)
    return con


def fingerprint() -> str:
    """A digest of everything `connect` reads: the loaded submissions and hospital activity (their files are
    written once, under fresh names), the populations, and where the files are. Any import, any change of status
    and any new population figure changes it."""
    import hashlib

    from jointcare.cld import store
    from jointcare.cld.models import HospitalImport, Population, Status, Submission

    parts = [
        str(store.data_dir()),
        list(Submission.objects.filter(status=Status.LOADED).order_by("pk").values_list(
            "pk", "la_code", "reporting_period_start", "reporting_period_end", "received_at", "events_file")),
        list(HospitalImport.objects.filter(status=Status.LOADED).order_by("pk").values_list("pk", "events_file")),
        list(Population.objects.order_by("area_code", "age_band").values_list(
            "area_code", "age_band", "population", "loaded_at")),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def record_councils() -> list[str]:
    """The councils responsible for someone in jointcare's own records (live records only)."""
    from jointcare.cld import domain as cld
    from jointcare.people.models import Person

    codes = Person.objects.filter(voided_at__isnull=True).values_list("responsible_council", flat=True).distinct()
    return sorted(c for c in {(c or "").strip().upper() for c in codes} if cld.is_council_code(c))


@contextlib.contextmanager
def from_records(period: domain.Period, councils: list[str] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The same views from jointcare's own records instead of imported files: each council's submission for the
    12 months ending on the period's last day is exported (`cld.services.export_cld`) and loaded by the import's
    own checks (`cld.services.import_cld`) into a temporary data directory, within a transaction rolled back
    before the connection is handed over: no submission (and no audit entry of the load) is kept.

    Raises NotExportable (naming the first problems) when a council's records do not export cleanly."""
    from django.db import transaction

    from jointcare.cld import services, store
    from jointcare.cld.models import Status, Submission

    con = duckdb.connect()
    try:
        with tempfile.TemporaryDirectory(prefix="jointcare-records-") as tmp, store.using_data_dir(Path(tmp)):
            with transaction.atomic():
                ids: list[int] = []
                for council in record_councils() if councils is None else councils:
                    path = Path(tmp) / f"{council}.csv"
                    result = services.export_cld(None, council, period.end, path)
                    if not result.outcome.ok:
                        transaction.set_rollback(True)
                        raise NotExportable(council, result.outcome.report(5))
                    if result.rows == 0:
                        continue
                    loaded = services.import_cld(None, path, path.name)
                    # this load's submissions (the same file may have been imported before, as a kept submission)
                    same = Submission.objects.filter(status=Status.LOADED, file_sha256=loaded.sha256)
                    batch = same.order_by("-pk").values_list("batch", flat=True)[:1]
                    ids += same.filter(batch__in=list(batch)).values_list("pk", flat=True)
                store.create_views(con, period_start=period.start, period_end=period.end, materialize=True,
                                   submissions=ids)
                transaction.set_rollback(True)
        yield con
    finally:
        con.close()


class NotExportable(ValueError):
    def __init__(self, council: str, problems: list[dict]):
        self.council, self.problems = council, problems
        first = "; ".join(f"row {p.get('row')}, {p.get('field')}: {p.get('reason')}" for p in problems)
        super().__init__(f"{council}'s records do not export as Client Level Data: {first}")


def councils(con) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT DISTINCT LA_Code FROM cld_events_joined WHERE LA_Code IS NOT NULL ORDER BY 1").fetchall()]


def populations(con) -> dict[tuple[str, str], int]:
    return {(a, b): int(p) for a, b, p in con.execute(
        "SELECT area_code, age_band, population FROM populations WHERE population IS NOT NULL").fetchall()}


def has_hospital(con) -> bool:
    return bool(con.execute("SELECT EXISTS (SELECT 1 FROM hospital_activity)").fetchone()[0])
