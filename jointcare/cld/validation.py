"""Reading and checking a CLD or hospital activity file in DuckDB, in the manner of DHSC's data-quality checks.

The file (CSV, or XLSX first turned into CSV by `jointcare.readers`) is read once into a DuckDB database in a
temporary directory, every value as text, within a memory limit (DuckDB spills to disk beyond it). Each check is
one SQL query giving (row, field, reason); rows are numbered as a spreadsheet shows them (the header is row 1).
Nothing here writes to the platform: `services` decides, from the outcome, what to load.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from jointcare import limits
from jointcare.cld import domain
from jointcare.errors import FieldError
from jointcare.limits import shorten

MAX_REPORT_ROWS = 1_000  # problems kept per submission (the count is always complete)
MEMORY_LIMIT = "1GB"
THREADS = 2
EARLIEST_BIRTH = date(1900, 1, 1)
_MAX_HEADER_BYTES = 64 * 1024


@dataclass
class Found:
    """One submission found in a file: LA_Code + reporting period, its rows and its problems."""

    la_code: str
    start: date
    end: date
    rows: int = 0
    errors: int = 0
    report: list[dict] = field(default_factory=list)
    release_1_values: int = 0

    @property
    def key(self) -> tuple:
        return (self.la_code, self.start, self.end)

    def as_dict(self) -> dict:
        return {
            "la_code": self.la_code, "reporting_period_start": self.start.isoformat(),
            "reporting_period_end": self.end.isoformat(), "rows": self.rows, "errors": self.errors,
        }


@dataclass
class Outcome:
    file_name: str
    sha256: str = ""
    rows: int = 0
    file_errors: int = 0  # problems not belonging to one submission (the header, unreadable rows, no LA_Code)
    file_report: list[dict] = field(default_factory=list)
    submissions: list[Found] = field(default_factory=list)
    release_1_columns: int = 0

    @property
    def ok(self) -> bool:
        return self.file_errors == 0 and all(s.errors == 0 for s in self.submissions) and self.rows > 0

    @property
    def error_count(self) -> int:
        return self.file_errors + sum(s.errors for s in self.submissions)

    def report(self, limit: int = MAX_REPORT_ROWS) -> list[dict]:
        """Every problem kept, file-wide first, in row order."""
        rows = list(self.file_report)
        for s in self.submissions:
            rows.extend(s.report)
        rows.sort(key=lambda r: (r["row"] if r["row"] is not None else 0, r["field"]))
        return rows[:limit]


# --- reading the file ---------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_header(path: Path) -> list[str]:
    with path.open("rb") as f:
        raw = f.readline(_MAX_HEADER_BYTES + 1)
    if not raw.strip():
        raise FieldError("The file is empty: it needs a header row and at least one row of data", field="file")
    if len(raw) > _MAX_HEADER_BYTES:
        raise FieldError(f"Row 1: the header row is longer than {_MAX_HEADER_BYTES // 1024} KB", field="file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FieldError(f"Row 1: the text is not UTF-8 (byte {exc.start + 1} is not valid)", field="file") from None
    problem = limits.text_problem(text)
    if problem:
        raise FieldError(f"Row 1: the header {problem}", field="file")
    header = next(csv.reader(io.StringIO(text)), [])
    if len(header) > limits.MAX_CLD_COLUMNS:
        raise FieldError(
            f"Row 1: the file has {len(header):,} columns; the most read is {limits.MAX_CLD_COLUMNS}", field="file"
        )
    return header


def xlsx_to_csv(source: Path, target: Path) -> None:
    """Write the first sheet of a workbook as CSV (dates as YYYY-MM-DD), streaming, within the readers' limits."""
    from jointcare.readers import read_table

    with source.open("rb") as stream, target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        for row in read_table(source.name, stream):
            writer.writerow([_cell(v) for v in row])


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Staged:
    """A file being checked: the DuckDB connection, with view `raw` over the CSV (one text column per field, NULL
    where the file lacks it), and the Outcome so far.

    The fast path never holds the file: `scan` runs the summary query straight over the CSV (recording rows that
    cannot be read), and the load writes Parquet straight from it. Only a file with problems is `materialize`d
    into a table, whose `rowid` + 2 is the row number, to report them one by one.
    """

    def __init__(self, con, outcome: Outcome, names: list[str | None], n_columns: int, max_rows: int, small: bool):
        self.con, self.outcome, self.names = con, outcome, names
        self.n_columns, self.max_rows, self.small = n_columns, max_rows, small
        self.materialized = False
        self._rejected_lines: set[int] = set()

    def scan(self, sql: str) -> list[tuple]:
        """The rows of `sql`, the first query to read the file; then the rows that could not be read are recorded."""
        try:
            result = self.con.execute(sql).fetchall()
        except duckdb.Error as exc:
            raise FieldError(
                f"The file cannot be read as CSV: {shorten(str(exc).splitlines()[0], 200)}", field="file"
            ) from None
        self._rejects()
        return result

    def counted(self, rows: int) -> None:
        """Record how many rows the file has, refusing a file with none or too many."""
        self.outcome.rows = rows
        if rows > self.max_rows:
            self.outcome.file_errors += 1
            self.outcome.file_report.append({
                "row": None, "field": "file",
                "reason": f"the file has more than {self.max_rows:,} rows, the most one import reads: split it",
            })
        if rows == 0 and self.outcome.file_errors == 0:
            self.outcome.file_errors += 1
            self.outcome.file_report.append({"row": None, "field": "file", "reason": "the file has no rows of data"})

    def _rejects(self) -> None:
        """Record the lines DuckDB could not read (each scan reads only the columns it needs, so each may find
        more); a line is counted once however many scans meet it."""
        con, outcome = self.con, self.outcome
        rejects = con.execute("""
            SELECT DISTINCT ON (line) line, column_idx, error_type, error_message FROM reject_errors
            ORDER BY line, column_idx
        """).fetchall()
        names = self.names
        for line, column_idx, error_type, message in rejects:
            if line in self._rejected_lines:
                continue
            self._rejected_lines.add(line)
            outcome.file_errors += 1
            if len(outcome.file_report) >= MAX_REPORT_ROWS:
                continue
            column = names[column_idx - 1] if column_idx and column_idx <= len(names) and names[column_idx - 1] else "file"
            outcome.file_report.append(
                {"row": int(line), "field": column, "reason": _reject_reason(error_type, message, self.n_columns)}
            )

    def materialize(self) -> None:
        """Read the file into table `raw` (in the file's order) to report its problems row by row."""
        if not self.materialized:
            self.con.execute("CREATE TABLE raw_rows AS SELECT * FROM raw")
            self.con.execute("DROP VIEW raw")
            self.con.execute("ALTER TABLE raw_rows RENAME TO raw")
            self.materialized = True


