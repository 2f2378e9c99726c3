"""On PostgreSQL: each search the people app makes can be answered from an index, never a scan of every person."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from jointcare.people import services

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _plan(qs) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("kwargs", [
    {"nhs_number": "999 000 0018"},
    {"name": "sian obr", "date_of_birth": dt.date(1941, 3, 9)},
    {"name": "obrien", "date_of_birth": dt.date(1941, 3, 9), "postcode": "M33 7ZZ"},
])
def test_searches_use_an_index(people_world, person, kwargs):
    plan = _plan(services.search(**kwargs))
    assert "Index" in plan and "Seq Scan on people_person" not in plan, plan
