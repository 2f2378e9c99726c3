"""Where the measures run: DuckDB by default, Spark (PySpark, local mode) for national volumes (decision 0105).

Both read the same views: on DuckDB the connection already holds them; for Spark they are written once to
Parquet in a temporary directory and registered as Spark views of the same names."""

from __future__ import annotations

import os
import tempfile
from functools import cache

from jointcare.outcomes import queries

VIEWS = ("cld_events_joined", "cld_person_details", "populations", "hospital_activity")


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, con):
        self.con = con

    def prepare(self, shared: list[tuple[str, str]]) -> None:
        for name, sql in shared:
            kind = "VIEW" if name in queries.WHERE_READ else "TABLE"
            self.con.execute(f"CREATE OR REPLACE TEMP {kind} {name} AS {sql}")

    def rows(self, sql: str) -> list[tuple]:
        return self.con.execute(queries.for_engine(sql, self.name)).fetchall()

    def close(self) -> None:
        pass


@cache
def spark_session():
    """One local SparkSession per process (starting one takes seconds). `settings.JOINTCARE_SPARK_CONF` adds to
    or overrides its configuration."""
    os.environ.setdefault("PYSPARK_PYTHON", "python3")
    from django.conf import settings
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master("local[2]")
        .appName("jointcare-measures")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
    )
    for key, value in getattr(settings, "JOINTCARE_SPARK_CONF", {}).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkEngine:
    name = "spark"

    def __init__(self, con, spark=None):
        self.spark = spark or spark_session()
        self._cached: list[str] = []
        self._dir = tempfile.TemporaryDirectory(prefix="jointcare-spark-")
        for view in VIEWS:
            path = os.path.join(self._dir.name, f"{view}.parquet")
            con.execute(f"COPY (SELECT * FROM {view}) TO '{path}' (FORMAT parquet)")
            self.spark.read.parquet(path).createOrReplaceTempView(view)

    def prepare(self, shared: list[tuple[str, str]]) -> None:
        for name, sql in shared:
            self.spark.sql(f"CACHE LAZY TABLE {name} AS {queries.for_engine(sql, self.name)}")
            self._cached.append(name)

    def rows(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in self.spark.sql(queries.for_engine(sql, self.name)).collect()]

    def close(self) -> None:
        for name in reversed(self._cached):  # a view before the views it reads
            self.spark.sql(f"UNCACHE TABLE IF EXISTS {name}")
            self.spark.catalog.dropTempView(name)
        self._cached.clear()
        self._dir.cleanup()


def engine_for(name: str, con):
    if name == "duckdb":
        return DuckDBEngine(con)
    if name == "spark":
        return SparkEngine(con)
    raise ValueError(f"engine must be one of {', '.join(queries.ENGINES)}")