@contextmanager
def staged(
    path: Path, file_name: str, *, columns: dict[str, str], fields: tuple[str, ...], required: tuple[str, ...],
    max_rows: int = limits.MAX_CLD_ROWS,
) -> Iterator[Staged]:
    """The file at `path` opened for checking (see Staged). `columns`: column_key -> Release 2 name, for the
    kind of file (unknown columns are read and ignored); `fields`: the columns of `raw`; `required`: the columns
    the file must have. DuckDB works in a temporary directory, removed on exit."""
    workdir = Path(tempfile.mkdtemp(prefix="jointcare-import-"))
    con = None
    try:
        outcome = Outcome(file_name=file_name)
        source = path
        if file_name.lower().endswith(".xlsx"):
            source = workdir / "sheet.csv"
            xlsx_to_csv(path, source)
        elif not file_name.lower().endswith((".csv", ".txt")):
            raise FieldError("Give a .csv or .xlsx file", field="file")
        outcome.sha256 = _sha256(path)
        header = _read_header(source)
        names: list[str | None] = []
        seen: dict[str, int] = {}
        for i, raw in enumerate(header):
            name = columns.get(domain.column_key(raw))
            if name and name in seen:
                outcome.file_report.append(
                    {"row": 1, "field": name, "reason": f"column {i + 1} repeats column {seen[name] + 1} ({name})"}
                )
                name = None
            if name:
                seen[name] = i
                if raw.strip() != name:
                    outcome.release_1_columns += 1
            names.append(name)
        for name in required:
            if name not in seen:
                outcome.file_report.append({"row": 1, "field": name, "reason": f"the column {name} is missing"})
        outcome.file_errors = len(outcome.file_report)
        # A small file is read in memory; a large one, if it must be held, into a database file DuckDB spills from.
        small = source.stat().st_size < 64 * limits.MB
        con = duckdb.connect(":memory:" if small else str(workdir / "import.duckdb"))
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        con.execute(f"SET threads = {THREADS}")
        con.execute(f"SET temp_directory = '{workdir / 'spill'}'")
        con.execute("SET preserve_insertion_order = true")
        spec = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header)))
        select = ", ".join(f"c{seen[n]} AS {n}" if n in seen else f"CAST(NULL AS VARCHAR) AS {n}" for n in fields)
        con.execute(f"""
            CREATE VIEW raw AS SELECT {select} FROM read_csv(
                '{str(source).replace("'", "''")}', header = true, auto_detect = false, columns = {{{spec}}},
                delim = ',', quote = '"', escape = '"', store_rejects = true, max_line_size = 1048576
            )
        """)
        con.execute("CREATE TABLE problems (row BIGINT, field VARCHAR, reason VARCHAR, k_la VARCHAR, "
                    "k_start DATE, k_end DATE)")
        yield Staged(con, outcome, names, len(header), max_rows, small)
    finally:
        if con is not None:
            con.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _reject_reason(error_type: str, message: str, n_columns: int) -> str:
    if error_type == "MISSING COLUMNS":
        return f"the row has fewer values than the header's {n_columns} columns (is the file cut short?)"
    if error_type == "TOO MANY COLUMNS":
        return f"the row has more values than the header's {n_columns} columns"
    if error_type == "INVALID ENCODING":
        return "the text is not UTF-8"
    if error_type == "LINE SIZE OVER MAXIMUM":
        return "the line is longer than 1 MB"
    if error_type == "UNQUOTED VALUE":
        return "a value has a stray quotation mark"
    return shorten(f"the row cannot be read ({message})", 200)


