"""Importing a national-scale Client Level Data file: time and peak memory.

    .venv/bin/python -m benchmarks.cld_import [--rows 10000000] [--councils 20] [--database-url URL] [--keep FILE]
                                              [--file FILE] [--runs 3]

1. Set-up: a synthetic CLD file (CSV, Release 2 columns, every row valid) of --rows events spread over
   --councils councils, one rolling 12-month submission each (2025-04-01 to 2026-03-31), written by DuckDB from
   generated rows: service users and carers with valid 999-range NHS numbers (some without, identified by the
   council's person ID), requests, assessments, services of every type (some open) and reviews, with the
   defined values, costs and dates in order. Synthetic only.
2. The import, `services.import_cld` (as `jointcare cld import` runs it), in a child process of its own so its
   peak resident memory is the import's alone; it prints its time, its peak memory and the submissions loaded.
3. The load average before and after, because the figure is only as quiet as the machine.
`--runs N` repeats the import (each into a fresh database and data directory) and prints the median and range;
`--file` imports a file generated before (by `--keep`) instead of generating one.

Uses a fresh temporary SQLite database and data directory unless --database-url is given.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GENERATE = """
COPY (
    WITH base AS (
        SELECT i,
               i % {councils} AS council,
               (i // {councils}) // 4 AS person,
               hash(i) AS h
        FROM range({rows}) t(i)
    ),
    typed AS (
        SELECT *,
            ['Request', 'Assessment', 'Service', 'Review'][1 + (h % 4)::INTEGER] AS event_type,
            DATE '2025-04-01' + CAST((h >> 8) % 330 AS INTEGER) AS start_date,
            '999' || lpad(CAST(person % 1000000 AS VARCHAR), 6, '0') AS nine
        FROM base
    ),
    nhs AS (
        SELECT *,
            (11 - (CAST(substr(nine, 1, 1) AS INTEGER) * 10 + CAST(substr(nine, 2, 1) AS INTEGER) * 9
                 + CAST(substr(nine, 3, 1) AS INTEGER) * 8 + CAST(substr(nine, 4, 1) AS INTEGER) * 7
                 + CAST(substr(nine, 5, 1) AS INTEGER) * 6 + CAST(substr(nine, 6, 1) AS INTEGER) * 5
                 + CAST(substr(nine, 7, 1) AS INTEGER) * 4 + CAST(substr(nine, 8, 1) AS INTEGER) * 3
                 + CAST(substr(nine, 9, 1) AS INTEGER) * 2) % 11) % 11 AS check_digit
        FROM typed
    )
    SELECT
        'E' || ['06', '08', '09', '10'][1 + (council % 4)::INTEGER] || lpad(CAST(council + 1 AS VARCHAR), 6, '0') AS LA_Code,
        '2025-04-01' AS Reporting_Period_Start_Date,
        '2026-03-31' AS Reporting_Period_End_Date,
        'LA' || person AS LA_Person_Unique_Identifier,
        CASE WHEN check_digit < 10 AND h % 10 <> 0 THEN nine || check_digit END AS NHS_Number,
        'Y' || lpad(CAST(person % 99999 AS VARCHAR), 5, '0') AS GP_Practice_Code,
        ['Female', 'Male'][1 + (person % 2)::INTEGER] AS Gender,
        ['White: English, Welsh, Scottish, Northern Irish or British', 'Asian or Asian British: Indian',
         'Black, Black British, Caribbean or African: African', 'No data: Undeclared or not known'][1 + (person % 4)::INTEGER] AS Ethnicity,
        strftime(DATE '1925-01-01' + CAST(person % 25000 AS INTEGER), '%Y-%m-%d') AS Date_of_Birth,
        NULL AS Date_of_Death,
        'AB1 2CD' AS Postcode,
        CASE WHEN person % 20 = 0 THEN 'Carer' ELSE 'Service user' END AS Client_Type,
        'Physical Support: Personal care support' AS Primary_Support_Reason,
        'Owner occupier or shared ownership scheme' AS Accommodation_Status,
        'Retired' AS Employment_Status,
        'No' AS Has_Unpaid_Carer,
        'Fully funded by the local authority' AS Client_Funding_Status,
        'No' AS Autism_Spectrum_Disorder_ASD,
        'No' AS Visual_Impairment,
        'No' AS Hearing_Impairment,
        'No' AS Dementia,
        event_type AS Event_Type,
        'EV' || i AS Event_Reference,
        NULL AS Event_Description,
        strftime(start_date, '%Y-%m-%d') AS Event_Start_Date,
        CASE WHEN event_type = 'Service' AND h % 3 = 0 THEN NULL
             ELSE strftime(start_date + CAST((h >> 16) % 30 AS INTEGER), '%Y-%m-%d') END AS Event_End_Date,
        CASE WHEN event_type = 'Service' AND h % 3 = 0 THEN NULL
             ELSE ['Progress to assessment, review or reassessment', 'NFA: Information and advice or signposting',
                   'Progress to support planning or services', 'Continuation of support or services',
                   'NFA: Support ended as planned'][1 + ((h >> 20) % 5)::INTEGER] END AS Event_Outcome,
        CASE WHEN event_type = 'Request' THEN 'Community / other route' END AS Request_Route_of_Access,
        CASE WHEN event_type = 'Assessment' THEN 'Long term assessment' END AS Assessment_Type,
        CASE WHEN event_type = 'Assessment' THEN 'Yes' END AS Eligible_Needs_Identified,
        CASE WHEN event_type = 'Assessment' THEN 'Face to face' END AS Method_of_Assessment,
        NULL AS Total_Hrs_Caring_per_week,
        NULL AS No_of_adults_being_cared_for,
        NULL AS Adult_1_Linked_Person_ID,
        NULL AS Adult_2_Linked_Person_ID,
        NULL AS Adult_3_Linked_Person_ID,
        CASE WHEN event_type = 'Review' THEN 'Planned: Review of long term support' END AS Review_Reason,
        CASE WHEN event_type = 'Review' THEN 'Fully achieved' END AS Review_Outcomes_Achieved,
        CASE WHEN event_type = 'Review' THEN 'Face to face' END AS Method_of_Review,
        CASE WHEN event_type = 'Service' THEN
            ['Long term support: Nursing care', 'Long term support: Residential care', 'Long term support: Community',
             'Short term support: ST-Max', 'Short term support: Ongoing low level',
             'Short term support: Other short term'][1 + ((h >> 24) % 6)::INTEGER] END AS Service_Type,
        CASE WHEN event_type = 'Service' THEN 'Home care' END AS Service_Component,
        CASE WHEN event_type = 'Service' THEN 'CASSR Commissioned support' END AS Delivery_Mechanism,
        CASE WHEN event_type = 'Service' THEN '1-123456789' END AS Provider_CQC_Location_ID,
        CASE WHEN event_type = 'Service' THEN CAST(15 + (h >> 28) % 1000 / 100.0 AS VARCHAR) END AS Unit_Cost,
        CASE WHEN event_type = 'Service' THEN 'Hourly' END AS Cost_Frequency_Unit_Type,
        CASE WHEN event_type = 'Service' THEN CAST(1 + (h >> 32) % 20 AS VARCHAR) END AS Planned_units_per_week
    FROM nhs
    ORDER BY council, i
) TO '{path}' (HEADER, DELIMITER ',')
"""


def generate(path: Path, rows: int, councils: int) -> float:
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute("SET memory_limit = '2GB'")
    con.execute(f"SET temp_directory = '{path.parent / 'spill'}'")
    con.execute(GENERATE.format(rows=rows, councils=councils, path=str(path).replace("'", "''")))
    con.close()
    return time.perf_counter() - started


def child(path: str) -> None:
    """Run in a process of its own: the import, then its time and peak memory."""
    from benchmarks._setup import django_database

    django_database(os.environ.get("BENCH_DATABASE_URL", ""))
    from jointcare.cld import services

    started = time.perf_counter()
    outcome = services.import_cld(None, Path(path), Path(path).name)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"import: {outcome.rows:,} rows, {len(outcome.submissions)} submissions, ok={outcome.ok}, "
          f"{elapsed:.1f} s ({outcome.rows / elapsed:,.0f} rows/s), peak memory {peak:,.0f} MiB", flush=True)
    if not outcome.ok:
        print(outcome.report(10))
        sys.exit(1)


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--councils", type=int, default=20)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--keep", help="write the generated file here and keep it")
    parser.add_argument("--file", help="import this file (made by --keep) instead of generating one")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    with tempfile.TemporaryDirectory(prefix="jointcare-cld-bench-") as tmp:
        print(f"{load()} (before); {os.cpu_count()} CPUs", flush=True)
        if args.file:
            path = Path(args.file)
        else:
            path = Path(args.keep) if args.keep else Path(tmp) / "cld.csv"
            seconds = generate(path, args.rows, args.councils)
            print(f"generated {args.rows:,} events for {args.councils} councils: {path.stat().st_size / 1e9:.2f} GB "
                  f"in {seconds:.1f} s", flush=True)
        times = []
        for run in range(args.runs):
            run_dir = Path(tmp) / f"run{run}"
            run_dir.mkdir()
            env = dict(os.environ, BENCH_DATABASE_URL=args.database_url, JOINTCARE_DATA_DIR=str(run_dir / "data"),
                       JOINTCARE_VAR_DIR=str(run_dir))
            result = subprocess.run([sys.executable, "-m", "benchmarks.cld_import", "--child", str(path)], env=env,
                                    check=False, capture_output=True, text=True)
            print(result.stdout + result.stderr[-3000:], end="", flush=True)
            if result.returncode:
                sys.exit(result.returncode)
            times.append(float(re.search(r"import: .*?, ([\d.]+) s \(", result.stdout).group(1)))
        times.sort()
        print(f"import, {args.runs} run(s): median {times[len(times) // 2]:.1f} s, "
              f"range {times[0]:.1f} to {times[-1]:.1f} s", flush=True)
        print(f"{load()} (after)", flush=True)

if __name__ == "__main__":
    main()
