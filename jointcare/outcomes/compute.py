"""The measure pack: every measure for a period, per council and for all councils together (read-only)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache

from jointcare.outcomes import domain, queries, source
from jointcare.outcomes.engines import engine_for


class NoData(ValueError):
    pass


@dataclass
class Pack:
    period: domain.Period
    councils: list[str]
    hospital: bool
    populations: dict[tuple[str, str], int]
    # (measure code, council) -> Figure
    figures: dict[tuple[str, str], domain.Figure] = field(default_factory=dict)

    def figure(self, measure: domain.Measure, area: str) -> domain.Figure:
        if area == domain.ALL:
            return domain.combine(measure.code, (self.figures[(measure.code, c)] for c in self.councils), measure.scale)
        return self.figures[(measure.code, area)]

    def population(self, measure: domain.Measure, area: str) -> int | None:
        if measure.kind is not domain.Kind.RATE:
            return None
        areas = self.councils if area == domain.ALL else [area]
        found = [self.populations.get((a, measure.group)) for a in areas]
        return sum(p for p in found if p is not None) if any(p is not None for p in found) else None

    def rows(self, area: str = domain.ALL) -> list[domain.Row]:
        if area != domain.ALL and area not in self.councils:
            raise NoData(f"No Client Level Data is loaded for {area} for {self.period.label}")
        return [
            domain.Row(m, self.figure(m, area), self.population(m, area), follow_up=bool(m.follow_up_label) and not self.hospital)
            for m in domain.MEASURES
        ]


def compute_pack(con, period: domain.Period, engine: str = "duckdb") -> Pack:
    """Run every measure's SQL once on the engine over the views on `con`."""
    hospital = source.has_hospital(con)
    pack = Pack(period, source.councils(con), hospital, source.populations(con))
    runner = engine_for(engine, con)
    try:
        runner.prepare(queries.shared(period, hospital))
        counts: dict[tuple[str, str, str], tuple[int, int]] = {}
        for name in queries.sql_files():
            if name == "bcf_dtr.sql" and not hospital:
                continue
            for la, grp, num, den in runner.rows(queries.counts_sql(name, period)):
                counts[(name, la, grp)] = (int(num or 0), int(den or 0))
    finally:
        runner.close()
    for m in domain.MEASURES:
        for la in pack.councils:
            num, den = counts.get((m.sql, la, m.group), (0, 0))
            if m.kind is domain.Kind.RATE:
                den = pack.populations.get((la, m.group), 0)
            pack.figures[(m.code, la)] = domain.Figure(m.code, la, num, den, domain.value(num, den, m.scale))
    return pack


# A pack is kept for a day at most; any change to what it is computed from gives it a new key (`_cache_key`).
CACHE_SECONDS = 24 * 60 * 60


def _cache_key(period: domain.Period, engine: str) -> str:
    return f"outcomes.pack:{engine}:{period.label}:{queries.fingerprint()}:{source.fingerprint()}"


def compute(period: domain.Period, engine: str = "duckdb", con=None) -> Pack:
    """The pack for a period from the imported data. Kept in Django's cache under a key naming everything it is
    computed from (the loaded submissions and hospital activity, the populations, the measures' SQL), so pages and
    the API compute each period once per change of data rather than on every request. `con`: the views for the
    period, already open (`source.connect`), used when the pack is not kept yet."""
    key = _cache_key(period, engine)
    pack = cache.get(key)
    if pack is None:
        own = con is None
        con = source.connect(period) if own else con
        try:
            pack = compute_pack(con, period, engine)
        finally:
            if own:
                con.close()
        cache.set(key, pack, CACHE_SECONDS)
    return pack


DETAIL_LIMIT = 500


def behind(con, measure: domain.Measure, period: domain.Period, area: str) -> list[dict]:
    """The people or episodes behind a measure (DuckDB), numerator first: at most DETAIL_LIMIT rows."""
    hospital = source.has_hospital(con)
    if measure.needs_hospital and not hospital:
        return []
    sql = queries.detail_sql(measure.sql, period, hospital)
    where = "grp = ?" + ("" if area == domain.ALL else " AND la_code = ?")
    params = [measure.group] + ([] if area == domain.ALL else [area])
    cur = con.execute(
        f"SELECT * FROM ({sql}) AS r WHERE {where} "
        "ORDER BY in_numerator DESC, in_denominator DESC, la_code, person_id, start_date LIMIT " + str(DETAIL_LIMIT),
        params,
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