# --- checks --------------------------------------------------------------------------------------------------


def blank(col: str) -> str:
    return f"(nullif(trim({col}), '') IS NULL)"


def given(col: str) -> str:
    return f"(nullif(trim({col}), '') IS NOT NULL)"


def as_date(col: str) -> str:
    return f"coalesce(try_cast(trim({col}) AS DATE), CAST(try_strptime(trim({col}), '%d/%m/%Y') AS DATE))"


def d(col: str) -> str:
    """The parsed date of a date column, computed once per row by the `checked` view (see `date_columns`)."""
    return f"{col}__d"


def date_columns(fields: tuple[domain.Field, ...]) -> str:
    """SQL columns `<field>__d`: each date field parsed once, for every check and the load to share."""
    return ", ".join(f"{as_date(f.name)} AS {f.name}__d" for f in fields if f.kind == domain.DATE)


def as_decimal(col: str) -> str:
    return f"try_cast(replace(replace(trim({col}), ',', ''), '£', '') AS DECIMAL(14,4))"


def nhs_number_ok(col: str) -> str:
    """SQL: the (space-free) value is ten digits whose tenth is the modulus-11 check digit of the first nine."""
    t = f"replace(trim({col}), ' ', '')"
    total = " + ".join(f"try_cast(substr({t}, {i + 1}, 1) AS INTEGER) * {10 - i}" for i in range(9))
    return f"(regexp_full_match({t}, '[0-9]{{10}}') AND (11 - ({total}) % 11) % 11 = try_cast(substr({t}, 10, 1) AS INTEGER))"


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def mapped_columns(distinct: dict[str, list[str]]) -> str:
    """SQL columns `<field>__r2` (the Release 2 value; NULL for an undefined one) and `<field>__r1` (the file
    spelled it as Release 1 did) for each field, from the distinct values the file holds: constant CASE and IN
    lists, cheaper per row than joins to mapping tables."""
    columns = []
    for field_name, values in distinct.items():
        mapping = domain.value_mapping(field_name)
        whens, release_1 = [], []
        for raw in values or ():
            value = mapping.get(domain.value_key(raw))
            if value is not None:
                whens.append(f"WHEN {quote(raw)} THEN {quote(value)}")
                if raw.strip() != value:
                    release_1.append(quote(raw))
        r2 = f"CASE {field_name} {' '.join(whens)} END" if whens else "CAST(NULL AS VARCHAR)"
        r1 = f"{field_name} IN ({', '.join(release_1)})" if release_1 else "false"
        columns.append(f"{r2} AS {field_name}__r2, {r1} AS {field_name}__r1")
    return ", ".join(columns)


