import duckdb
import pytest

from jointcare.outcomes import compute, domain, source

LA, OTHER = "E09000001", "E06000001"
FY = ("2025-04-01", "2026-03-31")
PREVIOUS = ("2024-04-01", "2025-03-31")
PERIOD = domain.parse_period("2025-26")
NHS = ["9990000018", "9990000026", "9990000034", "9990000042", "9990000050", "9990000069"]


def pack(period=PERIOD):
    con = source.connect(period)
    try:
        return compute.compute_pack(con, period)
    finally:
        con.close()


def figure(code, area=domain.ALL, period=PERIOD):
    p = pack(period)
    return p.figure(domain.BY_CODE[code], area)


def behind(code, area=domain.ALL, period=PERIOD):
    con = source.connect(period)
    try:
        return compute.behind(con, domain.BY_CODE[code], period, area)
    finally:
        con.close()


@pytest.fixture
def empty_duckdb():
    con = duckdb.connect()
    yield con
    con.close()
