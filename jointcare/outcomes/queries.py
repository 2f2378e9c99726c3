"""The measures' SQL, composed and rendered for an engine. Pure: no Django import.

Each file in `sql/` is written once, in DuckDB's dialect; its rows are the people or episodes behind a measure
(`la_code, person_id, start_date, end_date, outcome, grp, in_numerator, in_denominator`). A file names the shared
definitions it needs on a first line `-- include: ...`; `_common.sql` always comes first. SQLGlot transpiles the
result for Spark (decision 0105).
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.resources import files

import sqlglot

from jointcare.outcomes import domain

ENGINES = ("duckdb", "spark")
COLUMNS = ("la_code", "person_id", "start_date", "end_date", "outcome", "grp", "in_numerator", "in_denominator")


@cache
def source(name: str) -> str:
    return files("jointcare.outcomes").joinpath("sql", name).read_text(encoding="utf-8")


def _quoted(values) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _body_and_includes(name: str) -> tuple[str, list[str]]:
    includes: list[str] = []
    lines = source(name).splitlines()
    body = []
    for line in lines:
        if line.startswith("-- include:"):
            includes = [w.strip() for w in line.split(":", 1)[1].split(",") if w.strip()]
        elif line.startswith("--") and not body:
            continue
        else:
            body.append(line)
    return "\n".join(body).strip(), includes


SHARED = ("common", "stmax_sequels", "discharges", "reablement_discharges")

# Shared definitions that only select from the views, or feed a single later definition: an engine that holds the
# views in memory computes these where they are read (DuckDB makes them views) rather than keeping a copy.
WHERE_READ = frozenset({"people", "ev", "stmax_ordered", "stmax_numbered", "stmax_ends"})


def _params(period: domain.Period) -> dict:
    autumn_start, autumn_end = period.autumn
    return {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "autumn_start": autumn_start.isoformat(),
        "autumn_end": autumn_end.isoformat(),
        "no_ongoing_support": _quoted(domain.NO_ONGOING_SUPPORT),
        "long_term_sequels": _quoted(domain.LONG_TERM_SEQUELS),
        "settled": _quoted(domain.SETTLED_ACCOMMODATION),
    }


def _shared_file(name: str, hospital: bool) -> str:
    if name == "discharges":
        return "_discharges_hospital.sql" if hospital else "_discharges_cld.sql"
    return f"_{name}.sql"


def shared(period: domain.Period, hospital: bool) -> list[tuple[str, str]]:
    """The shared definitions, each (name, SELECT) in DuckDB's dialect, in an order each can be built in: the
    engines build them once as tables (DuckDB) or cached views (Spark) that every measure then reads."""
    out = []
    for inc in SHARED:
        text = source(_shared_file(inc, hospital)).format(**_params(period))
        tree = sqlglot.parse_one(f"WITH {text} SELECT 1", read="duckdb")
        for cte in tree.args["with_"].expressions:
            out.append((cte.alias, cte.this.sql(dialect="duckdb")))
    return out


def measure_sql(name: str, period: domain.Period) -> str:
    """The rows behind the measures of one SQL file, reading the shared definitions by name."""
    body, _ = _body_and_includes(name)
    body = body.format(**_params(period))
    return body if body.upper().startswith("SELECT") else f"WITH {body}"


def detail_sql(name: str, period: domain.Period, hospital: bool) -> str:
    """The same, self-contained: the shared definitions as a WITH clause (for reading without preparing)."""
    ctes = ",\n".join(f"{n} AS ({q})" for n, q in shared(period, hospital))
    body, _ = _body_and_includes(name)
    body = body.format(**_params(period))
    return f"WITH {ctes}\n{body}" if body.upper().startswith("SELECT") else f"WITH {ctes},\n{body}"


def counts_sql(name: str, period: domain.Period) -> str:
    """Numerators and counted denominators per council and group, from the same rows (shared definitions built)."""
    return (
        "SELECT la_code, grp, SUM(in_numerator) AS numerator, SUM(in_denominator) AS denominator "
        f"FROM ({measure_sql(name, period)}) AS measure_rows GROUP BY la_code, grp"
    )


def for_engine(sql: str, engine: str) -> str:
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}")
    if engine == "duckdb":
        return sql
    return _transpile(sql, engine)


@cache
def _transpile(sql: str, engine: str) -> str:
    return sqlglot.transpile(sql, read="duckdb", write=engine)[0]


@cache
def fingerprint() -> str:
    """A digest of every SQL file: a kept result computed by other SQL is never read back."""
    digest = hashlib.sha256()
    for f in sorted(p.name for p in files("jointcare.outcomes").joinpath("sql").iterdir() if p.name.endswith(".sql")):
        digest.update(f.encode() + b"\0" + source(f).encode() + b"\0")
    return digest.hexdigest()[:16]


def sql_files() -> list[str]:
    return sorted({m.sql for m in domain.MEASURES})