# --- the checks of a CLD file ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    field: str
    problem: str  # SQL: true when the row has the problem
    reason: str  # SQL: the reason, as text


def value_sql(col: str) -> str:
    """SQL: the value, shortened, in quotation marks, for a reason; 'The value' for a field that identifies a
    person, whose value a report never repeats."""
    if col in domain.PERSONAL_FIELDS:
        return "'The value'"
    return "'''' || left(trim(" + col + "), 60) || ''''"


def _text(reason: str) -> str:
    return quote(reason)


def field_checks(fields: tuple[domain.Field, ...]) -> list[Check]:
    """Format checks every field of a kind gets: a date is a date, a number a number, text within its length."""
    checks = []
    for f in fields:
        c = f.name
        if f.kind == domain.DATE:
            checks.append(Check(c, f"{given(c)} AND {d(c)} IS NULL",
                                f"{value_sql(c)} || ' is not a date (write YYYY-MM-DD or DD/MM/YYYY)'"))
        elif f.kind == domain.DECIMAL:
            checks.append(Check(c, f"{given(c)} AND {as_decimal(c)} IS NULL", f"{value_sql(c)} || ' is not a number'"))
            checks.append(Check(c, f"{as_decimal(c)} < 0", f"{value_sql(c)} || ' is negative'"))
        else:
            checks.append(Check(c, f"length(trim({c})) > {f.max_length}",
                                f"'is ' || length(trim({c})) || ' characters long; the most allowed is {f.max_length}'"))
    return checks


def cld_checks(maps: dict[str, str]) -> list[Check]:
    """Every row-level check of a CLD file. `maps`: field -> the SQL of its mapped (Release 2) value."""
    event_type = maps["Event_Type"]
    client_type = maps["Client_Type"]
    checks = field_checks(domain.FIELDS)
    for c in domain.MANDATORY:
        checks.append(Check(c, blank(c), _text(f"is blank; {c} is mandatory")))
    for c, (why, types) in domain.MANDATORY_WHEN.items():
        listed = ", ".join(quote(t) for t in types)
        condition = f"{blank(c)} AND {event_type} IN ({listed})"
        if c == "Date_of_Birth":
            condition += f" AND {client_type} IN ({', '.join(quote(t) for t in domain.DATE_OF_BIRTH_CLIENT_TYPES)})"
            why = "it is mandatory for a service user"
        checks.append(Check(c, condition, f"'is blank; it is mandatory for this ' || lower({event_type}) || ' ({why})'"))
    for c, mapped in maps.items():
        checks.append(Check(c, f"{given(c)} AND {mapped} IS NULL",
                            f"{value_sql(c)} || ' is not a defined value of {c} (Release 2 or Release 1)'"))
    checks.append(Check(
        "LA_Code", f"{given('LA_Code')} AND NOT regexp_full_match(trim(LA_Code), 'E(06|08|09|10)[0-9]{{6}}')",
        f"{value_sql('LA_Code')} || ' is not the GSS code of a council with social services (E06, E08, E09 or E10 and six digits)'",
    ))
    checks.append(Check("NHS_Number", f"{given('NHS_Number')} AND NOT {nhs_number_ok('NHS_Number')}",
                        f"{value_sql('NHS_Number')} || ' is not a valid NHS number (ten digits ending in the right check digit)'"))

    impossible = [
        ("Reporting_Period_End_Date", f"{d('Reporting_Period_End_Date')} < {d('Reporting_Period_Start_Date')}",
         "is before the Reporting_Period_Start_Date"),
        ("Event_End_Date", f"{d('Event_End_Date')} < {d('Event_Start_Date')}", "is before the Event_Start_Date"),
        ("Event_Start_Date", f"{d('Event_Start_Date')} > {d('Reporting_Period_End_Date')}",
         "is after the reporting period ends"),
        ("Date_of_Birth", f"{d('Date_of_Birth')} > {d('Event_Start_Date')}", "is after the event starts"),
        ("Date_of_Birth", f"{d('Date_of_Birth')} < DATE '{EARLIEST_BIRTH.isoformat()}'", "is before 1900"),
        ("Date_of_Death", f"{d('Date_of_Death')} < {d('Date_of_Birth')}", "is before the Date_of_Birth"),
        ("Event_Start_Date", f"{d('Event_Start_Date')} > {d('Date_of_Death')}", "is after the person's Date_of_Death"),
    ]
    for c, condition, why in impossible:
        checks.append(Check(c, condition, f"{value_sql(c)} || {quote(' ' + why)}"))
    return checks


