"""The measures' read side: a DuckDB connection holding the views they read (the seam).

Today the views come from imported Client Level Data (`jointcare.cld.store.create_views`, decision 0100). When
jointcare's own records are exported as CLD, whatever registers the same views (`cld_events_joined`,
`cld_person_details`, `populations`, `hospital_activity`) feeds the same measures unchanged."""

from __future__ import annotations

import duckdb

from jointcare.outcomes import domain


def connect(period: domain.Period) -> duckdb.DuckDBPyConnection:
    from jointcare.cld import store

    con = duckdb.connect()
    store.create_views(con, period_start=period.start, period_end=period.end, materialize=True)
    return con


def councils(con) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT DISTINCT LA_Code FROM cld_events_joined WHERE LA_Code IS NOT NULL ORDER BY 1").fetchall()]


def populations(con) -> dict[tuple[str, str], int]:
    return {(a, b): int(p) for a, b, p in con.execute(
        "SELECT area_code, age_band, population FROM populations WHERE population IS NOT NULL").fetchall()}


def has_hospital(con) -> bool:
    return bool(con.execute("SELECT EXISTS (SELECT 1 FROM hospital_activity)").fetchone()[0])
