"""Finding and opening people among a million: search by NHS number and by name + date of birth through the API,
and the person page, as a signed-in care coordinator at one of the GP practices.

    .venv/bin/python -m benchmarks.people_search --database-url postgres://postgres@127.0.0.1:5432/jc_bench [--people N] [--runs N]

Point --database-url at a fresh scratch PostgreSQL database (the loader uses COPY); without it a temporary SQLite
database is used, loaded in batches (slower). The loader writes synthetic people straight into the table: 999-range
NHS numbers (the range holds about 909,000 valid numbers; people beyond those have none, like records held only
by a council), names drawn from common lists, dates of birth over 85 years, 30 GP practices. Each timing is one
request through Django's test client (view, queries, template, audit entry), reported as 50th and 95th percentile.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import time

GIVEN = ["Margaret", "John", "Patricia", "David", "Susan", "Peter", "Jean", "Brian", "Irene", "Kenneth", "Doris",
         "Ahmed", "Fatima", "Mohammed", "Aisha", "Siân", "Eóin", "Zoë", "Renée", "Tomás", "Grace", "Harold"]
FAMILY = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
          "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Khan",
          "Begum", "Hussain", "O'Brien", "Núñez", "Kowalski", "Murphy", "Okafor", "Mensah", "Patel", "Shah"]
COLUMNS = ("nhs_number", "council_person_id", "given_name", "family_name", "date_of_birth", "sex", "gender",
           "ethnicity", "postcode", "gp_practice_id", "responsible_council", "responsible_council_reason",
           "accommodation", "long_term_conditions", "national_opt_out", "consent_to_share", "restricted",
           "void_reason", "family_key", "given_key", "created_at", "updated_at")


def _numbers():
    from jointcare.people.domain import nhs_check_digit

    for n in range(1_000_000):
        body = f"999{n:06d}"
        check = nhs_check_digit(body)
        if check is not None:
            yield body + str(check)
    while True:
        yield None


def rows(count: int, practices: list[int], seed: int = 1):
    from jointcare.people.domain import name_key

    rng = random.Random(seed)
    keys = {n: name_key(n) for n in GIVEN + FAMILY}
    numbers = _numbers()
    start = dt.date(1920, 1, 1)
    now = dt.datetime.now(dt.UTC)
    # Surnames in real life follow a long tail: add numbered variants so each name + date of birth is rare.
    families = FAMILY + [f"{f}{s}" for f in ("Ash", "Brook", "Clay", "Dale", "Fern", "Hill", "Lee", "Moor")
                         for s in ("by", "croft", "field", "ford", "ham", "ley", "ton", "well", "wood", "worth")]
    for f in families:
        keys.setdefault(f, name_key(f))
    for i in range(count):
        given, family = rng.choice(GIVEN), rng.choice(families)
        yield (next(numbers), f"C{i:07d}", given, family, start + dt.timedelta(days=rng.randint(0, 31_000)),
               rng.choice(("male", "female")), "same", "white_british", f"M33 {rng.randint(1, 9)}AB",
               rng.choice(practices), "E08000009", "", "owner_occupier", "[]", False, True, False, "",
               keys[family], keys[given], now, now)


def load(count: int, practices: list[int]) -> float:
    from django.db import connection

    t = time.perf_counter()
    table = "people_person"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows(count, practices):
                    copy.write_row(row)
            cursor.execute(f"ANALYZE {table}")
    else:
        sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
        batch = []
        with connection.cursor() as cursor:
            for row in rows(count, practices):
                batch.append(row)
                if len(batch) == 10_000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
    return time.perf_counter() - t


def percentiles(fn, targets) -> tuple[float, float]:
    times = []
    for target in targets:
        t = time.perf_counter()
        fn(target)
        times.append((time.perf_counter() - t) * 1000)
    cuts = statistics.quantiles(times, n=20)
    return statistics.median(times), cuts[18]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200, help="requests of each kind (percentiles over these)")
    args = parser.parse_args()
    from benchmarks._setup import django_database

    django_database(args.database_url)

    from django.db import connection
    from django.test import Client

    from jointcare.accounts import services as accounts
    from jointcare.organisations.models import Organisation
    from jointcare.people.models import Person

    from jointcare.accounts.models import User
    from jointcare.people import services

    if Person.objects.exists():  # a second run on the same database: time again without loading
        practices = list(Organisation.objects.filter(kind="gp_practice", ods_code__startswith="P9")
                         .order_by("ods_code").values_list("pk", flat=True))
        print(f"reusing {Person.objects.count():,} people already loaded")
    else:
        practices = [Organisation.objects.create(name=f"Practice {i}", sector="nhs", kind="gp_practice",
                                                 ods_code=f"P9{i:04d}").pk for i in range(30)]
        secs = load(args.people, practices)
        print(f"loaded {Person.objects.count():,} people in {secs:,.0f} s ({connection.vendor})")
    total = Person.objects.order_by("-pk").values_list("pk", flat=True).first()

    user = User.objects.filter(username="bench").first() or accounts.create_user(
        None, username="bench", password="benchmark-password-1", roles=["care_coordinator"],
        organisation=Organisation.objects.get(pk=practices[0]))
    client = Client()
    client.force_login(user)
    rng = random.Random(7)
    sample = list(Person.objects.filter(pk__in=[rng.randint(1, total) for _ in range(args.runs * 2)])
                  .exclude(nhs_number=None).values("pk", "nhs_number", "given_name", "family_name", "date_of_birth",
                                                   "gp_practice_id")[: args.runs])

    def by_number(p):
        spaced = f"{p['nhs_number'][:3]} {p['nhs_number'][3:6]} {p['nhs_number'][6:]}"
        response = client.get("/api/v1/people", {"nhs_number": spaced})
        assert response.status_code == 200 and response.json()["count"] == 1, response.content

    def by_name(p):
        response = client.get("/api/v1/people", {"name": f"{p['given_name']} {p['family_name'][:4]}",
                                                 "date_of_birth": p["date_of_birth"].isoformat()})
        assert response.status_code == 200 and p["pk"] in [i["id"] for i in response.json()["items"]]

    mine = list(Person.objects.filter(gp_practice_id=practices[0]).values_list("pk", flat=True)[: args.runs])

    def page(pk):
        response = client.get(f"/people/{pk}/")
        assert response.status_code == 200, response.status_code

    def query_number(p):
        assert len(list(services.search(nhs_number=p["nhs_number"])[:50])) == 1

    def query_name(p):
        found = services.search(name=f"{p['given_name']} {p['family_name'][:4]}", date_of_birth=p["date_of_birth"])
        assert p["pk"] in [x.pk for x in found[:50]]

    for label, fn, targets in [
        ("search by NHS number, the query alone", query_number, sample),
        ("search by name + date of birth, the query alone", query_name, sample),
        ("search by NHS number (API, spaced 3 3 4)", by_number, sample),
        ("search by name + date of birth (API)", by_name, sample),
        ("person page (GP practice staff, audited view)", page, mine),
    ]:
        fn(targets[0])  # warm
        p50, p95 = percentiles(fn, targets)
        print(f"{label}: p50 {p50:,.1f} ms, p95 {p95:,.1f} ms ({len(targets)} requests)")
    plan = connection.cursor()
    if connection.vendor == "postgresql":
        p = sample[0]
        plan.execute("EXPLAIN SELECT id FROM people_person WHERE voided_at IS NULL AND date_of_birth = %s "
                     "AND family_key LIKE %s", [p["date_of_birth"], p["family_name"][:3].lower() + "%"])
        print("plan, name + date of birth:", " / ".join(r[0].strip() for r in plan.fetchall()[:3]))
    print(json.dumps({"people": total}))


if __name__ == "__main__":
    main()