def run_checks(con, checks: list[Check], key: tuple[str, str, str] | None, *, only_if_any: bool = True) -> int:
    """Create table `problems` (row, field, reason, k_la, k_start, k_end) from the checks over the view or table
    `checked` (`raw` with `r`, its rowid, and any mapped columns); return how many rows have a problem.

    One scan finds the rows with any problem; only those are then checked one rule at a time for the report."""
    k = _key(key)
    con.execute(f"CREATE OR REPLACE TABLE bad AS SELECT * FROM checked WHERE {any_problem(checks)}")
    n_bad = con.execute("SELECT count(*) FROM bad").fetchone()[0]
    if n_bad:
        parts = [f"SELECT r + 2 AS row, {quote(c.field)} AS field, {c.reason} AS reason, {k} FROM bad WHERE {c.problem}"
                 for c in checks]
        con.execute("INSERT INTO problems " + " UNION ALL ".join(parts))
    return n_bad


def any_problem(checks: list[Check]) -> str:
    """SQL: true when the row fails any of the checks."""
    return "(" + " OR ".join(f"coalesce({c.problem}, false)" for c in checks) + ")"


def _key(key: tuple[str, str, str] | None) -> str:
    if key:
        return f"trim({key[0]}) AS k_la, {d(key[1])} AS k_start, {d(key[2])} AS k_end"
    return "NULL AS k_la, CAST(NULL AS DATE) AS k_start, CAST(NULL AS DATE) AS k_end"


def duplicates(con, fields: tuple[str, ...], key: tuple[str, str, str] | None) -> None:
    """Add to `problems` every row that repeats an earlier row exactly (hash first, then every value compared)."""
    cols = ", ".join(fields)
    k = _key(key)
    con.execute(f"""
        INSERT INTO problems
        WITH hashed AS (SELECT r, hash({cols}) AS h FROM checked),
             twice AS (SELECT h FROM hashed GROUP BY h HAVING count(*) > 1),
             candidates AS (SELECT * FROM checked WHERE hash({cols}) IN (SELECT h FROM twice)),
             ranked AS (SELECT *, min(r) OVER (PARTITION BY {cols}) AS first_r FROM candidates)
        SELECT r + 2, 'row', 'repeats row ' || (first_r + 2) || ' exactly (a duplicate event)', {k}
        FROM ranked WHERE r > first_r
    """)


def collect(con, outcome: Outcome, found_sql: str | None) -> None:
    """Fill the outcome from `problems`: per submission (found by `found_sql`: k_la, k_start, k_end, rows), and
    file-wide for rows whose submission cannot be told."""
    if found_sql:
        for la, start, end, rows in con.execute(found_sql).fetchall():
            outcome.submissions.append(Found(la, start, end, rows))
    by_key = {s.key: s for s in outcome.submissions}
    counts = con.execute("SELECT k_la, k_start, k_end, count(*) FROM problems GROUP BY ALL").fetchall()
    for la, start, end, n in counts:
        target = by_key.get((la, start, end))
        if target is not None:
            target.errors += n
        else:
            outcome.file_errors += n
    kept = con.execute(f"""
        SELECT row, field, reason, k_la, k_start, k_end FROM (
            SELECT *, row_number() OVER (PARTITION BY k_la, k_start, k_end ORDER BY row, field) AS n FROM problems
        ) WHERE n <= {MAX_REPORT_ROWS} ORDER BY row, field
    """).fetchall()
    for row, field_name, reason, la, start, end in kept:
        entry = {"row": int(row), "field": field_name, "reason": reason}
        target = by_key.get((la, start, end))
        (target.report if target is not None else outcome.file_report).append(entry)
    del outcome.file_report[MAX_REPORT_ROWS:]
