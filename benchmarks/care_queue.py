"""A team's referral queue at volume: 10,000 referrals held by one team (among others'), the queue page, its
filters and deep pages, the API list and a claim.

    .venv/bin/python -m benchmarks.care_queue [--database-url URL] [--runs N] [--referrals N] [--others N]

Uses a fresh temporary SQLite database unless --database-url is given (point it at a scratch database: it is
migrated and filled). People and referrals are bulk-inserted (the services are exercised by the tests; here the
volume matters); the claim goes through the service. Prints each request's status, query count and median time
of N runs through Django's test client (no network), and on PostgreSQL the plan of the queue's query.
Target: the queue page of a 10,000-referral team in 200 ms or less.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

from benchmarks._setup import django_database, median_time

TRAFFORD = "E08000009"


def _fill(team, other, referrals: int, others: int) -> None:
    from django.utils import timezone

    from jointcare.care.models import Referral
    from jointcare.people.domain import synthetic_nhs_number
    from jointcare.people.models import Person

    total = referrals + others
    start = time.perf_counter()
    people = [
        Person(nhs_number=synthetic_nhs_number(2 * i), given_name=f"Given{i}", family_name=f"Family{i}",
               date_of_birth=dt.date(1930, 1, 1) + dt.timedelta(days=i % 20_000), responsible_council=TRAFFORD)
        for i in range(total)
    ]
    Person.objects.bulk_create(people, batch_size=2000)
    ids = list(Person.objects.order_by("id").values_list("id", flat=True)[:total])
    now = timezone.now()
    statuses = ["unclaimed"] * 6 + ["closed"] * 3 + ["declined"]
    rows = []
    for i, pid in enumerate(ids):
        status = statuses[i % len(statuses)]
        rows.append(Referral(person_id=pid, team=team if i < referrals else other, route="hospital_discharge",
                             reason="Discharged home", received_at=now - dt.timedelta(minutes=7 * i), status=status,
                             outcome="nfa_other" if status != "unclaimed" else "",
                             claimed_by_id=None if status != "closed" else _worker_id(),
                             outcome_reason="Bench" if status == "declined" else ""))
    Referral.objects.bulk_create(rows, batch_size=2000)
    print(f"inserted {total:,} people and referrals ({referrals:,} in the team) in {time.perf_counter() - start:.1f} s")


class QueryCounter:
    """Counts the SQL statements a request runs (a database execute wrapper)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


_WORKER = {}


def _worker_id():
    return _WORKER["id"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--referrals", type=int, default=10_000)
    parser.add_argument("--others", type=int, default=20_000)
    args = parser.parse_args()
    django_database(args.database_url)
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from jointcare.accounts import services as accounts
    from jointcare.care import queries, services
    from jointcare.care.models import Referral
    from jointcare.organisations.models import Organisation

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    council = Organisation.objects.create(name="Bench Council", sector="council", kind="upper_tier_council", gss_code="E06000098")
    team = services.create_team(None, name="Bench Reablement Team", organisation=council)
    other = services.create_team(None, name="Bench Neighbourhood Team", organisation=council)
    worker = accounts.create_user(None, username="bench-worker", password="a-long-enough-password",
                                  roles=["social_worker"], organisation=council)
    _WORKER["id"] = worker.pk
    services.add_member(None, team, worker)
    _fill(team, other, args.referrals, args.others)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"referrals held by the team: {Referral.objects.filter(team=team).count():,}")

    client = Client(SERVER_NAME="localhost")
    client.force_login(worker)
    pages = [
        f"/care/teams/{team.pk}/",
        f"/care/teams/{team.pk}/?status=open",
        f"/care/teams/{team.pk}/?status=closed&page=20",
        f"/care/teams/{team.pk}/?status=unclaimed&page=100",
        f"/care/teams/{team.pk}/caseload",
        "/care/caseload",
        f"/api/v1/referrals?team={team.pk}&status=unclaimed&limit=50",
    ]
    client.get(pages[0])  # warm the template cache
    print(f"{'request':<58} {'status':>6} {'queries':>8} {'median ms':>10}")
    for path in pages:
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            response = client.get(path)
        seconds, _ = median_time(lambda p=path: client.get(p), args.runs)
        print(f"{path:<58} {response.status_code:>6} {counter.count:>8} {seconds * 1000:>10.1f}")
    # The database's share, apart from drawing the page: the queue's count and its first page of 50 rows.
    for status in ("unclaimed", "open"):
        def read(s=status):
            qs = queries.team_queue(team, s)
            return qs.count(), list(qs[:50])
        seconds, _ = median_time(read, args.runs)
        print(f"{'queue queries only (count + 50 rows), ' + status:<58} {'':>6} {2:>8} {seconds * 1000:>10.1f}")
    unclaimed = list(Referral.objects.filter(team=team, status="unclaimed").values_list("pk", flat=True)[: args.runs])
    claims = iter(unclaimed)
    seconds, _ = median_time(lambda: services.claim_referral(worker, next(claims)), len(unclaimed))
    print(f"{'claim (service: conditional UPDATE, event, audit)':<58} {'':>6} {'':>8} {seconds * 1000:>10.1f}")
    if connection.vendor == "postgresql":
        sql, params = queries.team_queue(team, "unclaimed")[:50].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, TIMING OFF) {sql}", params)
            plan = [row[0] for row in cursor.fetchall()]
        print("plan of the queue query:")
        for line in plan:
            print(f"  {line}")
    print(f"load: {os.getloadavg()[0]:.2f} (1-minute average)")


if __name__ == "__main__":
    main()
